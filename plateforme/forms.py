"""Forms of the top layer: the work queue's filters and the search box."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts import roles

from . import a_traiter


def coordinateurs_choices() -> list[tuple[str, str]]:
    users = get_user_model().objects.filter(groups__name=roles.COORDINATION).order_by("last_name", "first_name", "pk")
    return [(str(u.pk), u.display_name) for u in users]


class FileFiltreForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), required=False)
    suivi = forms.ChoiceField(label=_("Suivi par"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        type_field = cast(forms.ChoiceField, self.fields["type"])
        suivi_field = cast(forms.ChoiceField, self.fields["suivi"])
        type_field.choices = [("", _("Tous les types"))] + [(k.key, k.label) for k in a_traiter.KINDS.values()]
        suivi_field.choices = [
            ("", _("Tout le monde")),
            (a_traiter.SUIVI_MOI, _("Moi")),
            (a_traiter.SUIVI_PERSONNE, _("Personne pour l’instant")),
            *coordinateurs_choices(),
        ]


class RechercheForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        min_length=2,
        max_length=100,
        strip=True,
        help_text=_("Une référence, un nom, une adresse e-mail ou une structure."),
    )
