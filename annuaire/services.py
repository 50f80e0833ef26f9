"""Business operations of the directory, the référentiel and the matching. One transaction each."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser, Group
from django.core import signing
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from candidatures.models import Candidature
from candidatures.services import candidature_event
from core.concurrency import lock_unchanged
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation, TransitionRefused
from core.models import EventKind, recorded_actor
from core.permissions import require
from core.signals import send_for_one
from core.workflow import apply_transition
from programmes.models import POIDS_FIELDS, Programme, Structure, en_demi_journees
from programmes.services import structure_existante

from . import matching, selectors
from .models import (
    Competence,
    CompetencePersonneRessource,
    Domaine,
    EtatPersonneRessource,
    EtatProposition,
    PersonneRessource,
    PersonneRessourceEvenement,
    Proposition,
)

# The token is made where the mentor's space reads it (selectors); re-exported for callers and tests.
from .selectors import TOKEN_SALT, proposition_token
from .signals import proposition_acceptee
from .workflow import PROPOSITION_WORKFLOW, WORKFLOW

TOKEN_MAX_AGE = 21 * 24 * 3600  # the mentor has three weeks to answer through the e-mail link


# --- Structures and profiles --------------------------------------------------------------------


@dataclass(frozen=True)
class StructureData:
    siret: str
    raison_sociale: str = ""
    commune: str = ""
    departement: str = ""
    type_structure: str = ""
    nombre_salaries: int = 0


def _structure_for(data: StructureData) -> Structure:
    """The existing structure with this SIRET, or a new one from the form's answers."""
    existing = Structure.objects.filter(siret=data.siret).first() if data.siret else None
    if existing is not None:
        return existing
    missing = [f for f in ("raison_sociale", "commune", "departement") if not getattr(data, f)]
    if missing:
        raise RuleViolation(
            _("Structure inconnue : indiquez sa raison sociale, sa commune et son département."), field=missing[0]
        )
    return Structure.objects.create(
        siret=data.siret,
        raison_sociale=data.raison_sociale,
        commune=data.commune,
        departement=data.departement,
        type_structure=data.type_structure or "autre",
        nombre_salaries=data.nombre_salaries,
        employeuse=data.nombre_salaries > 0,
    )


def _event(pr: PersonneRessource, *, by: User | None, kind: str = EventKind.AUTRE, reason: str = "", **details: Any) -> None:
    PersonneRessourceEvenement.objects.create(
        personne_ressource=pr,
        kind=kind,
        reason=reason,
        details=details,
        actor=recorded_actor(by),
    )


# A profile's moves, each written in its history.
_profile_move = partial(
    apply_transition, workflow=WORKFLOW, history_model=PersonneRessourceEvenement, history_fk="personne_ressource"
)


def _send_decision(pr: PersonneRessource, *, validee: bool, reason: str, **context: Any) -> None:
    """The coordination's decision on a profile, to the applicant (after the commit)."""
    send_templated_after_commit(
        to=[pr.email],
        name="annuaire_decision",
        context={"personne_ressource": pr, "validee": validee, "motif": reason, **context},
    )


def _was_beneficiary(*, account: User | None, email: str) -> bool:
    """Through the users' relation to the accompagnements they follow (a later stage's data; a read only)."""
    users = User.objects.filter(pk=account.pk) if account is not None else User.objects.filter(email__iexact=email)
    return users.filter(accompagnements_suivis__isnull=False).exists()


def _champs_profil(*, types_projets: list[str], tailles_projets: list[str], **fields: object) -> dict[str, object]:
    """A profile's columns as the directory stores them (project kinds and sizes sorted)."""
    return {**fields, "types_projets": sorted(types_projets), "tailles_projets": sorted(tailles_projets)}


