from django.urls import include, path

app_name = "candidatures"

# Two audiences, two modules, one namespace ("candidatures:…").
urlpatterns = [
    path("coordination/", include("candidatures.urls_coordination")),
    path("", include("candidatures.urls_candidat")),
]
