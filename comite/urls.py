from django.urls import path

from . import views

app_name = "comite"

urlpatterns = [
    path("candidatures/<int:pk>/soumettre/", views.saisine_create, name="saisine_create"),
    path("dossiers/", views.saisine_list, name="saisine_list"),
    path("dossiers/<int:pk>/", views.saisine_detail, name="saisine_detail"),
    path("dossiers/<int:pk>/documents/<int:piece_pk>/", views.saisine_piece, name="saisine_piece"),
    path("reunions/", views.reunion_list, name="reunion_list"),
    path("reunions/nouvelle/", views.reunion_create, name="reunion_create"),
    path("reunions/<int:pk>/", views.reunion_detail, name="reunion_detail"),
    path("reunions/<int:pk>/modifier/", views.reunion_update, name="reunion_update"),
    path("reunions/<int:pk>/compte-rendu/", views.reunion_minutes, name="reunion_minutes"),
    path("reunions/<int:pk>/compte-rendu/fichier/", views.reunion_minutes_file, name="reunion_minutes_file"),
]