def _competences_set(pr: PersonneRessource, competences: dict[int, int], *, strict: bool = False) -> None:
    """Replace the profile's competences (id → level); an unknown or inactive one is dropped, or refused if `strict`."""
    CompetencePersonneRessource.objects.filter(personne_ressource=pr).delete()
    valid = set(Competence.objects.filter(pk__in=competences, active=True).values_list("pk", flat=True))
    if strict and set(competences) - valid:
        raise RuleViolation(_("Compétence inconnue ou inactive."), field="competences")
    CompetencePersonneRessource.objects.bulk_create(
        [
            CompetencePersonneRessource(personne_ressource=pr, competence_id=c, niveau=n)
            for c, n in competences.items()
            if c in valid
        ]
    )


@transaction.atomic
def personne_ressource_apply(
    *,
    user: AbstractBaseUser | AnonymousUser,
    structure: StructureData,
    competences: dict[int, int],
    prenom: str,
    nom: str,
    email: str,
    telephone: str = "",
    fonction: str = "",
    presentation: str = "",
    departement: str,
    mobilite: str,
    types_projets: list[str],
    tailles_projets: list[str],
    disponibilite_demi_journees: int,
) -> PersonneRessource:
    """Record an application to the directory (public or from an account); the coordination checks it."""
    if not competences:
        raise RuleViolation(_("Indiquez au moins une compétence que vous pouvez transmettre."), field="competences")
    # A logged-in applicant's profile is tied to their account; an anonymous one's is matched by e-mail.
    account = user if isinstance(user, User) else None
    existing = PersonneRessource.objects.filter(user=account).first() if account is not None else None
    if existing is None:
        # A suggested profile with this e-mail becomes this application.
        existing = PersonneRessource.objects.filter(
            email__iexact=email, etat=EtatPersonneRessource.SUGGEREE, user__isnull=True
        ).first()
    if existing is None and PersonneRessource.objects.filter(email__iexact=email).exists():
        raise RuleViolation(
            _(
                "Un profil de personne-ressource existe déjà pour cette adresse e-mail : connectez-vous ou contactez la coordination."
            ),
            field="email",
        )
    if existing is not None and existing.etat != EtatPersonneRessource.SUGGEREE:
        raise RuleViolation(_("Vous avez déjà un profil de personne-ressource : la coordination l’examine ou l’a examiné."))
    employer = _structure_for(structure)
    fields = _champs_profil(
        prenom=prenom,
        nom=nom,
        email=email,
        telephone=telephone,
        fonction=fonction,
        presentation=presentation,
        structure=employer,
        departement=departement,
        mobilite=mobilite,
        types_projets=types_projets,
        tailles_projets=tailles_projets,
        disponibilite_demi_journees=disponibilite_demi_journees,
        ancien_beneficiaire=_was_beneficiary(account=account, email=email),
    )
    if account is not None:
        fields["user"] = account
    if existing is not None:
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        pr = existing
        _profile_move(pr, name="candidater", actor=user)
    else:
        pr = PersonneRessource.objects.create(etat=EtatPersonneRessource.CANDIDATE, **fields)
        PersonneRessourceEvenement.objects.create(personne_ressource=pr, transition="candidater", to_state=pr.etat, actor=account)
    _competences_set(pr, competences)
    send_templated_after_commit(
        to=[settings.TSF_PILOT["email"]], name="annuaire_candidature_recue", context={"personne_ressource": pr}
    )
    return pr


@transaction.atomic
def personne_ressource_suggest(
    *,
    by: User,
    prenom: str,
    nom: str,
    email: str,
    structure: StructureData,
    departement: str,
    motif: str,
) -> PersonneRessource:
    """A committee member suggests someone: a pending profile, and the coordination is told."""
    require(by, "annuaire.suggerer")
    if PersonneRessource.objects.filter(email__iexact=email).exists():
        raise RuleViolation(_("Cette personne figure déjà dans l’annuaire."), field="email")
    pr = PersonneRessource.objects.create(
        prenom=prenom,
        nom=nom,
        email=email,
        structure=_structure_for(structure),
        departement=departement,
        presentation=motif,
        etat=EtatPersonneRessource.SUGGEREE,
        suggeree_par=by,
    )
    PersonneRessourceEvenement.objects.create(
        personne_ressource=pr, transition="suggerer", to_state=pr.etat, reason=motif, actor=by
    )
    send_templated_after_commit(
        to=[settings.TSF_PILOT["email"]], name="annuaire_suggestion", context={"personne_ressource": pr, "par": by}
    )
    return pr


