from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedForm, version_initial

from .models import TypeRelance


class RelancesProgrammeForm(VersionedForm):
    actives = forms.MultipleChoiceField(
        label=_("Relances envoyées pour ce programme"),
        required=False,
        choices=TypeRelance.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Décochez un type de relance pour ne plus l’envoyer ; cochez-le pour le rétablir."),
    )

    def desactivees(self) -> list[str]:
        actives = set(self.cleaned_data["actives"])
        return [value for value in TypeRelance.values if value not in actives]

    @classmethod
    def for_programme(cls, programme: Any, data: Any = None) -> RelancesProgrammeForm:
        off = set(programme.relances_desactivees or [])
        actives = [value for value in TypeRelance.values if value not in off]
        return cls(data, initial={"actives": actives, **version_initial(programme)})
