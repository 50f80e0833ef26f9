"""Read-side queries of the budget and the dashboards.

Every figure is an aggregate computed by the database; each function runs a fixed number of
queries whatever the number of accompagnements, sessions or ledger lines.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.db import connection
from django.db.models import (
    Case,
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accompagnements.models import (
    ETATS_DEMARRES,
    ETATS_TERMINES,
    SEANCE_COMPTEE,
    SEANCE_LIVREE,
    Accompagnement,
    EtatAccompagnement,
    Seance,
)
from accompagnements.selectors import demi_journees
from accounts import perimetre, roles
from accounts.models import User
from annuaire.models import Competence, Domaine
from ateliers.models import ETATS_CONFIRMES, Atelier, EtatAtelier, Inscription
from candidatures.models import Candidature, Etat
from core.liens import lien_par_pk
from core.money import euros, format_euros
from core.permissions import may
from evaluations.models import EtatEvaluation, Moment
from programmes.models import Departement, Format, Programme, Structure, TypeStructure, UniteFormat

from .models import (
    EXPORTS_PERSONNELS,
    AutreDepense,
    Contribution,
    Engagement,
    Enveloppe,
    Export,
    Facture,
    Imputation,
    Paiement,
    RegleRepartition,
    ResumeProgramme,
    TypeExport,
    paiements_du_programme,
)
from .resume import resume_recalculer, resumes_manquants

if TYPE_CHECKING:  # typing helpers, needed only by mypy
    from collections.abc import Collection, Iterable

    from django.contrib.auth.models import AnonymousUser
    from django_stubs_ext import WithAnnotations

ZERO = Decimal("0.00")
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=12, decimal_places=2)

# Candidature states reached only after the eligibility check said yes.
ETATS_RECEVABLES = [
    Etat.RECEVABLE,
    Etat.DIAGNOSTIC_PLANIFIE,
    Etat.DIAGNOSTIC_REALISE,
    Etat.EN_ATTENTE_DECISION,
    Etat.SELECTIONNEE,
    Etat.REFUSEE,
    Etat.REORIENTEE,
]


def en_demi_journees_sql(quantite: str, *, accompagnement: str = "accompagnement__") -> Case:
    """A quantity as half-days of a mentor's time, in SQL: a format counted in hours takes its started
    half-days at the programme's hours per half-day (programmes.models.en_demi_journees, row by row)."""
    hpd = F(f"{accompagnement}programme__heures_par_demi_journee")
    return Case(
        When(**{f"{accompagnement}format__unite": UniteFormat.HEURE}, then=(F(quantite) + hpd - 1) / hpd),
        default=F(quantite),
        output_field=IntegerField(),
    )


def heures_sql(quantite: str, *, accompagnement: str = "accompagnement__") -> Case:
    """The hours of a quantity whose format counts in hours (0 for the others), in SQL."""
    return Case(
        When(**{f"{accompagnement}format__unite": UniteFormat.HEURE}, then=F(quantite)),
        default=Value(0),
        output_field=IntegerField(),
    )


def _sum(queryset: QuerySet, group: str, field_name: str | Case, *, money: bool = False) -> Coalesce:
    """A correlated `SUM(field)` subquery over `queryset` grouped by `group` (already filtered on OuterRef)."""
    subquery = Subquery(queryset.order_by().values(group).annotate(total=Sum(field_name)).values("total")[:1])
    if money:
        return Coalesce(subquery, Value(ZERO), output_field=MONEY)
    return Coalesce(subquery, Value(0), output_field=IntegerField())


# --- Who sees what -------------------------------------------------------------------------------


def can_view_dashboard(user: User | AnonymousUser) -> bool:
    return may(user, "budget.consulter").allowed


def can_edit_budget(user: User | AnonymousUser) -> bool:
    return may(user, "budget.modifier").allowed


def programmes_visibles(user: User | AnonymousUser) -> QuerySet[Programme]:
    """The coordination's pilots' programmes; for a committee member, those whose committee they sit on."""
    if can_view_dashboard(user):
        return perimetre.programmes_visibles(user)
    return Programme.objects.none()


def exports_visibles(user: User | AnonymousUser) -> QuerySet[Export]:
    """Coordination sees the exports of its pilots' programmes; a committee member the ones they asked for,
    of the programmes they sit on."""
    if roles.is_coordination(user):
        return Export.objects.filter(perimetre.filtre_coordination(user))
    if roles.is_comite(user):
        # The audit file holds the accompagnements' files: never the committee's (budget.dossier_controle).
        return Export.objects.filter(demande_par=user.pk, programme_id__in=roles.programmes_comite(user)).exclude(
            type_export__in=EXPORTS_PERSONNELS
        )
    return Export.objects.none()


# --- Half-days -----------------------------------------------------------------------------------


def demi_journees_livrees(*, accompagnement_id: int) -> int:
    """Delivered half-days of one accompagnement (held with a report, or cancelled late and counted)."""
    figures = demi_journees(accompagnement_ids=[accompagnement_id]).get(accompagnement_id)
    return figures.livrees if figures else 0


# --- Totals per programme ------------------------------------------------------------------------


class TotauxProgramme(TypedDict):
    """Annotations added by `programmes_avec_totaux()` (the half-days only with `jours=True`)."""

    total_engage: Decimal
    total_autres: Decimal
    total_paye: Decimal
    hj_prevues: int
    nb_accompagnements: int
    hj_livrees: int
    hj_planifiees: int
    montant_livre: Decimal


class SuiviAccompagnement(TypedDict):
    """Annotations added by `accompagnements_suivi()`."""

    hj_planifiees: int
    hj_livrees: int
    montant_engage: Decimal
    montant_paye: Decimal


