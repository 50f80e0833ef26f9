"""Follow-up documents of a programme: the dated PDF report and the XLSX workbook.

Called by `services.export_run` in the Celery worker; `progress(percent)` reports the advance.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.exports import workbook_bytes
from core.pdf import render_pdf
from programmes.models import Programme

from . import selectors
from .dashboard import programme_context

EUROS = '#,##0.00 "€"'
DATE = "DD/MM/YYYY"
DATETIME = "DD/MM/YYYY HH:MM"
DAYS = "0.0"
CHUNK = 2000


def _noop(_: int) -> None:
    return None


def rapport_pdf(*, programme: Programme, progress: Callable[[int], None] = _noop) -> bytes:
    context = programme_context(programme)
    progress(30)
    context["accompagnements"] = selectors.avec_montant_livre(selectors.accompagnements_suivi(programme))
    context["genere_le"] = timezone.localtime()
    progress(50)
    pdf = render_pdf("pdf/rapport_programme.html", context)
    progress(95)
    return pdf


def _local(value: Any) -> Any:
    """openpyxl writes naive datetimes only: local Paris time, without the offset."""
    if value is None:
        return None
    return timezone.localtime(value).replace(tzinfo=None)


def _sheet(workbook: Any, title: str, headers: list[str], widths: list[int]) -> Any:
    sheet = workbook.create_sheet(title)
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _formats(sheet: Any, formats: dict[int, str]) -> None:
    """Apply number formats by column (1-based) to every data row."""
    for row in sheet.iter_rows(min_row=2):
        for column, number_format in formats.items():
            row[column - 1].number_format = number_format


def _user(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _financeurs(workbook: Any, programme: Programme) -> None:
    """The funders' shares, as on the dashboard (budget.selectors.parts_financeurs)."""
    parts = selectors.parts_financeurs(programme)
    if parts is None:
        return
    sheet = _sheet(
        workbook,
        _("Financeurs"),
        [
            _("Financeur"),
            _("Convention de financement"),
            _("Apporté"),
            _("Engagé"),
            _("Payé"),
            _("Autres dépenses"),
            _("Reste"),
            _("Jours réalisés"),
        ],
        [28, 24, 14, 14, 14, 14, 14, 12],
    )
    for part in [*parts.lignes, parts.total]:
        sheet.append(
            [
                part.libelle,
                part.contribution.reference_convention if part.contribution else "",
                part.contribue,
                part.engage,
                part.paye,
                part.autres,
                part.reste,
                part.jours_livres,
            ]
        )
    _formats(sheet, {3: EUROS, 4: EUROS, 5: EUROS, 6: EUROS, 7: EUROS, 8: DAYS})


