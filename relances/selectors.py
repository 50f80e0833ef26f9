"""Read-side queries on reminders."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Q, QuerySet

from accompagnements.models import Accompagnement, Seance
from accounts.models import User
from candidatures.models import Candidature
from conventions.models import Convention
from evaluations.models import Evaluation
from programmes.models import Programme

from .models import EtatRelance, Relance


def relances_du_dossier(accompagnement: Accompagnement) -> QuerySet[Relance]:
    """The reminders sent (or switched off/cancelled) about one accompagnement: its sessions, conventions, evaluations."""
    types = ContentType.objects.get_for_models(Seance, Convention, Evaluation, Accompagnement)
    objets = [
        (types[Seance], Seance.objects.filter(accompagnement=accompagnement).values("pk")),
        (types[Convention], Convention.objects.filter(accompagnement=accompagnement).values("pk")),
        (types[Evaluation], Evaluation.objects.filter(accompagnement=accompagnement).values("pk")),
    ]
    condition = Q(content_type=types[Accompagnement], object_id=accompagnement.pk)
    for content_type, ids in objets:
        condition |= Q(content_type=content_type, object_id__in=ids)
    return (
        Relance.objects.filter(condition)
        .exclude(etat__in=[EtatRelance.PREVUE, EtatRelance.EN_COURS])
        .select_related("destinataire")
        .order_by("-envoyee_le", "-echeance")
    )


def relances_envoyees(programme: Programme) -> QuerySet[Relance]:
    return (
        Relance.objects.filter(programme=programme, etat=EtatRelance.ENVOYEE)
        .select_related("destinataire")
        .prefetch_related(
            GenericPrefetch(
                "objet",
                [
                    Seance.objects.select_related("accompagnement"),
                    Convention.objects.select_related("accompagnement"),
                    Evaluation.objects.select_related("accompagnement"),
                    Candidature.objects.all(),
                    Accompagnement.objects.all(),
                ],
            )
        )
        .order_by("-envoyee_le")
    )


def accompagnement_context(accompagnement: Accompagnement, user: User | AnonymousUser, role: str) -> dict[str, Any]:
    """Context of the reminders section of the accompagnement page (the coordination's only)."""
    if role != "coordination":
        return {"relances_coordination": False}
    return {"relances_coordination": True, "relances_du_dossier": list(relances_du_dossier(accompagnement)[:50])}


def relances_suspendues(programme: Programme) -> QuerySet[Relance]:
    """Reminders held because the mail provider reported the address as failing (plateforme/suivi_emails.py)."""
    return Relance.objects.filter(programme=programme, etat=EtatRelance.SUSPENDUE).select_related("destinataire")
