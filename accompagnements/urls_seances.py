from django.urls import path

from . import views_creneaux
from . import views_seances as views

# No app_name: these routes live in the "accompagnements" namespace of accompagnements/urls.py.
urlpatterns: list = [
    path("<int:pk>/seances/nouvelle/", views.seance_create, name="seance_create"),
    path("seances/<int:pk>/", views.seance_detail, name="seance_detail"),
    path("seances/<int:pk>/modifier/", views.seance_update, name="seance_update"),
    path("seances/<int:pk>/realisee/", views.seance_realiser, name="seance_realiser"),
    path("seances/<int:pk>/annuler/", views.seance_annuler, name="seance_annuler"),
    path("seances/<int:pk>/arbitrer/", views.seance_arbitrer, name="seance_arbitrer"),
    path("seances/<int:pk>/service-fait/", views.seance_confirmer, name="seance_confirmer"),
    path("seances/<int:pk>/service-fait/decision/", views.service_fait_arbitrer, name="service_fait_arbitrer"),
    path("seances/service-fait/<str:token>/", views.service_fait_lien, name="service_fait_lien"),
    path("seances/service-fait-a-traiter/", views.service_fait_a_traiter, name="service_fait_a_traiter"),
    path("seances/<int:pk>/questions/", views.seance_question, name="seance_question"),
    path("seances/<int:pk>/compte-rendu/", views.compte_rendu_edit, name="compte_rendu_edit"),
    path("seances/<int:pk>/compte-rendu/commentaire/", views.compte_rendu_commenter, name="compte_rendu_commenter"),
    path("seances/<int:pk>/supports/<str:type_support>/", views.support_ajouter, name="support_ajouter"),
    path("seances/supports/<int:pk>/telecharger/", views.support_telecharger, name="support_telecharger"),
    path("seances/<int:pk>/agenda.ics", views.seance_ics, name="seance_ics"),
    path("agenda/", views.agenda, name="agenda"),
    path("agenda/adresse/nouvelle/", views.flux_regenerer, name="flux_regenerer"),
    path("agenda/adresse/desactiver/", views.flux_revoquer, name="flux_revoquer"),
    path("agenda/flux/<str:token>.ics", views.flux_calendrier, name="flux_calendrier"),
]

# Availability slots (accompagnements/views_creneaux.py).
urlpatterns += [
    path("creneaux/", views_creneaux.mes_creneaux, name="mes_creneaux"),
    path("creneaux/<int:pk>/retirer/", views_creneaux.creneau_retirer, name="creneau_retirer"),
    path("<int:pk>/creneaux/", views_creneaux.creneaux_accompagnement, name="creneaux_accompagnement"),
    path("<int:pk>/creneaux/<int:creneau_pk>/reserver/", views_creneaux.creneau_reserver, name="creneau_reserver"),
]