if TYPE_CHECKING:  # a typing helper of django-stubs, needed only by mypy
    ProgrammeAvecTotaux = WithAnnotations[Programme, TotauxProgramme]
    AccompagnementSuivi = WithAnnotations[Accompagnement, SuiviAccompagnement]


def programmes_avec_totaux(*, jours: bool = True, manquants: bool = True) -> QuerySet[ProgrammeAvecTotaux]:
    """Programmes annotated with their totals, read from their summary row (`ResumeProgramme`): one
    query that reads no ledger line nor session. `jours` is kept for callers; the half-days are free.
    `manquants=False` leaves the missing summaries to the caller (see `programme_avec_resume`)."""
    if manquants:
        resumes_manquants()
    annotations = {
        "total_engage": Coalesce(F("resume__engage"), Value(ZERO), output_field=MONEY),
        "total_autres": Coalesce(F("resume__autres"), Value(ZERO), output_field=MONEY),
        "total_paye": Coalesce(F("resume__paye"), Value(ZERO), output_field=MONEY),
        "hj_prevues": Coalesce(F("resume__hj_prevues"), Value(0), output_field=IntegerField()),
        "nb_accompagnements": Coalesce(F("resume__nb_accompagnements"), Value(0), output_field=IntegerField()),
        "hj_livrees": Coalesce(F("resume__hj_livrees"), Value(0), output_field=IntegerField()),
        "hj_planifiees": Coalesce(F("resume__hj_planifiees"), Value(0), output_field=IntegerField()),
        "montant_livre": Coalesce(F("resume__livre"), Value(ZERO), output_field=MONEY),
    }
    return cast(
        "QuerySet[ProgrammeAvecTotaux]",
        Programme.objects.select_related("enveloppe").annotate(**annotations).order_by("-date_debut"),
    )


def programme_avec_resume(pk: int) -> ProgrammeAvecTotaux:
    """One programme with its totals and its summary row (`programme.resume`), in one query; a
    programme without a summary yet gets it first (what `resumes_manquants` does for every list)."""
    lu = programmes_avec_totaux(jours=False, manquants=False).select_related("resume")
    programme = lu.get(pk=pk)
    if getattr(programme, "resume", None) is None:
        resume_recalculer(programme_id=pk)
        programme = lu.get(pk=pk)
    return programme


def totaux_recalcules(*, jours: bool = True) -> QuerySet[ProgrammeAvecTotaux]:
    """Programmes annotated with their ledger totals (and half-days if `jours`) computed from the rows,
    in one query: what the summary stores (budget.resume)."""
    programme = OuterRef("pk")
    seances = Seance.objects.filter(accompagnement__programme=programme)
    actifs = Accompagnement.objects.filter(programme=programme).exclude(etat=EtatAccompagnement.ABANDONNE)
    annotations = {
        "total_engage": _sum(Engagement.objects.filter(programme=programme), "programme", "montant", money=True),
        "total_autres": _sum(AutreDepense.objects.filter(programme=programme), "programme", "montant", money=True),
        # Two sums: a payment settles an accompagnement or a workshop of the programme.
        "total_paye": _sum(
            Paiement.objects.filter(accompagnement__programme=programme), "accompagnement__programme", "montant", money=True
        )
        + _sum(Paiement.objects.filter(atelier__programme=programme), "atelier__programme", "montant", money=True),
        "hj_prevues": _sum(actifs, "programme", en_demi_journees_sql("demi_journees_prevues", accompagnement="")),
        "nb_accompagnements": _sum(actifs.annotate(un=Value(1)), "programme", "un"),
    }
    if jours:
        annotations["hj_livrees"] = _sum(
            seances.filter(SEANCE_LIVREE), "accompagnement__programme", en_demi_journees_sql("demi_journees")
        )
        annotations["hj_planifiees"] = _sum(
            seances.filter(SEANCE_COMPTEE), "accompagnement__programme", en_demi_journees_sql("demi_journees")
        )
    # The annotations are built in a dict (two depend on `jours`): the plugin cannot name them.
    return cast(
        "QuerySet[ProgrammeAvecTotaux]",
        Programme.objects.select_related("enveloppe").annotate(**annotations).order_by("-date_debut"),
    )


def _month_starts(debut: datetime.date, fin: datetime.date) -> list[datetime.date]:
    months: list[datetime.date] = []
    current = debut.replace(day=1)
    while current <= fin and len(months) < 120:
        months.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return months


DIMENSIONS = {
    "formats": "format",
    "departements": "structure_beneficiaire__departement",
    "types": "structure_beneficiaire__type_structure",
}


def _resume(programme: Programme, resume: ResumeProgramme | None = None) -> ResumeProgramme:
    # Read afresh (one row) unless the caller read it in this request with the programme's totals:
    # a summary cached on a longer-lived instance may predate the last write.
    if resume is not None:
        return resume
    resume = ResumeProgramme.objects.filter(programme_id=programme.pk).first()
    return resume or resume_recalculer(programme_id=programme.pk)


def seances_groupees(
    programme: Programme, today: datetime.date, *, resume: ResumeProgramme | None = None
) -> tuple[list[dict[str, Any]], list[tuple[datetime.date, int]]]:
    """The programme's sessions grouped by format, département, kind of structure and state of the
    accompagnement, with delivered/planned half-days, and the delivered half-days per month of the
    period (sessions before the first month count in it, after the last month in the last one):
    read from the programme's summary, whatever the number of sessions."""
    resume = _resume(programme, resume)
    months = _month_starts(programme.date_debut, min(today, programme.date_fin)) if today >= programme.date_debut else []
    par_mois = [0] * len(months)
    if months:
        for mois, hj in resume.livrees_par_mois.items():
            annee, numero = (int(part) for part in mois.split("-"))
            index = (annee - months[0].year) * 12 + numero - months[0].month
            par_mois[min(max(index, 0), len(months) - 1)] += hj
    return list(resume.groupes), list(zip(months, par_mois, strict=True))


