from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from candidatures.models import Candidature
from core.concurrency import VersionedForm
from core.uploads import ACCEPT_ATTRIBUTE, check_upload

from .models import ReunionComite, Saisine, SensAvis


class SaisineForm(forms.Form):
    """Put a file to the committee: the question, the documents its members may open, the meeting."""

    question = forms.CharField(label=_("Question posée au comité"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    pieces = forms.ModelMultipleChoiceField(
        label=_("Documents transmis au comité"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les membres du comité ne pourront ouvrir que ces documents."),
    )
    reunion = forms.ModelChoiceField(
        label=_("Réunion"), queryset=None, required=False, empty_label=_("Sans réunion (avis à distance)")
    )

    def __init__(self, *args: Any, candidature: Candidature, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pieces"].queryset = candidature.pieces.all()
        self.fields["pieces"].label_from_instance = lambda piece: f"{piece.get_type_piece_display()} – {piece.nom_original}"
        self.fields["reunion"].queryset = ReunionComite.objects.filter(
            programme_id=candidature.programme_id, date__gte=timezone.now()
        )


class AvisForm(forms.Form):
    sens = forms.ChoiceField(label=_("Votre avis"), choices=SensAvis.choices, widget=forms.RadioSelect)
    commentaire = forms.CharField(
        label=_("Commentaire"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        help_text=_("Obligatoire pour un avis avec réserves ou défavorable."),
    )


class ReunionForm(VersionedForm):
    date = forms.DateTimeField(
        label=_("Date et heure"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
    )
    lieu = forms.CharField(label=_("Lieu ou lien"), required=False, max_length=255)
    ordre_du_jour = forms.CharField(
        label=_("Ordre du jour"), required=False, widget=forms.Textarea(attrs={"rows": 5}), max_length=10000
    )
    saisines = forms.ModelMultipleChoiceField(
        label=_("Dossiers à l’ordre du jour"),
        queryset=Saisine.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Avec les documents transmis au comité pour chacun."),
    )

    def __init__(self, *args: Any, programme: Any, reunion: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The files waiting for a meeting, and this meeting's own: not every file the committee ever saw.
        attente = Q(reunion__isnull=True) | Q(reunion=reunion) if reunion is not None else Q(reunion__isnull=True)
        self.fields["saisines"].queryset = (
            Saisine.objects.filter(attente, candidature__programme=programme)
            .select_related("candidature", "candidature__structure")
            .order_by("created_at", "pk")
        )
        self.fields["saisines"].label_from_instance = lambda s: f"{s.candidature.reference} – {s.candidature.structure}"


class CompteRenduForm(VersionedForm):
    compte_rendu = forms.CharField(
        label=_("Compte-rendu"), required=False, widget=forms.Textarea(attrs={"rows": 10}), max_length=50000
    )
    fichier = forms.FileField(
        label=_("ou fichier du compte-rendu"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
        help_text=_("PDF, image ou document bureautique."),
    )

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data.get("fichier")
        if not upload:
            return None
        try:
            return check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
