"""Forms of the coordinator's desk. They validate input; the services decide."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from django import forms
from django.db import models
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from annuaire.models import Competence, Domaine
from core.concurrency import VersionedForm
from programmes.models import Departement, Format

from .models import Etiquette, Modalite, Priorite, TypePiece
from .selectors import STAGES


class MotifDecision(models.TextChoices):
    """The usual reasons for a rejection, a refusal or a redirection (seed 000, eligibility criteria)."""

    HORS_OCCITANIE = "hors_occitanie", _("Structure située hors d’Occitanie")
    HORS_MUSIQUES_ACTUELLES = "hors_ma", _("Activité en musiques actuelles insuffisante")
    STATUT = (
        "statut",
        _("Statut du·de la demandeur·euse non éligible (ni salarié·e en charge d’un projet, ni dirigeant·e bénévole régulier·e)"),
    )
    NON_EMPLOYEUSE = "non_employeuse", _("Structure non employeuse et sans projet de premier emploi")
    INCOMPLET = "incomplet", _("Dossier incomplet")
    BESOIN_HORS_CHAMP = "hors_champ", _("Besoin hors du champ du programme (formation, prestation rémunérée…)")
    AUTRE_DISPOSITIF = "autre_dispositif", _("Un autre dispositif répond mieux au besoin")
    ENVELOPPE = "enveloppe", _("Enveloppe du programme entièrement engagée")
    AUTRE = "autre", _("Autre motif")


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DashboardFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Rechercher"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Référence, nom, e-mail, structure, commune")}),
    )
    etat = forms.ChoiceField(label=_("Étape"), required=False)
    departement = forms.ChoiceField(label=_("Département"), required=False)
    format = forms.ModelChoiceField(label=_("Format"), queryset=Format.objects.none(), required=False, empty_label=_("Tous"))
    domaine = forms.ModelChoiceField(
        label=_("Domaine de compétences"), queryset=Domaine.objects.all(), required=False, empty_label=_("Tous")
    )
    etiquette = forms.ModelChoiceField(
        label=_("Étiquette"), queryset=Etiquette.objects.all(), required=False, empty_label=_("Toutes")
    )
    depuis = forms.DateField(label=_("Déposée depuis le"), required=False, widget=DATE_WIDGET)
    jusqu_au = forms.DateField(label=_("Déposée jusqu’au"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args: Any, programme: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["etat"].choices = [("", _("Toutes"))] + [(e.value, e.label) for e in STAGES]
        self.fields["departement"].choices = [("", _("Tous"))] + list(Departement.choices)
        # A format's label names its programme: read with it, not one query per option.
        self.fields["format"].queryset = Format.objects.filter(programme=programme).select_related("programme")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("depuis") and data.get("jusqu_au") and data["jusqu_au"] < data["depuis"]:
            self.add_error("jusqu_au", _("Cette date doit suivre la date de début."))
        return data

    def champs_affiches(self) -> list[ChampFiltre]:
        """The fields as the dashboard draws them (templates/candidatures/coordination/includes/filtres.html).

        Same markup as crispy's Bootstrap 5 field, but each select's options are listed here: through the widget
        templates every option was one template include (the département list alone is about a hundred), a third
        of the page's rendering time at scale."""
        return [ChampFiltre.de(bound) for bound in self]


def choix(field: forms.Field) -> list[tuple[Any, Any]]:
    """A choice field's (value, label) list. A model choice field's own list goes through a server-side cursor
    on PostgreSQL (three round trips: declare, fetch, close); these lists are short, read them at once."""
    if not isinstance(field, forms.ModelChoiceField):
        return list(field.choices)
    vide = [("", field.empty_label)] if field.empty_label is not None else []
    return vide + [(field.prepare_value(obj), field.label_from_instance(obj)) for obj in field.queryset]


@dataclass(frozen=True)
class ChampFiltre:
    """One filter field, ready to draw: the bound field (label, id, name, errors) and what its widget shows."""

    bound: forms.BoundField
    type: str  # "select", or the input's type ("text", "date")
    classe: str  # Bootstrap class of the control, as crispy-forms gives it ("textinput form-control", …)
    valeur: str | None  # an input's value as typed (None: no value attribute)
    attributs: str  # the widget's own attributes (placeholder, maxlength), escaped
    options: str  # a select's <option> elements, escaped

    @classmethod
    def de(cls, bound: forms.BoundField) -> ChampFiltre:
        widget = bound.field.widget
        valeur = widget.format_value(bound.value())
        nom_classe = widget.__class__.__name__.lower()
        if isinstance(widget, forms.Select):
            # Django's Select: the first option whose value is the typed one is selected, no other.
            choisies = valeur if isinstance(valeur, list) else [valeur]
            options, deja = [], False
            for value, label in choix(bound.field):
                value = "" if value is None else str(value)
                selected = not deja and value in choisies
                deja = deja or selected
                # Escaped as Django's escape() does (the labels are plain text), without its lazy wrappers:
                # a hundred options went through a template loop, then format_html, a tenth of the page's time.
                marque = " selected" if selected else ""
                options.append(f'<option value="{escape(value)}"{marque}>{escape(str(label))}</option>')
            html = mark_safe("\n".join(options))  # noqa: S308  # nosec B703 B308 # escaped just above
            return cls(bound, "select", f"{nom_classe} form-select", None, "", html)
        # type, class and the error's aria-* are written by the template, as for the selects.
        ecrits = ("type", "class", "aria-invalid", "aria-describedby")
        attrs = {k: v for k, v in bound.build_widget_attrs(widget.attrs).items() if k not in ecrits}
        return cls(bound, widget.input_type, f"{nom_classe} form-control", valeur, flatatt(attrs), "")


