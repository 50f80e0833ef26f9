from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.home, name="home"),
    path("mes-donnees/export.<str:fmt>", views.export_mes_donnees, name="export_mes_donnees"),
    path("personnes/<int:pk>/export.<str:fmt>", views.export_personne, name="export_personne"),
]
