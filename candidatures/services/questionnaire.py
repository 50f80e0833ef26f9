"""The candidate's questionnaire: draft saved at every step, attachments, deposit with the eligibility
pre-check, receipt, withdrawal, documents asked for by the coordination, messages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from core.antivirus import INFECTE, SAIN, configured_scanner
from core.emails import deliver, message_rendu, render_email, send_templated_after_commit
from core.exceptions import RuleViolation, TransitionRefused
from core.jobs import enqueue
from core.models import EventKind
from core.pdf import render_pdf
from core.uploads import CheckedUpload, initial_scan_status
from programmes.models import Programme, Structure
from questionnaires.defaults import ETAPES_CANDIDATURE_DEFAUT
from questionnaires.forms import vers_json
from questionnaires.models import Etape as EtapeQuestionnaire
from questionnaires.models import QuestionnaireVersion, TypeQuestion
from questionnaires.selectors import reponses_affichees
from questionnaires.services import questionnaire_version_courante, version_geler

from ..eligibility import check_candidature
from ..models import ETATS_FINAUX, Candidature, DemandePiece, EmailEnvoye, Etat, Message, PieceJointe, ScanStatus, TypePiece
from .cycle import candidature_create_draft, candidature_event, candidature_submit, message_send

# --- Candidate's questionnaire ---------------------------------------------------------------
# The online questionnaire (issue 3): draft saved at every step, attachments, deposit with the
# eligibility pre-check, receipt, withdrawal, documents asked for by the coordination, messages.

# The steps of the default questionnaire (each programme edits its own in the admin: questionnaires app).
ETAPES_QUESTIONNAIRE = tuple(etape["slug"] for etape in ETAPES_CANDIDATURE_DEFAUT)

# The file's text fields a free question may also write (Question.champ).
CHAMPS_TEXTE = (
    "fonction",
    "presentation",
    "situation",
    "problematique",
    "objectifs",
    "besoins_precisions",
    "personne_ressource_pressentie_texte",
)


def candidature_questionnaire(candidature: Candidature) -> QuestionnaireVersion:
    """The questionnaire version the file is answered with (the programme's current one for an older draft)."""
    if candidature.questionnaire_version_id:
        return candidature.questionnaire_version  # type: ignore[return-value]
    version = questionnaire_version_courante(programme=candidature.programme)
    if version is None:  # pragma: no cover - the application questionnaire is created on demand
        raise RuleViolation(_("Ce programme n’a pas de questionnaire de candidature."))
    return version


def questionnaire_etapes(candidature: Candidature) -> list[EtapeQuestionnaire]:
    """The steps of the file's questionnaire, in order, with their questions."""
    cache = getattr(candidature, "_etapes_questionnaire", None)
    if cache is None:
        version = candidature_questionnaire(candidature)
        cache = list(version.etapes.prefetch_related("questions").order_by("ordre", "pk"))
        candidature._etapes_questionnaire = cache  # type: ignore[attr-defined]
    return cache


def _check_owner_and_editable(candidature: Candidature, by: User) -> None:
    if candidature.candidat_id != getattr(by, "pk", None):
        raise TransitionRefused(_("Vous ne pouvez pas modifier cette candidature."))
    if not candidature.modifiable:
        raise TransitionRefused(_("Cette candidature est déposée : elle ne peut plus être modifiée."))


@transaction.atomic
def candidature_start(*, programme: Programme, candidat: User) -> Candidature:
    """The applicant's current draft for `programme`, or a new one; the person becomes a candidat·e."""
    existing = (
        Candidature.objects.filter(programme=programme, candidat=candidat, etat__in=[Etat.BROUILLON, Etat.A_CORRIGER])
        .order_by("-created_at")
        .first()
    )
    if existing is not None:
        return existing
    candidature = candidature_create_draft(programme=programme, candidat=candidat)
    candidature.questionnaire_version = questionnaire_version_courante(programme=programme)
    candidature.save(update_fields=["questionnaire_version", "updated_at"])
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


def _apply_reponses(candidature: Candidature, step: EtapeQuestionnaire, data: dict[str, Any], by: User) -> list[str]:
    """Write the answers to a step's free questions (by code); a file answer becomes an attachment."""
    reponses = dict(candidature.reponses or {})
    fields = ["reponses"]
    for question in step.questions.all():
        if question.code not in data:
            continue
        value = data[question.code]
        if question.type == TypeQuestion.FICHIER:
            if isinstance(value, CheckedUpload):
                piece = piece_add(candidature=candidature, by=by, checked=value, type_piece=TypePiece.AUTRE)
                reponses[question.code] = {"piece": piece.pk, "nom": piece.nom_original}
            continue
        reponses[question.code] = vers_json(value)
        if question.champ in CHAMPS_TEXTE:
            setattr(candidature, question.champ, value or "")
            fields.append(question.champ)
    candidature.reponses = reponses
    return fields


def _reponse_manquante(candidature: Candidature, step: EtapeQuestionnaire) -> bool:
    reponses = candidature.reponses or {}
    return any(q.obligatoire and reponses.get(q.code) in (None, "", []) for q in step.questions.all())


@transaction.atomic
def candidature_save_step(
    *, candidature: Candidature, by: User, etape: str, saisie: dict[str, list[str]], donnees: dict[str, Any] | None
) -> Candidature:
    """Save one step of the draft: always what was typed (`saisie`), and the answers when valid (`donnees`).

    `donnees` is None when the step did not validate: the typed values are kept anyway, so that
    the applicant finds them when coming back, and the step is marked as to be corrected.
    """
    candidature = Candidature.objects.select_for_update().get(pk=candidature.pk)
    _check_owner_and_editable(candidature, by)
    step = next((e for e in questionnaire_etapes(candidature) if e.slug == etape), None)
    if step is None:
        raise RuleViolation(_("Cette étape du questionnaire n’existe pas."))
    brouillon = dict(candidature.brouillon or {})
    brouillon[etape] = saisie
    invalides = set(brouillon.get("_invalides", []))
    update_fields = ["brouillon", "etape", "updated_at"]
    if not candidature.questionnaire_version_id:
        candidature.questionnaire_version = candidature_questionnaire(candidature)
        update_fields.append("questionnaire_version")
    # From the first answer on, the version never changes: an edit in the admin makes a new one.
    version_geler(version=candidature.questionnaire_version)  # type: ignore[arg-type]
    if donnees is None:
        invalides.add(etape)
    elif step.bloc:
        invalides.discard(etape)
        update_fields += _apply_step(candidature, step.bloc, donnees, brouillon)
    else:
        invalides.discard(etape)
        update_fields += _apply_reponses(candidature, step, donnees, by)
    brouillon["_invalides"] = sorted(invalides)
    candidature.brouillon = brouillon
    candidature.etape = etape
    candidature.save(update_fields=update_fields)
    return candidature


@transaction.atomic
def piece_add(
    *,
    candidature: Candidature,
    by: User,
    checked: CheckedUpload,
    type_piece: str,
    demande: DemandePiece | None = None,
    during_draft: bool = True,
) -> PieceJointe:
    """Attach a checked upload (core.uploads.CheckedUpload) to the file."""
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
        enqueue("piece_analyser", piece_id=piece.pk)
    return piece


def piece_analyser(*, piece_id: int) -> str:
    """Job: have the configured antivirus scan a document; an infected one is deleted and the applicant told.

    Raises when the scanner cannot answer: the job is retried later and the document stays
    unavailable meanwhile.
    """
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
def piece_delete(*, piece: PieceJointe, by: User) -> None:
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
    missing: dict[str, bool] = {
        "demandeur": not (candidature.statut_demandeur and candidature.fonction and candidature.presentation),
        "structure": candidature.structure_id is None,
        "situation": not candidature.situation.strip(),
        "problematique": not candidature.problematique.strip(),
        "objectifs": not candidature.objectifs.strip(),
        "besoins": not (candidature.besoins_precisions.strip() or candidature.competences_souhaitees.exists()),
        "consentement": not candidature.consentement_donnees,
    }
    return [
        etape.slug
        for etape in questionnaire_etapes(candidature)
        if (missing.get(etape.bloc) if etape.bloc else _reponse_manquante(candidature, etape)) or etape.slug in invalides
    ]


@transaction.atomic
def candidature_deposit(*, candidature: Candidature, by: User) -> Candidature:
    """Submit the questionnaire: complete answers, eligibility pre-check kept, reference, receipt and e-mail."""
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
    candidature = (
        Candidature.objects.select_related("programme", "candidat", "structure", "personne_ressource_pressentie")
        .prefetch_related("competences_souhaitees__domaine", "pieces")
        .get(pk=candidature.pk)
    )
    pdf = render_pdf(
        "pdf/candidature_recu.html",
        {
            "candidature": candidature,
            # The programme's own questions, with the labels of the version answered with.
            "reponses_libres": reponses_affichees(candidature.questionnaire_version, candidature.reponses),
        },
    )
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

    message = message_rendu(rendered, to=[candidature.candidat.email])
    message.attach(f"accuse-reception-{candidature.reference}.pdf", pdf, "application/pdf")
    deliver(message, reference=f"emailenvoye:{email.pk}")
    candidature.refresh_from_db()
    return candidature


@transaction.atomic
def demande_piece_fulfil(*, demande: DemandePiece, by: User, checked: CheckedUpload) -> PieceJointe:
    """The applicant sends the document the coordination asked for."""
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

    send_templated_after_commit(
        to=[candidature.programme.pilote.email],
        name="candidature_piece_fournie",
        context={"candidature": candidature, "piece": piece},
    )
    return piece


@transaction.atomic
def candidature_message_post(
    *, candidature: Candidature, auteur: User, texte: str, checked: CheckedUpload | None = None
) -> Message:
    """A message of the applicant in the file's thread, with an optional attachment."""
    if candidature.candidat_id != getattr(auteur, "pk", None):
        raise TransitionRefused(_("Vous ne pouvez pas écrire sur ce dossier."))
    if not (texte or "").strip():
        raise RuleViolation(_("Le message est vide."), field="texte")
    piece = None
    if checked is not None:
        piece = piece_add(candidature=candidature, by=auteur, checked=checked, type_piece=TypePiece.AUTRE, during_draft=False)
    return message_send(candidature=candidature, auteur=auteur, texte=texte, piece=piece)
