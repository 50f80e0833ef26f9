from django.urls import path

from . import views

app_name = "plateforme"

urlpatterns = [
    path("sante/", views.sante, name="sante"),
    path("sante/detail/", views.etat_plateforme, name="etat_plateforme"),
]
