"""The public/parent report form (/report/, namespace "public"): no login."""

from django.urls import path

from safecampus.hazards import views_public

urlpatterns = [
    path("", views_public.report, name="report"),
    path("thanks/", views_public.thanks, name="thanks"),
    path("status/", views_public.status, name="status"),
]