def jours_programme(
    programme: Programme, *, today: datetime.date | None = None, groupes: tuple[list, list] | None = None
) -> dict[str, Any]:
    """Delivered and planned half-days of a programme, and delivered half-days month by month.

    Months run from the start of the period to today (or the end of the period); sessions before
    the first month count in it, sessions after the last month in the last one.
    """
    rows, par_mois = groupes or seances_groupees(programme, today or timezone.localdate())
    return {
        "hj_livrees": sum(row["hj_livrees"] for row in rows),
        "hj_planifiees": sum(row["hj_planifiees"] for row in rows),
        # The formats counted in hours (their sessions also count above, as started half-days).
        "heures_livrees": sum(row.get("heures_livrees", 0) for row in rows),
        "heures_planifiees": sum(row.get("heures_planifiees", 0) for row in rows),
        "par_mois": par_mois,
    }


@dataclass
class Chiffres:
    """The money and days figures of a programme (all from database aggregates)."""

    programme: Programme
    enveloppe: Decimal
    engage: Decimal
    livre: Decimal
    paye: Decimal
    autres: Decimal
    hj_livrees: int
    hj_planifiees: int
    hj_prevues: int
    nb_accompagnements: int

    @property
    def reste(self) -> Decimal:
        """Remaining envelope = envelope − commitments − other costs."""
        return self.enveloppe - self.engage - self.autres

    @property
    def jours_livres(self) -> Decimal:
        return Decimal(self.hj_livrees) / 2

    @property
    def jours_planifies(self) -> Decimal:
        return Decimal(self.hj_planifiees) / 2

    @property
    def jours_prevus(self) -> Decimal:
        return Decimal(self.hj_prevues) / 2

    @property
    def taux_consommation(self) -> int:
        if not self.enveloppe:
            return 0
        return round((self.engage + self.autres) * 100 / self.enveloppe)


def chiffres_de(programme: ProgrammeAvecTotaux) -> Chiffres:
    """Figures of a programme annotated by `programmes_avec_totaux()`."""
    enveloppe = getattr(programme, "enveloppe", None)
    return Chiffres(
        programme=programme,
        enveloppe=enveloppe.montant if enveloppe is not None else ZERO,
        engage=euros(programme.total_engage),
        livre=euros(programme.montant_livre),
        paye=euros(programme.total_paye),
        autres=euros(programme.total_autres),
        hj_livrees=programme.hj_livrees,
        hj_planifiees=programme.hj_planifiees,
        hj_prevues=programme.hj_prevues,
        nb_accompagnements=programme.nb_accompagnements,
    )


def comparaison_programmes(user: User | AnonymousUser) -> list[Chiffres]:
    """Every programme the user may see, with its figures: one query."""
    visibles = programmes_visibles(user).values("pk")
    return [chiffres_de(p) for p in programmes_avec_totaux().filter(pk__in=visibles).select_related("pilote")]


# --- Pace towards the minimum of days ------------------------------------------------------------


@dataclass
class Rythme:
    debut: datetime.date
    fin: datetime.date
    aujourd_hui: datetime.date
    minimum: int
    jours_livres: Decimal
    jours_planifies: Decimal
    points: list[tuple[datetime.date, Decimal]] = field(default_factory=list)  # cumulative delivered days
    date_minimum: datetime.date | None = None  # when the minimum is reached at this pace
    jours_fin_periode: Decimal | None = None  # delivered days at the end of the period at this pace
    jours_par_mois: Decimal = Decimal("0")

    @property
    def atteint(self) -> bool:
        return self.jours_livres >= self.minimum

    @property
    def dans_les_temps(self) -> bool:
        return self.atteint or (self.date_minimum is not None and self.date_minimum <= self.fin)

    @property
    def commence(self) -> bool:
        return self.aujourd_hui >= self.debut


