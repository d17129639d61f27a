from django.urls import path

from safecampus.web import views

urlpatterns = [
    path("", views.home, name="home"),
    path("switch-org/", views.switch_org, name="switch_org"),
]
