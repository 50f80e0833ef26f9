from django.urls import path

from . import views_candidat as views

# No app_name here: these routes live in the "candidatures" namespace of candidatures/urls.py.
urlpatterns = [
    path("deposer/", views.deposer, name="deposer"),
    path("<int:pk>/questionnaire/<slug:etape>/", views.questionnaire, name="questionnaire"),
    path("<int:pk>/recapitulatif/", views.recapitulatif, name="recapitulatif"),
    path("<int:pk>/", views.dossier, name="dossier"),
    path("<int:pk>/messages/", views.message_envoyer, name="message_envoyer"),
    path("<int:pk>/retirer/", views.retirer, name="retirer"),
    path("<int:pk>/demandes/<int:demande_pk>/", views.demande_piece, name="demande_piece"),
    path("<int:pk>/pieces/<int:piece_pk>/telecharger/", views.piece_telecharger, name="piece_telecharger"),
    path("<int:pk>/pieces/<int:piece_pk>/supprimer/", views.piece_supprimer, name="piece_supprimer"),
    path("<int:pk>/accuse-reception.pdf", views.recu, name="recu"),
]
