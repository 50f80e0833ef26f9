from django import forms
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedForm

from .models import TypeIndicateur


class ObjectifForm(forms.Form):
    intitule = forms.CharField(
        label=_("Objectif"), max_length=255, help_text=_("Par exemple : « Construire une stratégie de mécénat ».")
    )
    critere_reussite = forms.CharField(
        label=_("À quoi verra-t-on la réussite ?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )


class ObjectifEditForm(VersionedForm, ObjectifForm):
    """Editing an existing objective: the beneficiary, the mentor and the coordination may do it at once."""


class IndicateurForm(forms.Form):
    type_indicateur = forms.ChoiceField(
        label=_("Type d’indicateur"),
        choices=TypeIndicateur.choices,
        widget=forms.RadioSelect,
        initial=TypeIndicateur.QUALITATIF,
        help_text=_("Qualitatif : décrit en mots. Quantitatif : mesuré par un nombre (unité, valeur de départ, cible)."),
    )
    libelle = forms.CharField(label=_("Indicateur"), max_length=255)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=4000,
        help_text=_("Pour un indicateur qualitatif : ce que l’on observera."),
    )
    unite = forms.CharField(label=_("Unité"), required=False, max_length=50, help_text=_("Quantitatif : dossiers, euros, dates…"))
    valeur_initiale = forms.DecimalField(
        label=_("Valeur de départ"), required=False, max_digits=12, decimal_places=2, localize=True
    )
    cible = forms.DecimalField(label=_("Cible"), required=False, max_digits=12, decimal_places=2, localize=True)

    def clean(self):
        data = super().clean()
        if data.get("type_indicateur") == TypeIndicateur.QUANTITATIF:
            if not (data.get("unite") or "").strip():
                self.add_error("unite", _("Un indicateur quantitatif a besoin d’une unité."))
            if data.get("cible") is None and "cible" not in self.errors:
                self.add_error("cible", _("Un indicateur quantitatif a besoin d’une valeur cible."))
        elif data.get("type_indicateur") == TypeIndicateur.QUALITATIF and not (data.get("description") or "").strip():
            self.add_error("description", _("Décrivez ce que l’on observera pour cet indicateur qualitatif."))
        return data


class CommentaireForm(VersionedForm):
    commentaire_coordination = forms.CharField(
        label=_("Commentaire de la coordination"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Visible par la personne-ressource et le·la bénéficiaire. Laissez vide pour effacer le commentaire."),
    )
