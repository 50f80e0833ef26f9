"""Who may do what on a convention. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accompagnements.models import Accompagnement, EtatAccompagnement
from accompagnements.parties import BENEFICIAIRE, COORDINATION, MENTOR
from accompagnements.permissions import partie_terminee, role_of
from core.exceptions import RuleViolation
from core.permissions import ALLOWED, Decision, refused, register_workflow, rule

from .models import Convention, EtatConvention, Partie
from .workflow import WORKFLOW

PARTIE_DU_ROLE = {
    COORDINATION: Partie.STRUCTURE_PILOTE,
    MENTOR: Partie.PERSONNE_RESSOURCE,
    BENEFICIAIRE: Partie.BENEFICIAIRE,
}


def _coordination(user: Any, obj: Any) -> Decision:
    if role_of(user, obj) == COORDINATION:
        return ALLOWED
    return refused(_("Cette action est réservée à la coordination."))


def _violation(reason: str) -> Decision:
    return refused(reason, error=RuleViolation)


@rule("convention.coordonner")
def coordonner(user: Any, obj: Any) -> Decision:
    """The coordination's operations on an accompagnement's conventions (prepare, scan, avenant)."""
    return _coordination(user, obj)


@rule("convention.signer")
def signer(user: Any, convention: Convention) -> Decision:
    """A party signs a version open to signature, once (uses prefetched signatures)."""
    role = role_of(user, convention)
    partie = PARTIE_DU_ROLE.get(role) if role is not None else None
    if partie is None:
        return refused(_("Vous n’êtes pas partie à cette convention."))
    if convention.etat != EtatConvention.EN_SIGNATURE:
        return _violation(_("Cette version de la convention n’est pas ouverte à la signature."))
    if partie == Partie.PERSONNE_RESSOURCE and partie_terminee(user, convention.accompagnement):
        return refused(_("Votre partie de cet accompagnement est terminée : vous ne signez plus ses nouvelles versions."))
    signataire = convention.personne_ressource_signataire
    if partie == Partie.PERSONNE_RESSOURCE and signataire is not None and signataire.user_id != user.pk:
        return refused(
            _("Cet avenant est signé par %(pr)s, la personne-ressource qui rejoint l’accompagnement.") % {"pr": signataire}
        )
    if any(s.partie == partie for s in convention.signatures.all()):
        return _violation(_("La partie « %(partie)s » a déjà signé cette convention.") % {"partie": Partie(partie).label})
    return ALLOWED


@rule("convention.deposer_scan")
def deposer_scan(user: Any, convention: Convention) -> Decision:
    if not (decision := _coordination(user, convention)):
        return decision
    if convention.etat != EtatConvention.EN_SIGNATURE:
        return _violation(_("Cette version de la convention n’est pas ouverte à la signature."))
    return ALLOWED


@rule("convention.avenant")
def avenant(user: Any, convention: Convention) -> Decision:
    """Change a signed version through an avenant, while the accompagnement runs."""
    if not (decision := _coordination(user, convention)):
        return decision
    if convention.etat != EtatConvention.SIGNEE:
        return _violation(_("Seule une convention signée par les trois parties se modifie par avenant."))
    if convention.accompagnement.etat != EtatAccompagnement.EN_COURS:
        return _violation(_("Un avenant ne s’établit que pendant l’accompagnement (état « en cours »)."))
    return ALLOWED


@rule("convention.prolonger")
def prolonger(user: Any, accompagnement: Accompagnement) -> Decision:
    """Extend an accompagnement's planned duration while it is neither finished nor abandoned."""
    if not (decision := _coordination(user, accompagnement)):
        return decision
    if accompagnement.etat not in (EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION, EtatAccompagnement.EN_COURS):
        return _violation(_("Seul un accompagnement qui n’est ni terminé ni abandonné peut être prolongé."))
    return ALLOWED


@rule("convention.generer")
def generer(user: Any, accompagnement: Accompagnement) -> Decision:
    """Prepare the first version once the grid is validated by both."""
    if not (decision := _coordination(user, accompagnement)):
        return decision
    if accompagnement.etat != EtatAccompagnement.CONVENTION:
        return _violation(_("La convention se prépare une fois la grille d’objectifs validée par les deux parties."))
    return ALLOWED


def _pas_encore_signee(user: Any, convention: Convention) -> Decision:
    """Render again only a version nobody has signed yet (uses prefetched signatures)."""
    if convention.signatures.all():
        return _violation(_("Cette version a déjà été signée par une partie : elle ne peut plus être régénérée."))
    return ALLOWED


register_workflow("convention", WORKFLOW, role_of=role_of, extra={"regenerer": _pas_encore_signee})
