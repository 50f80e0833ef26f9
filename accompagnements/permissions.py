"""Who is who on an accompagnement, and what each may do to it and its sessions.

Registered in core.permissions when core starts (autodiscovery). Services call `require(by, action, obj)`,
views `forbid_unless(...)` (403 for a role that may not), templates `{% may action obj as flag %}`.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from core.exceptions import RuleViolation
from core.permissions import ALLOWED, Decision, refused, register_workflow, role_rule, rule, state_in
from programmes.selectors import programme_de

from . import calendar as seance_dates
from .models import ETATS_OUVERTS, Accompagnement, CompteRendu, Creneau, EtatAccompagnement, EtatSeance, Seance, ServiceFait
from .parties import BENEFICIAIRE, COORDINATION, MENTOR, PAIRE, PARTICIPANTS, PLANNERS
from .workflow import WORKFLOW
from .workflow_seances import WORKFLOW as SEANCE_WORKFLOW
from .workflow_service_fait import WORKFLOW as SERVICE_FAIT_WORKFLOW

__all__ = ["BENEFICIAIRE", "COORDINATION", "MENTOR", "PAIRE", "PARTICIPANTS", "PLANNERS", "role_in", "role_of", "role_or_404"]


def role_in(accompagnement: Any, user: Any) -> str | None:
    """The user's part in this accompagnement, or None. Uses prefetched mentors when available."""
    if not getattr(user, "is_authenticated", False):
        return None
    if roles.is_coordination(user) and programme_de(user, accompagnement.programme_id):
        return COORDINATION
    if accompagnement.beneficiaire_id == user.pk:
        return BENEFICIAIRE
    if any(mentor.user_id == user.pk for mentor in accompagnement.mentors.all()):
        return MENTOR
    return None


def role_or_404(accompagnement: Any, user: Any) -> str:
    """The user's part in this accompagnement for a page of it (its sessions, its conventions); someone who
    has none gets a 404, so that the existence of another pair's accompagnement does not leak."""
    role = role_in(accompagnement, user)
    if role is None:
        raise Http404
    return role


def _accompagnement_of(obj: Any) -> Accompagnement:
    if isinstance(obj, Accompagnement):
        return obj
    if isinstance(obj, CompteRendu):
        return obj.seance.accompagnement
    return obj.accompagnement


def role_of(user: Any, obj: Any) -> str | None:
    """The user's part on an accompagnement, a session or a report (None for no object)."""
    return None if obj is None else role_in(_accompagnement_of(obj), user)


def _role(user: Any, obj: Any, allowed: frozenset[str]) -> Decision:
    if obj is not None and role_of(user, obj) in allowed:
        return ALLOWED
    return refused(_("Vous ne pouvez pas faire cette action sur cet accompagnement."))


def _rule_violation(reason: str, field: str | None = None) -> Decision:
    return refused(reason, error=RuleViolation, field=field)


# --- The accompagnement ------------------------------------------------------------------------------


def _pas_encore_commencee(user: Any, seance: Seance) -> Decision:
    if seance.debut > timezone.now():
        return _rule_violation(_("La séance n’a pas encore commencé : elle ne peut pas être marquée réalisée."))
    return ALLOWED


def _seance_tenue(user: Any, seance: Seance) -> Decision:
    return state_in(seance.etat, {EtatSeance.REALISEE}, _("Seule une séance marquée réalisée se confirme ou se conteste."))


SERVICE_FAIT_A_CONFIRMER = ServiceFait.A_CONFIRMER

register_workflow("accompagnement", WORKFLOW, role_of=role_of)
register_workflow("seance", SEANCE_WORKFLOW, role_of=role_of, extra={"realiser": _pas_encore_commencee})
# `service_fait.arbitrer_tenue` / `service_fait.arbitrer_non_tenue`: the coordination settles a held session.
register_workflow(
    "service_fait",
    SERVICE_FAIT_WORKFLOW,
    role_of=role_of,
    state_field="service_fait",
    extra=dict.fromkeys(SERVICE_FAIT_WORKFLOW.by_name, _seance_tenue),
)


