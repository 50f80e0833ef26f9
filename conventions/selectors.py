"""Read-side queries shared by pages (and by the reminders)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from accompagnements.models import Accompagnement
from accounts import perimetre, roles
from accounts.models import User

from .models import Convention, EtatConvention, Partie, Signature
from .services import PARTIE_DU_ROLE, PARTIES, stored_sha256


def parties_manquantes(convention: Convention) -> list[str]:
    """Parties that have not signed yet (uses prefetched signatures)."""
    signees = {s.partie for s in convention.signatures.all()}
    return [p for p in PARTIES if p not in signees]


def conventions_of(accompagnement: Accompagnement):
    """Every version of the accompagnement's convention, newest first, with their signatures."""
    return (
        Convention.objects.filter(accompagnement=accompagnement)
        .select_related("remplace")
        .prefetch_related(Prefetch("signatures", queryset=Signature.objects.order_by("signee_le")))
        .order_by("-version")
    )


def convention_courante(conventions: list[Convention]) -> Convention | None:
    """The version in force or being prepared (not replaced, not cancelled)."""
    for convention in conventions:
        if convention.etat in (EtatConvention.BROUILLON, EtatConvention.EN_SIGNATURE):
            return convention
    for convention in conventions:
        if convention.etat == EtatConvention.SIGNEE:
            return convention
    return None


def accompagnement_context(accompagnement: Accompagnement, user: AbstractBaseUser | AnonymousUser, role: str) -> dict[str, Any]:
    """Context of the convention section of the accompagnement page."""
    conventions = list(conventions_of(accompagnement))
    courante = convention_courante(conventions)
    ma_partie = PARTIE_DU_ROLE.get(role)
    deja_signe = bool(courante and any(s.partie == ma_partie for s in courante.signatures.all()))
    return {
        "conventions": conventions,
        "convention_courante": courante,
        "conventions_anciennes": [c for c in conventions if c is not courante],
        "convention_manquantes": [Partie(p).label for p in parties_manquantes(courante)] if courante else [],
        "convention_ma_partie": Partie(ma_partie).label if ma_partie else "",
        "convention_deja_signe": deja_signe,
    }


def conventions_a_signer_par(user: AbstractBaseUser | AnonymousUser) -> list[Convention]:
    """Versions open to signature where the user's party has not signed yet (one query + prefetch)."""
    return list(conventions_a_signer_qs(user))


def conventions_a_signer_qs(user: Any) -> QuerySet[Convention]:
    """The same as a queryset, oldest first, for a bounded list with its count."""
    if not getattr(user, "is_authenticated", False):
        return Convention.objects.none()
    base = Convention.objects.filter(etat=EtatConvention.EN_SIGNATURE).select_related("accompagnement")
    if roles.is_coordination(user):
        qs = (
            base.filter(perimetre.filtre_coordination(user, "accompagnement__programme"))
            .exclude(signatures__partie=Partie.STRUCTURE_PILOTE)
            .distinct()
        )
    else:
        # The mentor's accompagnements as a subquery, not a join through the mentors: no row repeated,
        # so no DISTINCT to sort away, and two joins fewer to plan on every space (issue 14).
        missions = Accompagnement.mentors.through.objects.filter(personneressource__user=user).values("accompagnement_id")
        qs = base.filter(
            Q(accompagnement__beneficiaire=user) & ~Q(signatures__partie=Partie.BENEFICIAIRE)
            | Q(accompagnement_id__in=missions) & ~Q(signatures__partie=Partie.PERSONNE_RESSOURCE)
        )
    return qs.order_by("en_signature_le", "pk")


def espace(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """Context for this app's section of the person's space: conventions waiting for my signature."""
    return {"conventions_a_signer": conventions_a_signer_par(user)}


def conventions_en_attente_de_signature(
    *, older_than_days: int, now: datetime.datetime | None = None
) -> list[tuple[Convention, list[str]]]:
    """For the reminders: versions open to signature for more than N days, with the parties still missing."""
    limite = (now or timezone.now()) - datetime.timedelta(days=older_than_days)
    conventions = (
        Convention.objects.filter(etat=EtatConvention.EN_SIGNATURE, en_signature_le__lte=limite)
        .select_related("accompagnement__beneficiaire")
        .prefetch_related("signatures", "accompagnement__mentors__user")
        .order_by("en_signature_le")
    )
    return [(c, manquantes) for c in conventions if (manquantes := parties_manquantes(c))]


def signataires_attendus(convention: Convention, partie: str) -> list[User]:
    """Who may sign for `partie` (whom a reminder goes to)."""
    accompagnement = convention.accompagnement
    if partie == Partie.BENEFICIAIRE:
        return [accompagnement.beneficiaire]
    if partie == Partie.PERSONNE_RESSOURCE:
        # An avenant bringing a next personne-ressource in is signed by them (Convention.personne_ressource_signataire).
        signataire_id = convention.personne_ressource_signataire_id
        return [m.user for m in accompagnement.mentors.all() if m.user_id and signataire_id in (None, m.pk)]
    return list(User.objects.filter(groups__name=roles.COORDINATION, is_active=True))


@dataclass(frozen=True)
class Integrite:
    document: str  # "signe" (final) or "a_signer"
    empreinte_attendue: str
    empreinte_calculee: str | None
    signatures_conformes: bool

    @property
    def conforme(self) -> bool:
        return self.empreinte_calculee == self.empreinte_attendue and self.signatures_conformes


def convention_integrite(convention: Convention) -> Integrite:
    """Does the stored file still match its recorded fingerprint (and did every signature sign that PDF)?"""
    signatures_ok = all(s.sha256_document == convention.pdf_sha256 for s in convention.signatures.all())
    if convention.pdf_final:
        return Integrite("signe", convention.pdf_final_sha256, stored_sha256(convention.pdf_final), signatures_ok)
    return Integrite("a_signer", convention.pdf_sha256, stored_sha256(convention.pdf), signatures_ok)
