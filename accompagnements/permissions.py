"""Who is who on an accompagnement."""

from __future__ import annotations

from typing import Any

from accounts import roles

COORDINATION = "coordination"
MENTOR = "mentor"
BENEFICIAIRE = "beneficiaire"


def role_in(accompagnement: Any, user: Any) -> str | None:
    """The user's part in this accompagnement, or None. Uses prefetched mentors when available."""
    if not getattr(user, "is_authenticated", False):
        return None
    if roles.is_coordination(user):
        return COORDINATION
    if accompagnement.beneficiaire_id == user.pk:
        return BENEFICIAIRE
    if any(mentor.user_id == user.pk for mentor in accompagnement.mentors.all()):
        return MENTOR
    return None