def rythme(
    programme: Programme, chiffres: Chiffres, *, today: datetime.date | None = None, par_mois: list | None = None
) -> Rythme:
    """Delivered days month by month and, at the current pace, when the minimum will be reached."""
    today = today or timezone.localdate()
    if par_mois is None:
        par_mois = jours_programme(programme, today=today)["par_mois"]
    result = Rythme(
        debut=programme.date_debut,
        fin=programme.date_fin,
        aujourd_hui=today,
        minimum=programme.jours_minimum,
        jours_livres=chiffres.jours_livres,
        jours_planifies=chiffres.jours_planifies,
    )
    cumul = Decimal("0")
    result.points.append((programme.date_debut, cumul))
    for mois, hj in par_mois:
        cumul += Decimal(hj) / 2
        # The point sits at the end of the month (or today for the current month).
        fin_mois = (mois + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        result.points.append((max(min(fin_mois, today, programme.date_fin), programme.date_debut), cumul))
    ecoule = (min(today, programme.date_fin) - programme.date_debut).days
    if ecoule > 0 and result.jours_livres > 0:
        par_jour = result.jours_livres / ecoule
        result.jours_par_mois = (par_jour * Decimal("30.44")).quantize(Decimal("0.1"))
        restant_periode = max((programme.date_fin - today).days, 0)
        result.jours_fin_periode = (result.jours_livres + par_jour * restant_periode).quantize(Decimal("0.1"))
        if not result.atteint:
            manquants = Decimal(programme.jours_minimum) - result.jours_livres
            result.date_minimum = today + datetime.timedelta(days=math.ceil(manquants / par_jour))
    return result


# --- Breakdowns and funnel -----------------------------------------------------------------------


@dataclass
class Ligne:
    libelle: str
    nombre: int = 0
    hj_prevues: int = 0
    hj_livrees: int = 0

    @property
    def jours_prevus(self) -> Decimal:
        return Decimal(self.hj_prevues) / 2

    @property
    def jours_livres(self) -> Decimal:
        return Decimal(self.hj_livrees) / 2


def repartitions(
    programme: Programme,
    *,
    groupes: tuple[list, list] | None = None,
    formats: dict[int, str] | None = None,
    en_heures: Collection[int] | None = None,
) -> dict[str, list[Ligne]]:
    """Active accompagnements by format, département and kind of structure: count, planned and
    delivered half-days. One grouped query (a few hundred groups at most), rolled up here with the
    summary's delivered half-days; `formats` (the programme's formats' labels by key) and `en_heures`
    (the keys of those counted in hours) save one if the caller read them."""
    if formats is None or en_heures is None:
        lus = list(programme.formats.values_list("pk", "libelle", "unite"))
        formats = {pk: libelle for pk, libelle, _unite in lus}
        en_heures = [pk for pk, _libelle, unite in lus if unite == UniteFormat.HEURE]
    labels: dict[str, dict[Any, Any]] = {
        "format": formats,
        "structure_beneficiaire__departement": dict(Departement.choices),
        "structure_beneficiaire__type_structure": dict(TypeStructure.choices),
    }
    result: dict[str, dict[Any, Ligne]] = {name: {} for name in DIMENSIONS}

    def ligne(name: str, key: str, value: Any) -> Ligne:
        # The label is translated once per category, not once per group of rows (setdefault built it each time).
        lignes = result[name]
        item = lignes.get(value)
        if item is None:
            item = lignes[value] = Ligne(str(labels[key].get(value, value)))
        return item

    for row in _groupes_prevus(programme, en_heures):
        for name, key in DIMENSIONS.items():
            item = ligne(name, key, row[key])
            item.nombre += row["nombre"]
            item.hj_prevues += row["hj"] or 0
    rows, _months = groupes or seances_groupees(programme, timezone.localdate())
    for row in rows:
        if row["accompagnement__etat"] == EtatAccompagnement.ABANDONNE or not row["hj_livrees"]:
            continue
        for name, key in DIMENSIONS.items():
            ligne(name, key, row[f"accompagnement__{key}"]).hj_livrees += row["hj_livrees"]
    return {name: sorted(lignes.values(), key=lambda item: (-item.nombre, item.libelle)) for name, lignes in result.items()}


def _groupes_prevus(programme: Programme, en_heures: Collection[int]) -> list[dict[str, Any]]:
    """Active accompagnements counted and their planned half-days summed per (format, département, kind
    of structure). Grouped first per (format, structure) on the accompagnements alone, the programme's
    hours per half-day and its formats in hours written in (en_demi_journees_sql joined the programme and
    the formats on every row), then the few hundred groups joined to the structures and regrouped:
    2.3 ms → 1.1 ms of PostgreSQL at 3 000 accompagnements, the same integers."""
    hpd = Value(programme.heures_par_demi_journee, output_field=IntegerField())
    prevues = F("demi_journees_prevues")
    demi_journees = (
        Case(When(format_id__in=list(en_heures), then=(prevues + hpd - 1) / hpd), default=prevues, output_field=IntegerField())
        if en_heures
        else prevues
    )
    par_structure_sql, params = (
        Accompagnement.objects.filter(programme_id=programme.pk)
        .exclude(etat=EtatAccompagnement.ABANDONNE)
        .order_by()
        .values("format_id", "structure_beneficiaire_id")
        .annotate(nombre=Count("pk"), hj=Sum(demi_journees))
        .query.sql_with_params()
    )
    sql = f"""
        SELECT g.format_id, s.departement, s.type_structure, SUM(g.nombre), SUM(g.hj)
        FROM ({par_structure_sql}) g JOIN {Structure._meta.db_table} s ON s.id = g.structure_beneficiaire_id
        GROUP BY 1, 2, 3
    """  # noqa: S608  # nosec B608 - a table name and the ORM's SQL; values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [
            {
                "format": format_id,
                "structure_beneficiaire__departement": departement,
                "structure_beneficiaire__type_structure": type_structure,
                "nombre": int(nombre),
                "hj": None if hj is None else int(hj),
            }
            for format_id, departement, type_structure, nombre, hj in cursor.fetchall()
        ]


def repartition_domaines(programme: Programme, *, resume: ResumeProgramme | None = None) -> list[Ligne]:
    """Active accompagnements per competence domain sought, read from the programme's summary."""
    lignes = _resume(programme, resume).domaines
    return [Ligne(nom, nombre, hj_prevues, hj_livrees) for nom, nombre, hj_prevues, hj_livrees in lignes]


