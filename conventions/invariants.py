"""Invariants of the conventions (core/invariants.py): signed documents, signatures, what the accompagnement uses."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Count, Exists, F, Min, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accompagnements.invariants import sur_accompagnement, sur_seance
from accompagnements.models import SEANCE_COMPTEE, Accompagnement, EtatAccompagnement, Seance
from core.invariants import Violation, invariant
from programmes.models import duree_texte

from .models import Convention, EtatConvention, Signature
from .services import PARTIES, stored_sha256

SIGNEES = [EtatConvention.SIGNEE, EtatConvention.REMPLACEE]
# The signed PDF (with its certification page) is built by a worker after the last signature;
# past this delay its absence is a fault, not a job still waiting (jobs retry for a few minutes).
DOCUMENT_FINAL_DELAI = datetime.timedelta(hours=1)


def _convention(row: dict) -> dict[str, str]:
    return {
        "objet": _("Convention %(ref)s") % {"ref": row["reference"]},
        "url": reverse("accompagnements:detail", args=[row["accompagnement_id"]]),
    }


class _Stored:
    """The (storage, name) pair `stored_sha256` reads, without building a model instance per row."""

    def __init__(self, storage, name: str) -> None:
        self.storage = storage
        self.name = name

    def __bool__(self) -> bool:
        return bool(self.name)


@invariant(
    "conventions.document_signe",
    gettext_lazy("Chaque convention signée par toutes les parties a son PDF, dont l’empreinte SHA-256 est celle signée"),
)
def document_signe() -> Iterable[Violation]:
    """Reads each signed document through the storage API (the only check here that is not one query)."""
    autre_empreinte = Signature.objects.filter(convention=OuterRef("pk")).exclude(sha256_document=OuterRef("pdf_sha256"))
    rows = (
        Convention.objects.filter(etat__in=SIGNEES)
        .annotate(parties=Count("signatures__partie", distinct=True), autre_empreinte=Exists(autre_empreinte))
        .values(
            "pk",
            "reference",
            "accompagnement_id",
            "scan_papier",
            "pdf",
            "pdf_sha256",
            "pdf_final",
            "pdf_final_sha256",
            "signee_le",
            "parties",
            "autre_empreinte",
        )
        .order_by("pk")
    )
    limite = timezone.now() - DOCUMENT_FINAL_DELAI
    storage = Convention._meta.get_field("pdf").storage
    for row in rows.iterator():
        where = _convention(row)

        def violation(message: str) -> Violation:
            return Violation(message=message, **where)  # noqa: B023 — used inside this iteration only

        if row["scan_papier"]:
            if not row["pdf_final"]:
                yield violation(_("Signée sur papier, sans le scan de la convention signée."))
            elif stored_sha256(_Stored(storage, row["pdf_final"])) != row["pdf_final_sha256"]:
                yield violation(_("Le scan enregistré manque ou ne correspond plus à son empreinte."))
            continue
        if row["parties"] < len(PARTIES):
            yield violation(_("Signée par %(n)s partie(s) sur %(total)s.") % {"n": row["parties"], "total": len(PARTIES)})
        if not row["pdf"] or not row["pdf_sha256"]:
            yield violation(_("Aucun document à signer n’est enregistré."))
        elif stored_sha256(_Stored(storage, row["pdf"])) != row["pdf_sha256"]:
            yield violation(_("Le document signé manque dans le stockage ou ne correspond plus à son empreinte."))
        if row["autre_empreinte"]:
            yield violation(_("Une signature porte sur une autre empreinte que celle du document."))
        if row["pdf_final"]:
            if stored_sha256(_Stored(storage, row["pdf_final"])) != row["pdf_final_sha256"]:
                yield violation(_("Le PDF signé final manque dans le stockage ou ne correspond plus à son empreinte."))
        elif row["signee_le"] and row["signee_le"] < limite:
            yield violation(_("Le PDF signé final (avec la page de certification) n’a jamais été produit."))


@invariant(
    "conventions.document_a_signer",
    gettext_lazy("Chaque convention en signature a son PDF à signer, dont l’empreinte est celle présentée aux signataires"),
)
def document_a_signer() -> Iterable[Violation]:
    autre_empreinte = Signature.objects.filter(convention=OuterRef("pk")).exclude(sha256_document=OuterRef("pdf_sha256"))
    rows = (
        Convention.objects.filter(etat=EtatConvention.EN_SIGNATURE)
        .annotate(autre_empreinte=Exists(autre_empreinte))
        .values("pk", "reference", "accompagnement_id", "pdf", "pdf_sha256", "autre_empreinte")
        .order_by("pk")
    )
    storage = Convention._meta.get_field("pdf").storage
    for row in rows.iterator():
        if not row["pdf"] or not row["pdf_sha256"]:
            message = _("En signature sans document à signer : personne ne peut la signer.")
        elif stored_sha256(_Stored(storage, row["pdf"])) != row["pdf_sha256"]:
            message = _("Le document à signer manque dans le stockage ou ne correspond plus à son empreinte.")
        elif row["autre_empreinte"]:
            message = _("Une signature porte sur une autre empreinte que celle du document.")
        else:
            continue
        yield Violation(message=message, **_convention(row))


@invariant(
    "conventions.une_en_vigueur",
    gettext_lazy("Un accompagnement a au plus une convention en vigueur, et une dès qu’il a démarré"),
)
def une_en_vigueur() -> Iterable[Violation]:
    demarres = [EtatAccompagnement.EN_COURS, EtatAccompagnement.TERMINE, EtatAccompagnement.CLOS]
    rows = (
        Accompagnement.objects.annotate(
            en_vigueur=Count("conventions", filter=Q(conventions__etat=EtatConvention.SIGNEE), distinct=True)
        )
        .filter(Q(en_vigueur__gt=1) | Q(en_vigueur=0, etat__in=demarres))
        .values("pk", "reference", "en_vigueur", "etat")
        .order_by("pk")
    )
    for row in rows.iterator():
        message = (
            _("%(n)s conventions signées en vigueur à la fois.") % {"n": row["en_vigueur"]}
            if row["en_vigueur"]
            else _("Démarré sans convention signée par toutes les parties.")
        )
        yield Violation(
            message=message,
            **sur_accompagnement(row["pk"], row["reference"]),
        )


@invariant(
    "conventions.demi_journees_accompagnement",
    gettext_lazy("Les demi-journées de l’accompagnement sont celles de sa convention en vigueur"),
)
def demi_journees_accompagnement() -> Iterable[Violation]:
    en_vigueur = Convention.objects.filter(accompagnement=OuterRef("pk"), etat=EtatConvention.SIGNEE).order_by("-version")
    rows = (
        Accompagnement.objects.annotate(convention_hj=Subquery(en_vigueur.values("demi_journees")[:1]))
        .filter(convention_hj__isnull=False)
        .exclude(demi_journees_prevues=F("convention_hj"))
        .values("pk", "reference", "demi_journees_prevues", "convention_hj", "format__unite")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("%(prevues)s prévue(s) ; la convention signée en porte %(convention)s.")
            % {
                "prevues": duree_texte(row["demi_journees_prevues"], unite=row["format__unite"]),
                "convention": duree_texte(row["convention_hj"], unite=row["format__unite"]),
            },
            **sur_accompagnement(row["pk"], row["reference"]),
        )


@invariant(
    "conventions.seance_periode_convention",
    gettext_lazy("Chaque séance a lieu pendant la période de la convention (de sa signature à la fin du programme)"),
)
def seance_periode_convention() -> Iterable[Violation]:
    premiere_signature = (
        Convention.objects.filter(accompagnement=OuterRef("accompagnement_id"), etat__in=SIGNEES)
        .order_by()
        .values("accompagnement_id")
        .annotate(le=Min("signee_le"))
        .values("le")[:1]
    )
    rows = (
        Seance.objects.filter(SEANCE_COMPTEE)
        .annotate(jour=TruncDate("debut"), signee=TruncDate(Subquery(premiere_signature)))
        .filter(signee__isnull=False, jour__lt=F("signee"))
        .values("jour", "signee", "accompagnement_id", "accompagnement__reference")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("La séance précède la signature de la convention (le %(signee)s).")
            % {"signee": formats.date_format(row["signee"], "SHORT_DATE_FORMAT")},
            **sur_seance(row["jour"], row["accompagnement__reference"], row["accompagnement_id"]),
        )
