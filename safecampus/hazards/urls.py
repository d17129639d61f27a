"""Hazard pages, one module per area (ledger and lifecycle, statistics, Excel)."""

from django.urls import include, path

urlpatterns = [
    path("", include("safecampus.hazards.urls_pages")),
    path("stats/", include("safecampus.hazards.urls_stats")),
    path("excel/", include("safecampus.hazards.urls_excel")),
]
