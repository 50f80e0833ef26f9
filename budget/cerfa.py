"""The financial report of a subsidy — the « compte rendu financier » of the CERFA n° 15059 form —
pre-filled from the ledger, as PDF and as an editable spreadsheet.

`cerfa_chiffres(programme=…)` accounts for the whole programme: its envelope is the subsidy,
commitments and delivered half-days are the mentors' fees, other costs go to their account lines.
`cerfa_chiffres(programme=…, financement=…)` accounts for one funder's part: `Financement` carries
that funder's figures, so that the builder does not depend on how the shares are stored (the budget's
contributions build it once they exist).

Figures, on the accrual basis of an association's accounts (comptabilité d'engagement):
- Prévision: the envelope (or the funder's contribution); the fees line is what remains of it once
  the other costs are set aside.
- Réalisation: fees for the half-days delivered (held with their report, or cancelled late and due)
  at the programme's rate, plus the other costs recorded; the subsidy used equals the costs.
The annex states what was paid, what remains to pay and what is committed but not delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.exports import workbook_bytes
from core.money import euros
from core.pdf import render_pdf
from programmes.models import Programme

from . import selectors
from .documents import DATE, DATETIME, EUROS, _local
from .models import CategorieDepense, Contribution

ZERO = Decimal("0.00")

# Where each kind of cost goes in the form's account lines (the plan comptable associatif's classes).
COMPTE_HONORAIRES = gettext_lazy("62 – Autres services extérieurs : rémunérations d’intermédiaires et honoraires")
COMPTES_AUTRES = {
    CategorieDepense.ESSAIMAGE: gettext_lazy("62 – Autres services extérieurs : essaimage (rencontres, déplacements)"),
    CategorieDepense.COMMUNICATION: gettext_lazy("62 – Autres services extérieurs : publicité, publications"),
    CategorieDepense.AUTRE: gettext_lazy("65 – Autres charges de gestion courante"),
}
# The form's other account lines, shown empty so that the pilot structure can complete them.
COMPTES_VIDES_CHARGES = (
    gettext_lazy("60 – Achats"),
    gettext_lazy("61 – Services extérieurs"),
    gettext_lazy("63 – Impôts et taxes"),
    gettext_lazy("64 – Charges de personnel"),
    gettext_lazy("66 – Charges financières"),
    gettext_lazy("67 – Charges exceptionnelles"),
    gettext_lazy("68 – Dotation aux amortissements"),
)
COMPTES_VIDES_PRODUITS = (
    gettext_lazy("70 – Vente de produits finis, prestations de services"),
    gettext_lazy("75 – Autres produits de gestion courante"),
    gettext_lazy("76 – Produits financiers"),
)


@dataclass(frozen=True)
class Financement:
    """One funder's part of a programme, as the report needs it (built from a contribution)."""

    financeur: str
    montant: Decimal  # contributed: the forecast of this subsidy
    engage: Decimal  # commitments allocated to it
    realise: Decimal  # delivered half-days allocated to it, in euros
    paye: Decimal  # payments allocated to it
    autres: dict[str, Decimal] = field(default_factory=dict)  # other costs allocated to it, per category
    reference: str = ""  # the funder's convention reference


@dataclass
class Ligne:
    compte: str
    prevision: Decimal = ZERO
    realisation: Decimal = ZERO

    @property
    def taux(self) -> int | None:
        """Réalisation as a percentage of the forecast (the form's « % » column)."""
        if not self.prevision:
            return None
        return round(self.realisation * 100 / self.prevision)


@dataclass
class CompteRenduFinancier:
    programme: Programme
    financeur: str
    reference_convention: str
    subvention: Decimal
    charges: list[Ligne]
    produits: list[Ligne]
    engage: Decimal
    paye: Decimal
    genere_le: Any

    @property
    def total_charges(self) -> Ligne:
        return Ligne(
            _("Total des charges"),
            sum((ligne.prevision for ligne in self.charges), ZERO),
            sum((ligne.realisation for ligne in self.charges), ZERO),
        )

    @property
    def total_produits(self) -> Ligne:
        return Ligne(
            _("Total des produits"),
            sum((ligne.prevision for ligne in self.produits), ZERO),
            sum((ligne.realisation for ligne in self.produits), ZERO),
        )

    @property
    def honoraires_realises(self) -> Decimal:
        return self.charges[0].realisation

    @property
    def reste_a_payer(self) -> Decimal:
        return self.honoraires_realises - self.paye

    @property
    def engage_non_realise(self) -> Decimal:
        return self.engage - self.honoraires_realises

    @property
    def ecart(self) -> Decimal:
        """Subsidy not used (forecast − realised costs): to explain, or to give back."""
        return self.subvention - self.total_charges.realisation


def _autres_par_categorie(programme: Programme) -> dict[str, Decimal]:
    rows = selectors.autres_depenses_de(programme).order_by().values("categorie").annotate(total=Sum("montant"))
    return {row["categorie"]: euros(row["total"] or 0) for row in rows}


def financement_programme(programme: Programme) -> Financement:
    """The whole programme as one funding: its envelope and the dashboard's figures."""
    chiffres = selectors.chiffres_de(selectors.programmes_avec_totaux().get(pk=programme.pk))
    return Financement(
        financeur=_("Ensemble des financeurs du programme"),
        montant=chiffres.enveloppe,
        engage=chiffres.engage,
        realise=chiffres.livre,
        paye=chiffres.paye,
        autres=_autres_par_categorie(programme),
    )


