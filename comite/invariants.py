"""Invariants of the committees (core/invariants.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.invariants import Violation, invariant

from .models import Avis, MembreComite


@invariant(
    "comite.avis_d_un_membre",
    gettext_lazy("Chaque avis est donné par un·e membre du comité du programme du dossier"),
)
def avis_d_un_membre() -> Iterable[Violation]:
    """One query: opinions whose author has (or had: a closed seat keeps the opinions given) no seat on the
    committee of the file's programme."""
    siege = MembreComite.objects.filter(programme=OuterRef("saisine__candidature__programme"), user=OuterRef("membre"))
    rows = (
        Avis.objects.exclude(Exists(siege))
        .values("pk", "saisine_id", "saisine__candidature__reference", "membre__email")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Avis de %(email)s, qui ne siège pas au comité de ce programme.") % {"email": row["membre__email"]},
            objet=_("Dossier %(ref)s soumis au comité") % {"ref": row["saisine__candidature__reference"]},
            url=reverse("comite:saisine_detail", args=[row["saisine_id"]]),
        )
