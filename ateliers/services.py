"""Business operations on the ateliers: schedule one, register (confirmed or waiting), withdraw (the first
waiting moves up and is told by e-mail), record attendance and payments, record a programme's members.

Capacity is checked under a lock on the atelier's row: two registrations at the same second are
counted in turn, so confirmed registrations never outnumber the places (tests/ateliers, on PostgreSQL).
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annuaire.models import PersonneRessource
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation
from core.models import recorded_actor
from core.money import euros
from core.permissions import require
from core.workflow import Workflow, apply_transition
from programmes.models import Format, NatureFormat, Programme
from questionnaires.defaults import CODE_SATISFACTION
from questionnaires.models import Nature, QuestionnaireVersion
from questionnaires.selectors import questions_evaluation
from questionnaires.services import questionnaire_version_courante, version_geler

from .models import (
    ETATS_ACTIFS,
    ETATS_CONFIRMES,
    Adhesion,
    Atelier,
    AtelierEvenement,
    EtatInscription,
    EvaluationAtelier,
    GroupeCodev,
    Immersion,
    ImmersionEvenement,
    Inscription,
    InscriptionEvenement,
    MembreGroupe,
    PresenceGroupe,
    SeanceGroupe,
    SeanceGroupeEvenement,
)
from .signals import atelier_tenu
from .workflow import (
    WORKFLOW,
    WORKFLOW_ATELIER,
    WORKFLOW_EVALUATION_ATELIER,
    WORKFLOW_IMMERSION,
    WORKFLOW_SEANCE_GROUPE,
)


def _check_format(*, programme: Programme, format: Format, nature: str, refus: str) -> None:
    """A workshop, an immersion or a group takes place in one of the programme's formats, of the nature
    this kind of activity has (`refus` says which when it has another)."""
    if format.programme_id != programme.pk:
        raise RuleViolation(_("Ce format n’est pas un format de ce programme."), field="format")
    if format.nature != nature:
        raise RuleViolation(refus, field="format")


def _check_rendez_vous(*, debut: datetime.datetime, lieu: str, lien_visio: str) -> None:
    """A workshop or a group's meeting starts at an aware time, somewhere or by video."""
    if timezone.is_naive(debut):
        raise RuleViolation(_("L’heure de début doit être précisée avec son fuseau horaire."), field="debut")
    if not lieu.strip() and not lien_visio.strip():
        raise RuleViolation(_("Indiquez un lieu ou un lien de visioconférence."), field="lieu")


def _check_atelier(*, programme: Programme, format: Format, debut: datetime.datetime, lieu: str, lien_visio: str) -> None:
    _check_format(
        programme=programme,
        format=format,
        nature=NatureFormat.COLLECTIF,
        refus=_("Un atelier se programme dans un format collectif."),
    )
    _check_rendez_vous(debut=debut, lieu=lieu, lien_visio=lien_visio)


M = TypeVar("M", bound=models.Model)

# The workflow and the history of each kind of row this app moves (the evaluation keeps no history of its own:
# the registration's records it).
_WORKFLOWS: dict[type[models.Model], tuple[Workflow, type[models.Model] | None, str]] = {
    Inscription: (WORKFLOW, InscriptionEvenement, "inscription"),
    Atelier: (WORKFLOW_ATELIER, AtelierEvenement, "atelier"),
    EvaluationAtelier: (WORKFLOW_EVALUATION_ATELIER, None, ""),
    Immersion: (WORKFLOW_IMMERSION, ImmersionEvenement, "immersion"),
    SeanceGroupe: (WORKFLOW_SEANCE_GROUPE, SeanceGroupeEvenement, "seance"),
}


def _transition(obj: M, *, name: str, by: User | None, reason: str = "", changes: dict[str, Any] | None = None) -> M:
    """Apply `name` of `obj`'s workflow, writing its history (see `_WORKFLOWS`). Call inside a transaction."""
    workflow, history_model, history_fk = _WORKFLOWS[type(obj)]
    return apply_transition(
        obj,
        workflow=workflow,
        name=name,
        actor=by,
        reason=reason,
        history_model=history_model,
        history_fk=history_fk,
        changes=changes,
    )


