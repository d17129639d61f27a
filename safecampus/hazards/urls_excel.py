"""Excel export and ledger import (/hazards/excel/), in the "hazards" namespace."""

from django.urls import path

from safecampus.hazards import views_excel

urlpatterns = [
    path("export/", views_excel.export, name="export"),
    path("template/", views_excel.import_template, name="import_template"),
    path("import/", views_excel.import_upload, name="import"),
    path("import/<int:pk>/", views_excel.import_preview, name="import_preview"),
    path("import/<int:pk>/commit/", views_excel.import_commit, name="import_commit"),
    path("import/<int:pk>/done/", views_excel.import_done, name="import_done"),
]
