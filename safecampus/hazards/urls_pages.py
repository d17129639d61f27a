"""Ledger, report, detail and lifecycle, plan, supervision board, revisits, photos."""

from django.urls import path

from safecampus.hazards import views, views_lifecycle, views_plan, views_report, views_revisit

urlpatterns = [
    path("", views.hazard_ledger, name="ledger"),
    path("new/", views_report.hazard_new, name="new"),
    path("supervised/", views.supervised, name="supervised"),
    path("revisits/", views_revisit.revisits, name="revisits"),
    path("<int:pk>/", views_lifecycle.hazard_detail, name="detail"),
    path("<int:pk>/do/<str:step>/", views_lifecycle.hazard_step, name="step"),
    path("<int:pk>/plan/", views_plan.hazard_plan, name="plan"),
    path(
        "<int:pk>/plan/milestones/<int:milestone_pk>/",
        views_plan.milestone_progress,
        name="milestone",
    ),
    path("<int:pk>/revisit/", views_revisit.revisit_record, name="revisit"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("photos/<int:pk>/thumb/", views.photo_thumbnail, name="photo_thumb"),
]