@transaction.atomic
def atelier_create(
    *,
    programme: Programme,
    format: Format,
    titre: str,
    debut: datetime.datetime,
    duree: int,
    by: User | None,
    theme: str = "",
    lieu: str = "",
    lien_visio: str = "",
    personne_ressource: PersonneRessource | None = None,
    capacite: int | None = None,
    participation_non_membre: Decimal | None = None,
) -> Atelier:
    """Schedule an atelier. Capacity defaults to the format's participants at most, the non-members'
    fee to the format's fee per unit times the duration."""
    if by is not None:
        require(by, "atelier.gerer")
    _check_atelier(programme=programme, format=format, debut=debut, lieu=lieu, lien_visio=lien_visio)
    if duree < 1:
        raise RuleViolation(_("La durée est d’au moins une unité."), field="duree")
    capacite = format.participants_max if capacite is None else capacite
    if capacite < 1:
        raise RuleViolation(_("Un atelier a au moins une place."), field="capacite")
    if participation_non_membre is None:
        participation_non_membre = euros(format.participation_non_membre * duree)
    if participation_non_membre < 0:
        raise RuleViolation(_("La participation ne peut pas être négative."), field="participation_non_membre")
    return Atelier.objects.create(
        programme=programme,
        format=format,
        titre=titre,
        theme=theme,
        debut=debut,
        duree=duree,
        lieu=lieu,
        lien_visio=lien_visio,
        personne_ressource=personne_ressource,
        capacite=capacite,
        participation_non_membre=participation_non_membre,
    )


ATELIER_CHAMPS = (
    "titre",
    "theme",
    "debut",
    "duree",
    "lieu",
    "lien_visio",
    "personne_ressource",
    "capacite",
    "participation_non_membre",
)


@transaction.atomic
def atelier_update(*, atelier: Atelier, by: User | None, **changes: Any) -> Atelier:
    """Change an atelier. Fewer places than confirmed registrations are refused; more places move the
    waiting list up. A changed fee applies to the next registrations, not to those already made."""
    if by is not None:
        require(by, "atelier.gerer")
    unknown = set(changes) - set(ATELIER_CHAMPS)
    if unknown:
        raise ValueError(f"unknown atelier fields: {sorted(unknown)}")
    locked = Atelier.objects.select_for_update().get(pk=atelier.pk)
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_atelier(
        programme=locked.programme, format=locked.format, debut=locked.debut, lieu=locked.lieu, lien_visio=locked.lien_visio
    )
    confirmees = locked.inscriptions.filter(etat__in=ETATS_CONFIRMES).count()
    if locked.capacite < max(confirmees, 1):
        raise RuleViolation(
            _("%(n)s personne(s) sont déjà inscrites : l’atelier ne peut pas avoir moins de places.") % {"n": confirmees},
            field="capacite",
        )
    locked.save()
    _faire_monter(locked)
    return locked


def _event(
    inscription: Inscription, *, kind: str = "transition", transition: str = "", to_state: str = "", by: Any = None
) -> None:
    InscriptionEvenement.objects.create(
        inscription=inscription,
        kind=kind,
        transition=transition,
        to_state=to_state,
        actor=recorded_actor(by),
    )


@transaction.atomic
def inscription_create(*, atelier: Atelier, participant: User, by: User) -> Inscription:
    """Register `participant` (themself, or by the coordination): confirmed while places are left, on the
    waiting list otherwise. A member of the programme owes nothing; a non-member the atelier's fee."""
    require(by, "atelier.s_inscrire" if by.pk == participant.pk else "atelier.inscrire", atelier)
    # The lock makes registrations to one atelier count the places in turn.
    locked = Atelier.objects.select_for_update().get(pk=atelier.pk)
    if locked.inscriptions.filter(participant=participant, etat__in=ETATS_ACTIFS).exists():
        raise RuleViolation(_("Cette personne est déjà inscrite à cet atelier (ou sur sa liste d’attente)."))
    confirmees = locked.inscriptions.filter(etat__in=ETATS_CONFIRMES).count()
    etat = EtatInscription.INSCRITE if confirmees < locked.capacite else EtatInscription.EN_ATTENTE
    membre = Adhesion.objects.filter(programme_id=locked.programme_id, personne=participant).exists()
    inscription = Inscription.objects.create(
        atelier=locked,
        participant=participant,
        etat=etat,
        demandee_le=timezone.now(),
        membre=membre,
        participation_due=Decimal("0.00") if membre else locked.participation_non_membre,
        inscrite_par=by,
    )
    _event(inscription, kind="note", transition="inscrire", to_state=etat, by=by)
    return inscription


