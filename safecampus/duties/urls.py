"""Responsibility pages (/duties/, namespace "duties")."""

from django.urls import path

from safecampus.duties import views, views_grid, views_letters

urlpatterns = [
    path("", views.home, name="home"),
    path("mine/", views.mine, name="mine"),
    path("org/<int:pk>/", views.org_page, name="org"),
    path("org/<int:pk>/posts/", views.post_create, name="post_create"),
    path("org/<int:pk>/templates/", views.posts_from_templates, name="from_templates"),
    path("org/<int:pk>/unsigned/", views.unsigned, name="unsigned"),
    path("org/<int:pk>/grid/", views_grid.grid, name="grid"),
    path("org/<int:pk>/pairings/", views_grid.pairings, name="pairings"),
    path("org/<int:pk>/letters/new/", views_letters.issue, name="letter_new"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/assign/", views.post_assign, name="post_assign"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("assignments/<int:pk>/sign/", views.sign, name="sign"),
    path("grid/<int:pk>/", views_grid.cell_edit, name="cell"),
    path("grid/<int:pk>/delete/", views_grid.cell_delete, name="cell_delete"),
    path("pairings/<int:pk>/", views_grid.pairing_detail, name="pairing"),
    path("pairings/<int:pk>/notes/", views_grid.pairing_note, name="pairing_note"),
    path("pairings/<int:pk>/end/", views_grid.pairing_end, name="pairing_end"),
    path("letters/", views_letters.board, name="letters"),
    path("letters/copies/<int:pk>/sign/", views_letters.sign, name="letter_sign"),
    path("letters/<int:pk>/file/", views_letters.letter_file, name="letter_file"),
]