def _account_for(pr: PersonneRessource) -> tuple[User, bool]:
    """The mentor's account (existing by e-mail or created without password) with the mentor role."""
    created = False
    user = pr.user or User.objects.filter(email__iexact=pr.email).first()
    if user is None:
        user = User.objects.create_user(email=pr.email, password=None, first_name=pr.prenom, last_name=pr.nom)
        created = True
    group, _created = Group.objects.get_or_create(name=roles.PERSONNE_RESSOURCE)
    user.groups.add(group)
    if hasattr(user, "_role_names"):
        del user._role_names
    return user, created


@transaction.atomic
def personne_ressource_validate(*, personne_ressource: PersonneRessource, by: User, reason: str = "") -> PersonneRessource:
    """Eligibility checked (employed by a music structure of Occitanie in good standing): the profile joins the directory."""
    if not personne_ressource.structure.en_regle:
        raise RuleViolation(
            _("La structure employeuse n’est pas en situation de régularité : le profil ne peut pas être validé.")
        )
    if PersonneRessource.objects.filter(user__email__iexact=personne_ressource.email).exclude(pk=personne_ressource.pk).exists():
        raise RuleViolation(_("Un autre profil utilise déjà le compte de cette adresse e-mail."))
    _profile_move(personne_ressource, name="valider", actor=by, reason=reason)
    user, created = _account_for(personne_ressource)
    PersonneRessource.objects.filter(pk=personne_ressource.pk).update(user=user)
    personne_ressource.user = user
    _send_decision(personne_ressource, validee=True, reason=reason, nouveau_compte=created)
    return personne_ressource


@transaction.atomic
def personne_ressource_refuse(*, personne_ressource: PersonneRessource, by: User, reason: str) -> PersonneRessource:
    _profile_move(personne_ressource, name="refuser", actor=by, reason=reason)
    _send_decision(personne_ressource, validee=False, reason=reason)
    return personne_ressource


@transaction.atomic
def personne_ressource_importer(
    *,
    by: User,
    structure: StructureData,
    competences: dict[int, int],
    prenom: str,
    nom: str,
    email: str,
    telephone: str = "",
    fonction: str = "",
    presentation: str = "",
    departement: str,
    mobilite: str | None = None,
    types_projets: list[str] | None = None,
    tailles_projets: list[str] | None = None,
    disponibilite_demi_journees: int | None = None,
    ancien_beneficiaire: bool = False,
) -> tuple[PersonneRessource, bool]:
    """A personne-ressource from the coordination's records: matched on her e-mail and updated, or created
    and validated (through the profile's workflow, with her account, without any e-mail). Returns the
    profile and whether it was created. An optional value left empty (None, "", []) is "not given": a
    new profile takes the default, an existing one keeps what is known."""
    require(by, "donnees.importer")
    if not competences:
        raise RuleViolation(_("Indiquez au moins une compétence."), field="competences")
    # A structure without SIRET is the one of the same name in the same commune (one per spreadsheet, not per line).
    employer = structure_existante(
        siret=structure.siret, raison_sociale=structure.raison_sociale, commune=structure.commune
    ) or _structure_for(structure)
    existing = PersonneRessource.objects.select_for_update().filter(email__iexact=email).first()
    fields = _champs_profil(
        prenom=prenom,
        nom=nom,
        email=email,
        telephone=telephone,
        fonction=fonction,
        presentation=presentation,
        structure=employer,
        departement=departement,
        mobilite=mobilite,
        types_projets=types_projets or [],
        tailles_projets=tailles_projets or [],
        disponibilite_demi_journees=disponibilite_demi_journees,
        ancien_beneficiaire=ancien_beneficiaire or _was_beneficiary(account=None, email=email),
    )
    fields = {key: value for key, value in fields.items() if value not in (None, "", [])}
    if existing is not None:
        for key, value in fields.items():
            setattr(existing, key, value)
        existing.save()
        pr = existing
        _event(pr, by=by, reason=_("Mise à jour par import"), importe=True)
    else:
        if not employer.en_regle:
            raise RuleViolation(
                _("La structure employeuse n’est pas en situation de régularité : le profil ne peut pas être validé.")
            )
        pr = PersonneRessource.objects.create(etat=EtatPersonneRessource.CANDIDATE, **fields)
        PersonneRessourceEvenement.objects.create(
            personne_ressource=pr, transition="importer", to_state=pr.etat, actor=by, reason=_("Import")
        )
        if PersonneRessource.objects.filter(user__email__iexact=email).exists():
            raise RuleViolation(_("Un autre profil utilise déjà le compte de cette adresse e-mail."))
        _profile_move(pr, name="valider", actor=by, reason=_("Import des fichiers de la coordination"))
        user, _created = _account_for(pr)
        PersonneRessource.objects.filter(pk=pr.pk).update(user=user)
        pr.user = user
    _competences_set(pr, competences, strict=True)
    return pr, existing is None


