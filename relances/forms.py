from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accompagnements.models import EtatAccompagnement
from accounts.perimetre import programmes_visibles
from candidatures.models import Etat as EtatCandidature
from core.concurrency import VersionedForm, version_initial
from core.notifications import FACULTATIVES, Notification
from programmes.models import Departement, Format, Programme

from .models import TypeRelance
from .selectors import CHAMPS, ROLE_PERSONNE_RESSOURCE, ROLES_GROUPE, champs_inconnus


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


class MessageGroupeForm(forms.Form):
    """The coordination's message to a group: the filters choosing the group, then the text.

    Validates the input only (known placeholders, filters that fit the role); the service decides."""

    role = forms.ChoiceField(
        label=_("Personnes"),
        required=False,
        choices=[("", _("Tout le monde (candidat·es, bénéficiaires et personnes-ressources)")), *ROLES_GROUPE],
    )
    programme = forms.ModelChoiceField(
        label=_("Programme"), required=False, queryset=Programme.objects.order_by("-pk"), empty_label=_("Tous les programmes")
    )
    format = forms.ModelChoiceField(
        label=_("Format"),
        required=False,
        queryset=Format.objects.select_related("programme"),
        empty_label=_("Tous les formats"),
        help_text=_("Les personnes d’un accompagnement de ce format."),
    )
    departement = forms.ChoiceField(
        label=_("Département"), required=False, choices=[("", _("Tous les départements")), *Departement.choices]
    )
    etat_candidature = forms.ChoiceField(
        label=_("État de la candidature"),
        required=False,
        choices=[("", _("Tous les états")), *EtatCandidature.choices],
        help_text=_("Ne concerne que les candidat·es."),
    )
    etat_accompagnement = forms.ChoiceField(
        label=_("État de l’accompagnement"), required=False, choices=[("", _("Tous les états")), *EtatAccompagnement.choices]
    )
    evaluation_6mois_manquante = forms.BooleanField(
        label=_("Seulement les personnes dont l’évaluation à 6 mois n’est pas remplie"), required=False
    )
    sujet = forms.CharField(label=_("Objet"), max_length=200)
    corps = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("Champs remplacés pour chaque personne : %(champs)s.")
        % {"champs": ", ".join(f"{{{nom}}}" for nom in CHAMPS)},
    )
    # The number of recipients the preview showed; sending is refused if the group changed since.
    nombre_annonce = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    empreinte = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if user is not None:
            # Only the author's pilots' programmes (and their formats) can be chosen.
            programmes = programmes_visibles(user)
            self.fields["programme"].queryset = programmes.order_by("-pk")
            self.fields["format"].queryset = Format.objects.filter(programme__in=programmes).select_related("programme")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("role") == ROLE_PERSONNE_RESSOURCE and data.get("etat_candidature"):
            self.add_error(
                "etat_candidature", _("Ce filtre ne concerne que les candidat·es : choisissez-les, ou retirez ce filtre.")
            )
        programme, format_ = data.get("programme"), data.get("format")
        if programme and format_ and format_.programme_id != programme.pk:
            self.add_error("format", _("Ce format n’appartient pas au programme choisi."))
        for champ in ("sujet", "corps"):
            inconnus = champs_inconnus(data.get(champ) or "")
            if inconnus:
                self.add_error(
                    champ,
                    _("Champ inconnu : %(champs)s. Champs possibles : %(possibles)s.")
                    % {
                        "champs": ", ".join(f"{{{nom}}}" for nom in inconnus),
                        "possibles": ", ".join(f"{{{nom}}}" for nom in CHAMPS),
                    },
                )
        return data

    def filtres(self) -> dict[str, Any]:
        """The group as JSON (ids and codes), kept on the message."""
        data = self.cleaned_data
        filtres: dict[str, Any] = {
            "role": data.get("role") or "",
            "programme": data["programme"].pk if data.get("programme") else None,
            "format": data["format"].pk if data.get("format") else None,
            "departement": data.get("departement") or "",
            "etat_candidature": data.get("etat_candidature") or "",
            "etat_accompagnement": data.get("etat_accompagnement") or "",
            "evaluation_6mois_manquante": bool(data.get("evaluation_6mois_manquante")),
        }
        return filtres


class NotificationsForm(forms.Form):
    """The kinds of notification a person receives by e-mail: the non-essential ones can be unticked;
    the essential ones are shown ticked and disabled, with the reason (a forged POST is refused by the service)."""

    recues = forms.MultipleChoiceField(
        label=_("Notifications reçues par e-mail"),
        required=False,
        choices=[(value, Notification(value).label) for value in FACULTATIVES],
        widget=forms.CheckboxSelectMultiple,
    )

    def desactivees(self) -> list[str]:
        # Only non-essential kinds can be unticked: an essential one is never in the list, whatever is posted.
        recues = set(self.cleaned_data["recues"])
        return [value for value in FACULTATIVES if value not in recues]
