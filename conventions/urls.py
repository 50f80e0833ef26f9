from django.urls import path

from . import views

app_name = "conventions"

urlpatterns = [
    path("accompagnement/<int:accompagnement_pk>/generer/", views.convention_generer, name="generer"),
    path("accompagnement/<int:accompagnement_pk>/prolonger/", views.accompagnement_prolonger, name="prolonger"),
    path("<int:pk>/signer/", views.convention_signer, name="signer"),
    path("<int:pk>/document/", views.convention_document, name="document"),
    path("<int:pk>/document-signe/", views.convention_document_signe, name="document_signe"),
    path("<int:pk>/integrite/", views.convention_integrite, name="integrite"),
    path("<int:pk>/scan/", views.convention_scan, name="scan"),
    path("<int:pk>/avenant/", views.convention_avenant, name="avenant"),
]