def _faire_monter(atelier: Atelier) -> list[Inscription]:
    """Give each free place to the first on the waiting list (call with the atelier locked)."""
    confirmees = atelier.inscriptions.filter(etat__in=ETATS_CONFIRMES).count()
    libres = atelier.capacite - confirmees
    if libres <= 0:
        return []
    montees = []
    attente = (
        atelier.inscriptions.filter(etat=EtatInscription.EN_ATTENTE).select_related("participant").order_by("demandee_le", "pk")
    )
    for suivante in attente[:libres]:
        _transition(suivante, name="promouvoir", by=None)
        send_templated_after_commit(
            to=[suivante.participant.email],
            name="atelier_place_liberee",
            context={"atelier": atelier, "inscription": suivante, "participant": suivante.participant},
        )
        montees.append(suivante)
    return montees


@transaction.atomic
def inscription_withdraw(*, inscription: Inscription, by: User, reason: str = "") -> Inscription:
    """Withdraw a registration (confirmed or waiting), until the atelier starts; a freed place goes to
    the first on the waiting list, who is told by e-mail."""
    require(by, "inscription.desister", inscription)
    # The atelier first, as a registration does: one order of locks.
    atelier = Atelier.objects.select_for_update().get(pk=inscription.atelier_id)
    locked = _transition(inscription, name="desister", by=by, reason=reason)
    _faire_monter(atelier)
    return locked


@transaction.atomic
def presence_record(*, inscription: Inscription, presente: bool, by: User) -> Inscription:
    """Note a confirmed participant present or absent, once the atelier has started (can be corrected)."""
    name = "marquer_presente" if presente else "marquer_absente"
    require(by, f"inscription.{name}", inscription)
    return _transition(inscription, name=name, by=by)


@transaction.atomic
def atelier_clore(*, atelier: Atelier, by: User) -> Atelier:
    """The coordination closes the attendance list of a held atelier (every confirmed participant noted
    present or absent): the atelier is held, and what its personne-ressource is owed is committed on the
    programme's budget in the same transaction (refused, and nothing closed, if the envelope cannot carry it).
    Each participant noted present gets the workshop's evaluation to fill from their space."""
    require(by, "atelier.clore", atelier)
    locked = _transition(atelier, name="clore", by=by, changes={"tenu_le": timezone.now()})
    _evaluations_ouvrir(locked)
    atelier_tenu.send(sender=Atelier, atelier=locked, by=by)
    return locked


def _evaluations_ouvrir(atelier: Atelier) -> list[EvaluationAtelier]:
    """One evaluation to fill per participant noted present; the programme gets the default workshop
    questionnaire if it has none yet (the coordination edits it in the admin)."""
    questionnaire_version_courante(programme=atelier.programme, nature=Nature.EVALUATION_ATELIER)
    presentes = atelier.inscriptions.filter(etat=EtatInscription.PRESENTE, evaluation__isnull=True).order_by("pk")
    return EvaluationAtelier.objects.bulk_create([EvaluationAtelier(inscription=inscription) for inscription in presentes])


def _note_satisfaction(value: Any) -> int | None:
    """The 1-to-5 satisfaction out of an answer ("4", 4, "4 – satisfait·e"); None when it is not one."""
    trouve = re.match(r"\s*(\d+)", str(value or ""))
    if trouve is None:
        return None
    note = int(trouve.group(1))
    return note if 1 <= note <= 5 else None


