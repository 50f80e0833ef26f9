"""Who may do what to the ateliers and their registrations.

A beneficiary (candidat role) registers themself and sees or withdraws only their own registration;
the coordination registers anyone, withdraws, records attendance and payments; the personne-ressource
who leads an atelier records its attendance. Registered in core.permissions at start-up.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts import roles
from core.exceptions import RuleViolation
from core.permissions import ALLOWED, SYSTEME, Decision, part_rule, refused, register_workflow, role_rule, rule

from .models import (
    ETATS_CONFIRMES,
    Atelier,
    EtatInscription,
    EvaluationAtelier,
    GroupeCodev,
    Immersion,
    Inscription,
    SeanceGroupe,
)
from .workflow import (
    ANIMATEUR,
    COORDINATION,
    MENTOR,
    MENTORE,
    PARTICIPANT,
    WORKFLOW,
    WORKFLOW_ATELIER,
    WORKFLOW_EVALUATION_ATELIER,
    WORKFLOW_IMMERSION,
    WORKFLOW_SEANCE_GROUPE,
)


def _anime(user: Any, atelier: Atelier) -> bool:
    pr = atelier.personne_ressource
    return pr is not None and pr.user_id is not None and pr.user_id == user.pk


def role_of(user: Any, obj: Any) -> str | None:
    """The user's part on a registration (or its atelier): coordination, the atelier's leader, the participant."""
    if user is None:
        return SYSTEME
    if obj is None or not getattr(user, "is_authenticated", False):
        return None
    if roles.is_coordination(user):
        return COORDINATION
    if isinstance(obj, Immersion):
        return _role_immersion(user, obj)
    if isinstance(obj, (GroupeCodev, SeanceGroupe)):
        return _role_groupe(user, obj)
    atelier = obj if isinstance(obj, Atelier) else obj.atelier
    if _anime(user, atelier):
        return ANIMATEUR
    if isinstance(obj, Inscription) and obj.participant_id == user.pk:
        return PARTICIPANT
    return None


def _role_immersion(user: Any, immersion: Immersion) -> str | None:
    if immersion.mentore_id == user.pk:
        return MENTORE
    if immersion.mentor.user_id is not None and immersion.mentor.user_id == user.pk:
        return MENTOR
    return None


def _role_groupe(user: Any, obj: GroupeCodev | SeanceGroupe) -> str | None:
    """The group's facilitator records the attendance (ANIMATEUR); a member takes part (PARTICIPANT)."""
    groupe = obj if isinstance(obj, GroupeCodev) else obj.groupe
    if groupe.animateur.user_id is not None and groupe.animateur.user_id == user.pk:
        return ANIMATEUR
    if groupe.membres.filter(personne=user).exists():
        return PARTICIPANT
    return None


def _rule_violation(reason: str) -> Decision:
    return refused(reason, error=RuleViolation)


def _pas_commence(user: Any, inscription: Inscription) -> Decision:
    if not inscription.atelier.est_programme:
        return _rule_violation(_("Cet atelier est annulé ou déjà tenu."))
    if inscription.atelier.debut <= timezone.now():
        return _rule_violation(_("L’atelier a commencé : il n’est plus possible de se désister."))
    return ALLOWED


def _commence(user: Any, inscription: Inscription) -> Decision:
    if not inscription.atelier.est_programme:
        return _rule_violation(_("La liste de présence de cet atelier est close (ou l’atelier est annulé)."))
    if inscription.atelier.debut > timezone.now():
        return _rule_violation(_("L’atelier n’a pas encore eu lieu : la présence se note après son début."))
    return ALLOWED


def _peut_clore(user: Any, atelier: Atelier) -> Decision:
    """The list is closed once the atelier has started and every confirmed participant is noted."""
    if atelier.debut > timezone.now():
        return _rule_violation(_("L’atelier n’a pas encore eu lieu : sa liste de présence se clôt après son début."))
    non_notees = atelier.inscriptions.filter(etat=EtatInscription.INSCRITE).count()
    if non_notees:
        return _rule_violation(
            _("%(n)s participant·e(s) ne sont pas encore noté·es présent·es ou absent·es : complétez la liste de présence.")
            % {"n": non_notees}
        )
    return ALLOWED


register_workflow(
    "inscription",
    WORKFLOW,
    role_of=role_of,
    extra={"desister": _pas_commence, "marquer_presente": _commence, "marquer_absente": _commence},
)


register_workflow("atelier", WORKFLOW_ATELIER, role_of=role_of, extra={"clore": _peut_clore})


# --- Evaluation of a held workshop -------------------------------------------------------------------


