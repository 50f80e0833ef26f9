"""The coordination's header menu: which entries `may` allows, and the work queue's count (cached, bounded)."""

from __future__ import annotations

from typing import Any

from accounts import roles
from core.permissions import may

from . import a_traiter


def menu_coordination(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not roles.is_coordination(user):
        return {}
    total, plus = a_traiter.total_menu()
    return {
        "menu_coordination": {
            "a_traiter_total": total,
            "a_traiter_plus": plus,
            "dossiers": may(user, "candidature.coordonner").allowed,
            "accompagnements": may(user, "accompagnement.lister").allowed,
            "annuaire": may(user, "annuaire.gerer").allowed,
            "budget": may(user, "budget.consulter").allowed,
            "comite": may(user, "comite.consulter").allowed,
            "evaluations": may(user, "evaluation.resultats").allowed,
            # The reminders are set per programme: the entry opens the current one's (0: no programme yet).
            "relances": a_traiter.programme_courant_pk() if may(user, "relances.configurer").allowed else 0,
            "administration": bool(user.is_staff),
        }
    }