@transaction.atomic
def evaluation_atelier_repondre(
    *,
    evaluation: EvaluationAtelier,
    questionnaire_version: QuestionnaireVersion,
    reponses: dict[str, Any],
    by: User,
) -> EvaluationAtelier:
    """The participant answers their evaluation of a held workshop, once. `reponses` are the answers by
    question code of `questionnaire_version` (the programme's workshop evaluation), which is frozen and
    kept with the answers: later edits of the questionnaire make a new version."""
    locked = (
        EvaluationAtelier.objects.select_for_update(of=("self",)).select_related("inscription__atelier").get(pk=evaluation.pk)
    )
    if locked.est_remplie and locked.inscription.participant_id == by.pk:
        raise RuleViolation(_("Vous avez déjà évalué cet atelier : une évaluation ne se remplit qu’une fois."))
    require(by, "evaluation_atelier.repondre", locked)
    questionnaire = questionnaire_version.questionnaire
    if questionnaire.programme_id != locked.inscription.atelier.programme_id or questionnaire.nature != Nature.EVALUATION_ATELIER:
        raise RuleViolation(_("Ce questionnaire n’est pas l’évaluation des ateliers de ce programme."))
    # The questions the form asks (not the file ones): the same list, so a required file question does not
    # refuse an answer the form could not give.
    posees = questions_evaluation(questionnaire_version)
    for question in posees:
        if question.obligatoire and reponses.get(question.code) in (None, "", []):
            raise RuleViolation(_("Répondez à la question « %(libelle)s ».") % {"libelle": question.libelle}, field=question.code)
    gardees = {q.code: reponses[q.code] for q in posees if q.code in reponses}
    version_geler(version=questionnaire_version)
    locked = _transition(
        locked,
        name="repondre",
        by=by,
        changes={
            "questionnaire_version": questionnaire_version,
            "reponses": gardees,
            "satisfaction": _note_satisfaction(gardees.get(CODE_SATISFACTION)),
            "repondue_le": timezone.now(),
        },
    )
    _event(locked.inscription, kind="note", transition="evaluer", by=by)
    evaluation.etat = locked.etat
    return locked


@transaction.atomic
def atelier_annuler(*, atelier: Atelier, by: User, reason: str = "") -> Atelier:
    """The coordination cancels an atelier not held: its registrations (confirmed or waiting) are withdrawn
    and each person told by e-mail; nothing is owed to its personne-ressource nor by its participants."""
    require(by, "atelier.annuler", atelier)
    locked = _transition(atelier, name="annuler", by=by, reason=reason)
    actives = locked.inscriptions.filter(etat__in=(EtatInscription.INSCRITE, EtatInscription.EN_ATTENTE)).select_related(
        "participant"
    )
    for inscription in actives:
        _transition(inscription, name="desister", by=by, reason=_("Atelier annulé"))
        send_templated_after_commit(
            to=[inscription.participant.email],
            name="atelier_annule",
            context={"atelier": locked, "inscription": inscription, "participant": inscription.participant},
        )
    return locked


@transaction.atomic
def participation_mark_paid(*, inscription: Inscription, by: User, le: datetime.datetime | None = None) -> Inscription:
    """Record that a non-member paid the participation due."""
    locked = Inscription.objects.select_for_update().select_related("atelier").get(pk=inscription.pk)
    require(by, "inscription.payer", locked)
    locked.participation_payee_le = le or timezone.now()
    locked.save(update_fields=["participation_payee_le", "updated_at"])
    _event(locked, kind="note", transition="payer", by=by)
    inscription.participation_payee_le = locked.participation_payee_le
    return locked


@transaction.atomic
def adhesion_record(*, programme: Programme, personne: User, by: User | None, note: str = "") -> Adhesion:
    """Record that `personne` is a member of the programme: their next registrations owe nothing."""
    if by is not None:
        require(by, "adhesion.enregistrer", programme)
    adhesion, _created = Adhesion.objects.get_or_create(programme=programme, personne=personne, defaults={"note": note})
    return adhesion


