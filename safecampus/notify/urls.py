from django.urls import path

from safecampus.notify import views

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.open_notification, name="open"),
    path("read-all/", views.read_all, name="read_all"),
    path("robots/", views.robots, name="robots"),
    path("robots/<int:pk>/active/", views.robot_active, name="robot_active"),
    path("robots/<int:pk>/test/", views.robot_test, name="robot_test"),
]