# --- Référentiel and settings -------------------------------------------------------------------


@transaction.atomic
def domaine_create(*, nom: str, by: User) -> Domaine:
    nom = nom.strip()
    slug = slugify(nom)[:50]
    if not slug:
        raise RuleViolation(_("Indiquez le nom du domaine."), field="nom")
    if Domaine.objects.filter(nom__iexact=nom).exists() or Domaine.objects.filter(slug=slug).exists():
        raise RuleViolation(_("Ce domaine existe déjà."), field="nom")
    ordre = (Domaine.objects.order_by("-ordre").values_list("ordre", flat=True).first() or 0) + 1
    return Domaine.objects.create(nom=nom, slug=slug, ordre=ordre)


@transaction.atomic
def competence_create(*, domaine: Domaine, nom: str, description: str = "", by: User) -> Competence:
    nom = nom.strip()
    if not nom:
        raise RuleViolation(_("Indiquez le nom de la compétence."), field="nom")
    if Competence.objects.filter(domaine=domaine, nom__iexact=nom).exists():
        raise RuleViolation(_("Cette compétence existe déjà dans ce domaine."), field="nom")
    return Competence.objects.create(domaine=domaine, nom=nom, description=description)


@transaction.atomic
def programme_set_matching(
    *, programme: Programme, by: User, missions_max_par_mentor: int, version: str | None = None, **poids: int
) -> Programme:
    """Change the matching weights (0–100 each) and the cap on missions per mentor of a programme.
    `version`: that of the programme the form was filled from; one saved since raises EditConflict."""
    if set(poids) != set(POIDS_FIELDS):
        raise ValueError(f"expected {POIDS_FIELDS}")
    if any(v < 0 or v > 100 for v in poids.values()):
        raise RuleViolation(_("Chaque poids est compris entre 0 et 100."))
    if sum(poids.values()) == 0:
        raise RuleViolation(_("Au moins un critère doit avoir un poids."))
    if missions_max_par_mentor < 1:
        raise RuleViolation(
            _("Une personne-ressource doit pouvoir prendre au moins une mission."), field="missions_max_par_mentor"
        )
    lock_unchanged(Programme.objects, pk=programme.pk, version=version)
    # update() skips auto_now: the new version is set here.
    Programme.objects.filter(pk=programme.pk).update(
        missions_max_par_mentor=missions_max_par_mentor, updated_at=timezone.now(), **poids
    )
    programme.refresh_from_db()
    return programme


