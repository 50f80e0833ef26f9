"""The coordination's accompagnements list: its filters."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.perimetre import programmes_visibles
from annuaire.models import PersonneRessource
from programmes.models import Departement, Format, Programme

from .models import EtatAccompagnement


class AccompagnementFiltreForm(forms.Form):
    programme = forms.ModelChoiceField(
        label=_("Programme"), queryset=Programme.objects.none(), required=False, empty_label=_("Tous")
    )
    etat = forms.ChoiceField(label=_("État"), required=False)
    format = forms.ChoiceField(label=_("Format"), required=False)
    personne_ressource = forms.ModelChoiceField(
        label=_("Personne-ressource"), queryset=PersonneRessource.objects.none(), required=False, empty_label=_("Toutes")
    )
    departement = forms.ChoiceField(label=_("Département"), required=False)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        programmes = programmes_visibles(user) if user is not None else Programme.objects.all()
        self.fields["programme"].queryset = programmes.order_by("-date_debut")
        self.fields["etat"].choices = [("", _("Tous"))] + list(EtatAccompagnement.choices)
        formats = dict(Format.objects.order_by("ordre", "code").values_list("code", "libelle"))
        self.fields["format"].choices = [("", _("Tous")), *formats.items()]
        # Only the personnes-ressources who have at least one accompagnement: the others filter nothing.
        self.fields["personne_ressource"].queryset = (
            PersonneRessource.objects.filter(accompagnements__isnull=False).distinct().order_by("nom", "prenom")
        )
        self.fields["departement"].choices = [("", _("Tous"))] + list(Departement.choices)
