"""The coordination's header menu: which entries `may` allows, and the work queue's count (cached, bounded).

No query here: the roles are cached on the user, the count in the cache."""

from __future__ import annotations

from typing import Any

from accounts import roles
from core.permissions import may

from . import a_traiter


def menu_coordination(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not roles.is_coordination(user):
        return {}
    # Read from the cache only (None until beat or the queue page has counted): no query on any page.
    total = a_traiter.total_menu(user)
    return {
        "menu_coordination": {
            "a_traiter_total": total[0] if total else None,
            "a_traiter_plus": bool(total and total[1]),
            "dossiers": may(user, "candidature.coordonner").allowed,
            "accompagnements": may(user, "accompagnement.lister").allowed,
            "annuaire": may(user, "annuaire.gerer").allowed,
            "budget": may(user, "budget.consulter").allowed,
            "comite": may(user, "comite.consulter").allowed,
            "evaluations": may(user, "evaluation.resultats").allowed,
            "relances": may(user, "relances.configurer").allowed,
            "messages": may(user, "message_groupe.ecrire").allowed,
            "administration": bool(user.is_staff),
        }
    }
