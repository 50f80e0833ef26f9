"""Business operations on applications. One public function per operation, one transaction each."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation, TransitionRefused
from core.models import EventKind
from core.workflow import apply_transition
from programmes.models import Format, Programme

from .models import Candidature, CandidatureEvenement, Etat, ScanStatus
from .workflow import REVERSIBLE, WORKFLOW


def _transition(candidature: Candidature, name: str, *, by: Any, reason: str = "", **extra: Any) -> Candidature:
    locked = apply_transition(
        candidature,
        workflow=WORKFLOW,
        name=name,
        actor=by,
        reason=reason,
        history_model=CandidatureEvenement,
        history_fk="candidature",
        extra_history=extra or None,
    )
    if reason:
        Candidature.objects.filter(pk=locked.pk).update(motif_decision=reason)
        candidature.motif_decision = reason
    return locked


def candidature_event(*, candidature: Candidature, kind: str, by: Any, reason: str = "", details: dict | None = None) -> None:
    """Add a non-transition line to the file's timeline (e-mail, document, opinion…)."""
    CandidatureEvenement.objects.create(
        candidature=candidature,
        kind=kind,
        reason=reason,
        details=details or {},
        actor=by if getattr(by, "is_authenticated", False) else None,
    )


@transaction.atomic
def candidature_create_draft(*, programme: Programme, candidat: Any) -> Candidature:
    if not programme.appel_ouvert:
        raise RuleViolation(_("L’appel à candidatures de ce programme est fermé."))
    return Candidature.objects.create(programme=programme, candidat=candidat)


def _next_reference(candidature: Candidature) -> str:
    # Numbered within the programme's year, so that a 2026 programme keeps TSF-2026-… references.
    prefix = f"TSF-{candidature.programme.date_debut.year}-"
    # Serialised by the lock on the candidature row and the unique constraint on reference.
    last = Candidature.objects.filter(reference__startswith=prefix).aggregate(m=Max("reference"))["m"] or f"{prefix}0000"
    return f"{prefix}{int(last.rsplit('-', 1)[1]) + 1:04d}"


