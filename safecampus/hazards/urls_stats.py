"""Hazard statistics page: /hazards/stats/ (namespace "hazards")."""

from django.urls import path

from safecampus.hazards import views_stats

urlpatterns = [
    path("", views_stats.hazard_stats_page, name="stats"),
]
