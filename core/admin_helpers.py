"""Admin helpers shared by every app: the declaration of the fields services own and the admin's
writes routed through those services, read-only and append-only admins, actions that run a service
on each selected row, French labels for related columns."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db import models, transaction
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponseRedirect
from django.template import engines
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.exceptions import DomainError

# --- Shared helpers ----------------------------------------------------------------------


def state_label(choices: type[models.TextChoices], value: str) -> str:
    """The French label of a stored state value, or the raw value if it is unknown."""
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def related_column(path: str, description: Any, *, ordering: bool = True) -> Callable[[Any], Any]:
    """A `list_display` / `readonly_fields` column for a field reached through relations.

    `structure__departement` shows the choice's label ("31 – Haute-Garonne"), under a French
    header. Pair it with `list_select_related` on the same path so that it costs no query.
    """
    parts = path.split("__")

    def column(obj: Any) -> Any:
        target = obj
        for part in parts[:-1]:
            target = getattr(target, part, None)
            if target is None:
                return "—"
        display = getattr(target, f"get_{parts[-1]}_display", None)
        value = display() if callable(display) else getattr(target, parts[-1], None)
        return "—" if value in (None, "") else value

    column.__name__ = path.replace("__", "_")
    return admin.display(description=description, ordering=path if ordering else None)(column)


def counted(message: Any) -> Callable[[int], str]:
    """The success message of an admin action, said with the number of rows done: `message` is
    `ngettext_lazy(singular, plural, "count")` (so that it is extracted), with a `%(count)d` in each form."""
    return lambda n: str(message % {"count": n})


# Which rows a staff member sees in the admin. Core knows no programme: the programmes app registers its
# rule (a coordinator sees the rows of their pilots' programmes, issue 16) in its AppConfig.ready().
_QUERYSET_SCOPES: list[Callable[[HttpRequest, Any], Any]] = []


def register_queryset_scope(scope: Callable[[HttpRequest, Any], Any]) -> None:
    if scope not in _QUERYSET_SCOPES:
        _QUERYSET_SCOPES.append(scope)


def scoped_queryset(request: HttpRequest, queryset: Any) -> Any:
    for scope in _QUERYSET_SCOPES:
        queryset = scope(request, queryset)
    return queryset


def _scoped_choices(formfield: Any, request: HttpRequest | None) -> Any:
    """Narrow a relation's choices to the rows `request`'s user sees in the changelists (the same rule)."""
    queryset = getattr(formfield, "queryset", None)
    if request is not None and queryset is not None:
        formfield.queryset = scoped_queryset(request, queryset)
    return formfield


class ScopedChoicesMixin:
    """The select boxes of a form (foreign keys, many-to-many, autocompletes) offer only the rows the user
    sees in the changelists: a coordinator is offered their pilots' programmes, formats, follow-ups… (issue
    16); a posted id outside them is a field error ("choix invalide"), never a write."""

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest | None = None, **kwargs: Any) -> Any:
        return _scoped_choices(super().formfield_for_foreignkey(db_field, request, **kwargs), request)  # type: ignore[misc]

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest | None = None, **kwargs: Any) -> Any:
        return _scoped_choices(super().formfield_for_manytomany(db_field, request, **kwargs), request)  # type: ignore[misc]


class ServiceAdminMixin(ScopedChoicesMixin):
    """Which fields of the model its services own, and the admin's writes routed through those services.

    The declarations are read by the admin walk (tests/admin/test_admin_services.py):

    - `service_owned_fields`: the fields only a service writes (state, money, half-days, dates checked by
      rules, fingerprints, references, authors…); `"__all__"` for a record only services write. A field
      listed here may be writable in the add form only if `service_add` names the service that
      `create_with_service` calls, in the change form only if `service_change` names the one
      `update_with_service` calls. `None` (the default) means "not declared", which the walk refuses.
    - `admin_owned_fields`: fields that look like state or money but are data the admin edits (the
      programme's rules, a mentor's declared availability), each with a comment saying why.
    - `only_services_create` / `only_services_delete`: rows that only a service may create or delete
      (ledger lines, histories, sent e-mails): add and delete must then be off, or routed through
      `service_add` / `service_delete`.

    A service's refusal (`DomainError`) becomes an error message in French on the same page; nothing of
    the submission is kept (the admin's transaction is rolled back), nothing answers 500.
    """

    service_owned_fields: tuple[str, ...] | str | None = None
    admin_owned_fields: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> Any:
        return scoped_queryset(request, super().get_queryset(request))  # type: ignore[misc]

    only_services_create = False
    only_services_delete = False
    # Django's 100 rows per page cost ~1 ms of CPU each to render (issue 14's bench: the séance list
    # was the slowest page); 50 keep a screen's worth and halve it.
    list_per_page = 50
    # Dotted paths of the services, e.g. "accompagnements.services.seance_plan" (a declaration, not a
    # call), or a tuple of them when the hook picks one by the form's content.
    service_add: str | tuple[str, ...] | None = None
    service_change: str | tuple[str, ...] | None = None
    service_delete: str | tuple[str, ...] | None = None

    _refused_attr = "_tsf_service_refused"

    # --- Hooks: an admin that declares a service implements the matching hook. ---------------

    def create_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def update_with_service(self, request: HttpRequest, obj: Any, form: Any) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def delete_with_service(self, request: HttpRequest, obj: Any) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    # --- Refusals ----------------------------------------------------------------------------

    def _refuse(self, request: HttpRequest, message: str) -> None:
        """Remember the refusal for the response, and undo whatever this submission already wrote."""
        refusals = getattr(request, self._refused_attr, None)
        if refusals is None:
            refusals = []
            setattr(request, self._refused_attr, refusals)
        refusals.append(message)
        if transaction.get_connection().in_atomic_block:
            transaction.set_rollback(True)

    def _refused(self, request: HttpRequest) -> list[str] | None:
        return getattr(request, self._refused_attr, None)

    def _answer_refusal(self, request: HttpRequest, refused: list[str], url: str) -> HttpResponseRedirect:
        for message in refused:
            self.message_user(request, message, messages.ERROR)  # type: ignore[attr-defined]
        return HttpResponseRedirect(url)

    # --- Saving ------------------------------------------------------------------------------

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        hook = self.update_with_service if change else self.create_with_service
        declared = self.service_change if change else self.service_add
        if declared is None:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            return
        try:
            saved = hook(request, obj, form)
        except DomainError as error:
            self._refuse(request, error.message)
            return
        if saved is not None and saved is not obj:
            # The admin goes on with `obj` (log entry, redirect): make it the saved row.
            obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
            obj._state.adding = False
            obj._state.db = saved._state.db

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if self._refused(request) is None:
            super().save_related(request, form, formsets, change)  # type: ignore[misc]
        if self._refused(request) is not None:
            for formset in formsets:  # construct_change_message() reads these after save_related()
                formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        inline = getattr(formset, "service_inline", None)
        if inline is None:
            super().save_formset(request, form, formset, change)  # type: ignore[misc]
            return
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        parent = formset.instance
        for inline_form in formset.forms:
            obj = inline_form.instance
            try:
                if obj.pk is not None and formset._should_delete_form(inline_form):
                    if inline.service_delete is None:
                        continue
                    inline.delete_with_service(request, parent, obj)
                    formset.deleted_objects.append(obj)
                elif not inline_form.has_changed():
                    continue
                elif obj.pk is None:
                    if formset._should_delete_form(inline_form) or inline.service_add is None:
                        continue
                    formset.new_objects.append(inline.create_with_service(request, parent, obj, inline_form))
                elif inline.service_change is not None:
                    inline.update_with_service(request, parent, obj, inline_form)
                    formset.changed_objects.append((obj, inline_form.changed_data))
            except DomainError as error:
                self._refuse(request, f"{inline.model._meta.verbose_name} : {error.message}")

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if self._refused(request) is None:
            return super().log_addition(request, obj, message)  # type: ignore[misc]
        return None

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        if self._refused(request) is None:
            return super().log_change(request, obj, message)  # type: ignore[misc]
        return None

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> Any:
        refused = self._refused(request)
        if refused is not None:
            return self._answer_refusal(request, refused, request.get_full_path())
        return super().response_add(request, obj, post_url_continue)  # type: ignore[misc]

    def response_change(self, request: HttpRequest, obj: Any) -> Any:
        refused = self._refused(request)
        if refused is not None:
            return self._answer_refusal(request, refused, request.get_full_path())
        return super().response_change(request, obj)  # type: ignore[misc]

    # --- Deleting ----------------------------------------------------------------------------

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        if self.service_delete is None:
            super().delete_model(request, obj)  # type: ignore[misc]
            return
        try:
            self.delete_with_service(request, obj)
        except DomainError as error:
            self._refuse(request, error.message)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        if self.service_delete is None:
            super().delete_queryset(request, queryset)  # type: ignore[misc]
            return
        for obj in queryset:
            try:
                with transaction.atomic():
                    self.delete_with_service(request, obj)
            except DomainError as error:
                self.message_user(request, f"{obj} : {error.message}", messages.WARNING)  # type: ignore[attr-defined]

    def response_delete(self, request: HttpRequest, obj_display: str, obj_id: Any) -> Any:
        refused = self._refused(request)
        if refused is not None:
            return self._answer_refusal(request, refused, request.path.rsplit("/delete/", 1)[0] + "/change/")
        return super().response_delete(request, obj_display, obj_id)  # type: ignore[misc]


class ServiceInlineMixin(ScopedChoicesMixin):
    """An inline whose rows are created, changed or deleted by the model's services.

    Declares `service_add` / `service_change` / `service_delete` like `ServiceAdminMixin` and
    implements the matching hooks; the parent admin (a `ServiceAdminMixin`) calls them row by row
    from `save_formset`. A row whose operation has no service is left as it was.
    """

    service_add: str | tuple[str, ...] | None = None
    service_change: str | tuple[str, ...] | None = None
    service_delete: str | tuple[str, ...] | None = None

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.service_inline = self
        return formset

    def create_with_service(self, request: HttpRequest, parent: Any, obj: Any, form: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def update_with_service(self, request: HttpRequest, parent: Any, obj: Any, form: Any) -> Any:  # pragma: no cover
        raise NotImplementedError

    def delete_with_service(self, request: HttpRequest, parent: Any, obj: Any) -> None:  # pragma: no cover
        raise NotImplementedError


class InlineRelatedMixin:
    """An inline whose rows show related objects: `inline_select_related` loads them with the rows, in one
    query rather than one per row (what `list_select_related` does for a list page)."""

    inline_select_related: tuple[str, ...] = ()

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).select_related(*self.inline_select_related)  # type: ignore[misc]


class LongListMixin:
    """A list that grows with the activity (files, histories, payments, e-mails…): a filtered page does not
    count the whole table a second time (Django's "N au total" link costs a COUNT(*) on every page)."""

    show_full_result_count = False


class ReadOnlyAdminMixin:
    """A journal or a record written only by services: the admin may look, never touch."""

    service_owned_fields: tuple[str, ...] | str | None = "__all__"
    admin_owned_fields: tuple[str, ...] = ()
    only_services_create = True
    only_services_delete = True
    service_add: str | None = None
    service_change: str | None = None
    service_delete: str | None = None

    def get_queryset(self, request: HttpRequest) -> Any:
        return scoped_queryset(request, super().get_queryset(request))  # type: ignore[misc]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInlineMixin(ReadOnlyAdminMixin):
    """A read-only inline: existing rows shown as text, no blank form, no delete box."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields or [])  # type: ignore[attr-defined]


class AppendOnlyInlineMixin(ScopedChoicesMixin):
    """Rows can be added from the parent page, but existing rows are never edited nor deleted."""

    extra = 0
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def run_service_on_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Iterable[Any],
    operation: Callable[[Any], Any],
    *,
    success: Callable[[int], str],
) -> int:
    """Apply `operation` to each selected object; report each refusal, then the number of successes.

    `success(count)` builds the French success message (with `ngettext`, so that it is extracted).
    """
    done = 0
    for obj in queryset:
        try:
            operation(obj)
        except DomainError as error:
            modeladmin.message_user(request, f"{obj} : {error.message}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, success(done), messages.SUCCESS)
    return done


class ReasonForm(forms.Form):
    motif = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 4, "cols": 80}),
        help_text=_("Le motif est enregistré dans l’historique du dossier."),
    )


_ACTION_FORM_TEMPLATE = """{% extends "admin/base_site.html" %}
{% load i18n admin_urls %}
{% block bodyclass %}{{ block.super }} app-{{ opts.app_label }} model-{{ opts.model_name }}{% endblock %}
{% block breadcrumbs %}
<div class="breadcrumbs">
<a href="{% url 'admin:index' %}">{% translate 'Home' %}</a>
&rsaquo; <a href="{% url 'admin:app_list' app_label=opts.app_label %}">{{ opts.app_config.verbose_name }}</a>
&rsaquo; <a href="{% url opts|admin_urlname:'changelist' %}">{{ opts.verbose_name_plural|capfirst }}</a>
&rsaquo; {{ title }}
</div>
{% endblock %}
{% block content %}
<form method="post">{% csrf_token %}
<p>{{ intro }}</p>
<ul>{% for obj in queryset %}<li>{{ obj }}{% if obj.get_etat_display %} — {{ obj.get_etat_display }}{% endif %}</li>{% endfor %}</ul>
<fieldset class="module aligned">{% for field in form %}
<div class="form-row">{{ field.errors }}{{ field.label_tag }} {{ field }}
{% if field.help_text %}<div class="help">{{ field.help_text }}</div>{% endif %}</div>{% endfor %}
</fieldset>
{% for obj in queryset %}<input type="hidden" name="{{ action_checkbox_name }}" value="{{ obj.pk }}">{% endfor %}
<input type="hidden" name="action" value="{{ action }}">
<div class="submit-row">
<input type="submit" name="appliquer" value="{{ submit_label }}" class="default">
<a href="{% url opts|admin_urlname:'changelist' %}" class="button cancel-link">{% translate 'Annuler' %}</a>
</div>
</form>
{% endblock %}
"""


def form_action_view(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Any,
    *,
    form_class: type[forms.Form],
    title: Any,
    intro: Any,
    submit_label: Any,
    apply: Callable[[Any, dict[str, Any]], Any],
    success: Callable[[int], str],
) -> TemplateResponse | None:
    """An admin action that asks for details on an intermediate page, then applies them to each object."""
    if "appliquer" in request.POST:
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            run_service_on_each(modeladmin, request, queryset, lambda obj: apply(obj, data), success=success)
            return None
    else:
        form = form_class()
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "submit_label": submit_label,
        "queryset": queryset,
        "form": form,
        "opts": modeladmin.model._meta,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    template = engines["django"].from_string(_ACTION_FORM_TEMPLATE)
    return TemplateResponse(request, template, context)  # type: ignore[arg-type]


def reason_action_view(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: Any,
    *,
    title: Any,
    intro: Any,
    submit_label: Any,
    apply: Callable[[Any, str], Any],
    success: Callable[[int], str],
) -> TemplateResponse | None:
    """An admin action that asks for a reason (mandatory) before applying a transition to each object."""
    return form_action_view(
        modeladmin,
        request,
        queryset,
        form_class=ReasonForm,
        title=title,
        intro=intro,
        submit_label=submit_label,
        apply=lambda obj, data: apply(obj, data["motif"]),
        success=success,
    )


def per_row(children: models.QuerySet, fk: str, value: Any = None) -> Coalesce:
    """A count (or `value`, e.g. Sum("field")) of each listed row's children, as a correlated subquery.

    A join + GROUP BY over the child table (annotate(Count("children"))) aggregates every child row
    of the table and is repeated by the changelist's count and date-hierarchy queries; the subquery
    is evaluated for the rows of the page only, through the child's foreign-key index.
    """
    rows = children.filter(**{fk: OuterRef("pk")}).order_by().values(fk).annotate(_v=value or Count("pk")).values("_v")
    return Coalesce(Subquery(rows, output_field=models.IntegerField()), 0)
