from django.urls import path

from . import views

app_name = "relances"

urlpatterns = [
    path("", views.relances_courant, name="courant"),
    path("programme/<int:programme_pk>/", views.relances_programme, name="programme"),
    path("messages-groupe/", views.message_groupe_list, name="message_groupe_list"),
    path("messages-groupe/nouveau/", views.message_groupe_nouveau, name="message_groupe_nouveau"),
    path("messages-groupe/<int:pk>/", views.message_groupe_detail, name="message_groupe_detail"),
    path("mes-messages/", views.mes_messages, name="mes_messages"),
    path("mes-messages/<int:pk>/", views.mon_message, name="mon_message"),
    path("mes-notifications/", views.mes_notifications, name="mes_notifications"),
]