def repartition_domaines_recalculee(programme: Programme) -> list[Ligne]:
    """Active accompagnements per competence domain sought in the application (one may count in
    several): count, planned and delivered half-days. One query; the distinct (application, domain)
    pairs keep an accompagnement from counting twice when several competences of a domain were sought.
    """
    through = Candidature.competences_souhaitees.through
    tables = {
        "paires": through._meta.db_table,
        "competence": Competence._meta.db_table,
        "candidature": Candidature._meta.db_table,
        "accompagnement": Accompagnement._meta.db_table,
        "domaine": Domaine._meta.db_table,
    }
    # Delivered half-days per accompagnement: the ORM writes the one encoding of "delivered" (SEANCE_LIVREE).
    livrees_sql, livrees_params = (
        Seance.objects.livrees()
        .filter(accompagnement__programme_id=programme.pk)
        .values("accompagnement_id")
        .annotate(hj=Sum(en_demi_journees_sql("demi_journees")))
        .order_by()
        .query.sql_with_params()
    )
    # Planned half-days per active accompagnement (a format in hours as started half-days).
    acc_sql, acc_params = (
        Accompagnement.objects.filter(programme_id=programme.pk)
        .exclude(etat=EtatAccompagnement.ABANDONNE)
        .annotate(dj=en_demi_journees_sql("demi_journees_prevues", accompagnement=""))
        .values("id", "candidature_id", "dj")
        .order_by()
        .query.sql_with_params()
    )
    sql = """
        WITH paires AS (
            SELECT DISTINCT cc.candidature_id, c.domaine_id
            FROM {paires} cc
            JOIN {competence} c ON c.id = cc.competence_id
            JOIN {candidature} ca ON ca.id = cc.candidature_id
            WHERE ca.programme_id = %s
        ), acc AS (
            SELECT a.id, a.candidature_id, a.dj AS demi_journees_prevues FROM ({acc}) a
        ), livrees AS (
            SELECT l.accompagnement_id, l.hj FROM ({livrees}) l
        )
        SELECT d.nom, COUNT(acc.id), COALESCE(SUM(acc.demi_journees_prevues), 0), COALESCE(SUM(livrees.hj), 0)
        FROM paires p
        JOIN {domaine} d ON d.id = p.domaine_id
        JOIN acc ON acc.candidature_id = p.candidature_id
        LEFT JOIN livrees ON livrees.accompagnement_id = acc.id
        GROUP BY d.id, d.nom, d.ordre
        ORDER BY COUNT(acc.id) DESC, d.ordre, d.nom
    """.format(**tables, acc=acc_sql, livrees=livrees_sql)  # noqa: S608  # nosec B608 - table names and the ORM's SQL; values are parameters
    params: list[Any] = [programme.pk, *acc_params, *livrees_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [Ligne(nom, nombre, int(hj), int(hj_l)) for nom, nombre, hj, hj_l in cursor.fetchall()]


@dataclass
class Etape:
    libelle: str
    nombre: int


def entonnoir(programme: Programme) -> list[Etape]:
    """Applications submitted → eligible → selected → in progress → finished → evaluated at 6 months (two queries)."""
    return entonnoir_et_nombre(programme)[0]


def entonnoir_et_nombre(programme: Programme) -> tuple[list[Etape], int]:
    """`entonnoir` and the number of the programme's accompagnements (every state), counted by the same
    aggregate: the dashboard's table pages with it instead of a COUNT query of its own."""
    # Counted per state (a few rows), then summed here: PostgreSQL counts from the (programme, etat) index
    # alone instead of reading the whole table (issue 14: 2.7–7 ms → 1.1 ms at 10 000 applications).
    par_etat = dict(Candidature.objects.filter(programme=programme).order_by().values_list("etat").annotate(nombre=Count("*")))
    candidatures = {
        "soumises": sum(n for etat, n in par_etat.items() if etat != Etat.BROUILLON),
        "recevables": sum(par_etat.get(etat, 0) for etat in ETATS_RECEVABLES),
        "retenues": par_etat.get(Etat.SELECTIONNEE, 0),
    }
    # The applications with an answered 6-month evaluation, as one uncorrelated subquery (IN): the
    # correlated EXISTS it replaces was evaluated for every accompagnement (≈ 9 ms → 1.5 ms at scale).
    evaluees = Accompagnement.objects.filter(
        evaluations__moment=Moment.SIX_MOIS, evaluations__etat=EtatEvaluation.REPONDUE
    ).values("candidature_id")
    accompagnements = Accompagnement.objects.filter(programme=programme).aggregate(
        demarres=Count("candidature", distinct=True, filter=Q(etat__in=ETATS_DEMARRES)),
        termines=Count("candidature", distinct=True, filter=Q(etat__in=ETATS_TERMINES)),
        evalues=Count("candidature", distinct=True, filter=Q(candidature_id__in=evaluees)),
        nombre=Count("pk"),
    )
    etapes = [
        Etape(_("Candidatures déposées"), candidatures["soumises"]),
        Etape(_("Recevables"), candidatures["recevables"]),
        Etape(_("Retenues"), candidatures["retenues"]),
        Etape(_("Accompagnements démarrés"), accompagnements["demarres"]),
        Etape(_("Accompagnements terminés"), accompagnements["termines"]),
        Etape(_("Évalués à 6 mois"), accompagnements["evalues"]),
    ]
    return etapes, accompagnements["nombre"]


# --- Accompagnements and ledger lines ------------------------------------------------------------


def accompagnements_suivi(programme: Programme) -> QuerySet[AccompagnementSuivi]:
    """The programme's accompagnements with half-days planned/held and amounts committed/paid (one query).

    The delivered amount of a row is `row.format.montant_pour(row.hj_livrees)` (see `montant_livre`).
    """
    accompagnement = OuterRef("pk")
    seances = Seance.objects.filter(accompagnement=accompagnement)
    return (
        Accompagnement.objects.filter(programme=programme)
        .select_related("structure_beneficiaire", "format__programme", "beneficiaire", "programme")
        .annotate(
            hj_planifiees=_sum(seances.filter(SEANCE_COMPTEE), "accompagnement", "demi_journees"),
            hj_livrees=_sum(seances.filter(SEANCE_LIVREE), "accompagnement", "demi_journees"),
            montant_engage=_sum(
                Engagement.objects.filter(accompagnement=accompagnement), "accompagnement", "montant", money=True
            ),
            montant_paye=_sum(Paiement.objects.filter(accompagnement=accompagnement), "accompagnement", "montant", money=True),
        )
        .order_by("reference")
    )


def accompagnements_tableau(programme: Programme) -> QuerySet[AccompagnementSuivi]:
    """`accompagnements_suivi` reading only the columns the dashboard's table shows and prices (the
    format's rate and its programme's daily rate): the same figures from a fraction of the columns."""
    return (
        accompagnements_suivi(programme)
        .select_related(None)
        .select_related("structure_beneficiaire", "format__programme")
        .only(
            "reference",
            "etat",
            "demi_journees_prevues",
            "structure_beneficiaire",
            "structure_beneficiaire__raison_sociale",
            "format",
            "format__libelle",
            "format__personne_ressource_remuneree",
            "format__taux_par_unite",
            "format__programme",
            "format__programme__taux_journalier",
        )
    )


class LignesComptees:
    """Rows whose number is known already: a Paginator asks `len()` of an object without `count()`,
    and slices the rows (one query for the page) instead of counting them with a query of its own."""

    def __init__(self, lignes: QuerySet, nombre: int) -> None:
        self.lignes, self.nombre = lignes, nombre

    def __len__(self) -> int:
        return self.nombre

    def __getitem__(self, index: slice) -> QuerySet:
        return self.lignes[index]


def lignes_tableau(rows: Iterable[AccompagnementSuivi], *, liens: bool) -> list[AccompagnementSuivi]:
    """The rows of the dashboard's table with what their cells show computed once here: the state's
    label, the three amounts in euros and, if `liens`, the links to the accompagnement and its payment
    (fifty rows a page asked these of the template cell by cell, the largest part of the page's cost)."""
    libelles = dict(EtatAccompagnement.choices)
    suivis = avec_montant_livre(rows)
    if liens:
        detail, paiement = lien_par_pk("accompagnements:detail"), lien_par_pk("budget:paiement_create")
    for row in suivis:
        # Attributes read by the ligne_accompagnement tag, beside the annotations of the query.
        row.etat_libelle = str(libelles.get(row.etat, row.etat))  # type: ignore[attr-defined]
        row.engage_affiche = format_euros(row.montant_engage)  # type: ignore[attr-defined]
        row.livre_affiche = format_euros(row.montant_livre)  # type: ignore[attr-defined]
        row.paye_affiche = format_euros(row.montant_paye)  # type: ignore[attr-defined]
        if liens:
            row.url_detail = detail(row.pk)  # type: ignore[attr-defined]
            row.url_paiement = paiement(row.pk)  # type: ignore[attr-defined]
    return suivis


def avec_montant_livre(rows: Iterable[AccompagnementSuivi]) -> list[AccompagnementSuivi]:
    """Attach `montant_livre` (delivered half-days at the daily rate) to rows of `accompagnements_suivi`."""
    suivis = list(rows)
    for row in suivis:
        # An attribute read by the templates, beside the annotations of the query.
        row.montant_livre = row.format.montant_pour(row.hj_livrees)  # type: ignore[attr-defined]
    return suivis


def engagements_de(programme: Programme) -> QuerySet[Engagement]:
    return (
        Engagement.objects.filter(programme=programme)
        .select_related("accompagnement", "atelier", "created_by", "convention", "corrige")
        .annotate(corrigee=Exists(Engagement.objects.filter(corrige=OuterRef("pk"))))
        .order_by("-created_at", "-pk")
    )


def paiements_de(programme: Programme) -> QuerySet[Paiement]:
    return (
        Paiement.objects.filter(paiements_du_programme(programme))
        .select_related("accompagnement", "atelier", "structure", "created_by", "corrige")
        .annotate(corrigee=Exists(Paiement.objects.filter(corrige=OuterRef("pk"))))
        .order_by("-date_paiement", "-created_at", "-pk")
    )


def autres_depenses_de(programme: Programme) -> QuerySet[AutreDepense]:
    return (
        AutreDepense.objects.filter(programme=programme)
        .select_related("created_by", "corrige")
        .annotate(corrigee=Exists(AutreDepense.objects.filter(corrige=OuterRef("pk"))))
        .order_by("-date_depense", "-created_at", "-pk")
    )


# --- The funders' shares -------------------------------------------------------------------------


@dataclass
class PartFinanceur:
    """One funder's part of a programme: contributed, committed, paid, other costs and days delivered."""

    libelle: str
    contribue: Decimal = ZERO
    engage: Decimal = ZERO
    paye: Decimal = ZERO
    autres: Decimal = ZERO
    jours_livres: Decimal = Decimal("0.0")
    contribution: Contribution | None = None
    # Delivered half-days at the programme's rate, shared like the days (the CERFA's « réalisé »).
    realise: Decimal = ZERO
    # Other costs borne, per category (the CERFA's account lines).
    autres_par_categorie: dict[str, Decimal] = field(default_factory=dict)

    @property
    def reste(self) -> Decimal:
        """What the contribution can still carry: contributed − committed − other costs."""
        return self.contribue - self.engage - self.autres

    @property
    def reste_a_payer(self) -> Decimal:
        """Committed and not yet paid."""
        return self.engage - self.paye


@dataclass
class PartsFinanceurs:
    lignes: list[PartFinanceur]
    total: PartFinanceur
    regle: str


def _arrondis(parts: list[Fraction]) -> list[int]:
    """Exact shares (in tenths of a day, or in cents) rounded so that they add up to their rounded sum
    (largest remainder)."""
    bas = [math.floor(part) for part in parts]
    manque = round(sum(parts)) - sum(bas)
    for i in sorted(range(len(parts)), key=lambda i: (-(parts[i] - bas[i]), i))[: max(manque, 0)]:
        bas[i] += 1
    return bas


def parts_financeurs(programme: Programme) -> PartsFinanceurs | None:
    """Each contribution of the programme with its running totals, and the days it paid for (three
    queries, whatever the number of lines): an accompagnement's delivered half-days are shared between
    the contributions in proportion to what each committed for it. None without contributions."""
    contributions = list(
        Contribution.objects.filter(programme=programme)
        .select_related("financeur")
        .order_by("priorite", "financeur__ordre", "pk")
    )
    if not contributions:
        return None
    regle = Enveloppe.objects.filter(programme=programme).values_list("regle_repartition", flat=True).first()
    engage_par_accompagnement: dict[int, dict[int, Decimal]] = {}
    rows = (
        Imputation.objects.filter(engagement__programme=programme)
        .values("engagement__accompagnement_id", "contribution_id")
        .annotate(total=Sum("montant"))
        .order_by()
    )
    for row in rows:
        engage_par_accompagnement.setdefault(row["engagement__accompagnement_id"], {})[row["contribution_id"]] = row["total"]
    # Delivered quantity in the format's unit (for the amount) and as half-days (for the days, a format in
    # hours counting its sessions' started half-days, as the dashboard does).
    livrees: dict[int, int] = {}
    demi_journees_livrees: dict[int, int] = {}
    for accompagnement_id, hj, dj in (
        Seance.objects.filter(SEANCE_LIVREE, accompagnement__programme=programme)
        .values("accompagnement_id")
        .annotate(hj=Sum("demi_journees"), dj=Sum(en_demi_journees_sql("demi_journees")))
        .order_by()
        .values_list("accompagnement_id", "hj", "dj")
    ):
        livrees[accompagnement_id], demi_journees_livrees[accompagnement_id] = hj, dj
    formats = {f.pk: f for f in Format.objects.filter(programme=programme).select_related("programme")}
    format_de = dict(Accompagnement.objects.filter(pk__in=list(livrees)).order_by().values_list("pk", "format_id"))
    autres: dict[int, dict[str, Decimal]] = {}
    for row in (
        Imputation.objects.filter(depense__programme=programme)
        .values("contribution_id", "depense__categorie")
        .annotate(total=Sum("montant"))
        .order_by()
    ):
        autres.setdefault(row["contribution_id"], {})[row["depense__categorie"]] = euros(row["total"])
    # Delivered days (in tenths of a day) and their amount (in cents) per contribution, as exact fractions.
    dixiemes = {c.pk: Fraction(0) for c in contributions}
    centimes = {c.pk: Fraction(0) for c in contributions}
    for accompagnement_id, hj in livrees.items():
        parts = {pk: max(montant, ZERO) for pk, montant in engage_par_accompagnement.get(accompagnement_id, {}).items()}
        engage_total = sum(parts.values(), ZERO)
        if not hj or engage_total <= 0:
            continue
        livre = Fraction(formats[format_de[accompagnement_id]].montant_pour(hj) * 100)
        for pk, montant in parts.items():
            dixiemes[pk] += Fraction(demi_journees_livrees[accompagnement_id] * 5) * Fraction(montant) / Fraction(engage_total)
            centimes[pk] += livre * Fraction(montant) / Fraction(engage_total)
    arrondis = _arrondis([dixiemes[c.pk] for c in contributions])
    realises = _arrondis([centimes[c.pk] for c in contributions])
    lignes = [
        PartFinanceur(
            libelle=c.financeur.nom,
            contribue=c.montant,
            engage=c.engage,
            paye=c.paye,
            autres=c.autres,
            jours_livres=Decimal(dixieme) / 10,
            contribution=c,
            realise=euros(Decimal(centime) / 100),
            autres_par_categorie=autres.get(c.pk, {}),
        )
        for c, dixieme, centime in zip(contributions, arrondis, realises, strict=True)
    ]
    total = PartFinanceur(
        libelle=_("Total"),
        contribue=sum((ligne.contribue for ligne in lignes), ZERO),
        engage=sum((ligne.engage for ligne in lignes), ZERO),
        paye=sum((ligne.paye for ligne in lignes), ZERO),
        autres=sum((ligne.autres for ligne in lignes), ZERO),
        jours_livres=sum((ligne.jours_livres for ligne in lignes), Decimal("0.0")),
        realise=sum((ligne.realise for ligne in lignes), ZERO),
    )
    return PartsFinanceurs(lignes=lignes, total=total, regle=str(RegleRepartition(regle or RegleRepartition.PRORATA).label))


def espace(user: Any) -> dict[str, Any]:
    """Context for this app's section of the person's space: a link to the dashboard."""
    return {"budget_tableau_de_bord": can_view_dashboard(user)}


def accompagnement_context(accompagnement: Any, user: Any, role: str | None) -> dict[str, Any]:
    """The accompagnement page's audit-file section: the coordination asks for it and sees its last versions."""
    if not may(user, "budget.dossier_controle").allowed:
        return {"peut_dossier_controle": False, "dossiers_controle": []}
    dossiers = Export.objects.filter(accompagnement=accompagnement, type_export=TypeExport.DOSSIER_CONTROLE)
    return {"peut_dossier_controle": True, "dossiers_controle": list(dossiers.order_by("-demande_le", "-pk")[:3])}


# --- Invoices ----------------------------------------------------------------------------------------


def seances_a_facturer(*, structure_ids: Iterable[int]) -> QuerySet[Seance]:
    """Payable sessions of accompagnements with a mentor of these structures, not on any invoice yet."""
    mentors = Accompagnement.mentors.through.objects.filter(
        accompagnement_id=OuterRef("accompagnement_id"), personneressource__structure_id__in=list(structure_ids)
    )
    return (
        Seance.objects.payables()
        .filter(Exists(mentors), facture_ligne__isnull=True)
        .select_related("accompagnement__programme", "accompagnement__format__programme", "accompagnement__beneficiaire")
        .order_by("debut", "pk")
    )


def _avec_animation_engagee(ateliers: QuerySet[Atelier]) -> QuerySet[Atelier]:
    """Workshops annotated with `montant_engage`: what their animation commits (corrections included)."""
    return ateliers.annotate(
        montant_engage=_sum(Engagement.objects.filter(atelier=OuterRef("pk")), "atelier", "montant", money=True)
    )


def ateliers_a_facturer(*, structure_ids: Iterable[int], facture: Facture | None = None) -> QuerySet[Atelier]:
    """Held workshops led by a paid personne-ressource of these structures, whose animation is committed
    and not on any invoice yet, or on `facture` (being corrected); each annotated with `montant_engage`,
    what its invoice line is worth."""
    libre = Q(facture_ligne__isnull=True)
    if facture is not None:
        libre |= Q(facture_ligne__facture=facture)
    return (
        _avec_animation_engagee(
            Atelier.objects.filter(
                libre,
                etat=EtatAtelier.TENU,
                personne_ressource__structure_id__in=list(structure_ids),
                format__personne_ressource_remuneree=True,
            )
        )
        .filter(montant_engage__gt=0)  # type: ignore[misc]  # annotated by _avec_animation_engagee
        .select_related("programme", "format__programme")
        .order_by("debut", "pk")
    )


def ateliers_de_facture(facture: Facture) -> list[Atelier]:
    """The workshops an invoice bills, each annotated with `montant_engage`."""
    return list(
        _avec_animation_engagee(Atelier.objects.filter(facture_ligne__facture=facture))
        .select_related("programme", "format__programme")
        .order_by("debut", "pk")
    )


def montant_attendu(seances: Iterable[Seance], ateliers: Iterable[Atelier] = ()) -> Decimal:
    """What an invoice of these sessions and workshops should amount to: each accompagnement's payable
    half-days at its programme's rate (summed per accompagnement, as each one's payment line is), plus
    each workshop's committed animation (`montant_engage`, annotated by the selectors above)."""
    par_accompagnement: dict[int, tuple[Format, int]] = {}
    for seance in seances:
        format, hj = par_accompagnement.get(seance.accompagnement_id, (seance.accompagnement.format, 0))
        par_accompagnement[seance.accompagnement_id] = (format, hj + seance.demi_journees)
    seances_total = sum((format.montant_pour(hj) for format, hj in par_accompagnement.values()), Decimal("0.00"))
    return seances_total + sum((euros(atelier.montant_engage) for atelier in ateliers), Decimal("0.00"))  # type: ignore[attr-defined]


def factures_visibles(user: Any) -> QuerySet[Facture]:
    return Facture.objects.visibles_par(user).select_related("structure", "programme").order_by("-created_at", "-pk")


def seances_de_facture(facture: Facture) -> list[Seance]:
    return list(
        Seance.objects.filter(facture_ligne__facture=facture)
        .select_related("accompagnement__programme", "accompagnement__format__programme", "accompagnement__beneficiaire")
        .order_by("debut", "pk")
    )


def paiements_periode(*, du: datetime.date, au: datetime.date, user: Any = None) -> QuerySet[Paiement]:
    """The payments of a period (of `user`'s pilots' programmes when given), for the accountant's CSV."""
    perimetre_q = (
        perimetre.filtre_coordination(user, "accompagnement__programme")
        | perimetre.filtre_coordination(user, "atelier__programme")
        if user is not None
        else Q()
    )
    return (
        Paiement.objects.filter(perimetre_q, date_paiement__gte=du, date_paiement__lte=au)
        .select_related("structure", "facture", "accompagnement__programme", "atelier__programme")
        .prefetch_related(Prefetch("imputations", queryset=Imputation.objects.select_related("contribution__financeur")))
        .order_by("date_paiement", "pk")
    )


def parts_financeurs_texte(paiement: Paiement) -> str:
    """Each funder's share of a payment, as the accountant reads it ("CNM : 250,00 ; Région : 250,00");
    "—" for a programme without contributions. Reads the prefetched imputations."""
    parts = [(i.contribution.financeur.nom, i.montant) for i in paiement.imputations.all()]
    return " ; ".join(f"{nom} : {montant:.2f}".replace(".", ",") for nom, montant in parts) or "—"


@dataclass(frozen=True)
class Participations:
    """The programme's receipts from its workshops: what non-members owe for a confirmed place in a
    workshop not cancelled (`dues`, `nombre` registrations), of which `payees` is recorded as paid."""

    nombre: int
    dues: Decimal
    payees: Decimal

    @property
    def a_encaisser(self) -> Decimal:
        return self.dues - self.payees


def participations_non_membres(programme: Programme) -> Participations:
    """The non-members' participations of the programme's workshops (one query): due, paid, left to cash."""
    totaux = (
        Inscription.objects.filter(atelier__programme=programme, etat__in=ETATS_CONFIRMES, participation_due__gt=0)
        .exclude(atelier__etat=EtatAtelier.ANNULE)
        .aggregate(
            nombre=Count("pk"),
            dues=Coalesce(Sum("participation_due"), Value(ZERO), output_field=MONEY),
            payees=Coalesce(
                Sum("participation_due", filter=Q(participation_payee_le__isnull=False)), Value(ZERO), output_field=MONEY
            ),
        )
    )
    return Participations(nombre=totaux["nombre"], dues=euros(totaux["dues"]), payees=euros(totaux["payees"]))
