from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.uploads import ACCEPT_ATTRIBUTE, check_upload
from programmes.models import Structure

from .models import CategorieDepense, RegleRepartition


class MontantField(forms.DecimalField):
    """An amount in euros typed the French way (« 1 250,50 ») or with a dot."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0.01"))
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"})

    def to_python(self, value: Any) -> Decimal | None:
        if isinstance(value, str):
            value = value.replace("\u202f", "").replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
        if value in self.empty_values:
            return None
        try:
            return Decimal(str(value))
        except InvalidOperation:
            raise ValidationError(_("Saisissez un montant en euros, par exemple 1250,50."), code="invalid") from None


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class PaiementForm(forms.Form):
    structure = forms.ModelChoiceField(
        label=_("Structure payée"),
        queryset=Structure.objects.none(),
        help_text=_("La structure qui emploie la personne-ressource et a émis la facture."),
    )
    date_paiement = forms.DateField(label=_("Date du paiement"), widget=DateInput())
    montant = MontantField(label=_("Montant payé (€)"))
    reference_facture = forms.CharField(label=_("Référence de la facture"), max_length=100)
    depassement_autorise = forms.BooleanField(
        label=_("Autoriser un paiement au-delà du réalisé (avance)"),
        required=False,
        help_text=_(
            "Exceptionnel : expliquez la raison dans la note. Jamais au-delà de l’engagé de l’accompagnement "
            "ni de l’enveloppe du programme : au-delà de la convention, établissez un avenant."
        ),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, accompagnement: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        structures = Structure.objects.filter(pk__in=accompagnement.mentors.values("structure_id")).order_by("raison_sociale")
        self.fields["structure"].queryset = structures
        if not self.is_bound:
            self.initial.setdefault("date_paiement", timezone.localdate())
            only = list(structures[:2])
            if len(only) == 1:
                self.initial.setdefault("structure", only[0].pk)


class AutreDepenseForm(forms.Form):
    categorie = forms.ChoiceField(label=_("Catégorie"), choices=CategorieDepense.choices)
    libelle = forms.CharField(label=_("Libellé"), max_length=255)
    date_depense = forms.DateField(label=_("Date de la dépense"), widget=DateInput())
    montant = MontantField(label=_("Montant (€)"))
    justificatif = forms.FileField(
        label=_("Justificatif"),
        help_text=_("Facture ou pièce justificative : PDF, image ou document bureautique."),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean_justificatif(self) -> Any:
        upload = self.cleaned_data["justificatif"]
        self.checked_upload = check_upload(upload)
        return upload


class CorrectionForm(forms.Form):
    note = forms.CharField(
        label=_("Raison de la correction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Une ligne opposée est ajoutée au grand livre ; la ligne d’origine reste visible."),
    )


class RegleRepartitionForm(forms.Form):
    regle = forms.ChoiceField(label=_("Règle de répartition entre financeurs"), choices=RegleRepartition.choices)