class MotifMixin(forms.Form):
    motif_liste = forms.ChoiceField(label=_("Motif"), required=False, choices=[("", "—")] + list(MotifDecision.choices))
    motif = forms.CharField(label=_("Précisions"), required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)

    def motif_complet(self) -> str:
        data = self.cleaned_data
        parts = []
        if data.get("motif_liste"):
            parts.append(str(MotifDecision(data["motif_liste"]).label))
        if data.get("motif", "").strip():
            parts.append(data["motif"].strip())
        return " – ".join(parts)


# What each decision asks for: a motive from the list (required?), free text required?
DECISION_FIELDS = {
    "recevable": {"liste": False, "texte": False},
    "irrecevable": {"liste": True, "texte": False},
    "a_corriger": {"liste": False, "texte": True},
    "refusee": {"liste": True, "texte": False},
    "reorientee": {"liste": False, "texte": True},
    "retenue": {"liste": False, "texte": False},
}

DECISION_TITLES = {
    "recevable": _("Déclarer le dossier recevable"),
    "irrecevable": _("Déclarer le dossier non recevable"),
    "a_corriger": _("Renvoyer le dossier pour correction"),
    "refusee": _("Ne pas retenir la candidature"),
    "reorientee": _("Réorienter vers un autre dispositif"),
    "retenue": _("Retenir la candidature"),
}


