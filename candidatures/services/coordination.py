"""The coordination desk: decisions announced by an e-mail the coordinator reviews first, the diagnostic
interview, document requests, private notes and labels."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from annuaire.models import Competence, Domaine
from core.concurrency import check_unchanged
from core.emails import RenderedEmail, render_email, send_after_commit
from core.exceptions import RuleViolation, TransitionRefused
from core.models import EventKind, recorded_actor
from core.permissions import require
from programmes.models import Format
from programmes.rules import check_demi_journees

from ..models import (
    Besoin,
    Candidature,
    DemandePiece,
    EmailEnvoye,
    EntretienDiagnostic,
    Etat,
    Etiquette,
    EtiquetteCandidature,
    Modalite,
    NoteInterne,
    TypePiece,
)
from ..selectors import diagnostic_calendar
from ..workflow import WORKFLOW
from .cycle import (
    candidature_complete_diagnostic,
    candidature_declare_eligible,
    candidature_event,
    candidature_plan_diagnostic,
    candidature_redirect,
    candidature_refuse,
    candidature_reject,
    candidature_return_for_correction,
    candidature_select,
)

# --- Coordination desk ---
# Decisions announced by an e-mail the coordinator reviews first, the diagnostic interview,
# document requests, private notes and labels. E-mails to the applicant are kept on the file
# (EmailEnvoye) and in its timeline (event kind "email", details.pour_candidat = True).


def _record_email(
    *,
    candidature: Candidature,
    by: User | None,
    subject: str,
    text: str,
    html: str = "",
    attachments: list[tuple[str, str, str]] | None = None,
    details: dict | None = None,
    trace: dict | None = None,
) -> EmailEnvoye:
    destinataire = candidature.candidat.email
    email = EmailEnvoye.objects.create(
        candidature=candidature,
        destinataire=destinataire,
        sujet=subject,
        corps=text,
        envoye_par=recorded_actor(by),
    )
    candidature_event(
        candidature=candidature,
        kind=EventKind.EMAIL,
        by=by,
        reason=subject,
        details={"email": email.pk, "destinataire": destinataire, "pour_candidat": True, **(details or {})},
    )
    send_after_commit(
        to=[destinataire],
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
        reference=f"emailenvoye:{email.pk}",
        reply_to=[candidature.programme.pilote.email],
        **(trace or {}),
    )
    return email


def _record_rendered(
    *,
    candidature: Candidature,
    by: User | None,
    rendered: RenderedEmail,
    attachments: list[tuple[str, str, str]] | None = None,
    details: dict | None = None,
) -> EmailEnvoye:
    """`_record_email` of a platform template: its subject, both bodies and its traces go together."""
    return _record_email(
        candidature=candidature,
        by=by,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=attachments,
        details=details,
        trace=rendered.trace(),
    )


def _check_coordination(by: User) -> None:
    require(by, "candidature.coordonner")


@transaction.atomic
def candidature_email_send(*, candidature: Candidature, by: User, subject: str, body: str) -> EmailEnvoye:
    """Send the applicant an e-mail as written (or edited) by the coordinator and keep it on the file."""
    _check_coordination(by)
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    if not subject:
        raise RuleViolation(_("L’objet de l’e-mail est vide."), field="sujet")
    if not body:
        raise RuleViolation(_("Le texte de l’e-mail est vide."), field="corps")
    html = render_to_string(
        "emails/decision_message.html",
        {"sujet": subject, "corps": body, "site_url": settings.SITE_URL, "pilot": candidature.programme.pilote.identite()},
    )
    return _record_email(candidature=candidature, by=by, subject=subject, text=body, html=html)


# Decision of the desk → transition of the workflow.
DECISION_TRANSITIONS = {
    "recevable": "declarer_recevable",
    "irrecevable": "declarer_irrecevable",
    "a_corriger": "renvoyer_pour_correction",
    "retenue": "selectionner",
    "refusee": "refuser",
    "reorientee": "reorienter",
}
DECISIONS = tuple(DECISION_TRANSITIONS)


@transaction.atomic
def candidature_decide(
    *,
    candidature: Candidature,
    by: User,
    decision: str,
    reason: str,
    subject: str,
    body: str,
    format: Format | None = None,
    demi_journees: int | None = None,
    format_suite: Format | None = None,
    demi_journees_suite: int | None = None,
) -> Candidature:
    """Apply a decision through its transition, then send the e-mail the coordinator reviewed.

    All or nothing: an illegal move or an empty e-mail leaves the file, the timeline and the outbox as they were.
    """
    _check_coordination(by)
    if decision == "retenue":
        if format is None:
            raise RuleViolation(_("Choisissez le format retenu."), field="format")
        if not demi_journees:
            raise RuleViolation(_("Indiquez le nombre de demi-journées."), field="demi_journees")
        candidature_select(
            candidature=candidature,
            by=by,
            format=format,
            demi_journees=demi_journees,
            format_suite=format_suite,
            demi_journees_suite=demi_journees_suite,
            reason=reason,
        )
    elif decision == "recevable":
        candidature_declare_eligible(candidature=candidature, by=by, reason=reason)
    elif decision == "irrecevable":
        candidature_reject(candidature=candidature, by=by, reason=reason)
    elif decision == "a_corriger":
        candidature_return_for_correction(candidature=candidature, by=by, reason=reason)
    elif decision == "refusee":
        candidature_refuse(candidature=candidature, by=by, reason=reason)
    elif decision == "reorientee":
        candidature_redirect(candidature=candidature, by=by, reason=reason)
    else:
        raise TransitionRefused(_("Décision inconnue."))
    candidature_email_send(candidature=candidature, by=by, subject=subject, body=body)
    return candidature


@transaction.atomic
def demande_piece_create(*, candidature: Candidature, by: User, type_piece: str, message: str = "") -> DemandePiece:
    """Ask the applicant for a missing document; they are told by e-mail and can upload just that."""
    require(by, "candidature.demander_piece", candidature)
    if type_piece not in TypePiece.values:
        raise RuleViolation(_("Choisissez le type de document demandé."), field="type_piece")
    demande = DemandePiece.objects.create(
        candidature=candidature, type_piece=type_piece, message=(message or "").strip(), demandee_par=by
    )
    candidature_event(
        candidature=candidature,
        kind=EventKind.DOCUMENT,
        by=by,
        reason=demande.message,
        details={"demande_piece": demande.pk, "type_piece": type_piece, "pour_candidat": True, "action": "demande"},
    )
    rendered = render_email("coordination_piece_demandee", {"candidature": candidature, "demande": demande})
    _record_rendered(candidature=candidature, by=by, rendered=rendered)
    return demande


@transaction.atomic
def demande_piece_remind(*, demande: DemandePiece, by: User) -> EmailEnvoye:
    """Remind the applicant of a document still missing (admin bulk action)."""
    _check_coordination(by)
    if demande.fournie_le is not None:
        raise RuleViolation(_("Ce document a déjà été fourni."))
    candidature = demande.candidature
    rendered = render_email("coordination_piece_relance", {"candidature": candidature, "demande": demande})
    return _record_rendered(candidature=candidature, by=by, rendered=rendered)


@transaction.atomic
def note_interne_add(*, candidature: Candidature, by: User, texte: str) -> NoteInterne:
    """A private note of the coordination team (never shown to applicants, mentors or the committee)."""
    _check_coordination(by)
    texte = (texte or "").strip()
    if not texte:
        raise RuleViolation(_("La note est vide."), field="texte")
    return NoteInterne.objects.create(candidature=candidature, auteur=by, texte=texte)


@transaction.atomic
def candidature_set_etiquettes(*, candidature: Candidature, by: User, noms: list[str]) -> list[Etiquette]:
    """Replace the file's private labels by `noms` (labels are created on the way)."""
    _check_coordination(by)
    cleaned: dict[str, str] = {}
    for nom in noms:
        nom = " ".join(nom.split())[:60]
        if nom:
            cleaned.setdefault(nom.casefold(), nom)
    etiquettes = []
    for nom in cleaned.values():
        etiquette = Etiquette.objects.filter(nom__iexact=nom).first() or Etiquette.objects.create(nom=nom)
        etiquettes.append(etiquette)
    EtiquetteCandidature.objects.filter(candidature=candidature).exclude(etiquette__in=etiquettes).delete()
    existing = set(EtiquetteCandidature.objects.filter(candidature=candidature).values_list("etiquette_id", flat=True))
    EtiquetteCandidature.objects.bulk_create(
        [EtiquetteCandidature(candidature=candidature, etiquette=e) for e in etiquettes if e.pk not in existing]
    )
    return etiquettes


