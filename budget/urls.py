from django.urls import path

from . import views, views_factures

app_name = "budget"

urlpatterns = [
    path("", views.tableau_de_bord, name="tableau_de_bord"),
    path("comparaison/", views.comparaison, name="comparaison"),
    path("programmes/<int:pk>/grand-livre/", views.grand_livre, name="grand_livre"),
    path("programmes/<int:pk>/depenses/nouvelle/", views.autre_depense_create, name="autre_depense_create"),
    path("programmes/<int:pk>/exports/", views.export_request, name="export_request"),
    path("programmes/<int:pk>/repartition/", views.regle_repartition, name="regle_repartition"),
    path("programmes/<int:pk>/documents/", views.documents, name="documents"),
    path("programmes/<int:pk>/dossier-controle/", views.dossier_controle_request, name="dossier_controle_request"),
    path("accompagnements/<int:pk>/", views.accompagnement_ligne, name="accompagnement_ligne"),
    path("accompagnements/<int:pk>/paiement/", views.paiement_create, name="paiement_create"),
    path("engagements/<int:pk>/correction/", views.engagement_correct, name="engagement_correct"),
    path("paiements/<int:pk>/correction/", views.paiement_correct, name="paiement_correct"),
    path("depenses/<int:pk>/correction/", views.autre_depense_correct, name="autre_depense_correct"),
    path("depenses/<int:pk>/justificatif/", views.justificatif_download, name="justificatif_download"),
    path("factures/", views_factures.factures, name="factures"),
    path("factures/nouvelle/", views_factures.facture_deposer, name="facture_deposer"),
    path("factures/<int:pk>/", views_factures.facture_detail, name="facture_detail"),
    path("factures/<int:pk>/corriger/", views_factures.facture_corriger, name="facture_corriger"),
    path("factures/<int:pk>/approuver/", views_factures.facture_approuver, name="facture_approuver"),
    path("factures/<int:pk>/retourner/", views_factures.facture_retourner, name="facture_retourner"),
    path("factures/<int:pk>/payer/", views_factures.facture_payer, name="facture_payer"),
    path("factures/<int:pk>/telecharger/", views_factures.facture_telecharger, name="facture_telecharger"),
    path("paiements/export-comptable/", views_factures.paiements_csv, name="paiements_csv"),
    path("exports/<int:pk>/", views.export_detail, name="export_detail"),
    path("exports/<int:pk>/telecharger/", views.export_download, name="export_download"),
]
