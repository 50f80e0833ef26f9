"""The coordination's one work queue ("À traiter"), across the whole lifecycle (issue 15).

A registry of queue kinds: each kind says what it lists (a queryset, oldest first), since when each
item waits, its deadline, where to act, and who follows it. Another stage adds a kind with
`register(QueueKind(...))`; the page, the filters and the menu's count pick it up.

"Who follows it" (`suivi_par`) is the coordinator who conducted the file's diagnostic interview, or who
sent the proposal or put the file to the committee: the person the others ask about the file.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import Any

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import DateTimeField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accompagnements import calendar as seance_dates
from accompagnements.models import Accompagnement, EtatAccompagnement, EtatSeance, Seance
from accompagnements.selectors import service_fait_a_traiter
from annuaire.models import EtatProposition, Proposition
from budget.models import EtatFacture, Facture, Paiement
from candidatures.models import Candidature, CandidatureEvenement, Etat
from comite.models import Avis, Saisine
from conventions.models import Convention, EtatConvention, Signature
from conventions.selectors import parties_manquantes
from core.models import EventKind
from core.money import euros
from evaluations.models import EtatEvaluation, Evaluation
from programmes.models import Programme, StructurePilote
from programmes.rules import montant_expression
from programmes.selectors import filtre_programmes, voit_tout
from relances.planning import SERVICE_FAIT_ALERTE

# The menu counts each kind up to this many (a bounded COUNT); beat refreshes the total every minute
# (settings.CELERY_BEAT_SCHEDULE) and the cache keeps it this long, so that a late beat does not blank it.
COMPTE_MAX = 100
COMPTE_CACHE_SECONDES = 5 * 60
COMPTE_CACHE_CLE = "plateforme:a_traiter:total"

# Filter values of "suivi par" besides a coordinator's id.
SUIVI_MOI = "moi"
SUIVI_PERSONNE = "aucun"


@dataclass(frozen=True)
class QueueKind:
    """One kind of item in the queue.

    `queryset(now)` lists the items, oldest first, with what the line shows selected; `since(item)` is
    when the wait began, `deadline(item)` when it is due (None: no deadline), `link(item)` where to act,
    `title(item)` and `detail(item)` what the line says; `suivi_par` the path to the coordinator who
    follows the item (None: nobody yet, e.g. a file just submitted); `programme` the path to the item's
    programme (programmes/selectors.py scopes the queue and its counts to the coordinator's pilots)."""

    key: str
    label: Any
    queryset: Callable[[datetime.datetime], QuerySet]
    since: Callable[[Any], datetime.datetime | None]
    link: Callable[[Any], str]
    title: Callable[[Any], str]
    # Most kinds have no deadline: the line only says how long the item has waited.
    deadline: Callable[[Any], datetime.datetime | datetime.date | None] = field(default=lambda item: None)
    detail: Callable[[Any], str] = field(default=lambda item: "")
    suivi_par: str | None = None
    # The path from an item to its programme: a coordinator's queue keeps their pilots' programmes only.
    programme: str = "programme"


KINDS: dict[str, QueueKind] = {}


def register(kind: QueueKind) -> QueueKind:
    KINDS[kind.key] = kind
    return kind


@dataclass(frozen=True)
class Ligne:
    """One line of the queue as the page shows it."""

    kind: QueueKind
    title: str
    detail: str
    since: datetime.datetime | None
    deadline: datetime.datetime | datetime.date | None
    en_retard: bool
    url: str
    suivi_par: Any


def _attr_path(obj: Any, path: str | None) -> Any:
    for name in (path or "").split("__") if path else []:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def _depasse(deadline: datetime.datetime | datetime.date | None, now: datetime.datetime) -> bool:
    if deadline is None:
        return False
    if isinstance(deadline, datetime.datetime):
        return deadline < now
    return deadline < timezone.localdate(now)


def ligne(kind: QueueKind, item: Any, now: datetime.datetime) -> Ligne:
    deadline = kind.deadline(item)
    return Ligne(
        kind=kind,
        title=kind.title(item),
        detail=kind.detail(item),
        since=kind.since(item),
        deadline=deadline,
        en_retard=_depasse(deadline, now),
        url=kind.link(item),
        suivi_par=_attr_path(item, kind.suivi_par),
    )


def items(kind: QueueKind, *, now: datetime.datetime, suivi: str = "", user: Any = None) -> QuerySet:
    """The kind's items of `user`'s programmes, narrowed to those followed by `suivi` ("moi", "aucun" or a
    coordinator's id)."""
    qs = kind.queryset(now)
    if user is not None:
        qs = qs.filter(filtre_programmes(user, kind.programme))
    if not suivi:
        return qs
    if kind.suivi_par is None:
        # Nobody follows these items yet: they belong to "aucun" only.
        return qs if suivi == SUIVI_PERSONNE else qs.none()
    if suivi == SUIVI_PERSONNE:
        return qs.filter(**{f"{kind.suivi_par}__isnull": True})
    if suivi == SUIVI_MOI:
        return qs.filter(**{kind.suivi_par: user})
    if suivi.isdigit():
        return qs.filter(**{f"{kind.suivi_par}__pk": int(suivi)})
    return qs.none()


def _comptes_bornes(querysets: list[QuerySet]) -> list[int]:
    """Each queryset's row count up to COMPTE_MAX, all in one query (a scalar sub-select per queryset)."""
    selects: list[str] = []
    params: list[Any] = []
    for i, qs in enumerate(querysets):
        try:
            sql, qs_params = qs.order_by().values("pk")[:COMPTE_MAX].query.sql_with_params()
        except EmptyResultSet:
            selects.append("0")
            continue
        # Django-compiled SQL of our own querysets; every value stays a parameter.
        selects.append(f"(SELECT COUNT(*) FROM ({sql}) AS file_{i})")  # noqa: S608  # nosec B608
        params.extend(qs_params)
    if not selects:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(selects), params)  # noqa: S608  # nosec B608
        return [int(n) for n in cursor.fetchone()]