@transaction.atomic
def entretien_diagnostic_schedule(
    *,
    candidature: Candidature,
    by: User,
    debut: datetime.datetime,
    duree_minutes: int = 60,
    modalite: str,
    lieu: str = "",
    lien_visio: str = "",
    version: str | None = None,
) -> EntretienDiagnostic:
    """Plan (or move) the diagnostic interview; the applicant gets an invitation with an .ics file.
    `version`: that of the interview the form was filled from; one saved since raises EditConflict."""
    _check_coordination(by)
    lieu, lien_visio = (lieu or "").strip(), (lien_visio or "").strip()
    if modalite == Modalite.PRESENTIEL and not lieu:
        raise RuleViolation(_("Indiquez le lieu de l’entretien en présentiel."), field="lieu")
    if modalite == Modalite.DISTANCE and not lien_visio:
        raise RuleViolation(_("Indiquez le lien de visioconférence de l’entretien à distance."), field="lien_visio")
    if debut <= timezone.now():
        raise RuleViolation(_("L’entretien doit avoir lieu dans le futur."), field="debut")
    if not 15 <= duree_minutes <= 480:
        raise RuleViolation(_("La durée doit être comprise entre 15 minutes et 8 heures."), field="duree_minutes")
    locked = Candidature.objects.select_for_update().get(pk=candidature.pk)
    existing = EntretienDiagnostic.objects.select_for_update().filter(candidature=candidature).first()
    if existing is not None:
        check_unchanged(existing, version)
    if locked.etat == Etat.DIAGNOSTIC_PLANIFIE:
        replanifie = True
    else:
        replanifie = False
        candidature_plan_diagnostic(candidature=candidature, by=by)
    entretien, _created = EntretienDiagnostic.objects.update_or_create(
        candidature=candidature,
        defaults={
            "debut": debut,
            "duree_minutes": duree_minutes,
            "modalite": modalite,
            "lieu": lieu if modalite == Modalite.PRESENTIEL else "",
            "lien_visio": lien_visio if modalite == Modalite.DISTANCE else "",
            "conduit_par": by,
        },
    )
    sequence = candidature.evenements.filter(kind=EventKind.EMAIL, details__invitation=True).count()
    ics = diagnostic_calendar(entretien, sequence=sequence)
    rendered = render_email(
        "coordination_diagnostic_invitation", {"candidature": candidature, "entretien": entretien, "replanifie": replanifie}
    )
    _record_rendered(
        candidature=candidature,
        by=by,
        rendered=rendered,
        attachments=[("entretien-diagnostic.ics", ics.decode("utf-8"), "text/calendar")],
        details={"invitation": True, "debut": entretien.debut.isoformat()},
    )
    return entretien