# --- Immersion days ("Vis ma vie") -------------------------------------------------------------------


def _immersion_event(immersion: Immersion, *, transition: str, by: Any, details: dict[str, Any] | None = None) -> None:
    ImmersionEvenement.objects.create(
        immersion=immersion,
        kind="note",
        transition=transition,
        actor=recorded_actor(by),
        details=details or {},
    )


@transaction.atomic
def immersion_create(
    *,
    programme: Programme,
    format: Format,
    mentore: User,
    mentor: PersonneRessource,
    jour: datetime.date,
    by: User | None,
    lieu: str = "",
) -> Immersion:
    """Pair a mentee with a volunteer mentor for one working day. The mentor is unpaid: an immersion
    writes no line in the budget (its format says so: personne-ressource non rémunérée)."""
    if by is not None:
        require(by, "immersion.gerer")
    _check_format(
        programme=programme,
        format=format,
        nature=NatureFormat.IMMERSION,
        refus=_("Une immersion se programme dans un format d’immersion."),
    )
    if format.personne_ressource_remuneree:
        raise RuleViolation(
            _("Le format %(format)s rémunère la personne-ressource : une immersion est bénévole.") % {"format": format.libelle},
            field="format",
        )
    if mentor.user_id is not None and mentor.user_id == mentore.pk:
        raise RuleViolation(_("Le·la mentoré·e et le·la mentor·e sont deux personnes différentes."), field="mentor")
    if not programme.date_debut <= jour <= programme.date_fin:
        raise RuleViolation(_("La journée d’immersion a lieu pendant la période du programme."), field="jour")
    immersion = Immersion.objects.create(
        programme=programme, format=format, mentore=mentore, mentor=mentor, jour=jour, lieu=lieu.strip(), creee_par=by
    )
    _immersion_event(immersion, transition="creer", by=by, details={"jour": jour.isoformat()})
    return immersion


@transaction.atomic
def immersion_objectifs_remplir(*, immersion: Immersion, objectifs: str, by: User) -> Immersion:
    """The mentee (or the coordination for them) states the day's objectives, before it: the report
    after says whether they were reached."""
    require(by, "immersion.remplir_objectifs", immersion)
    if not objectifs.strip():
        raise RuleViolation(_("Décrivez vos objectifs pour la journée."), field="objectifs")
    return _transition(
        immersion, name="remplir_objectifs", by=by, changes={"objectifs": objectifs.strip(), "objectifs_le": timezone.now()}
    )


@transaction.atomic
def immersion_rapport_remettre(*, immersion: Immersion, texte: str, by: User) -> Immersion:
    """The mentee or the mentor hands in their own report after the day (each may correct theirs while the
    other's is missing); once both are in, the immersion closes."""
    locked = Immersion.objects.select_for_update().select_related("mentor").get(pk=immersion.pk)
    require(by, "immersion.rapporter", locked)
    if not texte.strip():
        raise RuleViolation(_("Écrivez votre compte rendu de la journée."), field="texte")
    partie = "mentore" if locked.mentore_id == by.pk else "mentor"
    setattr(locked, f"rapport_{partie}", texte.strip())
    setattr(locked, f"rapport_{partie}_le", timezone.now())
    locked.save(update_fields=[f"rapport_{partie}", f"rapport_{partie}_le", "updated_at"])
    _immersion_event(locked, transition=f"rapport_{partie}", by=by)
    if locked.rapport_mentore_le and locked.rapport_mentor_le:
        locked = _transition(locked, name="clore", by=None)
    for name in ("etat", "rapport_mentore", "rapport_mentore_le", "rapport_mentor", "rapport_mentor_le"):
        setattr(immersion, name, getattr(locked, name))
    return locked


@transaction.atomic
def immersion_annuler(*, immersion: Immersion, motif: str, by: User) -> Immersion:
    require(by, "immersion.annuler", immersion)
    return _transition(immersion, name="annuler", by=by, reason=motif)


# --- Co-développement groups --------------------------------------------------------------------------


