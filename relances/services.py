"""Sending reminders exactly once.

The beat scan (`relances_envoyer_dues`) works in two short steps:

1. **claim**: in one transaction, lock the due rows with `SELECT … FOR UPDATE SKIP LOCKED`
   (another scan running at the same time skips them), set them `en_cours` with `reservee_le`
   = this claim's time, commit;
2. **send**, outside any transaction (so after the claim's commit): re-read the row, check it is
   still ours and still relevant, send the e-mail, and mark it `envoyee` at once, with a
   conditional UPDATE on (etat=en_cours, reservee_le=our claim).

A row left `en_cours` by a worker that died is claimable again after
`RELANCES_RECLAIM_AFTER_SECONDS`. Trade-off: if a worker dies in the few milliseconds between
the SMTP hand-off and the UPDATE, that one reminder can be sent a second time after the
timeout; everything else is sent once. To make that window as small as possible the e-mail is
fully rendered before the last ownership check, and it carries a stable Message-ID
(`<relance-ID@host>`) so that mail servers and clients can drop the duplicate.
"""

from __future__ import annotations

import datetime
import functools
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accompagnements import liens as service_fait_liens
from accompagnements.models import EtatAccompagnement, EtatSeance, Seance, ServiceFait
from accounts.models import User
from ateliers.models import Atelier, EtatAtelier, EtatInscription
from candidatures.models import Candidature, Etat
from conventions.models import Convention, EtatConvention
from core import notifications
from core.concurrency import lock_unchanged
from core.emails import deliver, deliveries_record, message_id_stable, message_rendu, render_email
from core.exceptions import RuleViolation
from core.jobs import enqueue
from core.models import MessageEnvoye
from core.permissions import require
from core.pilote import pilot_of
from evaluations import liens
from evaluations.models import EtatEvaluation, Evaluation, Moment
from programmes.models import Programme

from . import planning, selectors, workflow
from .models import (
    NOTIFICATION_DE_RELANCE,
    RANGS_DISTINCTS,
    DestinataireMessage,
    EtatDestinataire,
    EtatRelance,
    MessageGroupe,
    Relance,
    TypeRelance,
)

logger = logging.getLogger(__name__)
T = TypeRelance
MAX_TENTATIVES = 5
ENVOYEE, ANNULEE, DESACTIVEE, REPORTEE, DEJA_PRISE, ERREUR, SUSPENDUE, REFUSEE = (
    "envoyee",
    "annulee",
    "desactivee",
    "reportee",
    "deja_prise",
    "erreur",
    "suspendue",
    "refusee",
)
# What becomes of a reminder that is not sent.
ETAT_DE = {
    ANNULEE: EtatRelance.ANNULEE,
    DESACTIVEE: EtatRelance.DESACTIVEE,
    SUSPENDUE: EtatRelance.SUSPENDUE,
    REFUSEE: EtatRelance.REFUSEE,
}


def reclaim_after() -> datetime.timedelta:
    return datetime.timedelta(seconds=getattr(settings, "RELANCES_RECLAIM_AFTER_SECONDS", 600))


