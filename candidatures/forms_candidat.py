"""Forms of the applicant's questionnaire, one per step, and of their space (messages, withdrawal)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from annuaire.models import Competence, PersonneRessource
from core.uploads import ACCEPT_ATTRIBUTE, check_upload
from programmes.models import DEPARTEMENTS_OCCITANIE, Departement, FormeJuridique, TrancheBudget, TypeStructure, prefixe_postal
from programmes.validators import validate_siret
from questionnaires.models import Eligibilite

from .models import StatutDemandeur, TypePiece

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

HORS_OCCITANIE = "hors"

OUI_NON = [("oui", _("Oui")), ("non", _("Non"))]

REQUIRED = {"required": _("Ce champ est obligatoire.")}


def _textarea(rows: int = 6) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


def _recit(label: StrOrPromise, help_text: StrOrPromise) -> forms.CharField:
    """A step of the questionnaire told in the applicant's words: a required long text."""
    return forms.CharField(label=label, widget=_textarea(8), error_messages=REQUIRED, help_text=help_text)


class DemandeurForm(forms.Form):
    # WCAG 1.3.5: the applicant's own details carry their autocomplete purpose.
    prenom = forms.CharField(
        label=_("Prénom"), max_length=150, error_messages=REQUIRED, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    nom = forms.CharField(
        label=_("Nom"), max_length=150, error_messages=REQUIRED, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    telephone = forms.CharField(
        label=_("Téléphone"),
        max_length=30,
        required=False,
        help_text=_("Facultatif : pour organiser l’entretien diagnostic."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    statut_demandeur = forms.ChoiceField(
        label=_("Votre statut dans la structure"),
        choices=StatutDemandeur.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choisissez votre statut dans la structure.")},
    )
    fonction = forms.CharField(
        label=_("Votre fonction"),
        max_length=200,
        error_messages=REQUIRED,
        help_text=_("Par exemple : chargée de production, président de l’association, administrateur…"),
    )
    presentation = forms.CharField(
        label=_("Présentez-vous et présentez votre activité"),
        widget=_textarea(),
        error_messages=REQUIRED,
        help_text=_("Votre parcours, vos missions actuelles, depuis quand vous les exercez."),
    )


class StructureForm(forms.Form):
    raison_sociale = forms.CharField(label=_("Nom de la structure"), max_length=200, error_messages=REQUIRED)
    siret = forms.CharField(
        label=_("Numéro SIRET"),
        max_length=20,
        required=False,
        help_text=_("14 chiffres, sur l’avis de situation INSEE. Laissez vide si votre structure n’en a pas encore."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    forme_juridique = forms.ChoiceField(
        label=_("Forme juridique"), choices=[("", "—"), *FormeJuridique.choices], error_messages=REQUIRED
    )
    type_structure = forms.ChoiceField(
        label=_("Type de structure"), choices=[("", "—"), *TypeStructure.choices], error_messages=REQUIRED
    )
    code_postal = forms.CharField(
        label=_("Code postal du siège"),
        max_length=5,
        min_length=5,
        error_messages={**REQUIRED, "min_length": _("Un code postal comporte 5 chiffres.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "postal-code"}),
    )
    commune = forms.CharField(
        label=_("Commune du siège"),
        max_length=120,
        error_messages=REQUIRED,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    departement = forms.ChoiceField(
        label=_("Département du siège"),
        choices=[("", "—"), *Departement.choices, (HORS_OCCITANIE, _("Autre département (hors Occitanie)"))],
        error_messages={
            **REQUIRED,
            "invalid_choice": _("Choisissez l’un des 13 départements d’Occitanie."),
        },
    )
    part_musiques_actuelles = forms.IntegerField(
        label=_("Part de l’activité consacrée aux musiques actuelles (en %)"),
        min_value=0,
        max_value=100,
        error_messages={
            **REQUIRED,
            "invalid": _("Indiquez un nombre entier entre 0 et 100."),
            "min_value": _("Indiquez un nombre entre 0 et 100."),
            "max_value": _("Indiquez un nombre entre 0 et 100."),
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    employeuse = forms.ChoiceField(
        label=_("La structure emploie-t-elle des salarié·es ?"),
        choices=OUI_NON,
        widget=forms.RadioSelect,
        error_messages={"required": _("Répondez par oui ou par non.")},
    )
    projet_premier_emploi = forms.ChoiceField(
        label=_("Si elle n’emploie personne : a-t-elle un projet de premier emploi ?"),
        choices=OUI_NON,
        widget=forms.RadioSelect,
        required=False,
    )
    nombre_salaries = forms.IntegerField(
        label=_("Nombre de salarié·es"),
        min_value=0,
        max_value=10000,
        required=False,
        error_messages={"invalid": _("Indiquez un nombre entier."), "min_value": _("Indiquez un nombre positif.")},
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    tranche_budget = forms.ChoiceField(label=_("Budget annuel"), choices=[("", "—"), *TrancheBudget.choices], required=False)
    site_web = forms.URLField(
        label=_("Site web"),
        required=False,
        assume_scheme="https",
        error_messages={"invalid": _("Saisissez une adresse web complète (https://…).")},
    )

    def __init__(self, *args, regles: Eligibilite | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The programme's eligibility rules (questionnaires.Eligibilite): its territory and structure types.
        self.regles = regles or Eligibilite()
        # Occitanie's départements (the TSF's list, as ever) and those of the programme's territory, then
        # "another one": a national programme lists every département.
        offerts = set(DEPARTEMENTS_OCCITANIE) | set(self.regles.departements)
        self.en_occitanie = set(self.regles.departements) <= set(DEPARTEMENTS_OCCITANIE)
        autre = _("Autre département (hors Occitanie)") if self.en_occitanie else _("Autre département")
        self.fields["departement"].choices = [
            ("", "—"),
            *[(code, label) for code, label in Departement.choices if code in offerts],
            (HORS_OCCITANIE, autre),
        ]
        if not self.en_occitanie:
            self.fields["departement"].error_messages["invalid_choice"] = _("Choisissez un département de la liste.")
        self.fields["part_musiques_actuelles"].label = _("Part de l’activité consacrée à ce champ : %(champ)s (en %%)") % {
            "champ": self.regles.champ_activite
        }

    def clean_type_structure(self) -> str:
        value = self.cleaned_data["type_structure"]
        acceptes = self.regles.types_structure
        if value and acceptes and value not in acceptes:
            raise ValidationError(
                _("Le programme s’adresse aux structures de ces types : %(types)s.")
                % {"types": ", ".join(str(TypeStructure(t).label) for t in acceptes if t in TypeStructure.values)},
                code="type_structure",
            )
        return value

    def clean_siret(self) -> str:
        value = "".join(self.cleaned_data["siret"].split())
        validate_siret(value)
        return value

    def clean_departement(self) -> str:
        value = self.cleaned_data["departement"]
        if value == HORS_OCCITANIE and self.en_occitanie:
            raise ValidationError(
                _(
                    "Le programme est réservé aux structures dont le siège est dans l’un des 13 départements d’Occitanie : "
                    "choisissez un département de la région."
                ),
                code="hors_occitanie",
            )
        if value == HORS_OCCITANIE or value not in self.regles.departements:
            raise ValidationError(
                _("Le programme est réservé aux structures dont le siège est en %(territoire)s : départements %(liste)s.")
                % {"territoire": self.regles.territoire, "liste": ", ".join(sorted(self.regles.departements))},
                code="hors_territoire",
            )
        return value

    def clean_code_postal(self) -> str:
        value = self.cleaned_data["code_postal"].strip()
        if not value.isdigit():
            raise ValidationError(_("Un code postal comporte 5 chiffres."), code="code_postal")
        return value

    def clean(self):
        cleaned = super().clean()
        departement = cleaned.get("departement")
        code_postal = cleaned.get("code_postal")
        if departement in Departement.values and code_postal and not code_postal.startswith(prefixe_postal(departement)):
            self.add_error(
                "code_postal",
                _("Ce code postal ne correspond pas au département choisi (%(dep)s).") % {"dep": Departement(departement).label},
            )
        commune = cleaned.get("commune")
        if commune and not self.regles.commune_acceptee(commune):
            self.add_error(
                "commune",
                _("Le programme est réservé aux structures dont le siège est dans l’une de ces communes : %(communes)s.")
                % {"communes": ", ".join(self.regles.liste_communes())},
            )
        if cleaned.get("employeuse") == "oui":
            cleaned["projet_premier_emploi"] = "non"
        elif cleaned.get("employeuse") == "non" and not cleaned.get("projet_premier_emploi"):
            self.add_error("projet_premier_emploi", _("Répondez par oui ou par non."))
        return cleaned


class SituationForm(forms.Form):
    situation = _recit(
        _("Situation de la structure ou du projet"),
        _("Son histoire, ses activités, son équipe, son économie, le projet pour lequel vous travaillez."),
    )


class ProblematiqueForm(forms.Form):
    problematique = _recit(
        _("La problématique dans laquelle s’inscrit votre besoin"),
        _("Ce qui vous freine aujourd’hui, ce que vous avez déjà essayé."),
    )


class ObjectifsForm(forms.Form):
    objectifs = _recit(
        _("Les objectifs de la transmission du savoir-faire"),
        _("Ce que vous voulez savoir faire à l’issue de l’accompagnement, et comment vous le constaterez."),
    )


class GroupedCompetenceField(forms.ModelMultipleChoiceField):
    """Competences of the référentiel, grouped by domain (optgroups of checkboxes)."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Competence.objects.none(), **kwargs)

    def set_queryset(self, queryset) -> None:
        self.queryset = queryset
        groups: dict[str, list] = {}
        for competence in queryset:
            groups.setdefault(competence.domaine.nom, []).append((competence.pk, competence.nom))
        self.choices = list(groups.items())


class BesoinsForm(forms.Form):
    competences = GroupedCompetenceField(
        label=_("Les compétences que vous souhaitez acquérir"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Cochez une ou plusieurs compétences du référentiel, par domaine."),
        error_messages={"invalid_choice": _("Cette compétence n’existe pas ou plus : décochez-la.")},
    )
    besoins_precisions = forms.CharField(
        label=_("Précisez vos besoins"),
        widget=_textarea(5),
        required=False,
        help_text=_("Avec vos mots, surtout si vous ne trouvez pas la compétence dans la liste."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["competences"].set_queryset(
            Competence.objects.filter(active=True).select_related("domaine").order_by("domaine__ordre", "domaine__nom", "nom")
        )

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("competences") and not (cleaned.get("besoins_precisions") or "").strip():
            self.add_error(
                "competences",
                _("Cochez au moins une compétence ou décrivez votre besoin dans le champ « Précisez vos besoins »."),
            )
        return cleaned


class PersonneRessourceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.prenom} {obj.nom} – {obj.structure.raison_sociale}"


class PersonneRessourceForm(forms.Form):
    personne_ressource_pressentie = PersonneRessourceChoiceField(
        label=_("Une personne-ressource de l’annuaire"),
        queryset=PersonneRessource.objects.none(),
        required=False,
        empty_label=_("— Aucune en particulier —"),
        error_messages={"invalid_choice": _("Cette personne-ressource n’est plus disponible : choisissez-en une autre.")},
    )
    personne_ressource_pressentie_texte = forms.CharField(
        label=_("Ou une personne que vous connaissez"),
        max_length=255,
        required=False,
        help_text=_("Son nom et sa structure. Laissez vide si vous n’avez personne en tête : la coordination vous en proposera."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["personne_ressource_pressentie"].queryset = (
            PersonneRessource.objects.validees().select_related("structure").order_by("nom", "prenom")
        )


class UploadCheckMixin:
    """Runs core.uploads.check_upload on the `fichier` field; the checked upload is `self.checked`."""

    checked = None

    def clean_fichier(self):
        upload = self.cleaned_data.get("fichier")
        if upload:
            self.checked = check_upload(upload)
        return upload


class PieceForm(UploadCheckMixin, forms.Form):
    type_piece = forms.ChoiceField(label=_("Type de document"), choices=TypePiece.choices, initial=TypePiece.STATUTS)
    fichier = forms.FileField(
        label=_("Fichier"),
        error_messages={"required": _("Choisissez un fichier à envoyer."), "empty": _("Le fichier envoyé est vide.")},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("PDF, image (PNG, JPEG) ou document bureautique (Word, Excel, OpenDocument…), 10 Mo au plus."),
    )

    def __init__(self, *args, require_file: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["fichier"].required = require_file

        self.fields["fichier"].help_text = _(
            "PDF, image (PNG, JPEG) ou document bureautique (Word, Excel, OpenDocument…), %(max)s au plus."
        ) % {"max": filesizeformat(settings.UPLOAD_MAX_BYTES)}


class DemandePieceForm(UploadCheckMixin, forms.Form):
    fichier = forms.FileField(
        label=_("Fichier"),
        error_messages={"required": _("Choisissez un fichier à envoyer."), "empty": _("Le fichier envoyé est vide.")},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class ConsentementForm(forms.Form):
    consentement_donnees = forms.BooleanField(
        label=_(
            "J’accepte que les informations de ce questionnaire soient traitées par la structure pilote pour instruire "
            "ma candidature et suivre l’accompagnement, dans les conditions décrites sur la page « Données personnelles »."
        ),
        error_messages={
            "required": _("Votre accord est nécessaire pour que la coordination puisse instruire votre candidature.")
        },
    )


class MessageForm(UploadCheckMixin, forms.Form):
    texte = forms.CharField(label=_("Votre message"), widget=_textarea(4), error_messages={"required": _("Le message est vide.")})
    fichier = forms.FileField(
        label=_("Joindre un document (facultatif)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )


class RetraitForm(forms.Form):
    motif = forms.CharField(
        label=_("Pourquoi retirez-vous votre candidature ?"),
        widget=_textarea(3),
        error_messages={"required": _("Indiquez le motif du retrait.")},
    )