# --- Propositions -------------------------------------------------------------------------------


def proposition_from_token(token: str) -> Proposition:
    """The proposition of a valid, unexpired token; raises signing.BadSignature (SignatureExpired) otherwise."""
    data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    return Proposition.objects.select_related(
        "candidature__structure", "candidature__format_retenu", "candidature__programme", "personne_ressource__user"
    ).get(pk=data["p"], personne_ressource_id=data["m"])


def _candidature_event(candidature: Candidature, *, by: User | None, reason: str = "", **details: Any) -> None:
    candidature_event(candidature=candidature, kind=EventKind.AUTRE, by=by, reason=reason, details=details)


def _move(proposition: Proposition, name: str, *, by: User | None, reason: str = "", **changes: Any) -> Proposition:
    # A proposition's history is its application's timeline: each caller writes that event itself,
    # after the work of the move (the accompagnement an acceptance creates is named in it).
    return apply_transition(proposition, workflow=PROPOSITION_WORKFLOW, name=name, actor=by, reason=reason, changes=changes)


def _check_waiting(candidature: Candidature) -> None:
    if not selectors.candidatures_a_apparier(candidature.programme).filter(pk=candidature.pk).exists():
        etat = Candidature.objects.get(pk=candidature.pk).get_etat_display()
        raise TransitionRefused(
            _("Ce dossier n’attend pas d’appariement (état : %(etat)s, ou une proposition attend déjà une réponse).")
            % {"etat": etat}
        )


def _send(proposition: Proposition, *, by: User) -> None:
    _move(proposition, "envoyer", by=by, envoyee_le=timezone.now())
    _candidature_event(
        proposition.candidature,
        by=by,
        reason=proposition.justification,
        action="proposition_envoyee",
        proposition=proposition.pk,
        personne_ressource=str(proposition.personne_ressource),
        score=str(proposition.score),
        rang=proposition.rang,
    )
    send_templated_after_commit(
        to=[proposition.personne_ressource.email],
        name="annuaire_proposition",
        context={"proposition": proposition, "candidature": proposition.candidature, "token": proposition_token(proposition)},
    )


def _pick(classement: selectors.Classement, personne_ressource: PersonneRessource) -> tuple[matching.Score, int]:
    for rang, score in enumerate(classement.scores, start=1):
        if score.mentor.id == personne_ressource.pk:
            return score, rang
    motif = next((e.motif for e in classement.exclusions if e.mentor.id == personne_ressource.pk), "")
    raise RuleViolation(
        _("%(pr)s ne peut pas être proposé·e pour ce dossier. %(motif)s") % {"pr": personne_ressource, "motif": motif},
        field="personne_ressource",
    )


@transaction.atomic
def proposition_send(
    *, candidature: Candidature, personne_ressource: PersonneRessource, by: User, justification: str = ""
) -> Proposition:
    """Propose one mentor for one selected file and e-mail them; another than the best asks for a justification."""
    _check_waiting(candidature)
    classement = selectors.classement(candidature)
    score, rang = _pick(classement, personne_ressource)
    justification = justification.strip()
    if rang > 1 and not justification:
        raise RuleViolation(
            _("Ce n’est pas la personne la mieux classée : expliquez votre choix en une phrase."), field="justification"
        )
    Proposition.objects.filter(candidature=candidature, etat=EtatProposition.BROUILLON).delete()
    proposition = Proposition.objects.create(
        candidature=candidature,
        personne_ressource=personne_ressource,
        score=score.total,
        detail_score=score.as_json() | {"meilleur": classement.scores[0].mentor.id},
        rang=rang,
        justification=justification,
        proposee_par=by,
    )
    _send(proposition, by=by)
    return proposition


@dataclass
class Lot:
    propositions: int
    dossiers: int
    total: float
    iterations: int


