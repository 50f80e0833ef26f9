"""Business operations on the tripartite convention: versions, PDF, signatures, paper scan, avenants.

A version goes BROUILLON (created, PDF being rendered by the worker) → EN_SIGNATURE (PDF stored with
its SHA-256) → SIGNEE (third signature or paper scan: frozen, committed on the envelope). A change
after a signature is a new version (avenant) that `remplace` the signed one.
"""

from __future__ import annotations

import hashlib
import io
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max, Sum
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from pypdf import PdfReader, PdfWriter

from accompagnements.models import Accompagnement, AccompagnementEvenement, EtatAccompagnement, Seance
from accompagnements.permissions import role_in
from accompagnements.services import accompagnement_transition
from accompagnements.signals import programme_modifie
from accounts.models import User
from annuaire.models import PersonneRessource
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation
from core.jobs import enqueue
from core.models import EventKind, recorded_actor
from core.money import format_euros
from core.pdf import append_tagged, render_pdf, stamp_as_artifact
from core.permissions import require
from core.uploads import CheckedUpload
from core.workflow import apply_transition
from programmes.contenus import clauses_rendues
from programmes.models import Structure
from programmes.rules import check_demi_journees
from programmes.services import clauses_courantes

from .models import Convention, EtatConvention, Partie, Signature
from .permissions import PARTIE_DU_ROLE
from .signals import convention_a_engager
from .workflow import WORKFLOW

PARTIES = [Partie.STRUCTURE_PILOTE, Partie.PERSONNE_RESSOURCE, Partie.BENEFICIAIRE]
EN_VIGUEUR_OU_EN_COURS = [EtatConvention.BROUILLON, EtatConvention.EN_SIGNATURE, EtatConvention.SIGNEE]


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def stored_sha256(field_file: FieldFile) -> str | None:
    """SHA-256 of a stored file, or None when the file is missing."""
    if not field_file or not field_file.name:
        return None
    digest = hashlib.sha256()
    try:
        with field_file.storage.open(field_file.name, "rb") as handle:
            for chunk in iter(lambda: handle.read(65536), b""):
                digest.update(chunk)
    except FileNotFoundError:
        return None
    return digest.hexdigest()


def _log(accompagnement: Accompagnement, *, action: str, by: User | None, details: dict[str, Any], reason: str = "") -> None:
    AccompagnementEvenement.objects.create(
        accompagnement_id=accompagnement.pk,
        kind=EventKind.AUTRE,
        transition=action,
        reason=reason,
        details=details,
        actor=recorded_actor(by),
    )


def _require_coordination(by: User, obj: Accompagnement | Convention) -> None:
    require(by, "convention.coordonner", obj)


def _move(convention: Convention, name: str, *, by: User | None, reason: str = "", **changes: Any) -> Convention:
    # A version's history is its accompagnement's timeline: each caller writes that row (_log), named
    # after the operation rather than the move.
    return apply_transition(convention, workflow=WORKFLOW, name=name, actor=by, reason=reason, changes=changes)


def destinataires(accompagnement: Accompagnement) -> list[str]:
    """E-mail addresses of the three parties (the coordination through the pilot's address)."""
    emails = [accompagnement.beneficiaire.email]
    emails += [m.user.email if m.user_id else m.email for m in accompagnement.mentors.select_related("user")]
    emails.append(accompagnement.programme.pilote.email)
    return [e for e in dict.fromkeys(emails) if e]


# --- Versions ---


@transaction.atomic
def convention_create(
    *,
    accompagnement: Accompagnement,
    by: User,
    demi_journees: int | None = None,
    remplace: Convention | None = None,
    motif: str = "",
    personne_ressource_signataire: PersonneRessource | None = None,
) -> Convention:
    """A new version of the accompagnement's convention; its PDF is rendered by the worker after commit."""
    accompagnement = Accompagnement.objects.select_for_update(of=("self",)).select_related("programme").get(pk=accompagnement.pk)
    if remplace is None and accompagnement.etat != EtatAccompagnement.CONVENTION:
        raise RuleViolation(_("La convention se prépare une fois la grille d’objectifs validée par les deux parties."))
    if remplace is None and Convention.objects.filter(accompagnement=accompagnement, etat__in=EN_VIGUEUR_OU_EN_COURS).exists():
        raise RuleViolation(_("Une convention est déjà en préparation ou signée pour cet accompagnement."))
    demi_journees = demi_journees or accompagnement.demi_journees_prevues
    version = (Convention.objects.filter(accompagnement=accompagnement).aggregate(m=Max("version"))["m"] or 0) + 1
    convention = Convention.objects.create(
        accompagnement=accompagnement,
        version=version,
        reference=f"CONV-{accompagnement.reference}-V{version}",
        demi_journees=demi_journees,
        montant=accompagnement.format.montant_pour(demi_journees),
        remplace=remplace,
        motif_avenant=motif.strip(),
        personne_ressource_signataire=personne_ressource_signataire,
        clauses=clauses_courantes(programme=accompagnement.programme),
    )
    _log(
        accompagnement,
        action="convention_creee" if remplace is None else "avenant_cree",
        by=by,
        details={"convention": convention.pk, "version": version, "demi_journees": demi_journees},
        reason=motif,
    )
    enqueue("convention_rendre", convention_id=convention.pk)
    return convention


