"""Who may do what on a convention. Registered in core.permissions at start-up (core autodiscovers it)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from accompagnements.models import ETATS_OUVERTS, Accompagnement, EtatAccompagnement
from accompagnements.parties import BENEFICIAIRE, COORDINATION, MENTOR
from accompagnements.permissions import partie_terminee, role_of
from core.exceptions import RuleViolation
from core.permissions import ALLOWED, Decision, refused, register_workflow, rule, state_in

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


def _ouverte_a_la_signature(convention: Convention) -> Decision:
    return state_in(
        convention.etat, {EtatConvention.EN_SIGNATURE}, _("Cette version de la convention n’est pas ouverte à la signature.")
    )


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
    if not (decision := _ouverte_a_la_signature(convention)):
        return decision
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
    return _coordination(user, convention) and _ouverte_a_la_signature(convention)


@rule("convention.avenant")
def avenant(user: Any, convention: Convention) -> Decision:
    """Change a signed version through an avenant, while the accompagnement runs."""
    return (
        _coordination(user, convention)
        and state_in(
            convention.etat,
            {EtatConvention.SIGNEE},
            _("Seule une convention signée par les trois parties se modifie par avenant."),
        )
        and state_in(
            convention.accompagnement.etat,
            {EtatAccompagnement.EN_COURS},
            _("Un avenant ne s’établit que pendant l’accompagnement (état « en cours »)."),
        )
    )


@rule("convention.prolonger")
def prolonger(user: Any, accompagnement: Accompagnement) -> Decision:
    """Extend an accompagnement's planned duration while it is neither finished nor abandoned."""
    return _coordination(user, accompagnement) and state_in(
        accompagnement.etat, ETATS_OUVERTS, _("Seul un accompagnement qui n’est ni terminé ni abandonné peut être prolongé.")
    )


@rule("convention.generer")
def generer(user: Any, accompagnement: Accompagnement) -> Decision:
    """Prepare the first version once the grid is validated by both."""
    return _coordination(user, accompagnement) and state_in(
        accompagnement.etat,
        {EtatAccompagnement.CONVENTION},
        _("La convention se prépare une fois la grille d’objectifs validée par les deux parties."),
    )


def _pas_encore_signee(user: Any, convention: Convention) -> Decision:
    """Render again only a version nobody has signed yet (uses prefetched signatures)."""
    if convention.signatures.all():
        return _violation(_("Cette version a déjà été signée par une partie : elle ne peut plus être régénérée."))
    return ALLOWED


register_workflow("convention", WORKFLOW, role_of=role_of, extra={"regenerer": _pas_encore_signee})
