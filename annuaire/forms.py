from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.concurrency import version_field
from programmes.models import Departement, Programme, TypeStructure
from programmes.validators import validate_siret

from .matching import TailleStructure
from .models import Competence, Domaine, Mobilite, Niveau, PersonneRessource
from .services import POIDS_FIELDS, StructureData


class StructureFieldsMixin(forms.Form):
    """The employer structure: found by its SIRET, or described when it is not known yet."""

    siret = forms.CharField(
        label=_("SIRET de la structure employeuse"),
        max_length=14,
        validators=[validate_siret],
        help_text=_("14 chiffres. Si la structure est déjà connue de la plateforme, les champs suivants sont facultatifs."),
    )
    raison_sociale = forms.CharField(label=_("Raison sociale de la structure"), max_length=200, required=False)
    commune = forms.CharField(label=_("Commune du siège"), max_length=120, required=False)
    structure_departement = forms.ChoiceField(
        label=_("Département du siège"), choices=[("", "—"), *Departement.choices], required=False
    )
    type_structure = forms.ChoiceField(label=_("Type de structure"), choices=[("", "—"), *TypeStructure.choices], required=False)
    nombre_salaries = forms.IntegerField(label=_("Nombre de salarié·es"), min_value=0, max_value=10000, required=False)

    def clean_siret(self):
        return "".join(self.cleaned_data["siret"].split())

    def structure_data(self) -> StructureData:
        d = self.cleaned_data
        return StructureData(
            siret=d["siret"],
            raison_sociale=d.get("raison_sociale", ""),
            commune=d.get("commune", ""),
            departement=d.get("structure_departement", ""),
            type_structure=d.get("type_structure", ""),
            nombre_salaries=d.get("nombre_salaries") or 0,
        )


NIVEAU_CHOICES = [("", _("Non")), *[(str(v), label) for v, label in Niveau.choices]]


class CandidatureMentorForm(StructureFieldsMixin, forms.Form):
    # WCAG 1.3.5: the person applies for themself, so their details carry an autocomplete purpose
    # (not in SuggestionForm, where one names someone else).
    prenom = forms.CharField(label=_("Prénom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "given-name"}))
    nom = forms.CharField(label=_("Nom"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "family-name"}))
    email = forms.EmailField(label=_("Adresse e-mail"), widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    telephone = forms.CharField(
        label=_("Téléphone"), max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    fonction = forms.CharField(label=_("Fonction dans la structure"), max_length=200, required=False)
    presentation = forms.CharField(
        label=_("Parcours et expériences"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Quelques lignes sur votre parcours et les projets que vous avez menés."),
    )
    departement = forms.ChoiceField(label=_("Votre département"), choices=Departement.choices)
    mobilite = forms.ChoiceField(label=_("Jusqu’où pouvez-vous vous déplacer ?"), choices=Mobilite.choices)
    types_projets = forms.MultipleChoiceField(
        label=_("Types de projets sur lesquels vous avez travaillé"),
        choices=TypeStructure.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    tailles_projets = forms.MultipleChoiceField(
        label=_("Tailles de structures que vous connaissez"),
        choices=TailleStructure.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    disponibilite_demi_journees = forms.IntegerField(
        label=_("Disponibilité (demi-journées par année de programme)"), min_value=1, max_value=200, initial=8
    )

    field_order = ["prenom", "nom", "email", "telephone", "fonction", "presentation"]

    def __init__(self, *args, competences_groupes: dict[Domaine, list[Competence]], **kwargs):
        super().__init__(*args, **kwargs)
        # The applicant's own employer: its commune is an address of theirs (WCAG 1.3.5).
        self.fields["commune"].widget.attrs["autocomplete"] = "address-level2"
        self.groupes = []
        for domaine, competences in competences_groupes.items():
            names = []
            for competence in competences:
                name = f"niveau_{competence.pk}"
                self.fields[name] = forms.TypedChoiceField(
                    label=competence.nom, choices=NIVEAU_CHOICES, coerce=int, empty_value=None, required=False
                )
                names.append(name)
            self.groupes.append((domaine, names))

    def bound_groupes(self):
        return [(domaine, [self[name] for name in names]) for domaine, names in self.groupes]

    def identity_fields(self):
        return [self[n] for n in ["prenom", "nom", "email", "telephone", "fonction", "presentation"]]

    def structure_fields(self):
        return [
            self[n] for n in ["siret", "raison_sociale", "commune", "structure_departement", "type_structure", "nombre_salaries"]
        ]

    def profile_fields(self):
        return [self[n] for n in ["departement", "mobilite", "types_projets", "tailles_projets", "disponibilite_demi_journees"]]

    def competences(self) -> dict[int, int]:
        return {
            int(name.removeprefix("niveau_")): value
            for name, value in self.cleaned_data.items()
            if name.startswith("niveau_") and value
        }

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.competences():
            raise forms.ValidationError(_("Indiquez au moins une compétence que vous pouvez transmettre, avec votre niveau."))
        return cleaned


class SuggestionForm(StructureFieldsMixin, forms.Form):
    prenom = forms.CharField(label=_("Prénom"), max_length=100)
    nom = forms.CharField(label=_("Nom"), max_length=100)
    email = forms.EmailField(label=_("Adresse e-mail"))
    departement = forms.ChoiceField(label=_("Département où la personne travaille"), choices=Departement.choices)
    motif = forms.CharField(
        label=_("Pourquoi cette personne ?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Ses savoir-faire, ce qu’elle pourrait transmettre."),
    )
    field_order = ["prenom", "nom", "email", "departement", "motif"]


class DecisionForm(forms.Form):
    reason = forms.CharField(label=_("Motif"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class DomaineForm(forms.Form):
    nom = forms.CharField(label=_("Nom du domaine"), max_length=120)


class CompetenceForm(forms.Form):
    domaine = forms.ModelChoiceField(label=_("Domaine"), queryset=Domaine.objects.all())
    nom = forms.CharField(label=_("Nom de la compétence"), max_length=160)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReglagesForm(forms.ModelForm):
    version = version_field()

    class Meta:
        model = Programme
        fields = [*POIDS_FIELDS, "missions_max_par_mentor"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in POIDS_FIELDS:
            self.fields[name].max_value = 100
            self.fields[name].widget.attrs.update({"min": 0, "max": 100})
            self.fields[name].help_text = _("De 0 (ignoré) à 100.")
        self.fields["missions_max_par_mentor"].min_value = 1
        self.fields["missions_max_par_mentor"].widget.attrs["min"] = 1


class PropositionForm(forms.Form):
    personne_ressource = forms.ModelChoiceField(
        label=_("Personne-ressource"), queryset=PersonneRessource.objects.all(), widget=forms.HiddenInput
    )
    justification = forms.CharField(
        label=_("Justification (si ce n’est pas la personne la mieux classée)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ChangementForm(forms.Form):
    personne_ressource = forms.TypedChoiceField(label=_("Personne-ressource"), coerce=int)
    justification = forms.CharField(
        label=_("Justification du changement"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personne_ressource"].choices = choices


class DeclinForm(forms.Form):
    motif = forms.CharField(
        label=_("Pourquoi déclinez-vous ?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Votre réponse aide la coordination à proposer une autre personne."),
    )