@transaction.atomic
def convention_generer(*, accompagnement: Accompagnement, by: User) -> Convention:
    """Coordination: prepare the convention, or render again the current version nobody has signed yet."""
    _require_coordination(by, accompagnement)
    courante = (
        Convention.objects.select_for_update()
        .filter(accompagnement=accompagnement, etat__in=[EtatConvention.BROUILLON, EtatConvention.EN_SIGNATURE])
        .order_by("-version")
        .first()
    )
    if courante is None:
        return convention_create(accompagnement=accompagnement, by=by)
    require(by, "convention.regenerer", courante)
    # Refresh the amount (the daily rate may have been corrected) and render again.
    montant = accompagnement.format.montant_pour(courante.demi_journees)
    _move(courante, "regenerer", by=by, montant=montant)
    _log(accompagnement, action="convention_regeneree", by=by, details={"convention": courante.pk})
    enqueue("convention_rendre", convention_id=courante.pk)
    return courante


@transaction.atomic
def conventions_annuler_en_cours(*, accompagnement: Accompagnement, by: User, motif: str) -> int:
    """Cancel the versions not yet fully signed (their text no longer matches). Signatures stay on record."""
    en_cours = Convention.objects.select_for_update().filter(
        accompagnement=accompagnement, etat__in=[EtatConvention.BROUILLON, EtatConvention.EN_SIGNATURE]
    )
    count = 0
    for convention in en_cours:
        _move(convention, "annuler", by=by, reason=motif)
        _log(accompagnement, action="convention_annulee", by=by, details={"convention": convention.pk}, reason=motif)
        count += 1
    return count


@transaction.atomic
def accompagnement_prolonger(*, accompagnement: Accompagnement, duree: int, motif: str, by: User) -> Accompagnement:
    """Coordination: extend an accompagnement to `duree` (in its format's unit), never beyond the format's
    ceiling (« Le format Coaching individuel est limité à 28 h. ») nor the structure's limit.

    Before any signed convention the planned duration changes at once (a version being signed is
    cancelled: its text no longer matches); once signed, through an avenant that the parties sign.
    """
    _require_coordination(by, accompagnement)
    locked = (
        Accompagnement.objects.select_for_update(of=("self",))
        .select_related("format", "structure_beneficiaire")
        .get(pk=accompagnement.pk)
    )
    if locked.etat not in (EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION, EtatAccompagnement.EN_COURS):
        raise RuleViolation(_("Seul un accompagnement qui n’est ni terminé ni abandonné peut être prolongé."))
    if not motif.strip():
        raise RuleViolation(_("Indiquez le motif de la prolongation."), field="motif")
    format = locked.format
    if duree <= locked.demi_journees_prevues:
        raise RuleViolation(
            _("Une prolongation porte la durée au-delà des %(prevue)s prévues.")
            % {"prevue": format.duree_texte(locked.demi_journees_prevues)},
            field="demi_journees",  # as programmes.rules names any planned duration: one field in the forms
        )
    structure = Structure.objects.select_for_update().get(pk=locked.structure_beneficiaire_id)
    check_demi_journees(structure=structure, format=format, demi_journees=duree, exclude_accompagnement_id=locked.pk)
    signee = Convention.objects.filter(accompagnement=locked, etat=EtatConvention.SIGNEE).order_by("-version").first()
    if signee is not None:
        convention_avenant_create(convention=signee, demi_journees=duree, motif=motif, by=by)
    else:
        conventions_annuler_en_cours(accompagnement=locked, by=by, motif=motif)
        Accompagnement.objects.filter(pk=locked.pk).update(demi_journees_prevues=duree, updated_at=timezone.now())
        programme_modifie.send(sender=Accompagnement, programme_id=locked.programme_id)
    _log(
        locked,
        action="accompagnement_prolonger",
        by=by,
        details={"avant": locked.demi_journees_prevues, "apres": duree, "avenant": signee is not None},
        reason=motif.strip(),
    )
    locked.refresh_from_db()
    accompagnement.demi_journees_prevues = locked.demi_journees_prevues
    return locked