def role_evaluation(user: Any, evaluation: EvaluationAtelier) -> str | None:
    """Only the participant answers their evaluation (the coordination reads the answers, never writes them)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return PARTICIPANT if evaluation.inscription.participant_id == user.pk else None


def _atelier_tenu(user: Any, evaluation: EvaluationAtelier) -> Decision:
    inscription = evaluation.inscription
    if not inscription.atelier.est_tenu:
        return _rule_violation(_("La liste de présence de cet atelier n’est pas close : il ne s’évalue pas encore."))
    if inscription.etat != EtatInscription.PRESENTE:
        return _rule_violation(_("Seul·es les participant·es noté·es présent·es évaluent l’atelier."))
    return ALLOWED


register_workflow("evaluation_atelier", WORKFLOW_EVALUATION_ATELIER, role_of=role_evaluation, extra={"repondre": _atelier_tenu})


# The participants' evaluations of a workshop: read by the coordination.
evaluations_voir = role_rule(
    "atelier.evaluations_voir",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination lit les évaluations des ateliers."),
)


@rule("atelier.voir")
def voir(user: Any, atelier: Any = None) -> Decision:
    """The calendar: the beneficiaries, the personnes-ressources and the coordination."""
    if roles.is_coordination(user) or roles.is_candidat(user) or roles.is_personne_ressource(user):
        return ALLOWED
    return refused(_("Le calendrier des ateliers est réservé aux bénéficiaires et à la coordination."))


gerer = role_rule("atelier.gerer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination programme les ateliers."))


def _inscriptions_ouvertes(atelier: Atelier) -> Decision:
    if not atelier.est_programme:
        return _rule_violation(_("Cet atelier est annulé ou déjà tenu : les inscriptions sont closes."))
    if atelier.debut <= timezone.now():
        return _rule_violation(_("Cet atelier a déjà commencé : les inscriptions sont closes."))
    return ALLOWED


@rule("atelier.s_inscrire")
def s_inscrire(user: Any, atelier: Atelier) -> Decision:
    """A beneficiary registers themself, until the atelier starts."""
    if not roles.is_candidat(user):
        return refused(_("Seul·es les bénéficiaires s’inscrivent eux-mêmes à un atelier."))
    return _inscriptions_ouvertes(atelier)


@rule("atelier.inscrire")
def inscrire(user: Any, atelier: Atelier) -> Decision:
    """The coordination registers someone, until the atelier starts."""
    if not roles.is_coordination(user):
        return refused(_("Seule la coordination inscrit une autre personne à un atelier."))
    return _inscriptions_ouvertes(atelier)


# See the participants and record the attendance: the coordination and the atelier's leader.
pointer = part_rule(
    "atelier.pointer",
    role_of=role_of,
    parts={COORDINATION, ANIMATEUR},
    refusal=gettext_lazy("Seules la coordination et la personne-ressource qui anime l’atelier tiennent la liste de présence."),
)


@rule("inscription.payer")
def payer(user: Any, inscription: Inscription) -> Decision:
    if not roles.is_coordination(user):
        return refused(_("Seule la coordination enregistre les paiements."))
    if inscription.participation_due <= 0:
        return _rule_violation(_("Aucune participation n’est due pour cette inscription (membre du programme)."))
    if inscription.etat not in ETATS_CONFIRMES:
        return _rule_violation(_("La participation se règle pour une place confirmée (pas sur la liste d’attente)."))
    if inscription.participation_payee_le is not None:
        return _rule_violation(_("Cette participation est déjà enregistrée comme payée."))
    return ALLOWED


enregistrer_adhesion = role_rule(
    "adhesion.enregistrer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination enregistre les adhésions.")
)


# --- Immersion days and co-développement groups ------------------------------------------------------


register_workflow("immersion", WORKFLOW_IMMERSION, role_of=role_of)


def _seance_commencee(user: Any, seance: SeanceGroupe) -> Decision:
    if seance.debut > timezone.now():
        return _rule_violation(_("La séance n’a pas encore eu lieu : les présences se notent après son début."))
    return ALLOWED


register_workflow("seance_groupe", WORKFLOW_SEANCE_GROUPE, role_of=role_of, extra={"tenir": _seance_commencee})


gerer_immersion = role_rule(
    "immersion.gerer", roles.is_coordination, refusal=gettext_lazy("Seule la coordination organise les immersions.")
)


voir_immersion = part_rule(
    "immersion.voir",
    role_of=role_of,
    parts={COORDINATION, MENTORE, MENTOR},
    refusal=gettext_lazy("Cette immersion ne vous concerne pas."),
)


@rule("immersion.rapporter")
def rapporter(user: Any, immersion: Immersion) -> Decision:
    """Each of the pair writes their own report, once the day has come, while the immersion is open."""
    if role_of(user, immersion) not in (MENTORE, MENTOR):
        return refused(_("Le compte rendu est rédigé par le·la mentoré·e ou le·la mentor·e, chacun·e le sien."))
    if not immersion.attend_rapports:
        return _rule_violation(_("Cette immersion n’attend pas de compte rendu (objectifs à remplir, close ou annulée)."))
    if immersion.jour > timezone.localdate():
        return _rule_violation(_("Le compte rendu se remet après la journée d’immersion."))
    return ALLOWED


gerer_groupe = role_rule(
    "groupe.gerer",
    roles.is_coordination,
    refusal=gettext_lazy("Seule la coordination constitue les groupes de co-développement."),
)


voir_groupe = part_rule(
    "groupe.voir",
    role_of=role_of,
    parts={COORDINATION, ANIMATEUR, PARTICIPANT},
    refusal=gettext_lazy("Ce groupe de co-développement ne vous concerne pas."),
)


planifier_groupe = part_rule(
    "groupe.planifier",
    role_of=role_of,
    parts={COORDINATION, ANIMATEUR},
    refusal=gettext_lazy("Seules la coordination et la personne-ressource qui anime le groupe planifient ses séances."),
)