def _cle_menu(user: Any = None) -> str:
    """The cache key of the menu's count: every programme's (a superuser, beat's total), or the
    programmes of one coordinator's pilots."""
    if user is None or voit_tout(user):
        return COMPTE_CACHE_CLE
    return f"{COMPTE_CACHE_CLE}:personne:{user.pk}"


def total_menu(user: Any = None) -> tuple[int, bool] | None:
    """The menu's count as last computed for `user`'s programmes (None when not yet): read from the cache
    only, so that no page pays a query for it. `total_menu_refresh` computes it (beat every minute, and
    the queue page)."""
    return cache.get(_cle_menu(user))


def total_menu_refresh(*, now: datetime.datetime | None = None) -> tuple[int, bool]:
    """Count every kind up to COMPTE_MAX, over every programme and per pilot structure, in one query;
    keep for the menu the sum over all programmes and, for each coordinator, over their pilots'
    programmes, with whether a kind reached the bound. Returns the count over all programmes."""
    now = now or timezone.now()
    pilotes = list(StructurePilote.objects.order_by("pk").values_list("pk", flat=True))
    bases = [(kind, kind.queryset(now)) for kind in KINDS.values()]
    querysets = [qs for _kind, qs in bases]
    for pilote in pilotes:
        querysets += [qs.filter(**{f"{kind.programme}__pilote_id": pilote}) for kind, qs in bases]
    comptes = _comptes_bornes(querysets)
    n = len(bases)
    value = (sum(comptes[:n]), any(c >= COMPTE_MAX for c in comptes[:n]))
    par_pilote = {pilote: comptes[n * (i + 1) : n * (i + 2)] for i, pilote in enumerate(pilotes)}
    par_personne: dict[int, list[int]] = {}
    for user_id, pilote in StructurePilote.coordinateurs.through.objects.values_list("user_id", "structurepilote_id"):
        par_personne.setdefault(user_id, []).extend(par_pilote.get(pilote, []))
    valeurs: dict[str, tuple[int, bool]] = {COMPTE_CACHE_CLE: value}
    for user_id, liste in par_personne.items():
        valeurs[f"{COMPTE_CACHE_CLE}:personne:{user_id}"] = (sum(liste), any(c >= COMPTE_MAX for c in liste))
    cache.set_many(valeurs, COMPTE_CACHE_SECONDES)
    return value


# --- The kinds of the lifecycle --------------------------------------------------------------------


def _jours(start: datetime.datetime | None, days: int) -> datetime.datetime | None:
    return start + datetime.timedelta(days=days) if start else None


def _derniere_transition() -> Coalesce:
    """When the file last changed state (its submission if never since): what its wait is counted from."""
    last = (
        CandidatureEvenement.objects.filter(candidature=OuterRef("pk"), kind=EventKind.TRANSITION)
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )
    return Coalesce(Subquery(last), "soumise_le", output_field=DateTimeField())


def _candidatures(*etats: str) -> QuerySet:
    return (
        Candidature.objects.filter(etat__in=etats)
        .select_related("programme", "structure", "candidat", "diagnostic__conduit_par")
        .annotate(attente_depuis=_derniere_transition())
        .order_by("attente_depuis", "pk")
    )


