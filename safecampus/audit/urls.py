from django.urls import path

from safecampus.audit import views

urlpatterns = [path("", views.event_list, name="list")]