@rule("accompagnement.rediger_grille")
def rediger_grille(user: Any, accompagnement: Accompagnement) -> Decision:
    """The pair writes the objectives grid until the convention is signed; the coordination comments."""
    if role_of(user, accompagnement) not in PAIRE:
        return refused(_("Seuls la personne-ressource et le·la bénéficiaire rédigent la grille d’objectifs."))
    return state_in(
        accompagnement.etat,
        {EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION},
        _("La grille d’objectifs ne se modifie plus une fois la convention signée : demandez un avenant à la coordination."),
    )


def ma_validation_grille(accompagnement: Accompagnement, role: str | None) -> Any:
    """When this part of the pair validated the grid (None: not yet, or not a writer)."""
    return {
        MENTOR: accompagnement.grille_validee_mentor_le,
        BENEFICIAIRE: accompagnement.grille_validee_beneficiaire_le,
    }.get(role or "")


@rule("accompagnement.valider_grille")
def valider_grille(user: Any, accompagnement: Accompagnement) -> Decision:
    """Each of the pair validates the grid once, while it is being co-built."""
    role = role_of(user, accompagnement)
    if role not in PAIRE:
        return refused(_("Seuls la personne-ressource et le·la bénéficiaire rédigent la grille d’objectifs."))
    if accompagnement.etat != EtatAccompagnement.OBJECTIFS:
        return _rule_violation(_("La grille d’objectifs n’est pas ouverte à la validation."))
    if ma_validation_grille(accompagnement, role) is not None:
        return _rule_violation(_("Vous avez déjà validé la grille."))
    return ALLOWED


commenter_grille = role_rule(
    "accompagnement.commenter_grille",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination commente la grille d’objectifs."),
)


@rule("accompagnement.ajouter_personne_ressource")
def ajouter_personne_ressource(user: Any, accompagnement: Accompagnement) -> Decision:
    """The coordination brings a next personne-ressource into an accompaniment that has not ended."""
    return _role(user, accompagnement, frozenset({COORDINATION})) and state_in(
        accompagnement.etat,
        ETATS_OUVERTS,
        _("Une personne-ressource ne rejoint qu’un accompagnement qui n’est ni terminé ni abandonné."),
    )


# --- Sessions ----------------------------------------------------------------------------------------


def partie_terminee(user: Any, accompagnement: Accompagnement) -> bool:
    """This personne-ressource's part of the accompaniment is over (PartieTerminee): they plan no more."""
    return accompagnement.parties_terminees.filter(personne_ressource__user_id=user.pk).exists()


def _partie_en_cours(user: Any, accompagnement: Accompagnement) -> Decision:
    if role_of(user, accompagnement) == MENTOR and partie_terminee(user, accompagnement):
        return refused(_("Votre partie de cet accompagnement est terminée : vous ne planifiez plus de séance."))
    return ALLOWED


@rule("seance.planifier")
def planifier(user: Any, accompagnement: Accompagnement) -> Decision:
    """Plan a session: the mentor (whose part is not over) or the coordination, once the convention is signed by all."""
    return _role(user, accompagnement, PLANNERS) and _partie_en_cours(user, accompagnement) and _seances_ouvertes(accompagnement)


def _seances_ouvertes(accompagnement: Accompagnement) -> Decision:
    """Sessions are planned (or booked) once the convention is signed by all, until the end."""
    return state_in(
        accompagnement.etat, {EtatAccompagnement.EN_COURS}, _("Les séances se planifient une fois la convention signée par tous.")
    )


# --- Availability slots (a mentor publishes them; the beneficiary or the coordination books one) ------

RESERVANTS = frozenset({BENEFICIAIRE, COORDINATION})


def _mentor_lui_meme(user: Any, mentor: Any) -> Decision:
    if mentor is not None and getattr(user, "is_authenticated", False) and mentor.user_id == user.pk:
        return ALLOWED
    return refused(_("Seule la personne-ressource publie ses disponibilités."))


@rule("creneau.publier")
def publier_creneau(user: Any, mentor: Any) -> Decision:
    """A personne-ressource publishes their own availability, from their space."""
    return _mentor_lui_meme(user, mentor)


@rule("creneau.retirer")
def retirer_creneau(user: Any, creneau: Creneau) -> Decision:
    if not (decision := _mentor_lui_meme(user, creneau.mentor if creneau is not None else None)):
        return decision
    if not creneau.est_libre:
        return _rule_violation(_("Ce créneau est réservé : annulez ou déplacez la séance pour le libérer."))
    return ALLOWED