def _candidature_title(c: Candidature) -> str:
    structure = c.structure.raison_sociale if c.structure else c.candidat.display_name
    return f"{c.reference} – {structure}"


def _candidature_deadline(c: Any) -> datetime.datetime | None:
    # `attente_depuis` is annotated by `_candidatures`.
    return _jours(c.attente_depuis, c.programme.alerte_dossier_jours)


def _candidature_link(c: Candidature) -> str:
    return reverse("candidatures:coordination_detail", args=[c.pk])


def _kind_candidature(**kwargs: Any) -> QueueKind:
    """A kind of file waiting in the coordination: due after the programme's alert delay, opened on the
    file's coordination page."""
    return QueueKind(deadline=_candidature_deadline, link=_candidature_link, title=_candidature_title, **kwargs)


register(
    _kind_candidature(
        key="candidature_a_verifier",
        label=_("Candidature à vérifier"),
        queryset=lambda now: _candidatures(Etat.SOUMISE),
        since=lambda c: c.attente_depuis,
    )
)
register(
    _kind_candidature(
        key="diagnostic_a_planifier",
        label=_("Diagnostic à planifier"),
        queryset=lambda now: _candidatures(Etat.RECEVABLE),
        since=lambda c: c.attente_depuis,
    )
)


def _diagnostics_passes(now: datetime.datetime) -> QuerySet:
    return _candidatures(Etat.DIAGNOSTIC_PLANIFIE).filter(diagnostic__debut__lt=now)


register(
    _kind_candidature(
        key="diagnostic_a_enregistrer",
        label=_("Diagnostic passé à enregistrer"),
        queryset=_diagnostics_passes,
        since=lambda c: c.diagnostic.debut,
        suivi_par="diagnostic__conduit_par",
    )
)
register(
    _kind_candidature(
        key="decision_a_prendre",
        label=_("Décision à prendre"),
        queryset=lambda now: _candidatures(Etat.DIAGNOSTIC_REALISE, Etat.EN_ATTENTE_DECISION),
        since=lambda c: c.attente_depuis,
        detail=lambda c: str(c.get_etat_display()),
        suivi_par="diagnostic__conduit_par",
    )
)
register(
    QueueKind(
        key="proposition_sans_reponse",
        label=_("Proposition sans réponse"),
        queryset=lambda now: (
            Proposition.objects.filter(etat=EtatProposition.ENVOYEE)
            .select_related("candidature", "personne_ressource", "proposee_par")
            .order_by("envoyee_le", "pk")
        ),
        since=lambda p: p.envoyee_le,
        link=lambda p: reverse("annuaire:appariement_candidature", args=[p.candidature_id]),
        title=lambda p: f"{p.candidature.reference} → {p.personne_ressource}",
        suivi_par="proposee_par",
        programme="candidature__programme",
    )
)

# Accompagnement-level kinds: the coordinator who conducted the file's diagnostic follows it.
SUIVI_ACCOMPAGNEMENT = "candidature__diagnostic__conduit_par"


def _kind_sous_accompagnement(**kwargs: Any) -> QueueKind:
    """A kind of item of an accompaniment (its convention, sessions, evaluations): followed by the
    accompaniment's coordinator, in its programme."""
    return QueueKind(suivi_par="accompagnement__" + SUIVI_ACCOMPAGNEMENT, programme="accompagnement__programme", **kwargs)


_ACCOMPAGNEMENT_RELATED = ("structure_beneficiaire", "programme", "candidature__diagnostic__conduit_par")


def _accompagnement_title(a: Accompagnement) -> str:
    return f"{a.reference} – {a.structure_beneficiaire.raison_sociale}"


def _objectifs_detail(a: Accompagnement) -> str:
    attendus = []
    if not a.grille_validee_beneficiaire_le:
        attendus.append(gettext("le·la bénéficiaire"))
    if not a.grille_validee_mentor_le:
        attendus.append(gettext("la personne-ressource"))
    return gettext("Validation attendue de : %(qui)s") % {"qui": ", ".join(attendus)} if attendus else ""


register(
    QueueKind(
        key="objectifs_a_valider",
        label=_("Objectifs à valider"),
        queryset=lambda now: (
            Accompagnement.objects.filter(etat=EtatAccompagnement.OBJECTIFS)
            .select_related(*_ACCOMPAGNEMENT_RELATED)
            .order_by("created_at", "pk")
        ),
        since=lambda a: a.created_at,
        link=lambda a: reverse("accompagnements:detail", args=[a.pk]) + "#objectifs",
        title=_accompagnement_title,
        detail=_objectifs_detail,
        suivi_par=SUIVI_ACCOMPAGNEMENT,
    )
)