def relances_reserver(*, now: datetime.datetime | None = None, limit: int = 100) -> tuple[list[int], datetime.datetime]:
    """Claim the due rows (and rows stuck `en_cours` past the timeout) for this worker. Commits before returning."""
    now = now or timezone.now()
    claimable = Relance.objects.select_for_update(skip_locked=True).filter(
        Q(etat=EtatRelance.PREVUE, echeance__lte=now) | Q(etat=EtatRelance.EN_COURS, reservee_le__lt=now - reclaim_after())
    )
    with transaction.atomic():
        ids = list(claimable.order_by("echeance", "pk").values_list("pk", flat=True)[:limit])
        if ids:
            # The other ranks of the same reminders that are claimable too come with them, whatever the
            # limit: the batch sends them as one e-mail (_regroupees).
            meme_relance = Relance.objects.filter(
                pk__in=ids,
                type_relance=OuterRef("type_relance"),
                content_type_id=OuterRef("content_type_id"),
                object_id=OuterRef("object_id"),
                destinataire_id=OuterRef("destinataire_id"),
            )
            ids += list(
                claimable.exclude(pk__in=ids)
                .exclude(type_relance__in=RANGS_DISTINCTS)
                .filter(Exists(meme_relance))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            Relance.objects.filter(pk__in=ids).update(etat=EtatRelance.EN_COURS, reservee_le=now, tentatives=F("tentatives") + 1)
    return ids, now


@dataclass
class Decision:
    action: str  # ENVOYEE (send it), ANNULEE, DESACTIVEE, REPORTEE
    report: datetime.datetime | None = None
    context: dict[str, Any] | None = None


def _url(name: str, *args: Any) -> str:
    # Everything reverse() reads is in the key: the same link, without resolving it again for each
    # reminder of a batch (it was a twentieth of the scan's time).
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return settings.SITE_URL + _chemin(name, args, urlconf, get_script_prefix(), get_language())


@functools.lru_cache(maxsize=4096)
def _chemin(name: str, args: tuple[Any, ...], urlconf: str, _prefix: str, _language: str | None) -> str:
    return reverse(name, args=args, urlconf=urlconf)


def _decision_seance(relance: Relance, seance: Seance, now: datetime.datetime) -> Decision:
    acc = seance.accompagnement
    context = {"seance": seance, "accompagnement": acc, "lien": _url("accompagnements:detail", acc.pk)}
    if relance.type_relance == T.SEANCE_48H:
        if seance.etat != EtatSeance.PLANIFIEE or seance.debut <= now or acc.etat != EtatAccompagnement.EN_COURS:
            return Decision(ANNULEE)
        if now < seance.debut - acc.programme.delai_avant_seance:
            return Decision(REPORTEE, report=seance.debut - acc.programme.delai_avant_seance)
        return Decision(ENVOYEE, context=context)
    if relance.type_relance in (T.CR_DU, T.CR_RETARD, T.CR_RETARD_COORDINATION):
        compte_rendu = getattr(seance, "compte_rendu", None)
        if seance.etat == EtatSeance.ANNULEE or (compte_rendu is not None and compte_rendu.soumis_le is not None):
            return Decision(ANNULEE)
        delai = planning.COMPTE_RENDU_DU if relance.type_relance == T.CR_DU else planning.COMPTE_RENDU_RETARD
        if now < seance.debut + delai:
            return Decision(REPORTEE, report=seance.debut + delai)
        context["date_limite"] = seance.debut + datetime.timedelta(days=acc.programme.delai_compte_rendu_jours)
        return Decision(ENVOYEE, context=context)
    if relance.type_relance in (T.SERVICE_FAIT, T.SERVICE_FAIT_COORDINATION):
        if seance.etat != EtatSeance.REALISEE or seance.service_fait != ServiceFait.A_CONFIRMER:
            return Decision(ANNULEE)
        if relance.type_relance == T.SERVICE_FAIT:
            if relance.destinataire_id in {c.personne_id for c in seance.confirmations.all()}:
                return Decision(ANNULEE)
            context["lien"] = service_fait_liens.lien_absolu(seance, relance.destinataire)
            context["lien_duree"] = service_fait_liens.lien_duree()
        else:
            context["lien"] = _url("accompagnements:service_fait_a_traiter")
        return Decision(ENVOYEE, context=context)
    if relance.type_relance == T.ECART_SEANCES:
        if acc.etat != EtatAccompagnement.EN_COURS:
            return Decision(ANNULEE)
        context["ecart_jours"] = acc.format.ecart_max_jours
        context["sans_suite"] = relance.rang == 2
        return Decision(ENVOYEE, context=context)
    return Decision(ANNULEE)


def _decision_atelier(relance: Relance, atelier: Atelier, now: datetime.datetime) -> Decision:
    """A workshop's reminder to a participant still registered before it starts, or the coordination's alert
    about its attendance list still open after it."""
    context: dict[str, Any] = {"atelier": atelier, "lien": _url("ateliers:detail", atelier.pk)}
    if atelier.etat != EtatAtelier.PROGRAMME:
        return Decision(ANNULEE)
    if relance.type_relance == T.ATELIER_RAPPEL:
        inscription = next(
            (
                i
                for i in atelier.inscriptions.all()
                if i.participant_id == relance.destinataire_id and i.etat == EtatInscription.INSCRITE
            ),
            None,
        )
        if inscription is None or atelier.debut <= now:
            return Decision(ANNULEE)
        if now < planning.rappel_atelier(atelier):
            return Decision(REPORTEE, report=planning.rappel_atelier(atelier))
        return Decision(ENVOYEE, context={**context, "inscription": inscription})
    if relance.type_relance == T.ATELIER_PRESENCE:
        if now < planning.presence_atelier(atelier):
            return Decision(REPORTEE, report=planning.presence_atelier(atelier))
        return Decision(ENVOYEE, context=context)
    return Decision(ANNULEE)


def _decision(
    relance: Relance, now: datetime.datetime, *, coordination: Any = None, refusees: set[tuple[int, str]] | None = None
) -> Decision:
    """What to do with one claimed reminder. `coordination` gives the coordinators' ids (read once per batch);
    `refusees`: (person, kind) pairs switched off, read once per batch (else asked here)."""
    if relance.type_relance in (relance.programme.relances_desactivees or []):
        return Decision(DESACTIVEE)
    objet = relance.objet
    if objet is None or not relance.destinataire.is_active or not relance.destinataire.email:
        return Decision(ANNULEE)
    if relance.destinataire.email_en_echec:
        # The provider reported this address as bouncing: held until the coordination corrects it.
        return Decision(SUSPENDUE)
    kind = NOTIFICATION_DE_RELANCE.get(relance.type_relance)
    if kind is not None and (
        (relance.destinataire_id, kind) in refusees
        if refusees is not None
        else not notifications.accepte(relance.destinataire, kind)
    ):
        # The person switched this kind of notification off in their space (deliver would drop it too).
        return Decision(REFUSEE)
    if isinstance(objet, Seance):
        return _decision_seance(relance, objet, now)
    if isinstance(objet, Convention):
        acc = objet.accompagnement
        if objet.etat != EtatConvention.EN_SIGNATURE or relance.destinataire_id not in planning.signataires_manquants(
            objet, coordination() if coordination else planning.coordination_ids()
        ):
            return Decision(ANNULEE)
        return Decision(
            ENVOYEE, context={"convention": objet, "accompagnement": acc, "lien": _url("accompagnements:detail", acc.pk)}
        )
    if isinstance(objet, Evaluation):
        if objet.etat != EtatEvaluation.OUVERTE or objet.personne_id != relance.destinataire_id:
            return Decision(ANNULEE)
        lien = liens.lien_absolu(objet) if objet.moment == Moment.SIX_MOIS else _url("evaluations:remplir", objet.pk)
        return Decision(
            ENVOYEE,
            context={"evaluation": objet, "accompagnement": objet.accompagnement, "lien": lien, "lien_duree": liens.lien_duree()},
        )
    if isinstance(objet, Atelier):
        return _decision_atelier(relance, objet, now)
    if isinstance(objet, Candidature):
        if objet.etat != Etat.BROUILLON:
            return Decision(ANNULEE)
        if now < objet.updated_at + objet.programme.delai_brouillon:
            return Decision(REPORTEE, report=objet.updated_at + objet.programme.delai_brouillon)
        return Decision(ENVOYEE, context={"candidature": objet, "lien": _url("accounts:home")})
    return Decision(ANNULEE)


def _message(
    relance: Relance, context: dict[str, Any], pilots: dict[int, dict[str, Any]] | None = None
) -> EmailMultiAlternatives:
    """`pilots`: the pilot identity of each programme, filled as a batch goes (core.pilote.pilot_of would
    find the same one through `relance.programme`, the first object of the context, for each reminder;
    a programme without its own pilot is left to pilot_of, which then looks further)."""
    context = {"relance": relance, "destinataire": relance.destinataire, **context}
    if pilots is not None and relance.programme.pilote_id is not None:
        if relance.programme_id not in pilots:
            pilots[relance.programme_id] = pilot_of(context)
        context["pilot"] = pilots[relance.programme_id]
    rendered = render_email(f"relance_{relance.type_relance}", context)
    return message_rendu(
        rendered,
        to=[relance.destinataire.email],
        headers={"Message-ID": message_id_stable("relance", relance.pk), "X-TSF-Relance": str(relance.pk)},
    )


def _still_mine(pk: int, reservee_le: datetime.datetime):
    return Relance.objects.filter(pk=pk, etat=EtatRelance.EN_COURS, reservee_le=reservee_le)


def relance_envoyer(*, relance_id: int, reservee_le: datetime.datetime) -> str:
    """Send one claimed reminder (outside any transaction), then mark it sent. Returns what happened."""
    now = timezone.now()
    relance = Relance.objects.select_related("destinataire", "programme__pilote", "content_type").filter(pk=relance_id).first()
    if relance is None or relance.etat != EtatRelance.EN_COURS or relance.reservee_le != reservee_le:
        return DEJA_PRISE
    try:
        decision = _decision(relance, now)
        if decision.action == REPORTEE:
            _still_mine(relance.pk, reservee_le).update(etat=EtatRelance.PREVUE, echeance=decision.report, reservee_le=None)
            return REPORTEE
        if decision.action in ETAT_DE:
            _still_mine(relance.pk, reservee_le).update(etat=ETAT_DE[decision.action], reservee_le=None)
            return decision.action
        message = _message(relance, decision.context or {})
        # Last ownership check just before the SMTP hand-off (a slow worker may have lost the row
        # to a re-claim after the timeout).
        if not _still_mine(relance.pk, reservee_le).exists():
            return DEJA_PRISE
        deliver(message, reference=f"relance:{relance.pk}", notification=NOTIFICATION_DE_RELANCE.get(relance.type_relance))
    except Exception as exc:  # noqa: BLE001 – any failure: retry later, keep the reason for the coordinator
        _echec(relance, reservee_le, now, exc)
        return ERREUR
    _still_mine(relance.pk, reservee_le).update(etat=EtatRelance.ENVOYEE, envoyee_le=timezone.now(), derniere_erreur="")
    return ENVOYEE


# What each kind of object needs to decide and to render its e-mail, read once per batch.
OBJETS_LIES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {
    Seance: (("accompagnement__programme", "accompagnement__format", "compte_rendu"), ("confirmations",)),
    Convention: (("accompagnement",), ("signatures", "accompagnement__mentors")),
    Evaluation: (("accompagnement__programme",), ()),
    Candidature: ((), ()),
    Atelier: (("programme",), ("inscriptions",)),
}


def _lies_du_lot(relances: list[Relance]) -> list[Relance]:
    """Attach each reminder's person, programme (with its pilot) and content type, each read once per
    batch and shared by the reminders that name it: the ranks of one reminder (and a person's several
    reminders) are one person, not one copy per row as select_related would build (model instances
    were a tenth of the scan's CPU)."""
    personnes = User.objects.in_bulk({relance.destinataire_id for relance in relances})
    programmes = Programme.objects.select_related("pilote").in_bulk({relance.programme_id for relance in relances})
    lues = []
    for relance in relances:
        if relance.destinataire_id not in personnes or relance.programme_id not in programmes:
            # Deleted between the two reads (its reminders go with it, CASCADE): left out, as the
            # join of select_related would have left it.
            continue
        # Plain assignment sets the relation's cache; the ids are the same.
        relance.destinataire = personnes[relance.destinataire_id]
        relance.programme = programmes[relance.programme_id]
        relance.content_type = ContentType.objects.get_for_id(relance.content_type_id)  # cached per process
        lues.append(relance)
    return lues


def _objets_du_lot(relances: list[Relance]) -> None:
    """Attach each reminder's object, fetched with what it needs: one query (plus its prefetches) per
    kind of object in the batch, instead of the generic relation's query per reminder."""
    par_modele: dict[type, set[int]] = {}
    programmes = {relance.programme_id: relance.programme for relance in relances}
    for relance in relances:
        modele = relance.content_type.model_class()
        if modele is not None:
            par_modele.setdefault(modele, set()).add(relance.object_id)
    objets: dict[tuple[type | None, int], Any] = {}
    for modele, ids in par_modele.items():
        lies, prefetch = OBJETS_LIES.get(modele, ((), ()))
        objets_du_modele = modele._default_manager.prefetch_related(*prefetch).filter(pk__in=ids)
        if lies:
            # Never select_related() without names: it would follow every foreign key (a copy of the
            # candidate, of the programme and of its pilot for each draft).
            objets_du_modele = objets_du_modele.select_related(*lies)
        for objet in objets_du_modele:
            if "programme" not in lies and getattr(objet, "programme_id", None) in programmes:
                # The batch's own copy of the programme (_lies_du_lot), not a query per object.
                objet.programme = programmes[objet.programme_id]  # type: ignore[attr-defined]  # checked above
            objets[(modele, objet.pk)] = objet
    for relance in relances:
        # Set the generic relation's cache: `relance.objet` then reads no row (None: the object is gone).
        trouve = objets.get((relance.content_type.model_class(), relance.object_id))
        Relance.objet.set_cached_value(relance, trouve)  # type: ignore[union-attr]  # the descriptor on the class


# The mark of one e-mail handed over: its reminder sent, the lower ranks it stands for sent with it
# (relances/workflow.py: envoyer, regrouper), on the same conditions as _still_mine (still claimed by
# this scan). Plain SQL: building the ORM's query for each e-mail was ~5 % of the scan.
_MARQUE_ENVOYEE = (
    "UPDATE {table} SET etat = CASE WHEN id = %s THEN %s ELSE %s END, envoyee_le = %s, derniere_erreur = '' "
    "WHERE id IN ({ids}) AND etat = %s AND reservee_le = %s"
)


def _regroupees(a_rendre: list[tuple[Relance, Decision]]) -> list[tuple[Relance, Decision, list[Relance]]]:
    """The reminders to e-mail, each with the lower ranks of the same reminder (same kind, object and
    person) due in the same batch: one e-mail, the highest rank's, instead of several the same minute
    (after an outage, or ranks planned close together). Kinds whose ranks mean different things are
    never grouped (models.RANGS_DISTINCTS)."""
    groupes: dict[tuple[Any, ...], list[tuple[Relance, Decision]]] = {}
    for relance, decision in a_rendre:
        if relance.type_relance in RANGS_DISTINCTS:
            cle: tuple[Any, ...] = ("seule", relance.pk)
        else:
            cle = (relance.type_relance, relance.content_type_id, relance.object_id, relance.destinataire_id)
        groupes.setdefault(cle, []).append((relance, decision))
    regroupees = []
    for groupe in groupes.values():
        groupe.sort(key=lambda item: item[0].rang)
        relance, decision = groupe[-1]
        regroupees.append((relance, decision, [inferieure for inferieure, _d in groupe[:-1]]))
    return regroupees


def _lot_envoyer(ids: list[int], reservee_le: datetime.datetime) -> int:
    """Process one claimed batch: the rows and their objects read once, decisions taken, unsent rows
    closed in a few grouped updates, the e-mails handed over on one connection, each marked sent at
    once (so a crash resends at most the one e-mail being handed over). Returns how many were sent."""
    now = timezone.now()
    relances = list(
        Relance.objects.filter(pk__in=ids, etat=EtatRelance.EN_COURS, reservee_le=reservee_le).order_by("echeance", "pk")
    )
    relances = _lies_du_lot(relances)
    _objets_du_lot(relances)
    coordination: list[list[int]] = []

    def coordination_ids() -> list[int]:
        if not coordination:
            coordination.append(planning.coordination_ids())
        return coordination[0]

    closed: dict[str, list[int]] = {etat: [] for etat in ETAT_DE.values()}
    etat_de = ETAT_DE
    refusees: set[tuple[int, str]] = set()
    refusants_de: dict[str | None, set[int]] = {None: set()}  # who switched each kind off (None: essential)
    for kind in set(NOTIFICATION_DE_RELANCE.values()):
        concernes = {r.destinataire_id for r in relances if NOTIFICATION_DE_RELANCE.get(r.type_relance) == kind}
        refusants_de[kind] = notifications.refusants(concernes, kind)
        refusees |= {(pk, kind) for pk in refusants_de[kind]}
    a_rendre: list[tuple[Relance, Decision]] = []
    # The ranks of one reminder (same kind, object, person and programme) get the same decision: nothing
    # in _decision reads the rank but for the kinds whose ranks mean different things (RANGS_DISTINCTS).
    decisions: dict[tuple[Any, ...], Decision] = {}
    for relance in relances:
        try:
            cle = (
                relance.type_relance,
                relance.content_type_id,
                relance.object_id,
                relance.destinataire_id,
                relance.programme_id,
            )
            decision = decisions.get(cle) if relance.type_relance not in RANGS_DISTINCTS else None
            if decision is None:
                decision = decisions[cle] = _decision(relance, now, coordination=coordination_ids, refusees=refusees)
            if decision.action == REPORTEE:
                _still_mine(relance.pk, reservee_le).update(etat=EtatRelance.PREVUE, echeance=decision.report, reservee_le=None)
            elif decision.action in etat_de:
                closed[etat_de[decision.action]].append(relance.pk)
            else:
                a_rendre.append((relance, decision))
        except Exception as exc:  # noqa: BLE001 – one bad row must not stop the batch: retried later
            _echec(relance, reservee_le, now, exc)
    # (reminder, its e-mail, the lower ranks sent with it)
    a_envoyer: list[tuple[Relance, EmailMultiAlternatives, list[Relance]]] = []
    pilots: dict[int, dict[str, Any]] = {}
    for relance, decision, inferieures in _regroupees(a_rendre):
        try:
            a_envoyer.append((relance, _message(relance, decision.context or {}, pilots), inferieures))
        except Exception as exc:  # noqa: BLE001 – one bad row must not stop the batch: retried later
            for echouee in (relance, *inferieures):
                _echec(echouee, reservee_le, now, exc)
    for etat, pks in closed.items():
        if pks:
            Relance.objects.filter(pk__in=pks, etat=EtatRelance.EN_COURS, reservee_le=reservee_le).update(etat=etat)
    if not a_envoyer:
        return 0
    # Last ownership check of the batch just before the hand-off (a slow worker may have lost rows
    # to a re-claim after the timeout).
    encore_miennes = set(
        Relance.objects.filter(
            pk__in=[relance.pk for relance, _m, _i in a_envoyer], etat=EtatRelance.EN_COURS, reservee_le=reservee_le
        ).values_list("pk", flat=True)
    )
    sent = 0
    envois: list[MessageEnvoye] = []  # delivery records, saved together after the batch
    table = connection.ops.quote_name(Relance._meta.db_table)
    adapt = connection.ops.adapt_datetimefield_value  # a date as the ORM sends it (SQLite: text)
    envoyee, regroupee = workflow.WORKFLOW.by_name["envoyer"].target, workflow.WORKFLOW.by_name["regrouper"].target
    source = workflow.source("envoyer")
    mail_connection = get_connection()
    try:
        mail_connection.open()
        for relance, message, inferieures in a_envoyer:
            if relance.pk not in encore_miennes:
                continue
            try:
                envois.extend(
                    deliver(
                        message,
                        reference=f"relance:{relance.pk}",
                        connection=mail_connection,
                        personne=relance.destinataire,
                        record=False,
                        notification=NOTIFICATION_DE_RELANCE.get(relance.type_relance),
                        refusants=refusants_de[NOTIFICATION_DE_RELANCE.get(relance.type_relance)],
                    )
                )
            except Exception as exc:  # noqa: BLE001 – any failure: retry later, keep the reason for the coordinator
                for echouee in (relance, *inferieures):
                    _echec(echouee, reservee_le, now, exc)
                continue
            pks = [relance.pk, *(inferieure.pk for inferieure in inferieures)]
            with connection.cursor() as cursor:
                cursor.execute(
                    _MARQUE_ENVOYEE.format(table=table, ids=", ".join(["%s"] * len(pks))),
                    [relance.pk, envoyee, regroupee, adapt(timezone.now()), *pks, source, adapt(reservee_le)],
                )
            sent += 1
    finally:
        mail_connection.close()
        deliveries_record(envois)
    return sent


def _echec(relance: Relance, reservee_le: datetime.datetime, now: datetime.datetime, exc: Exception) -> None:
    """A failed sending: retried later (longer each time), cancelled after MAX_TENTATIVES, the reason kept."""
    logger.error("Relance %s non envoyée", relance.pk, exc_info=exc)
    final = relance.tentatives >= MAX_TENTATIVES
    _still_mine(relance.pk, reservee_le).update(
        etat=EtatRelance.ANNULEE if final else EtatRelance.PREVUE,
        echeance=now + datetime.timedelta(minutes=5 * 2**relance.tentatives),
        reservee_le=None,
        derniere_erreur=f"{type(exc).__name__}: {exc}"[:2000],
    )


def relances_envoyer_dues(*, now: datetime.datetime | None = None, batch: int = 100) -> int:
    """The beat scan: claim due reminders batch by batch and send each batch. Returns how many were sent."""
    sent = 0
    while True:
        ids, reservee_le = relances_reserver(now=now, limit=batch)
        if ids:
            sent += _lot_envoyer(ids, reservee_le)
        if len(ids) < batch:
            return sent


def relances_suspendre(*, personne: User) -> int:
    """Hold the planned reminders to a person whose address bounces (called by the webhook's service)."""
    return Relance.objects.filter(destinataire=personne, etat=EtatRelance.PREVUE).update(etat=EtatRelance.SUSPENDUE)


def relances_reprendre(*, personne: User, now: datetime.datetime | None = None) -> int:
    """The address works again: the held reminders are due now (each one re-checks that it still applies)."""
    return Relance.objects.filter(destinataire=personne, etat=EtatRelance.SUSPENDUE).update(
        etat=EtatRelance.PREVUE, echeance=now or timezone.now(), reservee_le=None
    )


@transaction.atomic
def programme_relances_configurer(
    *, programme: Programme, desactivees: list[str], by: User, version: str | None = None
) -> Programme:
    """Switch kinds of reminders off (or back on) for one programme.
    `version`: that of the programme the form was filled from; one saved since raises EditConflict."""
    require(by, "relances.configurer", programme)
    inconnues = set(desactivees) - set(TypeRelance.values)
    if inconnues:
        raise RuleViolation(_("Type de relance inconnu : %(types)s.") % {"types": ", ".join(sorted(inconnues))}, field="actives")
    programme = lock_unchanged(Programme.objects, pk=programme.pk, version=version)
    programme.relances_desactivees = [value for value in TypeRelance.values if value in set(desactivees)]
    programme.save(update_fields=["relances_desactivees", "updated_at"])
    return programme


# --- Messages to a chosen group (issue 15) ---------------------------------------------------------


@transaction.atomic
def message_groupe_envoyer(
    *,
    filtres: dict[str, Any],
    sujet: str,
    corps: str,
    nombre_annonce: int | None,
    empreinte_annoncee: str | None = None,
    by: User,
) -> MessageGroupe:
    """Record a group message and each recipient's own copy (their space shows it at once), and queue one
    job that e-mails them (core/jobs.py). `nombre_annonce`: the count the coordination saw in the preview;
    a group that changed since is refused, so that the message reaches the set that was announced;
    `empreinte_annoncee` (the preview's fingerprint of who is in it) catches a same-size group of other people."""
    require(by, "message_groupe.ecrire")
    for champ, texte in (("sujet", sujet), ("corps", corps)):
        inconnus = selectors.champs_inconnus(texte)
        if inconnus:
            raise RuleViolation(
                _("Champ inconnu : %(champs)s. Champs possibles : %(possibles)s.")
                % {
                    "champs": ", ".join(f"{{{nom}}}" for nom in inconnus),
                    "possibles": ", ".join(f"{{{nom}}}" for nom in selectors.CHAMPS),
                },
                field=champ,
            )
    filtres = selectors.filtres_du_perimetre(filtres, by)
    personnes = list(selectors.destinataires_groupe(filtres))
    if not personnes:
        raise RuleViolation(_("Aucune personne ne correspond à ces filtres : le message n’a pas été envoyé."))
    if nombre_annonce is None:
        raise RuleViolation(_("Affichez l’aperçu avant d’envoyer : il donne le nombre de destinataires."))
    if len(personnes) != nombre_annonce:
        raise RuleViolation(
            _(
                "Le groupe compte maintenant %(n)s destinataire(s) au lieu des %(annonce)s annoncés : "
                "vérifiez le nouvel aperçu avant d’envoyer."
            )
            % {"n": len(personnes), "annonce": nombre_annonce}
        )
    if empreinte_annoncee is not None and empreinte_annoncee != selectors.empreinte_groupe(p.pk for p in personnes):
        raise RuleViolation(
            _("Le groupe n’est plus celui de l’aperçu (filtres modifiés depuis) : vérifiez le nouvel aperçu avant d’envoyer.")
        )
    valeurs = selectors.valeurs_destinataires(personnes, filtres)
    message = MessageGroupe.objects.create(
        auteur=by,
        sujet=sujet,
        corps=corps,
        filtres=filtres,
        filtres_libelle=selectors.filtres_libelle(filtres),
        nombre_destinataires=len(personnes),
    )
    DestinataireMessage.objects.bulk_create(
        [
            DestinataireMessage(
                message=message,
                personne=personne,
                sujet=selectors.rendre(sujet, valeurs[personne.pk])[:255],
                texte=selectors.rendre(corps, valeurs[personne.pk]),
            )
            for personne in personnes
        ]
    )
    enqueue("message_groupe", message_id=message.pk)
    return message


def _message_groupe_email(destinataire: DestinataireMessage) -> EmailMultiAlternatives:
    lien = _url("relances:mon_message", destinataire.pk)
    rendered = render_email("message_groupe", {"destinataire": destinataire.personne, "copie": destinataire, "lien": lien})
    return message_rendu(
        rendered,
        to=[destinataire.personne.email],
        headers={"Message-ID": message_id_stable("groupe", destinataire.pk), "X-TSF-Groupe": str(destinataire.pk)},
    )


def message_groupe_distribuer(*, message_id: int) -> int:
    """The outbox job: e-mail each recipient still waiting, once. Safe to run again: a copy is marked
    sent right after its hand-over and only waiting copies are read, so a retried job sends the others
    only. People who switched these messages off, or without a working address, get no e-mail (their
    copy stays in their space). Raises when some hand-over failed, for the outbox to retry later."""
    E = EtatDestinataire
    kind = notifications.Notification.INFORMATION
    waiting = list(
        DestinataireMessage.objects.filter(message_id=message_id, etat=E.A_ENVOYER).select_related("personne").order_by("pk")
    )
    refus = notifications.refusants([d.personne_id for d in waiting], kind)
    closed: dict[str, list[int]] = {E.NON_SOUHAITE: [], E.SANS_ADRESSE: [], E.ADRESSE_EN_ECHEC: []}
    a_envoyer: list[DestinataireMessage] = []
    for destinataire in waiting:
        personne = destinataire.personne
        if destinataire.personne_id in refus:
            closed[E.NON_SOUHAITE].append(destinataire.pk)
        elif not personne.is_active or not personne.email:
            closed[E.SANS_ADRESSE].append(destinataire.pk)
        elif personne.email_en_echec:
            closed[E.ADRESSE_EN_ECHEC].append(destinataire.pk)
        else:
            a_envoyer.append(destinataire)
    for etat, pks in closed.items():
        if pks:
            DestinataireMessage.objects.filter(pk__in=pks, etat=E.A_ENVOYER).update(etat=etat)
    sent, failures = 0, 0
    envois: list[MessageEnvoye] = []
    connection = get_connection()
    try:
        connection.open()
        for destinataire in a_envoyer:
            try:
                envois.extend(
                    deliver(
                        _message_groupe_email(destinataire),
                        reference=f"groupe:{destinataire.pk}",
                        connection=connection,
                        personne=destinataire.personne,
                        record=False,
                        notification=kind,
                        refusants=refus,
                    )
                )
            except Exception as exc:  # noqa: BLE001 – this copy is retried with the job; the others go on
                logger.error("Message de groupe %s non envoyé", destinataire.pk, exc_info=exc)
                failures += 1
                final = destinataire.tentatives + 1 >= MAX_TENTATIVES
                DestinataireMessage.objects.filter(pk=destinataire.pk, etat=E.A_ENVOYER).update(
                    etat=E.ECHEC if final else E.A_ENVOYER,
                    tentatives=F("tentatives") + 1,
                    derniere_erreur=f"{type(exc).__name__}: {exc}"[:2000],
                )
                continue
            DestinataireMessage.objects.filter(pk=destinataire.pk, etat=E.A_ENVOYER).update(
                etat=E.ENVOYE, envoye_le=timezone.now(), derniere_erreur=""
            )
            sent += 1
    finally:
        connection.close()
        deliveries_record(envois)
    if failures:
        raise RuntimeError(f"{failures} e-mail(s) of group message {message_id} not handed over; retried later")
    return sent


def message_groupe_lire(*, destinataire: DestinataireMessage, by: User) -> DestinataireMessage:
    """The recipient opened their copy: it is no longer unread."""
    require(by, "message_groupe.lire", destinataire)
    if destinataire.lu_le is None:
        destinataire.lu_le = timezone.now()
        DestinataireMessage.objects.filter(pk=destinataire.pk, lu_le__isnull=True).update(lu_le=destinataire.lu_le)
    return destinataire
