from django.urls import path

from . import views

app_name = "evaluations"

urlpatterns = [
    path("<int:pk>/", views.evaluation_remplir, name="remplir"),
    path("questionnaire/<str:token>/", views.evaluation_lien, name="lien"),
    path("accompagnement/<int:pk>/terminer/", views.accompagnement_terminer, name="terminer"),
    path("accompagnement/<int:pk>/suite/", views.accompagnement_suite, name="suite"),
    path("resultats/", views.resultats, name="resultats"),
    path("resultats/<int:programme_pk>/", views.resultats, name="resultats_programme"),
]
