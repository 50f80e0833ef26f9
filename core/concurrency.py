"""Optimistic version check for the forms two people may edit at once (lost updates).

A form that edits an existing row carries, in a hidden field, the version of the row it was filled
from: its `updated_at` (TimeStampedModel, microseconds, set by every `save()`). The service, in its
transaction, locks the row and compares: if someone saved in between, it raises `EditConflict`
instead of silently overwriting their change. The view shows the French message above the form,
keeps what the user typed, and puts the current version in the hidden field: saving again, once
they have looked, replaces the other change knowingly.

    # form
    class ReunionForm(VersionedForm): ...
    # view
    form = ReunionForm(request.POST or None, initial={..., **version_initial(reunion)})
    ... except EditConflict as conflict: keep_input_after_conflict(form, conflict)
    # service (inside @transaction.atomic)
    reunion = lock_unchanged(ReunionComite.objects, pk=reunion.pk, version=version)

A service called without a version (scripts, the demo, other services) is not checked.
"""

from __future__ import annotations

import datetime
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from .exceptions import DomainError

VERSION_FIELD = "version"
CONFLICT_CODE = "edit_conflict"
CONFLICT_MESSAGE = _(
    "Ce formulaire a été modifié par quelqu’un d’autre pendant que vous le remplissiez : vos saisies sont "
    "conservées ci-dessous mais n’ont pas été enregistrées. Vérifiez la version actuelle (dans un autre onglet), "
    "puis enregistrez de nouveau pour la remplacer."
)

M = TypeVar("M", bound=models.Model)


class EditConflict(DomainError):
    """The row changed since the form was filled. `current_version` is the version now stored."""

    def __init__(self, *, current_version: str) -> None:
        super().__init__(CONFLICT_MESSAGE)
        self.current_version = current_version


def version_of(instance: models.Model) -> str:
    """The version of a row: its last-modified time to the microsecond, in UTC ("" if never saved)."""
    stamp = getattr(instance, "updated_at", None)
    if stamp is None:
        return ""
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(datetime.UTC)
    return stamp.strftime("%Y%m%dT%H%M%S.%f")


def version_initial(instance: models.Model | None) -> dict[str, str]:
    """The initial value of the hidden field for a form filled from `instance` (nothing for a new row)."""
    return {VERSION_FIELD: version_of(instance)} if instance is not None else {}


def check_unchanged(instance: models.Model, version: str | None) -> None:
    """Raise EditConflict if `instance` (read under lock) is no longer at `version`. No version, no check."""
    if version and version_of(instance) != version:
        raise EditConflict(current_version=version_of(instance))


def lock_unchanged(manager: models.Manager[M] | models.QuerySet[M], *, version: str | None, **lookup: Any) -> M:
    """Inside the service's transaction: the row of `lookup`, locked (select_for_update), and still at
    `version`; raises EditConflict otherwise. Saving it afterwards sets a new version."""
    instance = manager.select_for_update().get(**lookup)
    check_unchanged(instance, version)
    return instance


def version_field() -> forms.CharField:
    """The hidden field of the version (declare it as `version = version_field()` on a ModelForm)."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=40)


class VersionedForm(forms.Form):
    """A form carrying the version of the row it edits (hidden). `cleaned_data["version"]` goes to the service."""

    version = version_field()


def keep_input_after_conflict(form: forms.BaseForm, conflict: EditConflict) -> None:
    """Re-render after a conflict: the message above the form, the typed input kept, and the current
    version in the hidden field so that saving again replaces the other change knowingly."""
    # A copy that keeps multi-valued fields (checkbox lists): request.POST is an immutable QueryDict.
    data: Any = form.data.copy() if isinstance(form.data, QueryDict) else dict(form.data)
    data[form.add_prefix(VERSION_FIELD)] = conflict.current_version
    form.data = data
    form.add_error(None, ValidationError(conflict.message, code=CONFLICT_CODE))


def has_edit_conflict(form: forms.BaseForm) -> bool:
    """The form is shown again because of a conflict, not of a mistake of the user (status 200, not 400)."""
    return form.has_error(NON_FIELD_ERRORS, code=CONFLICT_CODE)
