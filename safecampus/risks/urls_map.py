"""The four-colour map pages (四色图): a school's map, its editor and A3 print, a bureau's
roll-up. Included from risks/urls.py."""

from django.urls import path

from safecampus.risks import views_excel, views_map

urlpatterns = [
    path("map/", views_map.rollup, name="map_rollup"),
    path("map/export/", views_excel.rollup_export, name="map_rollup_export"),
    path("map/<int:school_pk>/", views_map.map_view, name="map"),
    path("map/<int:school_pk>/print/", views_map.map_print, name="map_print"),
    path("map/<int:school_pk>/plan.img", views_map.plan_image, name="map_plan_image"),
    path("map/<int:school_pk>/edit/", views_map.map_edit, name="map_edit"),
    path("map/<int:school_pk>/plan/", views_map.plan_upload, name="map_plan_upload"),
    path("map/<int:school_pk>/areas/", views_map.area_save, name="map_area_save"),
    path(
        "map/<int:school_pk>/areas/<int:area_pk>/delete/",
        views_map.area_delete,
        name="map_area_delete",
    ),
    path("map/<int:school_pk>/assign/", views_map.assign_points, name="map_assign"),
]