@transaction.atomic
def propositions_batch_draft(*, programme: Programme, by: User) -> Lot:
    """Compute the optimal proposal for every file waiting for a match, as drafts the coordinator reviews."""
    candidatures = list(selectors.candidatures_a_apparier(programme))
    Proposition.objects.filter(candidature__in=candidatures, etat=EtatProposition.BROUILLON).delete()
    if not candidatures:
        return Lot(0, 0, 0.0, 0)
    dossiers = selectors.dossiers(candidatures)
    profils = selectors.mentors(programme, validees_only=True)
    poids = matching.Poids.of(programme)
    cap = programme.missions_max_par_mentor
    scores, eligible = matching.score_matrix(dossiers, profils, poids, missions_max=cap)
    # A mentor who already answered (or holds) a proposition for a file is not proposed again for it.
    index_f = {d.id: i for i, d in enumerate(dossiers)}
    index_m = {m.id: j for j, m in enumerate(profils)}
    for cid, pid in Proposition.objects.filter(candidature__in=candidatures).values_list(
        "candidature_id", "personne_ressource_id"
    ):
        if pid in index_m:
            eligible[index_f[cid], index_m[pid]] = False
    result = matching.assign(
        scores,
        eligible,
        matching.capacites(profils, missions_max=cap),
        demandes=[d.demi_journees for d in dossiers],
        restes=[m.reste for m in profils],
    )
    masked = np.where(eligible, scores, -1.0)
    rows = []
    for f, m in sorted(result.paires.items()):
        dossier, mentor = dossiers[f], profils[m]
        explained = matching.score_pair(dossier, mentor, poids)
        best = int(np.argmax(masked[f]))
        rows.append(
            Proposition(
                candidature=candidatures[f],
                personne_ressource_id=mentor.id,
                score=explained.total,
                detail_score=explained.as_json() | {"calcul": mentor.id, "meilleur": profils[best].id},
                rang=int((masked[f] > scores[f, m]).sum()) + 1,
                proposee_par=by,
            )
        )
    Proposition.objects.bulk_create(rows)
    return Lot(len(rows), len(candidatures), result.total, result.iterations)


@transaction.atomic
def proposition_change(
    *, proposition: Proposition, personne_ressource: PersonneRessource, by: User, justification: str
) -> Proposition:
    """Replace the mentor of a draft; choosing another than the computed one asks for a justification."""
    locked = Proposition.objects.select_for_update(of=("self",)).select_related("candidature__programme").get(pk=proposition.pk)
    if locked.etat != EtatProposition.BROUILLON:
        raise TransitionRefused(_("Cette proposition a déjà été envoyée : elle ne peut plus être modifiée."))
    justification = justification.strip()
    calcule = locked.detail_score.get("calcul")
    if personne_ressource.pk != calcule and not justification:
        raise RuleViolation(
            _("Vous remplacez la proposition calculée : expliquez votre choix en une phrase."), field="justification"
        )
    classement = selectors.classement(locked.candidature)
    score, rang = _pick(classement, personne_ressource)
    locked.personne_ressource = personne_ressource
    locked.score = score.total
    locked.detail_score = score.as_json() | {"calcul": calcule, "meilleur": classement.scores[0].mentor.id}
    locked.rang = rang
    locked.justification = justification if personne_ressource.pk != calcule else ""
    locked.proposee_par = by
    try:
        with transaction.atomic():
            locked.save()
    except IntegrityError as exc:
        raise RuleViolation(_("Cette personne a déjà reçu une proposition pour ce dossier."), field="personne_ressource") from exc
    return locked