@transaction.atomic
def conventions_personne_ressource_ajoutee(
    *, accompagnement: Accompagnement, personne_ressource: PersonneRessource, motif: str, by: User
) -> Convention | None:
    """The parties changed (personne_ressource_ajouter): a signed convention gets an avenant that the new
    personne-ressource signs (a signed document never changes); a version being signed no longer names
    the parties, so it is cancelled and a new one is prepared. Before any version, nothing to do."""
    _require_coordination(by, accompagnement)
    signee = (
        Convention.objects.select_for_update(of=("self",))
        .filter(accompagnement=accompagnement, etat=EtatConvention.SIGNEE)
        .order_by("-version")
        .first()
    )
    motif_avenant = _("Arrivée de %(pr)s comme personne-ressource : %(motif)s") % {"pr": personne_ressource, "motif": motif}
    if signee is not None:
        if Convention.objects.filter(remplace=signee).exists():
            raise RuleViolation(
                _(
                    "Un avenant à la convention signée existe déjà : faites-le signer (ou annuler) avant d’ajouter une personne-ressource."
                ),
                field="personne_ressource",
            )
        return convention_create(
            accompagnement=accompagnement,
            by=by,
            demi_journees=signee.demi_journees,
            remplace=signee,
            motif=motif_avenant,
            personne_ressource_signataire=personne_ressource,
        )
    if conventions_annuler_en_cours(accompagnement=accompagnement, by=by, motif=motif_avenant):
        return convention_create(accompagnement=accompagnement, by=by)
    return None


@transaction.atomic
def convention_avenant_create(*, convention: Convention, demi_journees: int, motif: str, by: User) -> Convention:
    """Coordination: change a signed convention through a new version that needs new signatures."""
    _require_coordination(by, convention)
    convention = Convention.objects.select_for_update(of=("self",)).select_related("accompagnement__format").get(pk=convention.pk)
    require(by, "convention.avenant", convention)
    if Convention.objects.filter(remplace=convention).exists():
        raise RuleViolation(_("Un avenant à cette convention existe déjà."))
    if not motif.strip():
        raise RuleViolation(_("Indiquez l’objet de l’avenant."), field="motif")
    if demi_journees == convention.demi_journees:
        raise RuleViolation(_("Le nombre de demi-journées est inchangé."), field="demi_journees")
    accompagnement = convention.accompagnement
    consommees = Seance.objects.filter(accompagnement=accompagnement).comptees().aggregate(t=Sum("demi_journees"))["t"] or 0
    if demi_journees < consommees:
        raise RuleViolation(
            _("%(n)s demi-journée(s) sont déjà planifiées ou réalisées : l’avenant ne peut pas descendre en dessous.")
            % {"n": consommees},
            field="demi_journees",
        )
    check_demi_journees(
        structure=accompagnement.structure_beneficiaire,
        format=accompagnement.format,
        demi_journees=demi_journees,
        exclude_accompagnement_id=accompagnement.pk,
    )
    return convention_create(accompagnement=accompagnement, by=by, demi_journees=demi_journees, remplace=convention, motif=motif)


# --- The PDF ---


