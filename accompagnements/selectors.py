"""Read-side queries shared by pages."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, F, Prefetch, Q, Sum, Value, Window, prefetch_related_objects
from django.db.models.functions import Coalesce, Lag
from django.utils import timezone

from accounts import perimetre, roles
from core.liens import lien_par_pk
from core.pagination import plafond
from core.permissions import may
from core.selectors import filtres_renseignes
from programmes.models import Programme

from . import calendar as seance_dates
from .models import (
    ETATS_DEMARRES,
    Accompagnement,
    AccompagnementQuerySet,
    Creneau,
    EtatSeance,
    Indicateur,
    Objectif,
    Seance,
    ServiceFait,
)
from .permissions import ma_validation_grille

# The person's space lists this many of their accompagnements, the most recent.
ESPACE_ACCOMPAGNEMENTS = 10


def accompagnements_of(user: AbstractBaseUser | AnonymousUser):
    """The accompagnements a person takes part in (as beneficiary or mentor), newest first, with what
    the space's list shows (templates/accompagnements/includes/espace.html: format, structure)."""
    return (
        Accompagnement.objects.filter(AccompagnementQuerySet.de_la_personne(user))
        .select_related("format", "structure_beneficiaire")
        .order_by("-created_at")
    )


def espace(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """Context for the person's space: their most recent accompagnements and how many they have
    (a mentor may have dozens over the years: the space lists a bounded number)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    limite = plafond(ESPACE_ACCOMPAGNEMENTS)
    # The total as a window count over the same selection: one query instead of a list and a COUNT
    # (each query costs the space a millisecond or two of compiling; issue 14).
    mes_accompagnements = list(accompagnements_of(user).annotate(espace_total=Window(Count("pk")))[:limite])
    # Each row's link from one reversed pattern rather than a `{% url %}` per row (core/liens.py).
    lien = lien_par_pk("accompagnements:detail")
    for accompagnement in mes_accompagnements:
        accompagnement.espace_lien = lien(accompagnement.pk)  # type: ignore[attr-defined]
    return {
        "mes_accompagnements": mes_accompagnements,
        "mes_accompagnements_total": mes_accompagnements[0].espace_total if mes_accompagnements else 0,
        # A personne-ressource publishes their availability from here (the page checks the rule itself).
        "publie_creneaux": roles.is_personne_ressource(user),
    }


def grille_prefetch(accompagnement: Accompagnement) -> list[Objectif]:
    """The objectives grid, its indicators and their measures, read once per accompagnement object: the
    page's grid and evaluation sections both show it (each read it again, two to three queries each).
    Ordered within the one accompagnement as the models' orderings order it, without their join to it."""
    prefetch_related_objects(
        [accompagnement],
        Prefetch("objectifs", queryset=Objectif.objects.order_by("ordre", "id")),
        Prefetch("objectifs__indicateurs", queryset=Indicateur.objects.order_by("id")),
        "objectifs__indicateurs__mesures",
    )
    return list(accompagnement.objectifs.all())


def objectifs_context(accompagnement: Accompagnement, user: AbstractBaseUser | AnonymousUser, role: str) -> dict[str, Any]:
    """Context of the objectives grid section: the grid, who validated it, what this person may do."""
    objectifs = grille_prefetch(accompagnement)
    modifiable = may(user, "accompagnement.rediger_grille", accompagnement).allowed
    return {
        "objectifs": objectifs,
        "grille_modifiable": modifiable,
        "grille_peut_valider": may(user, "accompagnement.valider_grille", accompagnement).allowed and bool(objectifs),
        "grille_ma_validation": ma_validation_grille(accompagnement, role),
        "grille_peut_commenter": may(user, "accompagnement.commenter_grille", accompagnement).allowed,
        # Changing a validated grid re-opens it (and cancels the convention being signed): say so first.
        "grille_reouverture": modifiable and accompagnement.attend_convention,
    }


# --- Sessions (issue 7) ---


@dataclass(frozen=True)
class DemiJournees:
    """Half-day figures of one accompagnement.

    prevues: the convention's half-days; planifiees: sessions still to come (planned);
    realisees: sessions held; livrees: held with their report handed in, plus late cancellations
    counted as consumed (what the budget pays); consommees: every half-day that uses the
    convention (planned + held + counted cancellations); restantes: what can still be planned.
    """

    accompagnement_id: int
    prevues: int
    planifiees: int
    realisees: int
    livrees: int
    consommees: int

    @property
    def restantes(self) -> int:
        return max(self.prevues - self.consommees, 0)

    @property
    def jours_livres(self) -> Decimal:
        return Decimal(self.livrees) / 2


def _sum_seances(condition: Q) -> Coalesce:
    return Coalesce(Sum("seances__demi_journees", filter=condition), Value(0))


def demi_journees(
    *, accompagnement_ids: Iterable[int] | None = None, programme: Programme | None = None
) -> dict[int, DemiJournees]:
    """Planned / held / delivered / consumed half-days per accompagnement, in ONE aggregate query.

    Filter by `accompagnement_ids` and/or `programme` (a Programme or its id); with neither, every
    accompagnement. The budget issue uses it for delivered days: sum `livrees` and divide by 2.
    """
    queryset = Accompagnement.objects.all()
    if accompagnement_ids is not None:
        queryset = queryset.filter(pk__in=list(accompagnement_ids))
    if programme is not None:
        queryset = queryset.filter(programme=programme)
    planifiee = Q(seances__etat=EtatSeance.PLANIFIEE)
    realisee = Q(seances__etat=EtatSeance.REALISEE)
    annulee_comptee = Q(seances__etat=EtatSeance.ANNULEE, seances__comptee=True)
    rows = (
        queryset.order_by()
        .values("pk", "demi_journees_prevues")
        .annotate(
            planifiees=_sum_seances(planifiee),
            realisees=_sum_seances(realisee),
            livrees=_sum_seances(
                (realisee & Q(seances__compte_rendu__soumis_le__isnull=False) & ~Q(seances__service_fait=ServiceFait.NON_TENUE))
                | annulee_comptee
            ),
            consommees=_sum_seances(planifiee | realisee | annulee_comptee),
        )
    )
    return {
        row["pk"]: DemiJournees(
            accompagnement_id=row["pk"],
            prevues=row["demi_journees_prevues"],
            planifiees=row["planifiees"],
            realisees=row["realisees"],
            livrees=row["livrees"],
            consommees=row["consommees"],
        )
        for row in rows
    }


def demi_journees_des_seances(accompagnement: Accompagnement, seances: Iterable[Seance]) -> DemiJournees:
    """The figures of `demi_journees` for one accompagnement, counted from its sessions already read
    (each with its `compte_rendu` selected) instead of a second, aggregate query: the same rules,
    checked against the query by tests/accompagnements/test_demi_journees_des_seances.py."""
    planifiees = realisees = livrees = consommees = 0
    for seance in seances:
        n = seance.demi_journees
        if seance.etat == EtatSeance.PLANIFIEE:
            planifiees += n
            consommees += n
        elif seance.etat == EtatSeance.REALISEE:
            realisees += n
            consommees += n
            try:
                compte_rendu = seance.compte_rendu
            except ObjectDoesNotExist:  # no report written yet (selected as missing: no query)
                compte_rendu = None
            if compte_rendu is not None and compte_rendu.soumis_le is not None and seance.service_fait != ServiceFait.NON_TENUE:
                livrees += n
        elif seance.etat == EtatSeance.ANNULEE and seance.comptee:
            livrees += n
            consommees += n
    return DemiJournees(
        accompagnement_id=accompagnement.pk,
        prevues=accompagnement.demi_journees_prevues,
        planifiees=planifiees,
        realisees=realisees,
        livrees=livrees,
        consommees=consommees,
    )


def seances_with_details():
    return Seance.objects.select_related(
        "accompagnement__format", "accompagnement__programme", "accompagnement__beneficiaire", "compte_rendu"
    )


def _annotate_flags(seances: list[Any], *, ecart_max: int, now: datetime.datetime) -> list[Any]:
    """Per session, for display: end, report deadline and lateness, gap from the previous session."""
    # Any: the sessions get display-only attributes here, which the Seance model does not declare.
    precedente = None
    for seance in seances:
        seance.fin = seance_dates.fin(seance)
        seance.echeance_compte_rendu = seance_dates.echeance_compte_rendu(seance)
        seance.compte_rendu_en_retard = seance_dates.compte_rendu_en_retard(seance, now=now)
        seance.questions_ouvertes = seance_dates.questions_ouvertes(seance, now=now)
        seance.a_confirmer = seance.etat == EtatSeance.PLANIFIEE and seance.debut < now
        seance.ecart_jours = None
        seance.trop_espacee = False
        if seance.etat != EtatSeance.ANNULEE:
            if precedente is not None:
                seance.ecart_jours = seance_dates.ecart_jours(precedente.debut, seance.debut)
                seance.trop_espacee = seance.ecart_jours > ecart_max
            precedente = seance
    return seances


def seances_context(accompagnement: Accompagnement, user: AbstractBaseUser | AnonymousUser, role: str) -> dict[str, Any]:
    """Context of the sessions section (issue 7): the sessions, their flags and the half-day figures."""
    now = timezone.now()
    seances = list(Seance.objects.filter(accompagnement=accompagnement).select_related("compte_rendu").order_by("debut", "pk"))
    # Labels read once from the choices: get_FOO_display rebuilds and hashes the whole choice list
    # (a translation per choice) at each call, twice a row.
    etats = {valeur: str(libelle) for valeur, libelle in EtatSeance.choices}
    services_faits = {valeur: str(libelle) for valeur, libelle in ServiceFait.choices}
    for seance in seances:
        seance.accompagnement = accompagnement  # already loaded with its programme and format
        seance.etat_libelle = etats.get(seance.etat, seance.etat)  # type: ignore[attr-defined]
        seance.service_fait_libelle = services_faits.get(seance.service_fait, seance.service_fait)  # type: ignore[attr-defined]
    _annotate_flags(seances, ecart_max=accompagnement.format.ecart_max_jours, now=now)
    figures = demi_journees_des_seances(accompagnement, seances)
    return {
        "seances": seances,
        "seances_demi_journees": figures,
        "seances_alertes_espacement": [s for s in seances if s.trop_espacee],
        "seances_comptes_rendus_en_retard": [s for s in seances if s.compte_rendu_en_retard],
        "seances_ecart_max": accompagnement.format.ecart_max_jours,
    }


def seances_of(user: AbstractBaseUser | AnonymousUser, *, depuis: datetime.datetime | None = None):
    """Sessions of the accompagnements a person takes part in (every one for the coordination)."""
    queryset = seances_with_details().filter(accompagnement__etat__in=SESSION_STATES).order_by("debut", "pk")
    if not roles.is_coordination(user):
        queryset = queryset.filter(accompagnement_id__in=AccompagnementQuerySet.ids_de_la_personne(user))
    else:
        queryset = queryset.filter(perimetre.filtre_coordination(user, "accompagnement__programme"))
    if depuis is not None:
        queryset = queryset.filter(debut__gte=depuis)
    return queryset


SESSION_STATES = ETATS_DEMARRES


def seances_dans_48h(now: datetime.datetime | None = None):
    """Planned sessions starting within their programme's delay (48 hours by default): the "send your questions" reminder's list.

    Each row carries the accompagnement, its beneficiary and mentors (prefetched) to address the e-mail.
    """
    now = now or timezone.now()
    return (
        seances_with_details()
        .filter(seance_dates.debut_dans_le_delai_q(now), etat=EtatSeance.PLANIFIEE, debut__gt=now)
        .prefetch_related("accompagnement__mentors__user")
        .order_by("debut")
    )


def comptes_rendus_attendus(now: datetime.datetime | None = None) -> list[Seance]:
    """Held sessions whose report is not handed in yet, each with `echeance_compte_rendu` and `en_retard`."""
    now = now or timezone.now()
    seances = list(
        seances_with_details()
        .filter(etat=EtatSeance.REALISEE)
        .filter(Q(compte_rendu__isnull=True) | Q(compte_rendu__soumis_le__isnull=True))
        .prefetch_related("accompagnement__mentors__user")
        .order_by("debut")
    )
    for seance in seances:
        seance.echeance_compte_rendu = seance_dates.echeance_compte_rendu(seance)
        seance.en_retard = now > seance.echeance_compte_rendu
    return seances


def seances_trop_espacees(*, programme: Programme | None = None, depuis: datetime.datetime | None = None) -> list[Seance]:
    """Sessions held or planned more than the format's `ecart_max_jours` after the previous one.

    A recommendation for the coordination, not a block. The previous session (cancelled ones
    ignored) comes from a window function; each row gets `precedente_debut` and `ecart_jours`.
    """
    queryset = (
        seances_with_details()
        .exclude(etat=EtatSeance.ANNULEE)
        .filter(accompagnement__etat__in=SESSION_STATES)
        .annotate(
            precedente_debut=Window(
                Lag("debut"), partition_by=[F("accompagnement_id")], order_by=[F("debut").asc(), F("pk").asc()]
            )
        )
        .order_by("debut")
    )
    if programme is not None:
        queryset = queryset.filter(accompagnement__programme=programme)
    result = []
    for seance in queryset:
        if seance.precedente_debut is None or (depuis is not None and seance.debut < depuis):
            continue
        seance.ecart_jours = seance_dates.ecart_jours(seance.precedente_debut, seance.debut)
        if seance.ecart_jours > seance.accompagnement.format.ecart_max_jours:
            result.append(seance)
    return result


# --- Availability slots ------------------------------------------------------------------------------


def creneaux_fenetre(now: datetime.datetime | None = None) -> tuple[datetime.datetime, datetime.datetime]:
    """The slots pages show: from now to the end of the coming weeks (TSF_CRENEAUX_SEMAINES)."""
    now = now or timezone.now()
    return now, now + datetime.timedelta(weeks=settings.TSF_CRENEAUX_SEMAINES)


def creneaux_du_mentor(mentor: Any, now: datetime.datetime | None = None):
    """A mentor's slots of the window, booked ones with their session's accompagnement."""
    depuis, jusqua = creneaux_fenetre(now)
    return (
        Creneau.objects.filter(mentor=mentor)
        .a_venir(depuis=depuis, jusqua=jusqua)
        .select_related("seance__accompagnement")
        .order_by("debut", "pk")
    )


def creneaux_reservables(accompagnement: Accompagnement, now: datetime.datetime | None = None):
    """The free slots of the accompagnement's mentors in the window, soonest first."""
    depuis, jusqua = creneaux_fenetre(now)
    return (
        Creneau.objects.libres()
        .filter(mentor__accompagnements=accompagnement)
        # A personne-ressource whose part is over is not booked again on it.
        .exclude(mentor__in=accompagnement.parties_terminees.values("personne_ressource"))
        .a_venir(depuis=depuis, jusqua=jusqua)
        .select_related("mentor")
        .order_by("debut", "pk")
    )


def accompagnements_for_coordination(*, filters: dict[str, Any] | None = None, user: Any = None) -> Any:
    """Every accompagnement (of `user`'s pilots' programmes when given), filtered (état, format, personne-ressource, département, programme), newest
    first, with what each list row shows in a constant number of queries. Each filter is an indexed column."""
    filters = filters or {}
    qs = Accompagnement.objects.select_related(
        "programme", "format", "structure_beneficiaire", "beneficiaire", "candidature"
    ).prefetch_related("mentors")
    if user is not None:
        qs = qs.visibles_par(user)
    qs = filtres_renseignes(
        qs,
        filters,
        {
            "programme": "programme",
            "etat": "etat",
            "format": "format__code",
            "personne_ressource": "mentors",
            "departement": "structure_beneficiaire__departement",
        },
    )
    # Newest first by primary key (created in that order): the sort uses the table's own index.
    return qs.order_by("-pk")


# --- Service fait ------------------------------------------------------------------------------------

# How many sessions a to-do list shows at most (the coordination's queue reads this selector).
SERVICE_FAIT_A_TRAITER_MAX = 200


def service_fait_a_traiter(*, avant: datetime.datetime | None = None):
    """Held sessions the coordination must look at, oldest first (unbounded queryset, for a queue that
    bounds itself): disputed ones, and those still unconfirmed since before `avant` (all when None)."""
    attente = Q(service_fait=ServiceFait.A_CONFIRMER)
    if avant is not None:
        attente &= Q(realisee_le__lte=avant)
    return (
        Seance.objects.filter(etat=EtatSeance.REALISEE)
        .filter(attente | Q(service_fait=ServiceFait.CONTESTEE))
        .select_related("accompagnement__programme", "accompagnement__beneficiaire")
        .order_by("realisee_le", "pk")
    )


def seances_non_confirmees(
    *, avant: datetime.datetime | None = None, limit: int = SERVICE_FAIT_A_TRAITER_MAX, user: Any = None
) -> list[Seance]:
    """The first `limit` of service_fait_a_traiter (of `user`'s pilots' programmes when given), with each
    session's answers (bounded list)."""
    qs = service_fait_a_traiter(avant=avant)
    if user is not None:
        qs = qs.filter(perimetre.filtre_coordination(user, "accompagnement__programme"))
    return list(qs.prefetch_related("confirmations")[: plafond(limit)])
