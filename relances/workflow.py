"""The life of a reminder row (`Relance.etat`), as data. Every move is made by the platform itself (the
beat scan, the bounce webhook), through conditional UPDATEs in relances/services.py that name their
source states from this table."""

from django.utils.translation import gettext_lazy as _

from core.permissions import SYSTEME
from core.workflow import Transition, Workflow

from .models import EtatRelance

E = EtatRelance

TRANSITIONS = [
    # Claimed by a scan; a claim left by a dead worker is taken again after the timeout.
    Transition("reserver", {E.PREVUE, E.EN_COURS}, E.EN_COURS, _("prendre en charge"), roles={SYSTEME}),
    Transition("envoyer", {E.EN_COURS}, E.ENVOYEE, _("envoyer"), roles={SYSTEME}),
    # A lower rank of the same reminder (same kind, object and person) claimed with a higher one.
    Transition("regrouper", {E.EN_COURS}, E.REGROUPEE, _("envoyer dans l’e-mail de la relance suivante"), roles={SYSTEME}),
    # Not due yet (the object moved on), or a failed hand-over retried later.
    Transition("reporter", {E.EN_COURS}, E.PREVUE, _("reporter"), roles={SYSTEME}),
    Transition("annuler", {E.EN_COURS}, E.ANNULEE, _("annuler"), roles={SYSTEME}),
    Transition("desactiver", {E.EN_COURS}, E.DESACTIVEE, _("ne pas envoyer : type désactivé"), roles={SYSTEME}),
    Transition("refuser", {E.EN_COURS}, E.REFUSEE, _("ne pas envoyer : notification désactivée"), roles={SYSTEME}),
    Transition("suspendre", {E.PREVUE, E.EN_COURS}, E.SUSPENDUE, _("suspendre : adresse en échec"), roles={SYSTEME}),
    Transition("reprendre", {E.SUSPENDUE}, E.PREVUE, _("reprendre : adresse corrigée"), roles={SYSTEME}),
]

WORKFLOW = Workflow(EtatRelance, TRANSITIONS)


def source(name: str) -> str:
    """The one state a move of the scan starts from (its conditional UPDATE's condition)."""
    (etat,) = WORKFLOW.by_name[name].sources
    return etat
