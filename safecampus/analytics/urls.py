from django.urls import path

from safecampus.analytics import views

urlpatterns = [path("", views.warning_page, name="warning")]
