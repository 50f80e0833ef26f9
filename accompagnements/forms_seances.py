"""Forms of the sessions: planning, cancelling, questions, the report, supporting records."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.concurrency import VersionedForm
from core.ics import PARIS
from core.uploads import ACCEPT_ATTRIBUTE, check_upload

from .models import ModaliteSeance, Seance


def _oui_non(*, label: Any, oui: Any, non: Any) -> forms.TypedChoiceField:
    """A yes/no decision on a session as two radio buttons, the "yes" first; the services take a bool."""
    return forms.TypedChoiceField(
        label=label, choices=[("1", oui), ("0", non)], coerce=lambda v: v == "1", widget=forms.RadioSelect
    )


class QuandOuForm(forms.Form):
    """When and where a session or an availability slot takes place: a Paris date and time, a half-day
    or a day, in person (a place) or remote (a link). Shared by the session and the slot forms."""

    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    heure = forms.TimeField(
        label=_("Heure de début"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"), initial="09:30"
    )
    demi_journees = forms.TypedChoiceField(
        label=_("Durée"),
        choices=[(1, _("Une demi-journée")), (2, _("Une journée"))],
        coerce=int,
        initial=1,
        widget=forms.RadioSelect,
    )
    modalite = forms.ChoiceField(
        label=_("Modalité"), choices=ModaliteSeance.choices, initial=ModaliteSeance.PRESENTIEL, widget=forms.RadioSelect
    )
    lieu = forms.CharField(label=_("Lieu (en présentiel)"), max_length=255, required=False)
    lien_visio = forms.URLField(
        label=_("Lien de visioconférence (à distance)"),
        required=False,
        assume_scheme="https",
        help_text=_("Par exemple https://visio.exemple.org/salle"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        modalite = data.get("modalite")
        if modalite == ModaliteSeance.PRESENTIEL and not (data.get("lieu") or "").strip():
            self.add_error("lieu", _("Indiquez le lieu de la séance."))
        if modalite == ModaliteSeance.DISTANCE and not data.get("lien_visio") and "lien_visio" not in self.errors:
            self.add_error("lien_visio", _("Indiquez le lien de visioconférence."))
        if data.get("date") and data.get("heure"):
            # Europe/Paris wall-clock time (a slot keeps it week after week across a daylight-saving
            # change); a time skipped by the spring change moves one hour on.
            data["debut"] = datetime.datetime.combine(data["date"], data["heure"], tzinfo=PARIS)
        return data

    def quand_ou_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "debut": data["debut"],
            "demi_journees": data["demi_journees"],
            "modalite": data["modalite"],
            "lieu": data.get("lieu", ""),
            "lien_visio": data.get("lien_visio", ""),
        }


class SeanceForm(QuandOuForm, VersionedForm):
    sujet = forms.CharField(label=_("Thème de la séance"), max_length=255, required=False)

    def __init__(self, *args: Any, format: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if format is not None and format.est_en_heures:
            # A coaching in hours: whole hours up to the format's longest session (by half-days recommended).
            field = self.fields["demi_journees"]
            field.choices = [(n, format.duree_texte(n)) for n in range(1, format.seance_duree_max + 1)]
            field.widget = forms.Select(choices=field.choices)

    @classmethod
    def initial_from(cls, seance: Seance) -> dict[str, Any]:
        local = timezone.localtime(seance.debut, PARIS)
        return {
            "date": local.date(),
            "heure": local.time().replace(second=0, microsecond=0),
            "demi_journees": seance.demi_journees,
            "modalite": seance.modalite,
            "lieu": seance.lieu,
            "lien_visio": seance.lien_visio,
            "sujet": seance.sujet,
        }

    def service_kwargs(self) -> dict[str, Any]:
        return {**self.quand_ou_kwargs(), "sujet": self.cleaned_data.get("sujet", "")}


class AnnulationForm(forms.Form):
    motif = forms.CharField(label=_("Motif de l’annulation"), widget=forms.Textarea(attrs={"rows": 3}))
    motif_valable = forms.BooleanField(
        label=_("Motif valable (la séance n’est pas comptée même si l’annulation est tardive)"), required=False
    )

    def __init__(self, *args: Any, coordination: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not coordination:
            del self.fields["motif_valable"]


class ArbitrageForm(forms.Form):
    comptee = _oui_non(
        label=_("Décision"), oui=_("Compter la séance comme consommée"), non=_("Ne pas la compter (motif valable)")
    )
    note = forms.CharField(label=_("Note de la coordination"), widget=forms.Textarea(attrs={"rows": 2}))


class QuestionForm(forms.Form):
    texte = forms.CharField(label=_("Votre question pour la séance"), widget=forms.Textarea(attrs={"rows": 3}))


class CompteRenduForm(forms.Form):
    """The report template: what was worked on, tools shared, progress per objective, next steps."""

    travaux = forms.CharField(label=_("Ce qui a été travaillé"), widget=forms.Textarea(attrs={"rows": 5}))
    outils = forms.CharField(label=_("Outils et ressources partagés"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    prochaines_etapes = forms.CharField(label=_("Prochaines étapes"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, objectifs: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.objectifs = list(objectifs)
        fields = dict(self.fields)
        self.fields.clear()
        self.fields["travaux"] = fields["travaux"]
        self.fields["outils"] = fields["outils"]
        for objectif in self.objectifs:
            self.fields[f"progres_{objectif.pk}"] = forms.CharField(
                label=_("Avancée sur l’objectif « %(objectif)s »") % {"objectif": objectif.intitule},
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
            )
        self.fields["prochaines_etapes"] = fields["prochaines_etapes"]

    @classmethod
    def initial_from(cls, compte_rendu: Any) -> dict[str, Any]:
        if compte_rendu is None:
            return {}
        initial = {
            "travaux": compte_rendu.travaux,
            "outils": compte_rendu.outils,
            "prochaines_etapes": compte_rendu.prochaines_etapes,
        }
        for key, value in (compte_rendu.progres or {}).items():
            initial[f"progres_{key}"] = value
        return initial

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "travaux": data["travaux"],
            "outils": data.get("outils", ""),
            "prochaines_etapes": data["prochaines_etapes"],
            "progres": {str(o.pk): data.get(f"progres_{o.pk}", "") for o in self.objectifs},
        }


class CommentaireForm(forms.Form):
    commentaire = forms.CharField(label=_("Votre commentaire sur le compte-rendu"), widget=forms.Textarea(attrs={"rows": 3}))


class SupportFichierForm(forms.Form):
    titre = forms.CharField(label=_("Titre du document"), max_length=255, required=False)
    fichier = forms.FileField(
        label=_("Fichier"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("PDF, image ou document bureautique, 10 Mo au plus."),
    )

    def clean_fichier(self):
        upload = self.cleaned_data["fichier"]
        try:
            return check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from None


class SupportLienForm(forms.Form):
    titre = forms.CharField(label=_("Titre de l’enregistrement"), max_length=255, required=False)
    url = forms.URLField(label=_("Lien vers l’enregistrement"), assume_scheme="https")


NIVEAUX = [
    ("", _("—")),
    ("decouverte", _("Découverte")),
    ("accompagne", _("Fait avec accompagnement")),
    ("autonome", _("Fait en autonomie")),
    ("transmis", _("Capable de transmettre")),
]


class GrilleObservationForm(forms.Form):
    """A simple observation grid: its answers are stored as a dict in SupportTemoin.grille."""

    titre = forms.CharField(label=_("Titre de la grille"), max_length=255, required=False)
    situation = forms.CharField(label=_("Situation observée"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    points_forts = forms.CharField(label=_("Points forts"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    points_vigilance = forms.CharField(label=_("Points de vigilance"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    niveau = forms.ChoiceField(label=_("Niveau d’autonomie constaté"), choices=NIVEAUX, required=False)
    pistes = forms.CharField(label=_("Pistes de travail"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    RUBRIQUES = ["situation", "points_forts", "points_vigilance", "niveau", "pistes"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any((data.get(name) or "").strip() for name in self.RUBRIQUES):
            raise ValidationError(_("Remplissez au moins une rubrique de la grille."))
        return data

    def grille(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(name, "") for name in self.RUBRIQUES}

    @classmethod
    def labels(cls) -> dict[str, str]:
        base = cls()
        labels = {name: str(base.fields[name].label) for name in cls.RUBRIQUES}
        return labels

    @classmethod
    def niveau_label(cls, value: str) -> str:
        return str(dict(NIVEAUX).get(value, value))


class CreneauForm(QuandOuForm):
    """A mentor's availability: a half-day or a day, once or the same weekday and time for several weeks."""

    semaines = forms.IntegerField(
        label=_("Nombre de semaines"),
        min_value=1,
        initial=1,
        help_text=_("1 pour ce seul créneau ; 6 pour le même jour et la même heure pendant six semaines."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["semaines"].max_value = settings.TSF_CRENEAUX_RECURRENCE_MAX
        self.fields["semaines"].validators.append(MaxValueValidator(settings.TSF_CRENEAUX_RECURRENCE_MAX))
        self.fields["semaines"].widget.attrs["max"] = settings.TSF_CRENEAUX_RECURRENCE_MAX

    def service_kwargs(self) -> dict[str, Any]:
        return {**self.quand_ou_kwargs(), "semaines": self.cleaned_data["semaines"]}


class ReservationForm(forms.Form):
    sujet = forms.CharField(label=_("Thème de la séance"), max_length=255, required=False)


class ConfirmationForm(forms.Form):
    """Service fait: did the session take place? (a "no" says why)."""

    tenue = _oui_non(
        label=_("La séance a-t-elle eu lieu ?"), oui=_("Oui, la séance a eu lieu"), non=_("Non, la séance n’a pas eu lieu")
    )
    commentaire = forms.CharField(
        label=_("Commentaire (obligatoire si elle n’a pas eu lieu)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class ServiceFaitArbitrageForm(forms.Form):
    """The coordination settles a disputed (or never confirmed) session."""

    tenue = _oui_non(
        label=_("Décision de la coordination"),
        oui=_("La séance a eu lieu (payable)"),
        non=_("La séance n’a pas eu lieu (non payable)"),
    )
    motif = forms.CharField(label=_("Motif de la décision"), widget=forms.Textarea(attrs={"rows": 2}))
