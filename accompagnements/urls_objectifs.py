from django.urls import path

from . import views_objectifs as views

# No app_name: these routes live in the "accompagnements" namespace of accompagnements/urls.py.
urlpatterns: list = [
    path("<int:pk>/objectifs/ajouter/", views.objectif_create, name="objectif_create"),
    path("<int:pk>/objectifs/valider/", views.objectifs_valider, name="objectifs_valider"),
    path("objectifs/<int:objectif_pk>/modifier/", views.objectif_update, name="objectif_update"),
    path("objectifs/<int:objectif_pk>/supprimer/", views.objectif_delete, name="objectif_delete"),
    path("objectifs/<int:objectif_pk>/commenter/", views.objectif_commenter, name="objectif_commenter"),
    path("objectifs/<int:objectif_pk>/indicateurs/ajouter/", views.indicateur_create, name="indicateur_create"),
    path("indicateurs/<int:indicateur_pk>/modifier/", views.indicateur_update, name="indicateur_update"),
    path("indicateurs/<int:indicateur_pk>/supprimer/", views.indicateur_delete, name="indicateur_delete"),
]
