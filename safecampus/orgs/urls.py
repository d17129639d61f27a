from django.urls import path

from safecampus.orgs import views, views_excel

urlpatterns = [
    path("", views.org_list, name="list"),
    path("new/", views.org_new, name="new"),
    path("<int:pk>/", views.org_detail, name="detail"),
    path("<int:pk>/edit/", views.org_edit, name="edit"),
    path("<int:pk>/status/", views.org_set_status, name="set_status"),
    path("<int:pk>/campuses/", views.campus_add, name="campus_add"),
    path("campuses/<int:pk>/remove/", views.campus_remove, name="campus_remove"),
    # Excel import/export (views_excel.py) are added below this line.
    path("export/", views_excel.org_export, name="export"),
    path("import/", views_excel.import_upload, name="import"),
    path("import/template/", views_excel.import_template, name="import_template"),
    path("import/<int:pk>/", views_excel.import_preview, name="import_preview"),
    path("import/<int:pk>/commit/", views_excel.import_commit, name="import_commit"),
]
