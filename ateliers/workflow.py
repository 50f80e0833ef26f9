"""The allowed moves of a registration to an atelier, as data. A registration starts confirmed
("inscrite") or waiting ("en attente") depending on the places left (services.inscription_create)."""

from django.utils.translation import gettext_lazy as _

from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatAtelier, EtatEvaluationAtelier, EtatImmersion, EtatInscription, EtatSeanceGroupe

E = EtatInscription

PARTICIPANT = "participant"
COORDINATION = "coordination"
ANIMATEUR = "animateur"
POINTEURS = frozenset({ANIMATEUR, COORDINATION})

TRANSITIONS = [
    # A place freed by a withdrawal goes to the first on the waiting list: the platform moves them up.
    Transition("promouvoir", {E.EN_ATTENTE}, E.INSCRITE, _("passer de la liste d’attente à inscrit·e"), roles={SYSTEME}),
    Transition("desister", {E.INSCRITE, E.EN_ATTENTE}, E.DESISTEE, _("se désister"), roles={PARTICIPANT, COORDINATION}),
    Transition("marquer_presente", {E.INSCRITE, E.ABSENTE}, E.PRESENTE, _("noter présent·e"), roles=POINTEURS),
    Transition("marquer_absente", {E.INSCRITE, E.PRESENTE}, E.ABSENTE, _("noter absent·e"), roles=POINTEURS),
]

WORKFLOW = Workflow(EtatInscription, TRANSITIONS)


# --- Immersion days: objectives before, closed by the platform once both reports are in --------------

MENTORE = "mentore"
MENTOR = "mentor"

IM = EtatImmersion

TRANSITIONS_IMMERSION = [
    Transition(
        "remplir_objectifs",
        {IM.EN_PREPARATION},
        IM.PREVUE,
        _("remplir les objectifs de la journée"),
        roles={MENTORE, COORDINATION},
    ),
    Transition("clore", {IM.PREVUE}, IM.CLOSE, _("clore l’immersion (les deux comptes rendus sont remis)"), roles={SYSTEME}),
    Transition(
        "annuler",
        {IM.EN_PREPARATION, IM.PREVUE},
        IM.ANNULEE,
        _("annuler l’immersion"),
        reason_required=True,
        roles={COORDINATION},
    ),
]

WORKFLOW_IMMERSION = Workflow(EtatImmersion, TRANSITIONS_IMMERSION)


# --- Meetings of a co-développement group ----------------------------------------------------------

G = EtatSeanceGroupe

TRANSITIONS_SEANCE_GROUPE = [
    Transition("tenir", {G.PLANIFIEE, G.TENUE}, G.TENUE, _("noter les présences"), roles=POINTEURS),
    Transition("annuler", {G.PLANIFIEE}, G.ANNULEE, _("annuler la séance"), reason_required=True, roles=POINTEURS),
]

WORKFLOW_SEANCE_GROUPE = Workflow(EtatSeanceGroupe, TRANSITIONS_SEANCE_GROUPE)
# An atelier's own life: held once its attendance list is closed (the personne-ressource's animation is
# then owed, budget/receivers.py), or cancelled (nothing owed, the registrations withdrawn).
A = EtatAtelier

TRANSITIONS_ATELIER = [
    Transition("clore", {A.PROGRAMME}, A.TENU, _("clore la liste de présence (atelier tenu)"), roles={COORDINATION}),
    Transition("annuler", {A.PROGRAMME}, A.ANNULE, _("annuler l’atelier"), roles={COORDINATION}),
]

WORKFLOW_ATELIER = Workflow(EtatAtelier, TRANSITIONS_ATELIER)


# --- A participant's evaluation of a held workshop: to fill, then filled (once) -----------------------

TRANSITIONS_EVALUATION_ATELIER = [
    Transition(
        "repondre", {EtatEvaluationAtelier.A_REMPLIR}, EtatEvaluationAtelier.REMPLIE, _("évaluer l’atelier"), roles={PARTICIPANT}
    ),
]

WORKFLOW_EVALUATION_ATELIER = Workflow(EtatEvaluationAtelier, TRANSITIONS_EVALUATION_ATELIER)
