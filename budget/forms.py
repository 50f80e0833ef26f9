from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.money import format_euros
from core.uploads import ACCEPT_ATTRIBUTE, check_upload
from programmes.models import Structure

from .models import CategorieDepense, ModePaiement, RegleRepartition


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


# --- Invoices ----------------------------------------------------------------------------------------


class SeancesChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, seance: Any) -> str:
        return _("%(date)s – %(ref)s – %(duree)s") % {
            "date": timezone.localtime(seance.debut).strftime("%d/%m/%Y"),
            "ref": seance.accompagnement.reference,
            "duree": seance.get_demi_journees_display(),
        }


class AteliersChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, atelier: Any) -> str:
        # `montant_engage`: annotated by budget.selectors (the animation committed, the line's amount).
        return _("%(date)s – atelier « %(titre)s » – %(montant)s") % {
            "date": timezone.localtime(atelier.debut).strftime("%d/%m/%Y"),
            "titre": atelier.titre,
            "montant": format_euros(atelier.montant_engage),
        }


class FactureForm(forms.Form):
    """Deposit (or correct) an invoice: the sessions and held workshops it bills, its number and amount, the PDF."""

    seances = SeancesChoiceField(label=_("Séances facturées"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False)
    ateliers = AteliersChoiceField(
        label=_("Ateliers animés facturés"), queryset=None, widget=forms.CheckboxSelectMultiple, required=False
    )
    numero = forms.CharField(label=_("Numéro de la facture"), max_length=60)
    montant = MontantField(label=_("Montant facturé (€)"))
    fichier = forms.FileField(
        label=_("Facture (PDF)"), widget=forms.ClearableFileInput(attrs={"accept": ".pdf"}), help_text=_("PDF, 10 Mo au plus.")
    )

    def __init__(self, *args: Any, seances: Any, ateliers: Any, fichier_requis: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["seances"].queryset = seances
        self.fields["ateliers"].queryset = ateliers
        self.fields["fichier"].required = fichier_requis

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "seances" in data and "ateliers" in data and not data["seances"] and not data["ateliers"]:
            self.add_error("seances", _("Choisissez au moins une séance ou un atelier à facturer."))
        return data

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data.get("fichier")
        if not upload:
            return None
        try:
            checked = check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        if checked.content_type != "application/pdf":
            raise ValidationError(_("La facture doit être un fichier PDF."))
        return checked


class RetourFactureForm(forms.Form):
    motif = forms.CharField(label=_("Ce qui est à corriger"), widget=forms.Textarea(attrs={"rows": 2}))


class PaiementFactureForm(forms.Form):
    date_paiement = forms.DateField(label=_("Date du paiement"), widget=DateInput(), initial=timezone.localdate)
    reference = forms.CharField(label=_("Référence du paiement"), max_length=100)
    mode = forms.ChoiceField(label=_("Mode de paiement"), choices=ModePaiement.choices, initial=ModePaiement.VIREMENT)


class PeriodeForm(forms.Form):
    du = forms.DateField(label=_("Du"), widget=DateInput())
    au = forms.DateField(label=_("Au"), widget=DateInput())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("du") and data.get("au") and data["au"] < data["du"]:
            self.add_error("au", _("La fin de la période doit suivre son début."))
        return data
