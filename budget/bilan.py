"""The end-of-mission activity report of a programme (bilan de fin de mission, seed 002), as PDF and XLSX.

Its figures are the dashboard's (`dashboard.programme_context`: same selectors, same charts), plus what
the funders read at the end: the days delivered against the programme's minimum (`Programme.jours_minimum`),
the beneficiaries by département, format and competence domain, the objectives reached at exit and at
6 months, the comité's meetings and the essaimage.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from accompagnements.models import Accompagnement, EtatAccompagnement
from comite.models import ReunionComite
from core.exports import workbook_bytes
from core.money import euros
from core.pdf import render_pdf
from evaluations.selectors import objectifs_par_moment
from programmes.models import Programme

from . import charts, selectors
from .dashboard import programme_context
from .documents import DATE, DATETIME, DAYS, EUROS, _local, _sheet
from .models import CategorieDepense

# A report lists every meeting of the comité; a programme has a few a year (bounded for a runaway table).
REUNIONS_MAX = 500
ESSAIMAGE_MAX = 2000


def _noop(_: int) -> None:
    return None


def bilan_context(programme: Programme) -> dict[str, Any]:
    """The dashboard's context and the end-of-mission figures (a fixed number of queries)."""
    context = programme_context(programme)
    chiffres = context["chiffres"]
    beneficiaires = (
        Accompagnement.objects.filter(programme=programme)
        .exclude(etat=EtatAccompagnement.ABANDONNE)
        .aggregate(structures=Count("structure_beneficiaire", distinct=True), personnes=Count("beneficiaire", distinct=True))
    )
    essaimage = selectors.autres_depenses_de(programme).filter(categorie=CategorieDepense.ESSAIMAGE)
    objectifs = objectifs_par_moment(programme)
    context.update(
        {
            "genere_le": timezone.localtime(),
            "minimum_atteint": chiffres.jours_livres >= programme.jours_minimum,
            "jours_manquants": max(Decimal(programme.jours_minimum) - chiffres.jours_livres, Decimal("0")),
            "beneficiaires": beneficiaires,
            "objectifs_moments": objectifs,
            "graphique_objectifs": charts.barres(
                "graphique-objectifs",
                _("Objectifs atteints"),
                [(ligne["moment"], ligne["atteints"], f"{ligne['atteints']} / {ligne['evalues']}") for ligne in objectifs],
                description=_(
                    "Objectifs atteints sur objectifs évalués, à la sortie et à 6 mois ; le détail est dans le tableau."
                ),
                motifs=False,
            ),
            "reunions": list(ReunionComite.objects.filter(programme=programme).order_by("date")[:REUNIONS_MAX]),
            "essaimage": list(essaimage.order_by("date_depense", "pk")[:ESSAIMAGE_MAX]),
            "essaimage_total": euros(essaimage.aggregate(total=Sum("montant"))["total"] or 0),
        }
    )
    return context


def bilan_pdf(*, programme: Programme, progress: Callable[[int], None] = _noop) -> bytes:
    context = bilan_context(programme)
    progress(40)
    pdf = render_pdf("pdf/bilan_programme.html", context)
    progress(95)
    return pdf


def bilan_xlsx(*, programme: Programme, progress: Callable[[int], None] = _noop) -> bytes:
    """The same figures as the PDF, one sheet per part, numbers as numbers (euros and days formatted)."""
    context = bilan_context(programme)
    chiffres = context["chiffres"]
    progress(40)
    workbook = Workbook()
    synthese = workbook.active
    synthese.title = _("Bilan")
    synthese.append([_("Programme"), programme.nom])
    synthese.append([_("Période du"), programme.date_debut])
    synthese.append([_("au"), programme.date_fin])
    synthese.append([_("Édité le"), _local(timezone.now())])
    synthese["B2"].number_format = DATE
    synthese["B3"].number_format = DATE
    synthese["B4"].number_format = DATETIME
    rows = [
        (_("Minimum de jours à réaliser"), programme.jours_minimum, "0"),
        (_("Jours réalisés"), chiffres.jours_livres, DAYS),
        (_("Jours planifiés ou réalisés"), chiffres.jours_planifies, DAYS),
        (_("Jours prévus"), chiffres.jours_prevus, DAYS),
        (_("Minimum atteint"), _("oui") if context["minimum_atteint"] else _("non"), None),
        (_("Jours restant à réaliser pour le minimum"), context["jours_manquants"], DAYS),
        (_("Accompagnements actifs"), chiffres.nb_accompagnements, "0"),
        (_("Structures bénéficiaires"), context["beneficiaires"]["structures"], "0"),
        (_("Enveloppe"), chiffres.enveloppe, EUROS),
        (_("Engagé"), chiffres.engage, EUROS),
        (_("Réalisé"), chiffres.livre, EUROS),
        (_("Payé"), chiffres.paye, EUROS),
        (_("Autres dépenses"), chiffres.autres, EUROS),
        (_("dont essaimage"), context["essaimage_total"], EUROS),
        (_("Reste disponible (enveloppe − engagé − autres dépenses)"), chiffres.reste, EUROS),
    ]
    for label, value, number_format in rows:
        synthese.append([label, value])
        if number_format:
            synthese.cell(row=synthese.max_row, column=2).number_format = number_format
    synthese.column_dimensions["A"].width = 55
    synthese.column_dimensions["B"].width = 22

    sheet = _sheet(
        workbook,
        _("Bénéficiaires"),
        [_("Répartition"), _("Catégorie"), _("Accompagnements"), _("Jours prévus"), _("Jours réalisés")],
        [44, 40, 16, 14, 14],
    )
    for repartition in context["repartitions"]:
        for ligne in repartition["lignes"]:
            sheet.append([repartition["titre"], ligne.libelle, ligne.nombre, ligne.jours_prevus, ligne.jours_livres])
    progress(60)

    sheet = _sheet(
        workbook,
        _("Objectifs"),
        [_("Moment"), _("Objectifs évalués"), _("Atteints"), _("Partiellement"), _("Non atteints"), _("Taux atteints (%)")],
        [16, 16, 12, 14, 14, 16],
    )
    for ligne in context["objectifs_moments"]:
        sheet.append(
            [
                ligne["moment"],
                ligne["evalues"],
                ligne["atteints"],
                ligne["partiels"],
                ligne["non_atteints"],
                ligne["taux_atteints"],
            ]
        )

    sheet = _sheet(workbook, _("Comité"), [_("Date"), _("Lieu"), _("Ordre du jour")], [18, 36, 60])
    for reunion in context["reunions"]:
        sheet.append([_local(reunion.date), reunion.lieu, reunion.ordre_du_jour])
    for row in sheet.iter_rows(min_row=2):
        row[0].number_format = DATETIME

    sheet = _sheet(workbook, _("Essaimage"), [_("Date"), _("Libellé"), _("Montant")], [14, 50, 14])
    for depense in context["essaimage"]:
        sheet.append([depense.date_depense, depense.libelle, depense.montant])
    for row in sheet.iter_rows(min_row=2):
        row[0].number_format = DATE
        row[2].number_format = EUROS
    progress(90)
    return workbook_bytes(workbook)