def tableur_xlsx(*, programme: Programme, progress: Callable[[int], None] = _noop) -> bytes:
    """Every ledger line and every accompagnement, with euro and date formats Excel and LibreOffice read."""
    workbook = Workbook()
    synthese = workbook.active
    synthese.title = _("Synthèse")
    annotated = selectors.programmes_avec_totaux().get(pk=programme.pk)
    chiffres = selectors.chiffres_de(annotated)
    synthese.append([_("Programme"), programme.nom])
    synthese.append([_("Période du"), programme.date_debut])
    synthese.append([_("au"), programme.date_fin])
    synthese.append([_("Édité le"), _local(timezone.now())])
    rows = [
        (_("Enveloppe"), chiffres.enveloppe, EUROS),
        (_("Engagé"), chiffres.engage, EUROS),
        (_("Réalisé"), chiffres.livre, EUROS),
        (_("Payé"), chiffres.paye, EUROS),
        (_("Autres dépenses"), chiffres.autres, EUROS),
        (_("Reste disponible (enveloppe − engagé − autres dépenses)"), chiffres.reste, EUROS),
        (_("Jours prévus"), chiffres.jours_prevus, DAYS),
        (_("Jours planifiés ou réalisés"), chiffres.jours_planifies, DAYS),
        (_("Jours réalisés"), chiffres.jours_livres, DAYS),
        (_("Minimum de jours à réaliser"), programme.jours_minimum, "0"),
    ]
    participations = selectors.participations_non_membres(programme)
    if participations.nombre:
        rows += [
            (_("Recettes : participations des non-membres dues"), participations.dues, EUROS),
            (_("Recettes : participations des non-membres payées"), participations.payees, EUROS),
            (_("Recettes : participations des non-membres à encaisser"), participations.a_encaisser, EUROS),
        ]
    for label, value, number_format in rows:
        synthese.append([label, value])
        synthese.cell(row=synthese.max_row, column=2).number_format = number_format
    synthese["B2"].number_format = DATE
    synthese["B3"].number_format = DATE
    synthese["B4"].number_format = DATETIME
    synthese.column_dimensions["A"].width = 55
    synthese.column_dimensions["B"].width = 22
    _financeurs(workbook, programme)
    progress(10)

    sheet = _sheet(
        workbook,
        _("Engagements"),
        [
            _("Saisi le"),
            _("Saisi par"),
            _("Accompagnement ou atelier"),
            _("Convention"),
            _("Libellé"),
            _("Montant"),
            _("Corrige la ligne"),
            _("Note"),
        ],
        [18, 28, 18, 18, 40, 14, 14, 40],
    )
    for line in selectors.engagements_de(programme).order_by("created_at", "pk").iterator(chunk_size=CHUNK):
        sheet.append(
            [
                _local(line.created_at),
                _user(line.created_by),
                line.objet,
                line.convention.reference if line.convention else "",
                line.libelle,
                line.montant,
                line.corrige_id or None,
                line.note,
            ]
        )
    _formats(sheet, {1: DATETIME, 6: EUROS})
    progress(30)

    sheet = _sheet(
        workbook,
        _("Paiements"),
        [
            _("Date du paiement"),
            _("Accompagnement ou atelier"),
            _("Structure payée"),
            _("Référence de la facture"),
            _("Montant"),
            _("Dépassement autorisé"),
            _("Saisi le"),
            _("Saisi par"),
            _("Note"),
        ],
        [14, 18, 32, 22, 14, 12, 18, 28, 40],
    )
    for paiement in selectors.paiements_de(programme).order_by("date_paiement", "pk").iterator(chunk_size=CHUNK):
        sheet.append(
            [
                paiement.date_paiement,
                paiement.objet,
                paiement.structure.raison_sociale,
                paiement.reference_facture,
                paiement.montant,
                _("oui") if paiement.depassement_autorise else _("non"),
                _local(paiement.created_at),
                _user(paiement.created_by),
                paiement.note,
            ]
        )
    _formats(sheet, {1: DATE, 5: EUROS, 7: DATETIME})
    progress(45)

    sheet = _sheet(
        workbook,
        _("Autres dépenses"),
        [_("Date"), _("Catégorie"), _("Libellé"), _("Montant"), _("Justificatif"), _("Saisi le"), _("Saisi par"), _("Note")],
        [14, 16, 40, 14, 12, 18, 28, 40],
    )
    for depense in selectors.autres_depenses_de(programme).order_by("date_depense", "pk").iterator(chunk_size=CHUNK):
        sheet.append(
            [
                depense.date_depense,
                depense.get_categorie_display(),
                depense.libelle,
                depense.montant,
                _("oui") if depense.justificatif else _("non"),
                _local(depense.created_at),
                _user(depense.created_by),
                depense.note,
            ]
        )
    _formats(sheet, {1: DATE, 4: EUROS, 6: DATETIME})
    progress(55)

    sheet = _sheet(
        workbook,
        _("Accompagnements"),
        [
            _("Référence"),
            _("Structure bénéficiaire"),
            _("Département"),
            _("Format"),
            _("État"),
            _("Créé le"),
            _("Demi-journées prévues"),
            _("Demi-journées planifiées"),
            _("Demi-journées réalisées"),
            _("Engagé"),
            _("Réalisé"),
            _("Payé"),
            # The three durations are in the format's unit (hours for a coaching in hours).
            _("Unité des durées"),
        ],
        [18, 36, 10, 24, 26, 14, 12, 12, 12, 14, 14, 14, 14],
    )
    for row in selectors.accompagnements_suivi(programme).iterator(chunk_size=CHUNK):
        sheet.append(
            [
                row.reference,
                row.structure_beneficiaire.raison_sociale,
                row.structure_beneficiaire.departement,
                row.format.libelle,
                row.get_etat_display(),
                timezone.localtime(row.created_at).date(),
                row.demi_journees_prevues,
                row.hj_planifiees,
                row.hj_livrees,
                row.montant_engage,
                row.format.montant_pour(row.hj_livrees),
                row.montant_paye,
                row.format.get_unite_display(),
            ]
        )
    _formats(sheet, {6: DATE, 10: EUROS, 11: EUROS, 12: EUROS})
    progress(90)

    # Structure names, labels and notes are typed by applicants and staff: no cell may run as a formula.
    return workbook_bytes(workbook)