def _convention_detail(c: Convention) -> str:
    labels = dict(Signature._meta.get_field("partie").choices or [])
    manquantes = [str(labels.get(p, p)) for p in parties_manquantes(c)]
    return gettext("Signature attendue de : %(qui)s") % {"qui": ", ".join(manquantes)}


register(
    _kind_sous_accompagnement(
        key="convention_a_signer",
        label=_("Convention en attente de signature"),
        queryset=lambda now: (
            Convention.objects.filter(etat=EtatConvention.EN_SIGNATURE)
            .select_related("accompagnement__structure_beneficiaire", "accompagnement__candidature__diagnostic__conduit_par")
            .prefetch_related("signatures")
            .order_by("en_signature_le", "pk")
        ),
        since=lambda c: c.en_signature_le or c.created_at,
        link=lambda c: reverse("accompagnements:detail", args=[c.accompagnement_id]) + "#convention",
        title=lambda c: f"{c.reference} – {c.accompagnement.structure_beneficiaire.raison_sociale}",
        detail=_convention_detail,
    )
)

_SEANCE_RELATED = (
    "accompagnement__programme",
    "accompagnement__structure_beneficiaire",
    "accompagnement__candidature__diagnostic__conduit_par",
)


def _seance_title(s: Seance) -> str:
    return f"{s.accompagnement.reference} – {timezone.localtime(s.debut):%d/%m/%Y %H:%M}"


def _seances_a_confirmer(now: datetime.datetime) -> QuerySet:
    """Planned sessions whose end has passed: the pair has not said whether they took place."""
    finie = reduce(or_, (Q(demi_journees=n, debut__lt=now - duree) for n, duree in seance_dates.DUREES.items()))
    return Seance.objects.filter(finie, etat=EtatSeance.PLANIFIEE).select_related(*_SEANCE_RELATED).order_by("debut", "pk")


register(
    _kind_sous_accompagnement(
        key="seance_a_confirmer",
        label=_("Séance à confirmer (réalisée ou annulée)"),
        queryset=_seances_a_confirmer,
        since=seance_dates.fin,
        link=lambda s: reverse("accompagnements:seance_detail", args=[s.pk]),
        title=_seance_title,
    )
)


register(
    _kind_sous_accompagnement(
        key="service_fait_a_trancher",
        label=_("Service fait contesté ou non confirmé"),
        # Disputed at once; unconfirmed once the parties were reminded and the coordination alerted.
        queryset=lambda now: (
            service_fait_a_traiter(avant=now - SERVICE_FAIT_ALERTE).select_related(*_SEANCE_RELATED).order_by("realisee_le", "pk")
        ),
        since=lambda s: s.realisee_le,
        link=lambda s: reverse("accompagnements:seance_detail", args=[s.pk]) + "#service-fait",
        title=_seance_title,
        detail=lambda s: s.get_service_fait_display(),
    )
)


def _kind_facture(*, key: str, label: Any, etat: str, detail: Callable[[Facture], str]) -> QueueKind:
    """A kind of invoice waiting in `etat`, since its last change, opened on its page."""
    return QueueKind(
        key=key,
        label=label,
        queryset=lambda now: (
            Facture.objects.filter(etat=etat).select_related("structure", "programme").order_by("updated_at", "pk")
        ),
        since=lambda f: f.updated_at,
        link=lambda f: reverse("budget:facture_detail", args=[f.pk]),
        title=lambda f: f"{f.numero} – {f.structure}",
        detail=detail,
    )


register(
    _kind_facture(
        key="facture_a_verifier",
        label=_("Facture à vérifier"),
        etat=EtatFacture.DEPOSEE,
        detail=lambda f: gettext("%(montant)s € facturés") % {"montant": f.montant},
    )
)
register(
    _kind_facture(
        key="facture_a_payer",
        label=_("Facture approuvée à payer"),
        etat=EtatFacture.APPROUVEE,
        detail=lambda f: gettext("%(montant)s € à payer") % {"montant": f.montant},
    )
)


