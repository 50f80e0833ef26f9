from django.urls import path

from . import views

app_name = "plateforme"

urlpatterns = [
    path("sante/", views.sante, name="sante"),
    path("sante/detail/", views.etat_plateforme, name="etat_plateforme"),
    path("coordination/emails-en-echec/", views.emails_en_echec, name="emails_en_echec"),
    path("coordination/emails-en-echec/<int:pk>/retablir/", views.email_retablir, name="email_retablir"),
]
urlpatterns += [
    path("coordination/a-traiter/", views.a_traiter, name="a_traiter"),
    path("recherche/", views.recherche, name="recherche"),
]
