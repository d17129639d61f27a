"""Risk register pages (/risks/, namespace "risks"): registers and points, bureau pages
(grading policy, library), Excel export and import."""

from django.urls import include, path

from safecampus.risks import views, views_bureau, views_excel

app_name = "risks"

urlpatterns = [
    path("", views.register_home, name="home"),
    path("schools/<int:pk>/", views.register, name="register"),
    path("schools/<int:pk>/build/", views.build, name="build"),
    path("schools/<int:pk>/new/", views.point_new, name="point_new"),
    path("schools/<int:pk>/export/", views_excel.export, name="export"),
    path("points/<int:pk>/", views.point_detail, name="point"),
    path("points/<int:pk>/edit/", views.point_edit, name="point_edit"),
    path("points/<int:pk>/assess/", views.point_assess, name="assess"),
    path("points/<int:pk>/retire/", views.point_retire, name="retire"),
    path("policy/", views_bureau.policy, name="policy"),
    path("library/", views_bureau.library, name="library"),
    path("library/new/", views_bureau.library_new, name="library_new"),
    path("library/<int:pk>/", views_bureau.library_item, name="library_item"),
    path("library/<int:pk>/edit/", views_bureau.library_edit, name="library_edit"),
    path("import/", views_excel.import_upload, name="import"),
    path("import/template/", views_excel.import_template, name="import_template"),
    path("import/<int:pk>/", views_excel.import_preview, name="import_preview"),
    path("import/<int:pk>/commit/", views_excel.import_commit, name="import_commit"),
    path("import/<int:pk>/done/", views_excel.import_done, name="import_done"),
    # map pages: urls_map.py
    path("", include("safecampus.risks.urls_map")),
]
