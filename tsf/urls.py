from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path

from plateforme.views import email_tracking_webhook

admin.site.site_header = "TSF Occitanie – back-office"
admin.site.site_title = "TSF Occitanie"
admin.site.index_title = "Pilotage du programme"
# The sidebar rebuilds the whole app list on every admin page (14–20 % of a changelist at scale, issue 14);
# the index and the breadcrumbs lead to the same pages.
admin.site.enable_nav_sidebar = False
# The admin has no login form of its own: it sends to allauth's (rate limits, 2FA).
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("comptes/", include("allauth.urls")),
    path("espace/", include("accounts.urls")),
    path("candidatures/", include("candidatures.urls")),
    path("annuaire/", include("annuaire.urls")),
    path("accompagnements/", include("accompagnements.urls")),
    path("ateliers/", include("ateliers.urls")),
    path("conventions/", include("conventions.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("budget/", include("budget.urls")),
    path("comite/", include("comite.urls")),
    path("relances/", include("relances.urls")),
    path("", include("plateforme.urls")),
    # The mail provider's tracking webhooks (basic auth WEBHOOK_SECRET): plateforme/suivi_emails.py.
    path("anymail/<str:esp>/tracking/", email_tracking_webhook, name="email_tracking_webhook"),
    path("", include("core.urls")),
]
