"""Back office: users and their roles."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from core.admin_helpers import LongListMixin, ServiceAdminMixin, counted, form_action_view

from . import roles
from .models import User
from .services import user_set_roles

# --- Users -------------------------------------------------------------------------------


def _check_email_unique(form: forms.ModelForm, email: str) -> str:
    email = (email or "").strip().lower()
    others = User.objects.filter(email__iexact=email)
    if form.instance.pk:
        others = others.exclude(pk=form.instance.pk)
    if email and others.exists():
        raise forms.ValidationError(_("Un compte existe déjà avec cette adresse e-mail."))
    return email


class RolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label=_("Rôles"),
        choices=list(roles.ROLE_LABELS.items()),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les rôles cochés remplacent les rôles actuels. La coordination donne accès à ce back-office."),
    )


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")

    def clean_email(self) -> str:
        return _check_email_unique(self, self.cleaned_data.get("email", ""))


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"

    def clean_email(self) -> str:
        return _check_email_unique(self, self.cleaned_data.get("email", ""))


@admin.register(User)
class UserAdmin(LongListMixin, ServiceAdminMixin, DjangoUserAdmin):
    # Roles are groups (edited here or by user_set_roles); the password through Django's own forms.
    # The mail-delivery flag is set by the provider's webhook and cleared by the coordination (plateforme/suivi_emails.py).
    service_owned_fields = ("last_login", "date_joined", "email_en_echec_le", "email_en_echec_motif")
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "roles_display", "is_staff", "is_active", "last_login", "date_joined")
    list_filter = ("groups", "is_staff", "is_superuser", "is_active", ("email_en_echec_le", admin.EmptyFieldListFilter))
    search_fields = ("email", "first_name", "last_name", "telephone")
    date_hierarchy = "date_joined"
    # Set by the mail provider's webhook; cleared from the coordination's list (plateforme:emails_en_echec).
    readonly_fields = ("last_login", "date_joined", "export_donnees", "email_en_echec_le", "email_en_echec_motif")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Identité"), {"fields": ("first_name", "last_name", "telephone")}),
        (_("Remise des e-mails"), {"fields": ("email_en_echec_le", "email_en_echec_motif")}),
        (
            _("Rôles et droits"),
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": _(
                    "Les rôles sont les groupes « candidat », « personne_ressource », « coordination » et "
                    "« comite_technique ». Les membres de la coordination ont accès à ce back-office (statut équipe)."
                ),
            },
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
        (_("Données personnelles (RGPD)"), {"fields": ("export_donnees",)}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    actions = ("action_definir_roles",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Only a superuser hands out superuser status or individual permissions.
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += ["is_superuser", "user_permissions"]
        return readonly

    @admin.action(description=_("Définir les rôles…"), permissions=["change"])
    def action_definir_roles(self, request: HttpRequest, queryset: Any) -> Any:
        def apply(user: User, data: dict[str, Any]) -> None:
            # A superuser keeps the back office whatever their roles.
            user_set_roles(user=user, role_names=data["roles"], staff=True if user.is_superuser else None)

        return form_action_view(
            self,
            request,
            queryset,
            form_class=RolesForm,
            title=_("Définir les rôles"),
            intro=_("Choisissez les rôles des comptes ci-dessous."),
            submit_label=_("Enregistrer les rôles"),
            apply=apply,
            success=counted(
                ngettext_lazy("Rôles mis à jour pour %(count)d compte.", "Rôles mis à jour pour %(count)d comptes.", "count")
            ),
        )

    def get_queryset(self, request: HttpRequest) -> Any:
        # One query for all the groups of the page, whatever the number of rows.
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description=_("export des données de la personne"))
    def export_donnees(self, obj: User) -> str:
        if not obj.pk:
            return "—"
        return format_html(
            '<a href="{}">JSON</a> · <a href="{}">CSV</a>',
            reverse("accounts:export_personne", args=[obj.pk, "json"]),
            reverse("accounts:export_personne", args=[obj.pk, "csv"]),
        )

    @admin.display(description=_("rôles"))
    def roles_display(self, obj: User) -> str:
        names = sorted(group.name for group in obj.groups.all())
        return ", ".join(str(roles.ROLE_LABELS.get(name, name)) for name in names) or "—"
