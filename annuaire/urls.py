from django.urls import path

from . import views

app_name = "annuaire"

urlpatterns = [
    path("devenir-personne-ressource/", views.candidature_mentor, name="candidature_mentor"),
    path("devenir-personne-ressource/merci/", views.candidature_mentor_merci, name="candidature_mentor_merci"),
    path("suggerer/", views.suggestion, name="suggestion"),
    path("", views.personne_ressource_list, name="personne_ressource_list"),
    path("<int:pk>/", views.personne_ressource_detail, name="personne_ressource_detail"),
    path("<int:pk>/valider/", views.personne_ressource_decide, {"decision": "valider"}, name="personne_ressource_validate"),
    path("<int:pk>/refuser/", views.personne_ressource_decide, {"decision": "refuser"}, name="personne_ressource_refuse"),
    path("referentiel/", views.referentiel, name="referentiel"),
    path("cartographie/", views.cartographie, name="cartographie"),
    path("cartographie.csv", views.cartographie_csv, name="cartographie_csv"),
    path("appariement/", views.appariement_list, name="appariement_list"),
    path("appariement/calculer/", views.appariement_calculer, name="appariement_calculer"),
    path("appariement/confirmer/", views.appariement_confirmer, name="appariement_confirmer"),
    path("appariement/dossier/<int:pk>/", views.appariement_candidature, name="appariement_candidature"),
    path("appariement/propositions/<int:pk>/modifier/", views.proposition_modifier, name="proposition_modifier"),
    path("appariement/reglages/<int:pk>/", views.reglages, name="reglages"),
    path("reponse/<str:token>/", views.proposition_reponse, name="proposition_reponse"),
]