def financement_contribution(contribution: Contribution) -> Financement:
    """One funder's part, with the figures of the dashboard's funders' table (budget.selectors.parts_financeurs)."""
    parts = selectors.parts_financeurs(contribution.programme)
    part = next(
        ligne for ligne in (parts.lignes if parts else []) if ligne.contribution and ligne.contribution.pk == contribution.pk
    )
    return Financement(
        financeur=part.libelle,
        montant=part.contribue,
        engage=part.engage,
        realise=part.realise,
        paye=part.paye,
        autres=dict(part.autres_par_categorie),
        reference=contribution.reference_convention,
    )


def cerfa_chiffres(*, programme: Programme, financement: Financement | None = None) -> CompteRenduFinancier:
    """The report's figures, for the whole programme or, with `financement`, for one funder's part."""
    part = financement or financement_programme(programme)
    autres_total = sum(part.autres.values(), ZERO)
    charges = [Ligne(str(COMPTE_HONORAIRES), part.montant - autres_total, part.realise)]
    for categorie, compte in COMPTES_AUTRES.items():
        montant = part.autres.get(categorie, ZERO)
        charges.append(Ligne(str(compte), montant, montant))
    charges.extend(Ligne(str(compte)) for compte in COMPTES_VIDES_CHARGES)
    total_charges = sum((ligne.realisation for ligne in charges), ZERO)
    subvention = Ligne(
        _("74 – Subventions d’exploitation : %(financeur)s") % {"financeur": part.financeur}, part.montant, total_charges
    )
    produits = [subvention, *(Ligne(str(compte)) for compte in COMPTES_VIDES_PRODUITS)]
    return CompteRenduFinancier(
        programme=programme,
        financeur=part.financeur,
        reference_convention=part.reference,
        subvention=part.montant,
        charges=charges,
        produits=produits,
        engage=part.engage,
        paye=part.paye,
        genere_le=timezone.localtime(),
    )


def _noop(_: int) -> None:
    return None


def cerfa_pdf(*, programme: Programme, financement: Financement | None = None, progress: Callable[[int], None] = _noop) -> bytes:
    rapport = cerfa_chiffres(programme=programme, financement=financement)
    progress(40)
    pdf = render_pdf("pdf/cerfa_15059.html", {"rapport": rapport, "programme": programme, "genere_le": rapport.genere_le})
    progress(95)
    return pdf


def cerfa_xlsx(*, programme: Programme, financement: Financement | None = None, progress: Callable[[int], None] = _noop) -> bytes:
    """The form's table with its figures as plain numbers, which the pilot structure completes and adjusts."""
    rapport = cerfa_chiffres(programme=programme, financement=financement)
    progress(40)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Compte rendu financier")
    bold = Font(bold=True)
    pilot = programme.pilote.identite()
    entete = [
        (_("Cerfa n° 15059 – Compte rendu financier de subvention"), None),
        (_("Organisme"), pilot["name"]),
        (_("Adresse"), pilot["address"]),
        (_("Représentant·e"), pilot["representative"]),
        (_("Action"), programme.nom),
        (_("Période du"), programme.date_debut),
        (_("au"), programme.date_fin),
        (_("Financeur"), rapport.financeur),
        (_("Référence de la convention de financement"), rapport.reference_convention),
        (_("Subvention"), rapport.subvention),
        (_("Édité le"), _local(timezone.now())),
    ]
    for label, value in entete:
        sheet.append([label, value])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.cell(row=6, column=2).number_format = DATE
    sheet.cell(row=7, column=2).number_format = DATE
    sheet.cell(row=10, column=2).number_format = EUROS
    sheet.cell(row=11, column=2).number_format = DATETIME
    sheet.append([])

    def tableau(titre: str, lignes: list[Ligne], total: Ligne) -> None:
        sheet.append([titre, _("Prévision"), _("Réalisation"), "%"])
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for ligne in [*lignes, total]:
            sheet.append([ligne.compte, ligne.prevision, ligne.realisation, ligne.taux])
            row = sheet.max_row
            for column in (2, 3):
                sheet.cell(row=row, column=column).number_format = EUROS
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        sheet.append([])

    tableau(_("Charges"), rapport.charges, rapport.total_charges)
    tableau(_("Produits"), rapport.produits, rapport.total_produits)
    progress(70)

    annexe = [
        (_("Honoraires réalisés (demi-journées livrées)"), rapport.honoraires_realises),
        (_("dont payés"), rapport.paye),
        (_("Reste à payer"), rapport.reste_a_payer),
        (_("Engagé (conventions signées)"), rapport.engage),
        (_("Engagé non encore réalisé"), rapport.engage_non_realise),
        (_("Écart entre la subvention et les charges réalisées"), rapport.ecart),
    ]
    sheet.append([_("Annexe – données chiffrées"), None])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    for label, value in annexe:
        sheet.append([label, value])
        sheet.cell(row=sheet.max_row, column=2).number_format = EUROS
    sheet.append([])
    sheet.append([_("Explication des écarts entre le prévisionnel et le réalisé"), ""])
    sheet.cell(row=sheet.max_row, column=1).font = bold
    sheet.cell(row=sheet.max_row, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 80
    for column in "BCD":
        sheet.column_dimensions[column].width = 18
    progress(90)
    return workbook_bytes(workbook)
