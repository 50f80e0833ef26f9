"""The admin's "Importer" pages (core/imports.py): upload → preview → « Confirmer l’import ».

A ModelAdmin that sets `importer_class` gets, next to its list, a button and four pages:
`<app>_<model>_importer` (upload, then the preview), `…_importer_confirmer` (the import, in one
transaction), `…_importer_modele_csv` and `…_importer_modele_xlsx` (the templates with the headers).
Only who may do the importer's `permission` (the coordination) opens them; others get 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import imports
from .permissions import may


class ImportForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Fichier CSV ou XLSX"),
        help_text=gettext_lazy("CSV en UTF-8 (séparateur « ; » ou « , ») ou classeur XLSX, 5 Mo au plus."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )


class ImportAdminMixin:
    """Adds the import pages of `importer_class` to a ModelAdmin (put it before ServiceAdminMixin)."""

    importer_class: type[imports.Importer] | None = None
    change_list_template = "admin/import_change_list.html"

    def _import_name(self, suffix: str) -> str:
        opts = self.model._meta  # type: ignore[attr-defined]
        return f"{opts.app_label}_{opts.model_name}_importer{suffix}"

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()  # type: ignore[misc]
        if self.importer_class is None:
            return urls
        wrap = self.admin_site.admin_view  # type: ignore[attr-defined]
        return [
            path("importer/", wrap(self.import_view), name=self._import_name("")),
            path("importer/confirmer/", wrap(self.import_confirm_view), name=self._import_name("_confirmer")),
            path("importer/modele.csv", wrap(self.import_template_csv), name=self._import_name("_modele_csv")),
            path("importer/modele.xlsx", wrap(self.import_template_xlsx), name=self._import_name("_modele_xlsx")),
            *urls,
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = dict(extra_context or {})
        if self.importer_class is not None and may(request.user, self.importer_class.permission):
            extra_context["import_url"] = reverse(f"admin:{self._import_name('')}")
        return super().changelist_view(request, extra_context)  # type: ignore[misc]

    # --- Pages ----------------------------------------------------------------------------------

    def _importer(self, request: HttpRequest) -> imports.Importer:
        if self.importer_class is None:
            raise PermissionDenied
        decision = may(request.user, self.importer_class.permission)
        if not decision:
            raise PermissionDenied(decision.reason)
        return self.importer_class()

    def _render(self, request: HttpRequest, importer: imports.Importer, **context: Any) -> TemplateResponse:
        opts = self.model._meta  # type: ignore[attr-defined]
        context = {
            **self.admin_site.each_context(request),  # type: ignore[attr-defined]
            "opts": opts,
            "title": _("Importer : %(titre)s") % {"titre": importer.titre},
            "importer": importer,
            "form": context.pop("form", None) or ImportForm(),
            "modele_csv": reverse(f"admin:{self._import_name('_modele_csv')}"),
            "modele_xlsx": reverse(f"admin:{self._import_name('_modele_xlsx')}"),
            "confirm_url": reverse(f"admin:{self._import_name('_confirmer')}"),
            "changelist_url": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            **context,
        }
        return TemplateResponse(request, "admin/import.html", context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        importer = self._importer(request)
        if request.method != "POST":
            return self._render(request, importer)
        form = ImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(request, importer, form=form)
        upload = form.cleaned_data["fichier"]
        if upload.size > imports.IMPORT_MAX_BYTES:
            form.add_error("fichier", _("Le fichier est trop volumineux (5 Mo au plus)."))
            return self._render(request, importer, form=form)
        contenu = upload.read()
        try:
            apercu = imports.apercu(importer, nom=upload.name, contenu=contenu)
        except imports.ImportRefused as error:
            form.add_error("fichier", error.message)
            return self._render(request, importer, form=form)
        token = (
            ""
            if apercu.erreurs
            else imports.deposer(kind=importer.kind, nom=upload.name, contenu=contenu, user_id=request.user.pk)
        )
        return self._render(request, importer, apercu=apercu, token=token, nom_fichier=upload.name)

    def import_confirm_view(self, request: HttpRequest) -> HttpResponse:
        importer = self._importer(request)
        if request.method != "POST":
            return HttpResponseRedirect(reverse(f"admin:{self._import_name('')}"))
        try:
            stocke, nom, contenu = imports.reprendre(request.POST.get("token", ""), kind=importer.kind, user_id=request.user.pk)
        except imports.ImportRefused as error:
            return self._render(request, importer, erreurs_import=error.message.split("\n"))
        # The deposited file is used once: refused or imported, a new attempt starts from a new upload.
        imports.oublier(stocke)
        try:
            resultat = imports.importer_fichier(importer, nom=nom, contenu=contenu, by=request.user)
        except imports.ImportRefused as error:
            return self._render(request, importer, erreurs_import=error.message.split("\n"))
        self.message_user(  # type: ignore[attr-defined]
            request,
            _("Import terminé : %(crees)s ligne(s) créée(s), %(maj)s mise(s) à jour.")
            % {"crees": resultat.crees, "maj": resultat.mis_a_jour},
            messages.SUCCESS,
        )
        opts = self.model._meta  # type: ignore[attr-defined]
        return HttpResponseRedirect(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))

    def _template(self, request: HttpRequest, *, extension: str) -> HttpResponse:
        importer = self._importer(request)
        if extension == "csv":
            response = HttpResponse(imports.modele_csv(importer), content_type="text/csv; charset=utf-8")
        else:
            response = HttpResponse(imports.modele_xlsx(importer), content_type=imports.XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="modele-import-{importer.kind}.{extension}"'
        return response

    def import_template_csv(self, request: HttpRequest) -> HttpResponse:
        return self._template(request, extension="csv")

    def import_template_xlsx(self, request: HttpRequest) -> HttpResponse:
        return self._template(request, extension="xlsx")