class DecisionForm(MotifMixin):
    """The decision itself; the e-mail draft comes in a second step (EmailDraftForm)."""

    def __init__(self, *args: Any, decision: str, candidature: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision = decision
        rules = DECISION_FIELDS[decision]
        if not rules["liste"]:
            del self.fields["motif_liste"]
        else:
            self.fields["motif_liste"].required = True
        if rules["texte"]:
            self.fields["motif"].required = True
            self.fields["motif"].label = (
                _("Ce que le·la candidat·e doit corriger ou compléter")
                if decision == "a_corriger"
                else _("Dispositif conseillé et explication")
            )
        if decision == "retenue":
            formats = Format.objects.filter(programme_id=candidature.programme_id, actif=True)
            diagnostic = getattr(candidature, "diagnostic", None)
            self.fields["format"] = forms.ModelChoiceField(label=_("Format retenu"), queryset=formats, empty_label=None)
            self.fields["demi_journees"] = forms.IntegerField(label=_("Demi-journées"), min_value=1, max_value=200)
            self.fields["format_suite"] = forms.ModelChoiceField(
                label=_("Puis (pour « TSF puis mentorat »)"), queryset=formats, required=False, empty_label=_("Aucun")
            )
            self.fields["demi_journees_suite"] = forms.IntegerField(
                label=_("Demi-journées ensuite"), min_value=1, max_value=200, required=False
            )
            if diagnostic is not None and not self.is_bound:
                self.initial.update(
                    {
                        "format": diagnostic.format_recommande_id,
                        "demi_journees": diagnostic.demi_journees,
                        "format_suite": diagnostic.format_suite_id,
                        "demi_journees_suite": diagnostic.demi_journees_suite,
                    }
                )
            self.order_fields(["format", "demi_journees", "format_suite", "demi_journees_suite", "motif"])

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.decision == "retenue" and data.get("format_suite") and not data.get("demi_journees_suite"):
            self.add_error("demi_journees_suite", _("Indiquez le nombre de demi-journées du format suivant."))
        if data.get("motif_liste") == MotifDecision.AUTRE and not (data.get("motif") or "").strip():
            self.add_error("motif", _("Précisez le motif."))
        return data


class EmailDraftForm(forms.Form):
    sujet = forms.CharField(label=_("Objet de l’e-mail"), max_length=255)
    corps = forms.CharField(label=_("Texte de l’e-mail"), widget=forms.Textarea(attrs={"rows": 14}), max_length=10000)


class RevertForm(forms.Form):
    motif = forms.CharField(label=_("Motif de l’annulation"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class DemandePieceForm(forms.Form):
    type_piece = forms.ChoiceField(label=_("Document demandé"), choices=TypePiece.choices)
    message = forms.CharField(
        label=_("Précisions pour le·la candidat·e"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class NoteForm(forms.Form):
    texte = forms.CharField(label=_("Nouvelle note interne"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)


class EtiquettesForm(forms.Form):
    noms = forms.CharField(
        label=_("Étiquettes"),
        required=False,
        max_length=500,
        help_text=_("Séparées par des virgules, par exemple : urgent, à rappeler"),
    )

    def liste(self) -> list[str]:
        return [n.strip() for n in self.cleaned_data.get("noms", "").split(",") if n.strip()]


class DiagnosticPlanForm(VersionedForm):
    debut = forms.DateTimeField(label=_("Date et heure"), widget=DATETIME_WIDGET, help_text=_("Heure de Paris"))
    duree_minutes = forms.IntegerField(label=_("Durée (minutes)"), min_value=15, max_value=480, initial=60)
    modalite = forms.ChoiceField(
        label=_("Modalité"), choices=Modalite.choices, widget=forms.RadioSelect, initial=Modalite.DISTANCE
    )
    lieu = forms.CharField(label=_("Lieu (en présentiel)"), required=False, max_length=255)
    lien_visio = forms.URLField(label=_("Lien de visioconférence (à distance)"), required=False, assume_scheme="https")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("debut") and data["debut"] <= timezone.now():
            self.add_error("debut", _("L’entretien doit avoir lieu dans le futur."))
        if data.get("modalite") == Modalite.PRESENTIEL and not (data.get("lieu") or "").strip():
            self.add_error("lieu", _("Indiquez le lieu de l’entretien en présentiel."))
        if data.get("modalite") == Modalite.DISTANCE and not data.get("lien_visio"):
            self.add_error("lien_visio", _("Indiquez le lien de visioconférence de l’entretien à distance."))
        return data


def competence_choices() -> list[Any]:
    """Active competences grouped by domain (one query)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for competence in (
        Competence.objects.filter(active=True).select_related("domaine").order_by("domaine__ordre", "domaine__nom", "nom")
    ):
        groups.setdefault(competence.domaine.nom, []).append((competence.pk, competence.nom))
    return [("", "—")] + list(groups.items())


class BesoinForm(forms.Form):
    competence = forms.TypedChoiceField(label=_("Compétence"), coerce=int, required=False, empty_value=None)
    priorite = forms.TypedChoiceField(label=_("Priorité"), coerce=int, choices=Priorite.choices, initial=Priorite.MOYENNE)
    precision = forms.CharField(label=_("Précision"), required=False, max_length=255)

    def __init__(self, *args: Any, choices: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["competence"].choices = choices


class NouvelleCompetenceForm(forms.Form):
    domaine = forms.ModelChoiceField(label=_("Domaine"), queryset=Domaine.objects.all(), required=False)
    nom = forms.CharField(label=_("Nouvelle compétence"), required=False, max_length=160)
    priorite = forms.TypedChoiceField(label=_("Priorité"), coerce=int, choices=Priorite.choices, initial=Priorite.MOYENNE)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("nom") and not data.get("domaine"):
            self.add_error("domaine", _("Choisissez le domaine de la nouvelle compétence."))
        if data.get("domaine") and not data.get("nom"):
            self.add_error("nom", _("Écrivez le nom de la nouvelle compétence."))
        return data


BesoinFormSet = forms.formset_factory(BesoinForm, extra=0, min_num=5, max_num=20)
NouvelleCompetenceFormSet = forms.formset_factory(NouvelleCompetenceForm, extra=0, min_num=2, max_num=10)


class DiagnosticRecordForm(VersionedForm):
    format_recommande = forms.ModelChoiceField(label=_("Format recommandé"), queryset=Format.objects.none(), empty_label=None)
    demi_journees = forms.IntegerField(label=_("Demi-journées"), min_value=1, max_value=200)
    format_suite = forms.ModelChoiceField(
        label=_("Puis (pour « TSF puis mentorat »)"), queryset=Format.objects.none(), required=False, empty_label=_("Aucun")
    )
    demi_journees_suite = forms.IntegerField(label=_("Demi-journées ensuite"), min_value=1, max_value=200, required=False)
    notes = forms.CharField(
        label=_("Notes de l’entretien"), required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )

    def __init__(self, *args: Any, programme: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        formats = Format.objects.filter(programme=programme, actif=True)
        self.fields["format_recommande"].queryset = formats
        self.fields["format_suite"].queryset = formats

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("format_suite") and not data.get("demi_journees_suite"):
            self.add_error("demi_journees_suite", _("Indiquez le nombre de demi-journées du format suivant."))
        return data
