from django.urls import path
from django.views.generic import TemplateView

from . import views

app_name = "core"


def page(template: str):
    return TemplateView.as_view(template_name=f"core/{template}.html")


urlpatterns = [
    path("", page("home"), name="home"),
    path("faq/", page("faq"), name="faq"),
    path("devenir-personne-ressource/", page("devenir_personne_ressource"), name="devenir_personne_ressource"),
    path("mentions-legales/", page("mentions_legales"), name="mentions_legales"),
    path("donnees-personnelles/", views.donnees_personnelles, name="donnees_personnelles"),
    path("accessibilite/", views.accessibilite, name="accessibilite"),
]