@transaction.atomic
def groupe_create(
    *, programme: Programme, format: Format, nom: str, animateur: PersonneRessource, by: User | None
) -> GroupeCodev:
    """Constitute a co-développement group of the programme, led by a personne-ressource."""
    if by is not None:
        require(by, "groupe.gerer")
    _check_format(
        programme=programme,
        format=format,
        nature=NatureFormat.CODEVELOPPEMENT,
        refus=_("Un groupe se constitue dans un format de co-développement."),
    )
    if not nom.strip():
        raise RuleViolation(_("Donnez un nom au groupe."), field="nom")
    return GroupeCodev.objects.create(programme=programme, format=format, nom=nom.strip(), animateur=animateur)


@transaction.atomic
def groupe_membre_ajouter(*, groupe: GroupeCodev, personne: User, by: User | None) -> MembreGroupe:
    """Add a beneficiary of the programme to a group, within the format's participants at most."""
    if by is not None:
        require(by, "groupe.gerer")
    locked = GroupeCodev.objects.select_for_update().select_related("format", "animateur").get(pk=groupe.pk)
    if locked.animateur.user_id == personne.pk:
        raise RuleViolation(_("La personne-ressource qui anime le groupe n’en est pas membre."), field="personne")
    if locked.membres.filter(personne=personne).exists():
        raise RuleViolation(_("Cette personne est déjà membre du groupe."), field="personne")
    if locked.membres.count() >= locked.format.participants_max:
        raise RuleViolation(
            _("Le groupe est complet : %(n)s membre(s) au plus (format %(format)s).")
            % {"n": locked.format.participants_max, "format": locked.format.libelle},
            field="personne",
        )
    return MembreGroupe.objects.create(groupe=locked, personne=personne)


@transaction.atomic
def seance_groupe_planifier(
    *,
    groupe: GroupeCodev,
    debut: datetime.datetime,
    duree: int,
    client: MembreGroupe,
    by: User,
    problematique: str = "",
    lieu: str = "",
    lien_visio: str = "",
) -> SeanceGroupe:
    """Plan a meeting of the group on one member's problem (the session's « client »)."""
    require(by, "groupe.planifier", groupe)
    if client.groupe_id != groupe.pk:
        raise RuleViolation(_("La problématique travaillée est celle d’un membre du groupe."), field="client")
    if duree < 1:
        raise RuleViolation(_("La durée est d’au moins une unité."), field="duree")
    _check_rendez_vous(debut=debut, lieu=lieu, lien_visio=lien_visio)
    seance = SeanceGroupe.objects.create(
        groupe=groupe,
        debut=debut,
        duree=duree,
        client=client,
        problematique=problematique.strip(),
        lieu=lieu.strip(),
        lien_visio=lien_visio.strip(),
    )
    SeanceGroupeEvenement.objects.create(
        seance=seance, kind="note", transition="planifier", to_state=seance.etat, actor=by, details={"client": client.pk}
    )
    return seance


@transaction.atomic
def seance_groupe_presences(*, seance: SeanceGroupe, presents: Iterable[MembreGroupe], by: User) -> SeanceGroupe:
    """Record who attended (every member of the group: present or absent); can be corrected."""
    require(by, "seance_groupe.tenir", seance)
    presents_ids = {m.pk for m in presents}
    membres = list(MembreGroupe.objects.filter(groupe_id=seance.groupe_id))
    if presents_ids - {m.pk for m in membres}:
        raise RuleViolation(_("Seuls les membres du groupe peuvent être notés présent·es."), field="presents")
    locked = _transition(seance, name="tenir", by=by)
    for membre in membres:
        PresenceGroupe.objects.update_or_create(seance=locked, membre=membre, defaults={"present": membre.pk in presents_ids})
    return locked


@transaction.atomic
def seance_groupe_annuler(*, seance: SeanceGroupe, motif: str, by: User) -> SeanceGroupe:
    require(by, "seance_groupe.annuler", seance)
    return _transition(seance, name="annuler", by=by, reason=motif)