@transaction.atomic
def propositions_batch_confirm(*, programme: Programme, by: User) -> int:
    """Send every draft of the programme, after checking that no mentor is over their cap or half-days."""
    drafts = list(
        Proposition.objects.select_for_update(of=("self",))
        .filter(candidature__programme=programme, etat=EtatProposition.BROUILLON)
        .select_related("candidature__structure", "candidature__format_retenu", "personne_ressource")
        .order_by("pk")
    )
    if not drafts:
        raise RuleViolation(_("Aucune proposition à envoyer : calculez d’abord une proposition."))
    profils = {m.id: m for m in selectors.mentors(programme)}
    nouvelles = Counter(p.personne_ressource_id for p in drafts)
    demi_journees: Counter[int] = Counter()
    for p in drafts:
        fmt = p.candidature.format_retenu
        demi_journees[p.personne_ressource_id] += en_demi_journees(
            p.candidature.demi_journees_retenues or 1,
            unite=fmt.unite if fmt is not None else "",
            heures_par_demi_journee=programme.heures_par_demi_journee,
        )
    for pid, n in nouvelles.items():
        mentor = profils.get(pid)
        if mentor is None or not mentor.valide:
            raise RuleViolation(_("Une personne proposée n’est plus validée dans l’annuaire : recalculez la proposition."))
        if mentor.missions + n > programme.missions_max_par_mentor:
            raise RuleViolation(
                _("%(pr)s recevrait %(n)s mission(s) de plus que son plafond.")
                % {"pr": mentor.nom, "n": mentor.missions + n - programme.missions_max_par_mentor}
            )
        if demi_journees[pid] > mentor.reste:
            raise RuleViolation(
                _("%(pr)s n’a que %(reste)s demi-journée(s) disponible(s) pour %(n)s proposée(s).")
                % {"pr": mentor.nom, "reste": mentor.reste, "n": demi_journees[pid]}
            )
    for proposition in drafts:
        _send(proposition, by=by)
    return len(drafts)


@transaction.atomic
def proposition_accept(*, proposition: Proposition) -> models.Model:
    """The mentor accepts (through the signed link): the accompagnement is created with the file's decision
    (by the accompagnements stage, answering the `proposition_acceptee` signal)."""
    # Typed as a model: the Accompagnement class is a later stage's, which the layers contract keeps
    # out of this module (import-linter counts TYPE_CHECKING imports too).
    locked = _move(proposition, "accepter", by=None, repondue_le=timezone.now())
    candidature = proposition.candidature
    if candidature.format_retenu is None or not candidature.demi_journees_retenues:
        raise RuleViolation(_("Le dossier n’a pas de format retenu : la coordination doit le compléter."))
    mentor = proposition.personne_ressource
    accompagnement = send_for_one(
        proposition_acceptee, sender=Proposition, proposition=locked, candidature=candidature, mentor=mentor
    )
    _candidature_event(
        candidature, by=None, action="proposition_acceptee", proposition=proposition.pk, accompagnement=accompagnement.pk
    )
    send_templated_after_commit(
        to=[candidature.programme.pilote.email],
        name="annuaire_reponse",
        context={"proposition": proposition, "acceptee": True, "accompagnement": accompagnement},
    )
    return accompagnement


@transaction.atomic
def proposition_decline(*, proposition: Proposition, motif: str) -> Proposition | None:
    """The mentor declines with a reason: the file returns to matching with the next best as a draft."""
    _move(proposition, "decliner", by=None, reason=motif, motif_refus=motif.strip(), repondue_le=timezone.now())
    candidature = proposition.candidature
    _candidature_event(candidature, by=None, reason=motif, action="proposition_declinee", proposition=proposition.pk)
    suivante = None
    Proposition.objects.filter(candidature=candidature, etat=EtatProposition.BROUILLON).delete()
    classement = selectors.classement(candidature)
    if classement.scores:
        best = classement.scores[0]
        suivante = Proposition.objects.create(
            candidature=candidature,
            personne_ressource_id=best.mentor.id,
            score=best.total,
            detail_score=best.as_json() | {"calcul": best.mentor.id, "meilleur": best.mentor.id},
            rang=1,
        )
    send_templated_after_commit(
        to=[candidature.programme.pilote.email],
        name="annuaire_reponse",
        context={"proposition": proposition, "acceptee": False, "suivante": suivante},
    )
    return suivante
