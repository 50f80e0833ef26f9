"""Invariants of the applications (core/invariants.py)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.invariants import Violation, invariant

from .models import Candidature, CandidatureEvenement, Etat

# The receipt is a job run after the submission (retried for a few minutes if the worker fails).
ACCUSE_DELAI = datetime.timedelta(hours=1)
# The transition written by accounts.retention (ANONYMISATION) when it blanks a file and deletes its documents.
ANONYMISATION = "anonymisation"


@invariant("candidatures.accuse_reception", gettext_lazy("Chaque candidature déposée a son accusé de réception (PDF)"))
def accuse_reception() -> Iterable[Violation]:
    """One query, then one `exists()` per submitted file on the storage (the PDF must really be there)."""
    anonymisee = CandidatureEvenement.objects.filter(candidature=OuterRef("pk"), transition=ANONYMISATION)
    rows = (
        Candidature.objects.exclude(etat=Etat.BROUILLON)
        .filter(soumise_le__lt=timezone.now() - ACCUSE_DELAI)
        .exclude(reference="")
        .exclude(Exists(anonymisee))
        .values("pk", "reference", "recu_pdf")
        .order_by("pk")
    )
    storage = Candidature._meta.get_field("recu_pdf").storage
    for row in rows.iterator():
        if row["recu_pdf"] and storage.exists(row["recu_pdf"]):
            continue
        yield Violation(
            message=_("Déposée sans accusé de réception enregistré.")
            if not row["recu_pdf"]
            else _("L’accusé de réception manque dans le stockage."),
            objet=_("Candidature %(ref)s") % {"ref": row["reference"]},
            url=reverse("candidatures:coordination_detail", args=[row["pk"]]),
        )


@invariant(
    "candidatures.questionnaire_version",
    gettext_lazy("Chaque candidature est répondue avec une version figée du questionnaire de son programme"),
)
def questionnaire_version() -> Iterable[Violation]:
    """One query: files whose questionnaire version belongs to another programme, or is still editable once submitted."""
    autre_programme = ~Q(questionnaire_version__questionnaire__programme=F("programme"))
    pas_figee = ~Q(etat=Etat.BROUILLON) & Q(questionnaire_version__gelee_le__isnull=True)
    rows = (
        Candidature.objects.filter(questionnaire_version__isnull=False)
        .filter(autre_programme | pas_figee)
        .order_by("pk")
        .values_list("pk", "reference")
    )
    for pk, reference in rows:
        yield Violation(
            message=_("Les réponses ne se rapportent pas à une version figée du questionnaire de son programme."),
            objet=_("Candidature %(ref)s") % {"ref": reference or pk},
            url=reverse("candidatures:coordination_detail", args=[pk]),
        )
