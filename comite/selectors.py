"""Read-side queries shared by pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts import perimetre, roles
from accounts.models import User
from programmes.models import Programme

from .models import Avis, ReunionComite, Saisine


def espace(user: User) -> dict[str, Any]:
    """Context for this app's section of the person's space (templates/<app>/includes/espace.html)."""
    if roles.is_coordination(user):
        return {"comite_espace": {"coordination": True}}
    # A comité member's files awaiting their opinion and dashboards open the space, in the top
    # layer's block (plateforme/selectors.py comite_a_faire), which may also link to the dashboards.
    return {}


def programmes_visibles(user: User) -> QuerySet[Programme]:
    """The programmes whose committee pages `user` reads: its pilots' for the coordination, those of their
    seats for a committee member (comite.MembreComite), none for anyone else."""
    if roles.is_coordination(user) or roles.is_comite(user):
        return perimetre.programmes_visibles(user)
    return Programme.objects.none()


def saisines_visibles(user: User) -> QuerySet[Saisine]:
    """Files put to the committee that `user` may read: the coordination's of its pilots' programmes,
    a committee member's of the programmes they sit on, none for anyone else."""
    if roles.is_coordination(user):
        return Saisine.objects.filter(perimetre.filtre_coordination(user, "candidature__programme"))
    return Saisine.objects.filter(candidature__programme_id__in=roles.programmes_comite(user))


def reunions_visibles(user: User) -> QuerySet[ReunionComite]:
    """The committee's meetings `user` may open, on the same scope as the files."""
    if roles.is_coordination(user):
        return ReunionComite.objects.filter(perimetre.filtre_coordination(user))
    return ReunionComite.objects.filter(programme_id__in=roles.programmes_comite(user))


def saisines_list(user: User) -> QuerySet[Saisine]:
    """The list page: summary columns and the opinions count, in a constant number of queries."""
    return (
        saisines_visibles(user)
        .select_related("candidature", "candidature__structure", "candidature__programme", "reunion")
        .annotate(
            nb_avis=Count("avis", distinct=True),
            mon_avis=Count("avis", filter=Q(avis__membre=user), distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


def saisine_detail(user: User, pk: int) -> Saisine:
    """One file put to the committee, with what its read-only summary shows; Saisine.DoesNotExist otherwise."""
    return (
        saisines_visibles(user)
        .select_related(
            "candidature",
            "candidature__structure",
            "candidature__programme",
            "candidature__diagnostic",
            "candidature__diagnostic__format_recommande",
            "candidature__diagnostic__format_suite",
            "reunion",
        )
        .prefetch_related(
            "pieces",
            "candidature__diagnostic__besoins__competence",
            Prefetch("avis", queryset=Avis.objects.select_related("membre")),
        )
        .get(pk=pk)
    )


def reunions_list(*, programme: Programme) -> QuerySet[ReunionComite]:
    nb_saisines = Saisine.objects.filter(reunion=OuterRef("pk")).order_by().values("reunion").annotate(n=Count("pk")).values("n")
    return (
        ReunionComite.objects.filter(programme=programme)
        .annotate(nb_saisines=Coalesce(Subquery(nb_saisines), 0))
        .order_by("-date", "-pk")
    )


@dataclass(frozen=True)
class RegleReunions:
    annee: int
    tenues: int
    prevues: int
    minimum: int

    @property
    def respectee(self) -> bool:
        return self.tenues >= self.minimum

    @property
    def atteignable(self) -> bool:
        return self.tenues + self.prevues >= self.minimum


def reunions_minimum(*, programme: Programme, annee: int | None = None) -> RegleReunions:
    """Whether the committee met at least Programme.reunions_comite_minimum times in the (calendar) year."""
    now = timezone.now()
    annee = annee or timezone.localdate().year
    counts = ReunionComite.objects.filter(programme=programme, date__year=annee).aggregate(
        tenues=Count("pk", filter=Q(date__lte=now)), prevues=Count("pk", filter=Q(date__gt=now))
    )
    return RegleReunions(
        annee=annee, tenues=counts["tenues"], prevues=counts["prevues"], minimum=programme.reunions_comite_minimum
    )
