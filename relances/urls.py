from django.urls import path

from . import views

app_name = "relances"

urlpatterns = [
    path("", views.relances_courant, name="courant"),
    path("programme/<int:programme_pk>/", views.relances_programme, name="programme"),
]