@transaction.atomic
def entretien_diagnostic_record(
    *,
    candidature: Candidature,
    by: User,
    besoins: list[tuple[Competence, int, str]],
    nouvelles_competences: list[tuple[Domaine, str, int]] | None = None,
    format_recommande: Format,
    demi_journees: int,
    format_suite: Format | None = None,
    demi_journees_suite: int | None = None,
    notes: str = "",
    version: str | None = None,
) -> EntretienDiagnostic:
    """Record the diagnostic: needs (référentiel competences with a priority, new ones added on the way),
    the recommended format(s) and half-days within the programme's limits, notes.
    `version`: that of the interview the form was filled from; one saved since raises EditConflict."""
    _check_coordination(by)
    try:
        entretien = EntretienDiagnostic.objects.select_for_update().get(candidature=candidature)
    except EntretienDiagnostic.DoesNotExist:
        raise TransitionRefused(_("Planifiez d’abord l’entretien diagnostic.")) from None
    check_unchanged(entretien, version)
    for fmt, field in ((format_recommande, "format_recommande"), (format_suite, "format_suite")):
        if fmt is not None and fmt.programme_id != candidature.programme_id:
            raise RuleViolation(_("Ce format n’appartient pas au programme de la candidature."), field=field)
    if candidature.structure is None:
        raise RuleViolation(_("La candidature n’a pas de structure."))
    check_demi_journees(structure=candidature.structure, format=format_recommande, demi_journees=demi_journees)
    if format_suite is not None:
        if format_suite.pk == format_recommande.pk:
            raise RuleViolation(_("Le format suivant doit être différent du premier."), field="format_suite")
        if not demi_journees_suite:
            raise RuleViolation(_("Indiquez le nombre de demi-journées du format suivant."), field="demi_journees_suite")
        try:
            check_demi_journees(structure=candidature.structure, format=format_suite, demi_journees=demi_journees_suite)
        except RuleViolation as error:
            raise RuleViolation(error.message, field="demi_journees_suite") from None
    nouvelles_competences = nouvelles_competences or []
    if not besoins and not nouvelles_competences:
        raise RuleViolation(_("Indiquez au moins un besoin identifié."), field="besoins")
    if candidature.etat == Etat.DIAGNOSTIC_PLANIFIE:
        candidature_complete_diagnostic(candidature=candidature, by=by)
    elif candidature.etat not in (Etat.DIAGNOSTIC_REALISE, Etat.EN_ATTENTE_DECISION):
        WORKFLOW.check(candidature.etat, "realiser_diagnostic")  # raises the French refusal
    retenus: dict[int, tuple[Competence, int, str]] = {}
    for competence, priorite, precision in besoins:
        retenus.setdefault(competence.pk, (competence, priorite, precision))
    for domaine, nom, priorite in nouvelles_competences:
        nom = " ".join(nom.split())
        if not nom:
            continue
        nouvelle = Competence.objects.filter(domaine=domaine, nom__iexact=nom).first()
        if nouvelle is None:
            nouvelle = Competence.objects.create(domaine=domaine, nom=nom[:160], issue_d_un_diagnostic=True)
        retenus.setdefault(nouvelle.pk, (nouvelle, priorite, ""))
    Besoin.objects.filter(diagnostic=entretien).delete()
    Besoin.objects.bulk_create(
        [
            Besoin(diagnostic=entretien, competence=competence, priorite=priorite, precision=(precision or "")[:255])
            for competence, priorite, precision in retenus.values()
        ]
    )
    entretien.realise_le = entretien.realise_le or timezone.now()
    entretien.format_recommande = format_recommande
    entretien.demi_journees = demi_journees
    entretien.format_suite = format_suite
    entretien.demi_journees_suite = demi_journees_suite if format_suite else None
    entretien.notes = (notes or "").strip()
    entretien.save()
    return entretien