@transaction.atomic
def candidature_submit(*, candidature: Candidature, by: Any) -> Candidature:
    """Submit a draft (or a file returned for correction); give it a reference number."""
    if candidature.candidat_id != getattr(by, "pk", None):
        raise TransitionRefused(_("Seul·e l’auteur·rice de la candidature peut la déposer."))
    if not candidature.consentement_donnees:
        raise RuleViolation(
            _("Vous devez accepter le traitement de vos données pour déposer la candidature."), field="consentement_donnees"
        )
    if candidature.structure_id is None:
        raise RuleViolation(_("Renseignez votre structure avant de déposer la candidature."), field="structure")
    locked = _transition(candidature, "soumettre", by=by)
    updates: dict[str, Any] = {"soumise_le": timezone.now()}
    if not locked.reference:
        updates["reference"] = _next_reference(locked)
    Candidature.objects.filter(pk=locked.pk).update(**updates)
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def candidature_declare_eligible(*, candidature: Candidature, by: Any, reason: str = "") -> Candidature:
    _transition(candidature, "declarer_recevable", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_reject(*, candidature: Candidature, by: Any, reason: str) -> Candidature:
    _transition(candidature, "declarer_irrecevable", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_return_for_correction(*, candidature: Candidature, by: Any, reason: str) -> Candidature:
    _transition(candidature, "renvoyer_pour_correction", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_plan_diagnostic(*, candidature: Candidature, by: Any) -> Candidature:
    _transition(candidature, "planifier_diagnostic", by=by)
    return candidature


@transaction.atomic
def candidature_complete_diagnostic(*, candidature: Candidature, by: Any) -> Candidature:
    _transition(candidature, "realiser_diagnostic", by=by)
    return candidature


@transaction.atomic
def candidature_await_decision(*, candidature: Candidature, by: Any, reason: str = "") -> Candidature:
    _transition(candidature, "mettre_en_attente", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_select(
    *,
    candidature: Candidature,
    by: Any,
    format: Format,
    demi_journees: int,
    format_suite: Format | None = None,
    demi_journees_suite: int | None = None,
    reason: str = "",
) -> Candidature:
    """Retain the file with its format(s) and half-days, within the programme's limits."""
    from programmes.rules import check_demi_journees

    if format.programme_id != candidature.programme_id:
        raise RuleViolation(_("Ce format n’appartient pas au programme de la candidature."), field="format")
    if candidature.structure is None:
        raise RuleViolation(_("La candidature n’a pas de structure."))
    check_demi_journees(structure=candidature.structure, format=format, demi_journees=demi_journees)
    if format_suite is not None:
        if not demi_journees_suite:
            raise RuleViolation(_("Indiquez le nombre de demi-journées du format suivant."), field="demi_journees_suite")
        check_demi_journees(structure=candidature.structure, format=format_suite, demi_journees=demi_journees_suite)
    _transition(
        candidature,
        "selectionner",
        by=by,
        reason=reason,
        details={"format": format.code, "demi_journees": demi_journees},
    )
    Candidature.objects.filter(pk=candidature.pk).update(
        format_retenu=format,
        demi_journees_retenues=demi_journees,
        format_suite=format_suite,
        demi_journees_suite=demi_journees_suite if format_suite else None,
    )
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def candidature_refuse(*, candidature: Candidature, by: Any, reason: str) -> Candidature:
    _transition(candidature, "refuser", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_redirect(*, candidature: Candidature, by: Any, reason: str) -> Candidature:
    _transition(candidature, "reorienter", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_withdraw(*, candidature: Candidature, by: Any, reason: str) -> Candidature:
    if candidature.accompagnements.exclude(etat="abandonne").exists():
        raise TransitionRefused(_("Un accompagnement est en cours : contactez la coordination pour l’interrompre."))
    _transition(candidature, "retirer", by=by, reason=reason)
    return candidature


@transaction.atomic
def candidature_revert_decision(*, candidature: Candidature, by: Any, reason: str) -> Candidature:
    """Undo the last decision: the file returns to the state it had before, and the timeline says so."""
    if not reason.strip():
        raise TransitionRefused(_("Un motif est obligatoire pour annuler une décision."), field="reason")
    locked = Candidature.objects.select_for_update().get(pk=candidature.pk)
    last = (
        locked.evenements.filter(kind=EventKind.TRANSITION)
        .exclude(transition="annulation")
        .order_by("-created_at", "-id")
        .first()
    )
    if last is None or last.transition not in REVERSIBLE or last.to_state != locked.etat:
        raise TransitionRefused(_("Aucune décision récente ne peut être annulée sur ce dossier."))
    if locked.etat == Etat.SELECTIONNEE and locked.accompagnements.exists():
        raise TransitionRefused(_("Un accompagnement a déjà été créé pour ce dossier : la sélection ne peut plus être annulée."))
    previous = last.from_state
    updates: dict[str, Any] = {"etat": previous, "motif_decision": reason}
    if last.transition == "selectionner":
        # A reverted selection no longer carries a retained format.
        updates.update(format_retenu=None, demi_journees_retenues=None, format_suite=None, demi_journees_suite=None)
    Candidature.objects.filter(pk=locked.pk).update(**updates)
    CandidatureEvenement.objects.create(
        candidature=locked,
        kind=EventKind.TRANSITION,
        transition="annulation",
        from_state=locked.etat,
        to_state=previous,
        reason=reason,
        actor=by,
        details={"annule": last.transition},
    )
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def message_send(*, candidature: Candidature, auteur: Any, texte: str, piece: Any = None) -> Any:
    """Post a message in the file's thread (applicant ↔ coordination) and notify the other side by e-mail."""
    from accounts import roles
    from core.emails import send_templated_after_commit

    from .models import Message

    texte = (texte or "").strip()
    if not texte:
        raise RuleViolation(_("Le message est vide."), field="texte")
    de_la_coordination = roles.is_coordination(auteur)
    if not de_la_coordination and candidature.candidat_id != auteur.pk:
        raise TransitionRefused(_("Vous ne pouvez pas écrire sur ce dossier."))
    message = Message.objects.create(
        candidature=candidature, auteur=auteur, de_la_coordination=de_la_coordination, texte=texte, piece=piece
    )
    candidature_event(candidature=candidature, kind=EventKind.MESSAGE, by=auteur, details={"message": message.pk})
    destinataires = [candidature.candidat.email] if de_la_coordination else [settings.TSF_PILOT["email"]]
    send_templated_after_commit(
        to=destinataires,
        name="candidature_message",
        context={"candidature": candidature, "message": message, "de_la_coordination": de_la_coordination},
    )
    return message


@transaction.atomic
def messages_mark_read(*, candidature: Candidature, reader: Any) -> int:
    """Mark as read the messages of the other side; returns how many were unread."""
    from accounts import roles

    from .models import Message

    from_coordination = not roles.is_coordination(reader)
    return Message.objects.filter(candidature=candidature, de_la_coordination=from_coordination, lu_le__isnull=True).update(
        lu_le=timezone.now()
    )


# --- Coordination desk ---
# Decisions announced by an e-mail the coordinator reviews first, the diagnostic interview,
# document requests, private notes and labels. E-mails to the applicant are kept on the file
# (EmailEnvoye) and in its timeline (event kind "email", details.pour_candidat = True).


def _record_email(
    *,
    candidature: Candidature,
    by: Any,
    subject: str,
    text: str,
    html: str = "",
    attachments: list[tuple[str, str, str]] | None = None,
    details: dict | None = None,
) -> Any:
    from core.emails import send_after_commit

    from .models import EmailEnvoye

    destinataire = candidature.candidat.email
    email = EmailEnvoye.objects.create(
        candidature=candidature,
        destinataire=destinataire,
        sujet=subject,
        corps=text,
        envoye_par=by if getattr(by, "is_authenticated", False) else None,
    )
    candidature_event(
        candidature=candidature,
        kind=EventKind.EMAIL,
        by=by,
        reason=subject,
        details={"email": email.pk, "destinataire": destinataire, "pour_candidat": True, **(details or {})},
    )
    send_after_commit(
        to=[destinataire], subject=subject, text=text, html=html, attachments=attachments, reference=f"emailenvoye:{email.pk}"
    )
    return email


def _check_coordination(by: Any) -> None:
    from accounts import roles
    from core.exceptions import PermissionRefused

    if not roles.is_coordination(by):
        raise PermissionRefused(_("Seule la coordination peut faire cette opération."))


@transaction.atomic
def candidature_email_send(*, candidature: Candidature, by: Any, subject: str, body: str) -> Any:
    """Send the applicant an e-mail as written (or edited) by the coordinator and keep it on the file."""
    from django.conf import settings
    from django.template.loader import render_to_string

    _check_coordination(by)
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    if not subject:
        raise RuleViolation(_("L’objet de l’e-mail est vide."), field="sujet")
    if not body:
        raise RuleViolation(_("Le texte de l’e-mail est vide."), field="corps")
    html = render_to_string(
        "emails/decision_message.html",
        {"sujet": subject, "corps": body, "site_url": settings.SITE_URL, "pilot": settings.TSF_PILOT},
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
    by: Any,
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
def demande_piece_create(*, candidature: Candidature, by: Any, type_piece: str, message: str = "") -> Any:
    """Ask the applicant for a missing document; they are told by e-mail and can upload just that."""
    from core.emails import render_email

    from .models import ETATS_FINAUX, DemandePiece, TypePiece

    _check_coordination(by)
    if candidature.etat == Etat.BROUILLON or candidature.etat in ETATS_FINAUX:
        raise TransitionRefused(
            _("On ne peut pas demander de document sur un dossier à l’état « %(etat)s ».")
            % {"etat": Etat(candidature.etat).label}
        )
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
    _record_email(candidature=candidature, by=by, subject=rendered.subject, text=rendered.text, html=rendered.html)
    return demande


@transaction.atomic
def demande_piece_remind(*, demande: Any, by: Any) -> Any:
    """Remind the applicant of a document still missing (admin bulk action)."""
    from core.emails import render_email

    _check_coordination(by)
    if demande.fournie_le is not None:
        raise RuleViolation(_("Ce document a déjà été fourni."))
    candidature = demande.candidature
    rendered = render_email("coordination_piece_relance", {"candidature": candidature, "demande": demande})
    return _record_email(candidature=candidature, by=by, subject=rendered.subject, text=rendered.text, html=rendered.html)


@transaction.atomic
def note_interne_add(*, candidature: Candidature, by: Any, texte: str) -> Any:
    """A private note of the coordination team (never shown to applicants, mentors or the committee)."""
    from .models import NoteInterne

    _check_coordination(by)
    texte = (texte or "").strip()
    if not texte:
        raise RuleViolation(_("La note est vide."), field="texte")
    return NoteInterne.objects.create(candidature=candidature, auteur=by, texte=texte)


@transaction.atomic
def candidature_set_etiquettes(*, candidature: Candidature, by: Any, noms: list[str]) -> list[Any]:
    """Replace the file's private labels by `noms` (labels are created on the way)."""
    from .models import Etiquette, EtiquetteCandidature

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
    by: Any,
    debut: Any,
    duree_minutes: int = 60,
    modalite: str,
    lieu: str = "",
    lien_visio: str = "",
) -> Any:
    """Plan (or move) the diagnostic interview; the applicant gets an invitation with an .ics file."""
    from core.emails import render_email

    from .models import EntretienDiagnostic, Modalite
    from .selectors import diagnostic_calendar

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
    _record_email(
        candidature=candidature,
        by=by,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=[("entretien-diagnostic.ics", ics.decode("utf-8"), "text/calendar")],
        details={"invitation": True, "debut": entretien.debut.isoformat()},
    )
    return entretien


@transaction.atomic
def entretien_diagnostic_record(
    *,
    candidature: Candidature,
    by: Any,
    besoins: list[tuple[Any, int, str]],
    nouvelles_competences: list[tuple[Any, str, int]] | None = None,
    format_recommande: Format,
    demi_journees: int,
    format_suite: Format | None = None,
    demi_journees_suite: int | None = None,
    notes: str = "",
) -> Any:
    """Record the diagnostic: needs (référentiel competences with a priority, new ones added on the way),
    the recommended format(s) and half-days within the programme's limits, notes."""
    from annuaire.models import Competence
    from programmes.rules import check_demi_journees

    from .models import Besoin, EntretienDiagnostic

    _check_coordination(by)
    try:
        entretien = EntretienDiagnostic.objects.select_for_update().get(candidature=candidature)
    except EntretienDiagnostic.DoesNotExist:
        raise TransitionRefused(_("Planifiez d’abord l’entretien diagnostic.")) from None
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
    retenus: dict[int, tuple[Any, int, str]] = {}
    for competence, priorite, precision in besoins:
        retenus.setdefault(competence.pk, (competence, priorite, precision))
    for domaine, nom, priorite in nouvelles_competences:
        nom = " ".join(nom.split())
        if not nom:
            continue
        competence = Competence.objects.filter(domaine=domaine, nom__iexact=nom).first()
        if competence is None:
            competence = Competence.objects.create(domaine=domaine, nom=nom[:160], issue_d_un_diagnostic=True)
        retenus.setdefault(competence.pk, (competence, priorite, ""))
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


# --- Candidate's questionnaire ---------------------------------------------------------------
# The online questionnaire (issue 3): draft saved at every step, attachments, deposit with the
# eligibility pre-check, receipt, withdrawal, documents asked for by the coordination, messages.

ETAPES_QUESTIONNAIRE = (
    "demandeur",
    "structure",
    "situation",
    "problematique",
    "objectifs",
    "besoins",
    "personne_ressource",
    "pieces",
    "consentement",
)


def _check_owner_and_editable(candidature: Candidature, by: Any) -> None:
    if candidature.candidat_id != getattr(by, "pk", None):
        raise TransitionRefused(_("Vous ne pouvez pas modifier cette candidature."))
    if not candidature.modifiable:
        raise TransitionRefused(_("Cette candidature est déposée : elle ne peut plus être modifiée."))


@transaction.atomic
def candidature_start(*, programme: Programme, candidat: Any) -> Candidature:
    """The applicant's current draft for `programme`, or a new one; the person becomes a candidat·e."""
    from django.contrib.auth.models import Group

    from accounts import roles

    existing = (
        Candidature.objects.filter(programme=programme, candidat=candidat, etat__in=[Etat.BROUILLON, Etat.A_CORRIGER])
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    candidature = candidature_create_draft(programme=programme, candidat=candidat)
    group, _created = Group.objects.get_or_create(name=roles.CANDIDAT)
    candidat.groups.add(group)
    if hasattr(candidat, "_role_names"):
        del candidat._role_names
    return candidature


def candidature_structure_is_own(candidature: Candidature) -> bool:
    """True when the file's structure row was created by this draft and nothing else uses it yet.

    Only such a row may be updated from the questionnaire; any other row (known SIRET, mentor's
    employer, another file's structure) is shared reference data kept by the coordination.
    """
    structure = candidature.structure
    if structure is None or (candidature.brouillon or {}).get("_structure_creee") != structure.pk:
        return False
    return not (
        structure.candidatures.exclude(pk=candidature.pk).exists()
        or structure.personnes_ressources.exists()
        or structure.accompagnements.exists()
    )


def _apply_structure(candidature: Candidature, data: dict[str, Any], brouillon: dict[str, Any]) -> str:
    """Link or write the structure row. Returns "liee" (existing shared row), "maj" or "creee".

    Structure rows are shared (unique SIRET; mentors' employers, other files). When the SIRET is
    already known, the file is linked to that row and the applicant's answers do not overwrite it
    (they stay in the draft for the coordination). Otherwise the file's own row is updated, or a
    new row is created.
    """
    from django.db import IntegrityError

    from programmes.models import Structure

    fields = {
        "raison_sociale": data["raison_sociale"],
        "siret": data.get("siret", ""),
        "forme_juridique": data.get("forme_juridique", ""),
        "type_structure": data["type_structure"],
        "code_postal": data["code_postal"],
        "commune": data["commune"],
        "departement": data["departement"],
        "part_musiques_actuelles": data["part_musiques_actuelles"],
        "employeuse": data["employeuse"] == "oui",
        "projet_premier_emploi": data.get("projet_premier_emploi") == "oui",
        "nombre_salaries": data.get("nombre_salaries") or 0,
        "tranche_budget": data.get("tranche_budget", ""),
        "site_web": data.get("site_web", ""),
    }
    # The row this draft created and may still update, if any.
    own = candidature.structure if candidature_structure_is_own(candidature) else None
    siret = fields["siret"]
    if siret:
        existing = Structure.objects.filter(siret=siret).first()
        if existing is not None and (own is None or existing.pk != own.pk):
            candidature.structure = existing
            if own is not None:
                # The row this draft had created is replaced by the known structure: drop it.
                Candidature.objects.filter(pk=candidature.pk).update(structure=existing)
                own.delete()
                brouillon.pop("_structure_creee", None)
            return "liee"
    if own is not None:
        for name, value in fields.items():
            setattr(own, name, value)
        own.save()
        return "maj"
    try:
        with transaction.atomic():
            candidature.structure = Structure.objects.create(**fields)
            brouillon["_structure_creee"] = candidature.structure.pk
    except IntegrityError:
        # Another applicant registered the same SIRET a moment ago: link to their row.
        candidature.structure = Structure.objects.get(siret=siret)
        return "liee"
    return "creee"


def _apply_step(candidature: Candidature, etape: str, data: dict[str, Any], brouillon: dict[str, Any]) -> list[str]:
    """Write the cleaned answers of one step on the candidature; returns the fields to save."""
    if etape == "demandeur":
        user = candidature.candidat
        user.first_name, user.last_name = data["prenom"], data["nom"]
        user.telephone = data.get("telephone", "")
        user.save(update_fields=["first_name", "last_name", "telephone"])
        candidature.statut_demandeur = data["statut_demandeur"]
        candidature.fonction = data["fonction"]
        candidature.presentation = data["presentation"]
        return ["statut_demandeur", "fonction", "presentation"]
    if etape == "structure":
        _apply_structure(candidature, data, brouillon)
        return ["structure"]
    if etape in ("situation", "problematique", "objectifs"):
        setattr(candidature, etape, data[etape])
        return [etape]
    if etape == "besoins":
        candidature.competences_souhaitees.set(data.get("competences") or [])
        candidature.besoins_precisions = data.get("besoins_precisions", "")
        return ["besoins_precisions"]
    if etape == "personne_ressource":
        candidature.personne_ressource_pressentie = data.get("personne_ressource_pressentie")
        candidature.personne_ressource_pressentie_texte = data.get("personne_ressource_pressentie_texte", "")
        return ["personne_ressource_pressentie", "personne_ressource_pressentie_texte"]
    if etape == "consentement":
        accepted = bool(data.get("consentement_donnees"))
        if accepted and not candidature.consentement_donnees:
            candidature.consentement_le = timezone.now()
        candidature.consentement_donnees = accepted
        return ["consentement_donnees", "consentement_le"]
    if etape == "pieces":
        return []
    raise ValueError(f"unknown step {etape}")


@transaction.atomic
def candidature_save_step(
    *, candidature: Candidature, by: Any, etape: str, saisie: dict[str, list[str]], donnees: dict[str, Any] | None
) -> Candidature:
    """Save one step of the draft: always what was typed (`saisie`), and the answers when valid (`donnees`).

    `donnees` is None when the step did not validate: the typed values are kept anyway, so that
    the applicant finds them when coming back, and the step is marked as to be corrected.
    """
    if etape not in ETAPES_QUESTIONNAIRE:
        raise RuleViolation(_("Cette étape du questionnaire n’existe pas."))
    candidature = Candidature.objects.select_for_update().get(pk=candidature.pk)
    _check_owner_and_editable(candidature, by)
    brouillon = dict(candidature.brouillon or {})
    brouillon[etape] = saisie
    invalides = set(brouillon.get("_invalides", []))
    update_fields = ["brouillon", "etape", "updated_at"]
    if donnees is None:
        invalides.add(etape)
    else:
        invalides.discard(etape)
        update_fields += _apply_step(candidature, etape, donnees, brouillon)
    brouillon["_invalides"] = sorted(invalides)
    candidature.brouillon = brouillon
    candidature.etape = etape
    candidature.save(update_fields=update_fields)
    return candidature


@transaction.atomic
def piece_add(
    *, candidature: Candidature, by: Any, checked: Any, type_piece: str, demande: Any = None, during_draft: bool = True
) -> Any:
    """Attach a checked upload (core.uploads.CheckedUpload) to the file."""
    from django.conf import settings

    from core.uploads import initial_scan_status

    from .models import PieceJointe

    if candidature.candidat_id != getattr(by, "pk", None):
        raise TransitionRefused(_("Vous ne pouvez pas ajouter de document à cette candidature."))
    if during_draft and not candidature.modifiable:
        raise TransitionRefused(_("Cette candidature est déposée : ajoutez un document seulement s’il vous est demandé."))
    if candidature.pieces.count() >= settings.UPLOAD_MAX_FILES:
        raise RuleViolation(
            _("Vous avez atteint le nombre maximal de documents (%(max)s).") % {"max": settings.UPLOAD_MAX_FILES},
            field="fichier",
        )
    piece = PieceJointe(
        candidature=candidature,
        type_piece=type_piece,
        nom_original=checked.display_name,
        taille=checked.size,
        type_mime=checked.content_type,
        sha256=checked.sha256,
        scan=initial_scan_status(),
        demande=demande,
        ajoute_par=by,
    )
    stored = checked.stored_file()
    piece.fichier.save(stored.name, stored, save=False)
    piece.save()
    candidature_event(
        candidature=candidature,
        kind=EventKind.DOCUMENT,
        by=by,
        details={"piece": piece.pk, "type": type_piece, "nom": piece.nom_original},
    )
    if piece.scan == ScanStatus.EN_ATTENTE:
        from core.jobs import enqueue

        enqueue("piece_analyser", piece_id=piece.pk)
    return piece


def piece_analyser(*, piece_id: int) -> str:
    """Job: have the configured antivirus scan a document; an infected one is deleted and the applicant told.

    Raises when the scanner cannot answer: the job is retried later and the document stays
    unavailable meanwhile.
    """
    from core.antivirus import INFECTE, SAIN, configured_scanner
    from core.emails import send_templated_after_commit

    from .models import PieceJointe

    piece = PieceJointe.objects.select_related("candidature__candidat").filter(pk=piece_id).first()
    scanner = configured_scanner()
    if piece is None or piece.scan != ScanStatus.EN_ATTENTE or scanner is None:
        return "rien_a_faire"
    with piece.fichier.open("rb") as handle:
        content = handle.read()
    verdict = scanner(content, name=piece.nom_original)
    if verdict not in (SAIN, INFECTE):
        raise ValueError(f"{settings.UPLOAD_SCANNER} answered {verdict!r}, not {SAIN!r} or {INFECTE!r}")
    with transaction.atomic():
        updated = PieceJointe.objects.filter(pk=piece.pk, scan=ScanStatus.EN_ATTENTE).update(scan=verdict)
        if updated and verdict == INFECTE:
            candidature = piece.candidature
            candidature_event(
                candidature=candidature,
                kind=EventKind.DOCUMENT,
                by=None,
                reason=_("Document « %(nom)s » refusé par l’antivirus et supprimé.") % {"nom": piece.nom_original},
                details={"piece": piece.pk, "antivirus": INFECTE},
            )
            fichier = piece.fichier
            transaction.on_commit(lambda: fichier.delete(save=False))
            send_templated_after_commit(
                to=[candidature.candidat.email],
                name="piece_refusee_antivirus",
                context={"candidature": candidature, "piece": piece},
            )
    return verdict


@transaction.atomic
def piece_delete(*, piece: Any, by: Any) -> None:
    """Remove an attachment from a draft (the stored file goes too)."""
    candidature = piece.candidature
    _check_owner_and_editable(candidature, by)
    if piece.demande_id:
        raise TransitionRefused(_("Ce document a été envoyé en réponse à une demande : il ne peut pas être retiré."))
    fichier = piece.fichier
    piece.delete()
    transaction.on_commit(lambda: fichier.delete(save=False))


def questionnaire_etapes_a_completer(candidature: Candidature) -> list[str]:
    """The steps that are missing an answer or were left with an error, in questionnaire order."""
    invalides = set((candidature.brouillon or {}).get("_invalides", []))
    missing = {
        "demandeur": not (candidature.statut_demandeur and candidature.fonction and candidature.presentation),
        "structure": candidature.structure_id is None,
        "situation": not candidature.situation.strip(),
        "problematique": not candidature.problematique.strip(),
        "objectifs": not candidature.objectifs.strip(),
        "besoins": not (candidature.besoins_precisions.strip() or candidature.competences_souhaitees.exists()),
        "consentement": not candidature.consentement_donnees,
    }
    return [etape for etape in ETAPES_QUESTIONNAIRE if missing.get(etape) or etape in invalides]


@transaction.atomic
def candidature_deposit(*, candidature: Candidature, by: Any) -> Candidature:
    """Submit the questionnaire: complete answers, eligibility pre-check kept, reference, receipt and e-mail."""
    from core.jobs import enqueue

    from .eligibility import check_candidature

    _check_owner_and_editable(candidature, by)
    incompletes = questionnaire_etapes_a_completer(candidature)
    if incompletes:
        raise RuleViolation(_("Le questionnaire n’est pas complet : complétez les étapes signalées avant de déposer."))
    criteres = check_candidature(candidature)
    Candidature.objects.filter(pk=candidature.pk).update(
        precheck={"le": timezone.now().isoformat(), "criteres": [c.as_dict() for c in criteres]}
    )
    candidature = candidature_submit(candidature=candidature, by=by)
    enqueue("candidature_recu", candidature_id=candidature.pk)
    return candidature


def candidature_receipt_job(*, candidature_id: int) -> None:
    """Job: render, store and e-mail the PDF receipt of a submitted application."""
    candidature = Candidature.objects.filter(pk=candidature_id).first()
    if candidature is None or not candidature.reference:
        return
    candidature_receipt_generate(candidature=candidature)


def candidature_receipt_generate(*, candidature: Candidature) -> Candidature:
    """Render the PDF receipt of the file as submitted, keep it on the file and e-mail it to the applicant."""
    from django.core.files.base import ContentFile
    from django.core.mail import EmailMultiAlternatives

    from core.emails import deliver, render_email
    from core.pdf import render_pdf

    from .models import EmailEnvoye

    candidature = (
        Candidature.objects.select_related("programme", "candidat", "structure", "personne_ressource_pressentie")
        .prefetch_related("competences_souhaitees__domaine", "pieces")
        .get(pk=candidature.pk)
    )
    pdf = render_pdf("pdf/candidature_recu.html", {"candidature": candidature})
    with transaction.atomic():
        locked = Candidature.objects.select_for_update().get(pk=candidature.pk)
        if locked.recu_pdf:
            locked.recu_pdf.delete(save=False)
        locked.recu_pdf.save(f"recu-{locked.reference}.pdf", ContentFile(pdf), save=False)
        Candidature.objects.filter(pk=locked.pk).update(recu_pdf=locked.recu_pdf.name)
        rendered = render_email("candidature_deposee", {"candidature": candidature})
        email = EmailEnvoye.objects.create(
            candidature=candidature, destinataire=candidature.candidat.email, sujet=rendered.subject, corps=rendered.text
        )
    from django.conf import settings

    message = EmailMultiAlternatives(
        subject=rendered.subject, body=rendered.text, to=[candidature.candidat.email], reply_to=[settings.TSF_PILOT["email"]]
    )
    message.attach_alternative(rendered.html, "text/html")
    message.attach(f"accuse-reception-{candidature.reference}.pdf", pdf, "application/pdf")
    deliver(message, reference=f"emailenvoye:{email.pk}")
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def demande_piece_fulfil(*, demande: Any, by: Any, checked: Any) -> Any:
    """The applicant sends the document the coordination asked for."""
    from core.emails import send_templated_after_commit

    from .models import ETATS_FINAUX, DemandePiece

    demande = DemandePiece.objects.select_for_update(of=("self",)).select_related("candidature").get(pk=demande.pk)
    candidature = demande.candidature
    if candidature.etat in ETATS_FINAUX:
        raise TransitionRefused(_("Ce dossier est clos : il n’attend plus de document."))
    if demande.fournie_le is not None:
        raise TransitionRefused(_("Ce document a déjà été envoyé."))
    piece = piece_add(
        candidature=candidature, by=by, checked=checked, type_piece=demande.type_piece, demande=demande, during_draft=False
    )
    demande.fournie_le = timezone.now()
    demande.save(update_fields=["fournie_le"])
    from django.conf import settings

    send_templated_after_commit(
        to=[settings.TSF_PILOT["email"]], name="candidature_piece_fournie", context={"candidature": candidature, "piece": piece}
    )
    return piece


@transaction.atomic
def candidature_message_post(*, candidature: Candidature, auteur: Any, texte: str, checked: Any = None) -> Any:
    """A message of the applicant in the file's thread, with an optional attachment."""
    from .models import TypePiece

    if candidature.candidat_id != getattr(auteur, "pk", None):
        raise TransitionRefused(_("Vous ne pouvez pas écrire sur ce dossier."))
    if not (texte or "").strip():
        raise RuleViolation(_("Le message est vide."), field="texte")
    piece = None
    if checked is not None:
        piece = piece_add(candidature=candidature, by=auteur, checked=checked, type_piece=TypePiece.AUTRE, during_draft=False)
    return message_send(candidature=candidature, auteur=auteur, texte=texte, piece=piece)
