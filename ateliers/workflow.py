"""The allowed moves of a registration to an atelier, as data. A registration starts confirmed
("inscrite") or waiting ("en attente") depending on the places left (services.inscription_create)."""

from django.utils.translation import gettext_lazy as _

from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatInscription

E = EtatInscription

PARTICIPANT = "participant"
COORDINATION = "coordination"
ANIMATEUR = "animateur"
POINTEURS = frozenset({ANIMATEUR, COORDINATION})

TRANSITIONS = [
    # A place freed by a withdrawal goes to the first on the waiting list: the platform moves them up.
    Transition(
        "promouvoir",
        frozenset({E.EN_ATTENTE}),
        E.INSCRITE,
        _("passer de la liste d’attente à inscrit·e"),
        roles=frozenset({SYSTEME}),
    ),
    Transition(
        "desister",
        frozenset({E.INSCRITE, E.EN_ATTENTE}),
        E.DESISTEE,
        _("se désister"),
        roles=frozenset({PARTICIPANT, COORDINATION}),
    ),
    Transition("marquer_presente", frozenset({E.INSCRITE, E.ABSENTE}), E.PRESENTE, _("noter présent·e"), roles=POINTEURS),
    Transition("marquer_absente", frozenset({E.INSCRITE, E.PRESENTE}), E.ABSENTE, _("noter absent·e"), roles=POINTEURS),
]

WORKFLOW = Workflow(EtatInscription, TRANSITIONS)
