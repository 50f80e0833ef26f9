from django.urls import path

from . import views

app_name = "ateliers"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/inscrire/", views.inscrire, name="inscrire"),
    path("<int:pk>/inscrire-une-personne/", views.inscrire_personne, name="inscrire_personne"),
    path("<int:pk>/clore/", views.clore, name="clore"),
    path("<int:pk>/annuler/", views.annuler, name="annuler"),
    path("inscriptions/<int:pk>/desister/", views.desister, name="desister"),
    path("inscriptions/<int:pk>/presence/", views.presence, name="presence"),
    path("inscriptions/<int:pk>/payee/", views.payee, name="payee"),
    path("inscriptions/<int:pk>/evaluer/", views.evaluer, name="evaluer"),
    path("co-developpement/", views.groupes, name="groupes"),
    path("co-developpement/<int:pk>/", views.groupe_detail, name="groupe_detail"),
    path("co-developpement/<int:pk>/planifier/", views.groupe_seance_planifier, name="groupe_seance_planifier"),
    path("co-developpement/seances/<int:pk>/presences/", views.groupe_presences, name="groupe_presences"),
    path("immersions/<int:pk>/", views.immersion_detail, name="immersion_detail"),
    path("immersions/<int:pk>/objectifs/", views.immersion_objectifs, name="immersion_objectifs"),
    path("immersions/<int:pk>/compte-rendu/", views.immersion_rapport, name="immersion_rapport"),
]
