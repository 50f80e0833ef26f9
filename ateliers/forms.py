import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.ics import PARIS


class InscrirePersonneForm(forms.Form):
    """The coordination registers someone by the e-mail of their account."""

    email = forms.EmailField(label=_("E-mail de la personne à inscrire"))


class DesistementForm(forms.Form):
    motif = forms.CharField(label=_("Motif (facultatif)"), required=False, max_length=500)


class ObjectifsImmersionForm(forms.Form):
    objectifs = forms.CharField(
        label=_("Vos objectifs pour la journée"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Ce que vous voulez voir, comprendre ou expérimenter ; le compte rendu dira s’ils sont atteints."),
    )


class RapportImmersionForm(forms.Form):
    texte = forms.CharField(
        label=_("Votre compte rendu de la journée"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Les acquis et les accomplissements, au regard des objectifs fixés."),
    )


class SeanceGroupeForm(forms.Form):
    """A meeting of a co-développement group: when, where, whose problem."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    heure = forms.TimeField(label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duree = forms.IntegerField(label=_("Durée (dans l’unité du format)"), min_value=1, initial=1)
    client = forms.ModelChoiceField(label=_("Membre dont la problématique est travaillée"), queryset=None)
    problematique = forms.CharField(label=_("Problématique"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    lieu = forms.CharField(label=_("Lieu"), required=False, max_length=255)
    lien_visio = forms.URLField(label=_("Lien de visioconférence"), required=False, assume_scheme="https")

    def __init__(self, *args: Any, groupe: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = groupe.membres.select_related("personne").order_by("ajoute_le", "pk")

    def debut(self) -> datetime.datetime:
        return datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["heure"], tzinfo=PARIS)
