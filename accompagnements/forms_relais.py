from django import forms
from django.utils.translation import gettext_lazy as _

from annuaire.models import PersonneRessource


class PersonneRessourceAjoutForm(forms.Form):
    """The coordination brings a next personne-ressource into the accompaniment (the service checks the rules)."""

    personne_ressource = forms.ModelChoiceField(
        label=_("Personne-ressource"),
        queryset=PersonneRessource.objects.validees().select_related("structure").order_by("nom", "prenom", "pk"),
        help_text=_("Une personne de l’annuaire au profil validé, qui n’accompagne pas déjà ce·tte bénéficiaire."),
    )
    motif = forms.CharField(
        label=_("Motif"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Par exemple : « Relais sur la stratégie numérique après les séances de diagnostic »."),
    )


class PartieTermineeForm(forms.Form):
    """The coordination ends a personne-ressource's part of the accompaniment."""

    personne_ressource = forms.ModelChoiceField(label=_("Personne-ressource"), queryset=PersonneRessource.objects.none())
    motif = forms.CharField(label=_("Motif de fin de partie"), max_length=2000)

    def __init__(self, *args, accompagnement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personne_ressource"].queryset = accompagnement.mentors.all()