def _comptes_rendus_en_retard(now: datetime.datetime) -> QuerySet:
    """Held sessions whose report is missing after the programme's deadline (`delai_compte_rendu_jours`)."""
    today = timezone.localdate(now)
    par_programme = [
        Q(accompagnement__programme_id=pk, debut__date__lt=today - datetime.timedelta(days=delai))
        for pk, delai in Programme.objects.values_list("pk", "delai_compte_rendu_jours")
    ]
    if not par_programme:
        return Seance.objects.none()
    return (
        Seance.objects.filter(reduce(or_, par_programme), etat=EtatSeance.REALISEE)
        .filter(Q(compte_rendu__isnull=True) | Q(compte_rendu__soumis_le__isnull=True))
        .select_related(*_SEANCE_RELATED)
        .order_by("debut", "pk")
    )


register(
    _kind_sous_accompagnement(
        key="compte_rendu_en_retard",
        label=_("Compte-rendu en retard"),
        queryset=_comptes_rendus_en_retard,
        since=lambda s: s.debut,
        deadline=seance_dates.echeance_compte_rendu,
        link=lambda s: reverse("accompagnements:seance_detail", args=[s.pk]) + "#compte-rendu",
        title=_seance_title,
    )
)
register(
    _kind_sous_accompagnement(
        key="evaluation_sans_reponse",
        label=_("Évaluation sans réponse"),
        queryset=lambda now: (
            Evaluation.objects.filter(etat=EtatEvaluation.OUVERTE, echeance__lt=timezone.localdate(now))
            .select_related("personne", *(f"accompagnement__{r}" for r in _ACCOMPAGNEMENT_RELATED))
            .order_by("echeance", "pk")
        ),
        since=lambda e: e.ouverte_le,
        deadline=lambda e: e.echeance,
        link=lambda e: reverse("accompagnements:detail", args=[e.accompagnement_id]) + "#evaluation",
        title=lambda e: f"{e.accompagnement.reference} – {e.get_moment_display()}",
        detail=lambda e: f"{e.get_repondant_display()} : {e.personne.display_name if e.personne else ''}",
    )
)


def _paiements_a_enregistrer(now: datetime.datetime) -> QuerySet:
    """Accompagnements whose delivered half-days, at the programme's rate, exceed what was paid."""
    livrees = Seance.objects.filter(accompagnement=OuterRef("pk")).livrees()
    demi_journees = Subquery(livrees.order_by().values("accompagnement").annotate(n=Sum("demi_journees")).values("n")[:1])
    paye = Subquery(
        Paiement.objects.filter(accompagnement=OuterRef("pk"))
        .order_by()
        .values("accompagnement")
        .annotate(total=Sum("montant"))
        .values("total")[:1]
    )
    derniere_livraison = Subquery(
        livrees.order_by("-compte_rendu__soumis_le", "-annulee_le").values_list(
            Coalesce("compte_rendu__soumis_le", "annulee_le"), flat=True
        )[:1]
    )
    return (
        Accompagnement.objects.filter(Exists(livrees))
        .annotate(
            hj_livrees=Coalesce(demi_journees, Value(0)),
            montant_paye=Coalesce(paye, Value(0), output_field=Paiement._meta.get_field("montant")),
            livre_depuis=derniere_livraison,
        )
        .annotate(montant_livre=montant_expression(F("hj_livrees")))
        .filter(montant_paye__lt=F("montant_livre"))
        .select_related(*_ACCOMPAGNEMENT_RELATED)
        .order_by("livre_depuis", "pk")
    )


register(
    QueueKind(
        key="paiement_a_enregistrer",
        label=_("Paiement à enregistrer"),
        queryset=_paiements_a_enregistrer,
        since=lambda a: a.livre_depuis,
        link=lambda a: reverse("budget:accompagnement_ligne", args=[a.pk]),
        title=_accompagnement_title,
        detail=lambda a: (
            gettext("Livré : %(livre)s € – payé : %(paye)s €") % {"livre": euros(a.montant_livre), "paye": a.montant_paye}
        ),
        suivi_par=SUIVI_ACCOMPAGNEMENT,
    )
)
register(
    QueueKind(
        key="avis_comite_attendu",
        label=_("Avis du comité attendu"),
        queryset=lambda now: (
            Saisine.objects.filter(~Exists(Avis.objects.filter(saisine=OuterRef("pk"))))
            .select_related("candidature__structure", "candidature__candidat", "reunion", "saisi_par")
            .order_by("created_at", "pk")
        ),
        since=lambda s: s.created_at,
        deadline=lambda s: s.reunion.date if s.reunion else None,
        link=lambda s: reverse("comite:saisine_detail", args=[s.pk]),
        title=lambda s: _candidature_title(s.candidature),
        suivi_par="saisi_par",
        programme="candidature__programme",
    )
)
