from django.urls import path

from . import views_coordination as views
from .views_coherence import coherence

# No app_name here: these routes live in the "candidatures" namespace of candidatures/urls.py.
urlpatterns = [
    path("", views.dashboard, name="coordination_dashboard"),
    path("coherence/", coherence, name="coordination_coherence"),
    path("dossiers/<int:pk>/", views.candidature_detail, name="coordination_detail"),
    path("dossiers/<int:pk>/decision/<slug:decision>/", views.candidature_decision, name="coordination_decision"),
    path("dossiers/<int:pk>/annuler/", views.candidature_revert, name="coordination_revert"),
    path("dossiers/<int:pk>/en-attente/", views.candidature_await, name="coordination_await"),
    path("dossiers/<int:pk>/demande-de-document/", views.demande_piece, name="coordination_demande_piece"),
    path("dossiers/<int:pk>/notes/", views.note_add, name="coordination_note"),
    path("dossiers/<int:pk>/etiquettes/", views.etiquettes_set, name="coordination_etiquettes"),
    path("dossiers/<int:pk>/diagnostic/planifier/", views.diagnostic_plan, name="coordination_diagnostic_plan"),
    path("dossiers/<int:pk>/diagnostic/compte-rendu/", views.diagnostic_record, name="coordination_diagnostic_record"),
    path("dossiers/<int:pk>/diagnostic/entretien.ics", views.diagnostic_ics, name="diagnostic_ics"),
    path("dossiers/<int:pk>/documents/<int:piece_pk>/", views.piece_download, name="coordination_piece"),
]