def convention_pdf_context(convention: Convention) -> dict[str, Any]:
    """Plain values for templates/pdf/convention.html (the wording itself lives in the template)."""
    acc = (
        Accompagnement.objects.select_related(
            "programme__pilote", "format", "structure_beneficiaire", "beneficiaire", "candidature"
        )
        .prefetch_related("mentors__structure", "objectifs__indicateurs")
        .get(pk=convention.accompagnement_id)
    )
    programme = acc.programme

    def structure(s: Structure) -> dict[str, Any]:
        return {
            "raison_sociale": s.raison_sociale,
            "adresse": s.adresse,
            "code_postal": s.code_postal,
            "commune": s.commune,
            "siret": s.siret,
            "forme_juridique": s.get_forme_juridique_display() if s.forme_juridique else "",
        }

    seances = [
        {
            "debut": timezone.localtime(s.debut),
            "duree": s.get_demi_journees_display(),
            "lieu": s.lieu,
            "modalite": s.get_modalite_display(),
            "sujet": s.sujet,
        }
        # The sessions that consume the convention's half-days (planned, held, or cancelled late and counted).
        for s in Seance.objects.filter(accompagnement=acc).comptees().order_by("debut")
    ]
    jours = Decimal(convention.demi_journees) / 2
    jours_texte = f"{jours:.1f}".replace(".", ",").removesuffix(",0")
    jours_libelle = f"{jours_texte} jour{'s' if jours >= 2 else ''}"
    if acc.format.est_en_heures:
        duree_texte = ngettext("%(n)s heure", "%(n)s heures", convention.demi_journees) % {"n": convention.demi_journees}
        if not acc.format.personne_ressource_remuneree:
            remuneration_texte = _("%(duree)s, sans rémunération de la personne-ressource") % {"duree": duree_texte}
        else:
            taux = acc.format.taux_par_unite
            remuneration_texte = _("%(duree)s à %(taux)s de l’heure") % {
                "duree": duree_texte,
                "taux": format_euros(taux) if taux is not None else "",
            }
    else:
        duree_texte = ngettext("%(n)s demi-journée", "%(n)s demi-journées", convention.demi_journees) % {
            "n": convention.demi_journees
        }
        remuneration_texte = _("%(jours)s à %(taux)s par jour") % {
            "jours": jours_libelle,
            "taux": format_euros(programme.taux_journalier),
        }
    context: dict[str, Any] = {
        "reference": convention.reference,
        "version": convention.version,
        "date": timezone.localdate(),
        "avenant": convention.remplace is not None,
        "remplace_reference": convention.remplace.reference if convention.remplace is not None else "",
        "motif_avenant": convention.motif_avenant,
        "accompagnement_reference": acc.reference,
        # The structure that signs: the programme's pilot (issue 16), frozen in the document's context.
        "pilot": programme.pilote.identite(),
        "programme": {
            "nom": programme.nom,
            "date_debut": programme.date_debut,
            "date_fin": programme.date_fin,
            "delai_compte_rendu_jours": programme.delai_compte_rendu_jours,
            "delai_avant_seance_heures": programme.delai_avant_seance_heures,
        },
        "format": {"code": acc.format.code, "libelle": acc.format.libelle},
        "demi_journees": convention.demi_journees,
        "jours": jours_texte,
        # "2 jours", "1,5 jour": French puts the plural from two.
        "jours_libelle": jours_libelle,
        "taux_journalier": format_euros(programme.taux_journalier),
        # A format counted in hours (PEER CULTURE's coaching) is priced per hour: "20 heures à 60,00 € de l’heure".
        "en_heures": acc.format.est_en_heures,
        "taux_horaire": format_euros(acc.format.taux_par_unite) if acc.format.taux_par_unite is not None else "",
        "duree_texte": duree_texte,
        "unite_pluriel": _("heures") if acc.format.est_en_heures else _("demi-journées"),
        "remuneration_texte": remuneration_texte,
        "montant": format_euros(convention.montant),
        "beneficiaire": {
            "nom": acc.beneficiaire.display_name,
            "email": acc.beneficiaire.email,
            "fonction": acc.candidature.fonction,
            "structure": structure(acc.structure_beneficiaire),
        },
        "mentors": [
            {
                "nom": str(m),
                "email": m.email,
                "fonction": m.fonction,
                "structure": structure(m.structure),
            }
            for m in acc.mentors.all()
        ],
        "objectifs": [
            {
                "intitule": o.intitule,
                "critere_reussite": o.critere_reussite,
                "indicateurs": [
                    {
                        "quantitatif": i.type_indicateur == "quantitatif",
                        "libelle": i.libelle,
                        "description": i.description,
                        "unite": i.unite,
                        "valeur_initiale": i.valeur_initiale,
                        "cible": i.cible,
                    }
                    for i in o.indicateurs.all()
                ],
            }
            for o in acc.objectifs.all()
        ],
        "seances": seances,
    }
    # The programme's clauses this version is rendered with (recorded on it; a signed one keeps them).
    version_clauses = convention.clauses or clauses_courantes(programme=programme)
    context["clauses"] = clauses_rendues(version_clauses.clauses.all(), context)
    return context


