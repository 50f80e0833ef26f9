from django.urls import include, path

from . import views, views_relais

app_name = "accompagnements"

# The accompagnement page is shared by several stages: the objectives grid, the sessions…
# each stage adds its routes in its own module, in this one namespace.
urlpatterns = [
    path("", views.accompagnement_list, name="list"),
    path("<int:pk>/", views.accompagnement_detail, name="detail"),
    path("<int:pk>/personnes-ressources/ajouter/", views_relais.personne_ressource_ajouter, name="personne_ressource_ajouter"),
    path("<int:pk>/personnes-ressources/terminer/", views_relais.personne_ressource_terminer, name="personne_ressource_terminer"),
    path("", include("accompagnements.urls_objectifs")),
    path("", include("accompagnements.urls_seances")),
]