@rule("creneau.reserver")
def reserver_creneau(user: Any, accompagnement: Accompagnement) -> Decision:
    """Book a slot for an accompagnement: its beneficiary or the coordination, on the planning's terms."""
    return _role(user, accompagnement, RESERVANTS) and _seances_ouvertes(accompagnement)


@rule("seance.deplacer")
def deplacer(user: Any, seance: Seance) -> Decision:
    return (
        _role(user, seance, PLANNERS)
        and _partie_en_cours(user, seance.accompagnement)
        and state_in(seance.etat, {EtatSeance.PLANIFIEE}, _("Seule une séance planifiée peut être déplacée."))
    )


@rule("seance.arbitrer")
def arbitrer(user: Any, seance: Seance) -> Decision:
    """Decide whether a cancelled session counts as consumed: the coordination."""
    return _role(user, seance, frozenset({COORDINATION})) and state_in(
        seance.etat, {EtatSeance.ANNULEE}, _("Seule une séance annulée peut être comptée ou décomptée.")
    )


@rule("seance.questionner")
def questionner(user: Any, seance: Seance) -> Decision:
    """The pair sends questions for the session, up to the programme's delay (48 h by default) before it."""
    if not (decision := _role(user, seance, PAIRE)):
        return decision
    if not seance_dates.questions_ouvertes(seance):
        return _rule_violation(
            _("Les questions se posent jusqu’à %(h)s heures avant la séance : il est trop tard pour celle-ci.")
            % {"h": seance.accompagnement.programme.delai_avant_seance_heures},
            field="texte",
        )
    return ALLOWED


@rule("seance.joindre_support")
def joindre_support(user: Any, seance: Seance) -> Decision:
    return _role(user, seance, PARTICIPANTS) and state_in(
        seance.etat, {EtatSeance.PLANIFIEE, EtatSeance.REALISEE}, _("On ne joint pas de support à une séance annulée.")
    )


@rule("compte_rendu.rediger")
def rediger_compte_rendu(user: Any, seance: Seance) -> Decision:
    """The mentor writes (or corrects) the report of a held session."""
    return _role(user, seance, frozenset({MENTOR})) and state_in(
        seance.etat, {EtatSeance.REALISEE}, _("Marquez d’abord la séance comme réalisée.")
    )


@rule("compte_rendu.commenter")
def commenter_compte_rendu(user: Any, compte_rendu: CompteRendu | None) -> Decision:
    """The beneficiary comments on a submitted report."""
    if compte_rendu is None or role_of(user, compte_rendu) != BENEFICIAIRE:
        return refused(_("Vous ne pouvez pas faire cette action sur cet accompagnement."))
    if compte_rendu.soumis_le is None:
        return _rule_violation(_("Le compte-rendu n’a pas encore été remis."))
    return ALLOWED


# The list of every accompagnement, with its filters (issue 15): the coordination's.
lister = role_rule(
    "accompagnement.lister",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination consulte la liste des accompagnements."),
)
# --- Service fait ------------------------------------------------------------------------------------


def ma_confirmation(seance: Seance, role: str | None) -> Any:
    """This party's answer on the session (None: not yet, or not of the pair). Reads prefetched rows."""
    return next((c for c in seance.confirmations.all() if c.partie == role), None) if role in PAIRE else None


@rule("seance.confirmer")
def confirmer(user: Any, seance: Seance) -> Decision:
    """The beneficiary and the mentor each say once whether a held session took place."""
    role = role_of(user, seance)
    if role not in PAIRE:
        return refused(_("Seuls la personne-ressource et le·la bénéficiaire confirment la séance."))
    if not (decision := _seance_tenue(user, seance)):
        return decision
    if ma_confirmation(seance, role) is not None:
        return _rule_violation(_("Vous avez déjà répondu pour cette séance."))
    if seance.service_fait != SERVICE_FAIT_A_CONFIRMER:
        return _rule_violation(_("Cette séance n’attend plus de confirmation."))
    return ALLOWED


# The list of disputed or unconfirmed sessions: the coordination.
service_fait_a_traiter = role_rule(
    "service_fait.a_traiter", roles.is_coordination, refusal=gettext_lazy("Seule la coordination tranche le service fait.")
)