def convention_render_pdf(*, convention_id: int) -> Convention | None:
    """Worker: render the version's PDF and open it to signature. Never touches a version someone signed."""
    with transaction.atomic():
        convention = (
            Convention.objects.select_for_update(of=("self",)).select_related("accompagnement").filter(pk=convention_id).first()
        )
        if convention is None or convention.etat not in (EtatConvention.BROUILLON, EtatConvention.EN_SIGNATURE):
            return convention
        if convention.signatures.exists():
            return convention
        # Nobody signed yet: the document takes the programme's current clauses.
        clauses = clauses_courantes(programme=convention.accompagnement.programme)
        if convention.clauses_id != clauses.pk:
            convention.clauses = clauses
            convention.save(update_fields=["clauses", "updated_at"])
        pdf = render_pdf("pdf/convention.html", convention_pdf_context(convention))
        digest = sha256_of(pdf)
        premiere_fois = convention.en_signature_le is None
        convention.pdf.save(f"{convention.reference}-{digest[:12]}.pdf", ContentFile(pdf), save=False)
        convention = _move(
            convention, "ouvrir_signature", by=None, pdf=convention.pdf, pdf_sha256=digest, en_signature_le=timezone.now()
        )
        if premiere_fois:
            send_templated_after_commit(
                to=destinataires(convention.accompagnement),
                name="convention_a_signer",
                context={"convention": convention, "accompagnement": convention.accompagnement},
            )
    return convention


# --- Signatures ---


@transaction.atomic
def convention_sign(*, convention: Convention, by: User, adresse_ip: str | None, sha256_document: str) -> Signature:
    """The logged-in person signs for their party the exact PDF whose SHA-256 they were shown.

    The third signature completes the convention: commitment on the envelope (refused → nothing is
    recorded), accompagnement started, final PDF built by the worker.
    """
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    accompagnement = Accompagnement.objects.prefetch_related("mentors").get(pk=convention.accompagnement_id)
    convention.accompagnement = accompagnement
    require(by, "convention.signer", convention)
    partie = PARTIE_DU_ROLE[role_in(accompagnement, by)]  # type: ignore[index]  # the rule above found a party
    if sha256_document != convention.pdf_sha256:
        raise RuleViolation(
            _("Le document a changé depuis que vous l’avez ouvert : relisez la nouvelle version avant de la signer.")
        )
    if stored_sha256(convention.pdf) != convention.pdf_sha256:
        raise RuleViolation(
            _("Le fichier de la convention ne correspond plus à son empreinte : signature impossible, prévenez la coordination.")
        )
    signature = Signature.objects.create(
        convention=convention,
        partie=partie,
        signataire=by,
        nom_signataire=by.display_name,
        signee_le=timezone.now(),
        adresse_ip=adresse_ip or None,
        sha256_document=convention.pdf_sha256,
    )
    _log(accompagnement, action="convention_signee_par", by=by, details={"convention": convention.pk, "partie": partie})
    if set(convention.signatures.values_list("partie", flat=True)) == set(PARTIES):
        _convention_completer(convention=convention, by=by)
    return signature


def _convention_completer(*, convention: Convention, by: User | None, **changes: Any) -> None:
    """Fully signed: commit the amount (or the avenant's difference), freeze, start the accompagnement."""
    accompagnement = (
        Accompagnement.objects.select_for_update(of=("self",)).select_related("format").get(pk=convention.accompagnement_id)
    )
    precedente = convention.remplace
    difference = convention.montant - (precedente.montant if precedente else Decimal("0.00"))
    if difference:
        libelle = (
            _("Avenant %(ref)s : %(n)s au lieu de %(avant)s")
            % {
                "ref": convention.reference,
                "n": accompagnement.format.duree_texte(convention.demi_journees),
                "avant": precedente.demi_journees,
            }
            if precedente
            else _("Convention %(ref)s : %(n)s")
            % {"ref": convention.reference, "n": accompagnement.format.duree_texte(convention.demi_journees)}
        )
        convention_a_engager.send(
            sender=Convention, convention=convention, accompagnement=accompagnement, montant=difference, libelle=libelle, by=by
        )
    if convention.demi_journees != accompagnement.demi_journees_prevues:
        structure = Structure.objects.select_for_update().get(pk=accompagnement.structure_beneficiaire_id)
        check_demi_journees(
            structure=structure,
            format=accompagnement.format,
            demi_journees=convention.demi_journees,
            exclude_accompagnement_id=accompagnement.pk,
        )
        Accompagnement.objects.filter(pk=accompagnement.pk).update(demi_journees_prevues=convention.demi_journees)
        # The planned half-days changed: the later stages' figures of the programme follow (budget's summary).
        programme_modifie.send(sender=Accompagnement, programme_id=accompagnement.programme_id)
    _move(convention, "completer", by=by, signee_le=timezone.now(), **changes)
    if precedente is not None:
        _move(precedente, "remplacer", by=by)
    if accompagnement.etat == EtatAccompagnement.CONVENTION:
        accompagnement_transition(accompagnement=accompagnement, name="demarrer", by=by)
    _log(
        accompagnement,
        action="convention_signee",
        by=by,
        details={"convention": convention.pk, "montant": str(convention.montant)},
    )
    if not convention.pdf_final:
        enqueue("convention_finaliser", convention_id=convention.pk)


