from django.urls import path

from . import views

app_name = "ateliers"

urlpatterns = [
    path("", views.liste, name="liste"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/inscrire/", views.inscrire, name="inscrire"),
    path("<int:pk>/inscrire-une-personne/", views.inscrire_personne, name="inscrire_personne"),
    path("inscriptions/<int:pk>/desister/", views.desister, name="desister"),
    path("inscriptions/<int:pk>/presence/", views.presence, name="presence"),
    path("inscriptions/<int:pk>/payee/", views.payee, name="payee"),
]
