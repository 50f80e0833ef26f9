"""The dashboard's context, shared by the page and the PDF report (a fixed number of queries)."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from core.money import format_euros
from evaluations.selectors import resultats_programme
from programmes.models import Programme, UniteFormat

from . import charts, selectors


def _jours(value: Any) -> str:
    return charts._fmt(value)


def _repartition_chart(chart_id: str, titre: str, lignes: list[selectors.Ligne]) -> charts.GraphiqueBarres:
    return charts.barres(
        chart_id,
        titre,
        [(ligne.libelle, ligne.nombre, str(ligne.nombre)) for ligne in lignes],
        description=_("Nombre d’accompagnements par catégorie ; le détail est dans le tableau qui suit."),
        motifs=False,
    )


def programme_context(programme: Programme, *, today: datetime.date | None = None) -> dict[str, Any]:
    """Figures, breakdowns, funnel, pace and charts of one programme (about fifteen queries in all)."""
    today = today or timezone.localdate()
    # The summary row read with the totals (they come from it): one read serves every figure below.
    annotated = selectors.programme_avec_resume(programme.pk)
    resume = annotated.resume
    seances = selectors.seances_groupees(annotated, today, resume=resume)
    jours = selectors.jours_programme(annotated, today=today, groupes=seances)
    annotated.hj_livrees, annotated.hj_planifiees = jours["hj_livrees"], jours["hj_planifiees"]
    chiffres = selectors.chiffres_de(annotated)
    rythme = selectors.rythme(annotated, chiffres, today=today, par_mois=jours["par_mois"])
    # The programme's formats read once: the breakdown's labels and whether any counts in hours.
    formats = list(programme.formats.values_list("pk", "libelle", "unite"))
    groupes = selectors.repartitions(
        annotated,
        groupes=seances,
        formats={pk: libelle for pk, libelle, _unite in formats},
        en_heures=[pk for pk, _libelle, unite in formats if unite == UniteFormat.HEURE],
    )
    repartitions = [
        ("formats", _("Par format"), groupes["formats"]),
        ("departements", _("Par département de la structure bénéficiaire"), groupes["departements"]),
        ("domaines", _("Par domaine de compétences recherché"), selectors.repartition_domaines(annotated, resume=resume)),
        ("types", _("Par type de structure bénéficiaire"), groupes["types"]),
    ]
    entonnoir, nombre_accompagnements = selectors.entonnoir_et_nombre(annotated)
    montants = [
        (_("Enveloppe"), chiffres.enveloppe),
        (_("Engagé"), chiffres.engage),
        (_("Réalisé"), chiffres.livre),
        (_("Payé"), chiffres.paye),
        (_("Autres dépenses"), chiffres.autres),
        (_("Reste disponible"), max(chiffres.reste, selectors.ZERO)),
    ]
    return {
        "programme": annotated,
        "chiffres": chiffres,
        "rythme": rythme,
        "repartitions": [
            {"id": key, "titre": titre, "lignes": lignes, "graphique": _repartition_chart(f"graphique-{key}", titre, lignes)}
            for key, titre, lignes in repartitions
        ],
        "entonnoir": entonnoir,
        # Every accompagnement of the programme, whatever its state: the rows of the dashboard's table.
        "nombre_accompagnements": nombre_accompagnements,
        "graphique_montants": charts.barres(
            "graphique-montants",
            _("Enveloppe et consommation"),
            [(label, value, format_euros(value)) for label, value in montants],
            description=_("Montants en euros : enveloppe, engagé, réalisé, payé, autres dépenses et reste disponible."),
        ),
        "graphique_entonnoir": charts.barres(
            "graphique-entonnoir",
            _("Parcours des candidatures"),
            [(etape.libelle, etape.nombre, str(etape.nombre)) for etape in entonnoir],
            description=_("Nombre de dossiers à chaque étape, des candidatures déposées aux évaluations à 6 mois."),
            motifs=False,
        ),
        "graphique_rythme": charts.rythme_chart("graphique-rythme", rythme),
        "graphique_jours": charts.barres(
            "graphique-jours",
            _("Jours prévus, planifiés et réalisés"),
            [
                (_("Minimum à réaliser"), programme.jours_minimum, _jours(programme.jours_minimum)),
                (_("Prévus (accompagnements)"), chiffres.jours_prevus, _jours(chiffres.jours_prevus)),
                (_("Planifiés ou réalisés"), chiffres.jours_planifies, _jours(chiffres.jours_planifies)),
                (_("Réalisés"), chiffres.jours_livres, _jours(chiffres.jours_livres)),
            ],
            description=_("Nombre de jours : minimum à réaliser, prévus, planifiés et réalisés."),
        ),
        "heures": {
            "formats": any(unite == UniteFormat.HEURE for _pk, _libelle, unite in formats),
            "livrees": jours["heures_livrees"],
            "planifiees": jours["heures_planifiees"],
            "par_demi_journee": programme.heures_par_demi_journee,
        },
        "aujourdhui": today,
        "financeurs": selectors.parts_financeurs(annotated),
        "participations": selectors.participations_non_membres(programme),
        "resultats": resultats_programme(programme),
    }