@transaction.atomic
def convention_scan_deposer(*, convention: Convention, fichier: CheckedUpload, by: User) -> Convention:
    """Coordination: the convention was signed on paper; its PDF scan completes the signature."""
    _require_coordination(by, convention)
    if fichier.content_type != "application/pdf":
        raise RuleViolation(_("Le scan de la convention signée doit être un fichier PDF."), field="fichier")
    convention = Convention.objects.select_for_update().get(pk=convention.pk)
    require(by, "convention.deposer_scan", convention)
    _convention_completer(
        convention=convention, by=by, pdf_final=fichier.stored_file(), pdf_final_sha256=fichier.sha256, scan_papier=True
    )
    return convention


# --- Final document ---


def _merge_final(*, original: bytes, empreinte: bytes, certification: bytes, titre: str) -> bytes:
    tampon = stamp_as_artifact(PdfReader(io.BytesIO(empreinte)).pages[0])
    writer = PdfWriter(clone_from=io.BytesIO(original))
    for page in writer.pages:
        page.merge_page(tampon)
    append_tagged(writer, PdfReader(io.BytesIO(certification)))
    writer.add_metadata({"/Title": titre, "/Producer": "TSF Occitanie"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def convention_certification_context(convention: Convention) -> dict[str, Any]:
    """What the signature certificate says (pdf/convention_certification.html): the final PDF's last page
    and the audit file's separate certificate."""
    signatures = convention.signatures.order_by("signee_le")
    return {
        "pilot": convention.accompagnement.programme.pilote.identite(),
        "reference": convention.reference,
        "version": convention.version,
        "sha256": convention.pdf_sha256,
        "signatures": [
            {
                "partie": s.get_partie_display(),
                "nom": s.nom_signataire,
                "le": timezone.localtime(s.signee_le),
                "sha256": s.sha256_document,
            }
            for s in signatures
        ],
        "signee_le": timezone.localtime(convention.signee_le) if convention.signee_le else None,
    }


def convention_finalize(*, convention_id: int) -> Convention | None:
    """Worker: the signed PDF, stamped with its fingerprint, plus a page certifying the signatures. Built once."""
    convention = Convention.objects.select_related("accompagnement").filter(pk=convention_id).first()
    if convention is None or convention.pdf_final or convention.etat not in (EtatConvention.SIGNEE, EtatConvention.REMPLACEE):
        return convention
    original = convention.pdf.read()
    convention.pdf.close()
    if sha256_of(original) != convention.pdf_sha256:
        raise RuleViolation(_("Le fichier de la convention ne correspond plus à son empreinte."))
    context = convention_certification_context(convention)
    final = _merge_final(
        original=original,
        empreinte=render_pdf("pdf/convention_empreinte.html", context, tagged=False),
        certification=render_pdf("pdf/convention_certification.html", context),
        titre=_("Convention %(ref)s – signée") % {"ref": convention.reference},
    )
    with transaction.atomic():
        convention = Convention.objects.select_for_update(of=("self",)).select_related("accompagnement").get(pk=convention_id)
        if convention.pdf_final:
            return convention
        digest = sha256_of(final)
        convention.pdf_final.save(f"{convention.reference}-signee-{digest[:12]}.pdf", ContentFile(final), save=False)
        convention.pdf_final_sha256 = digest
        convention.save(update_fields=["pdf_final", "pdf_final_sha256", "updated_at"])
        send_templated_after_commit(
            to=destinataires(convention.accompagnement),
            name="convention_signee",
            context={"convention": convention, "accompagnement": convention.accompagnement},
        )
    return convention
