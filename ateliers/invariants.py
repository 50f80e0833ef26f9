"""Invariants of the ateliers (core/invariants.py): places, waiting list, participation fees."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.invariants import Violation, invariant
from programmes.models import NatureFormat
from questionnaires.models import Nature

from .models import (
    ETATS_CONFIRMES,
    Atelier,
    EtatAtelier,
    EtatEvaluationAtelier,
    EtatInscription,
    EvaluationAtelier,
    Immersion,
    Inscription,
    PresenceGroupe,
    SeanceGroupe,
)


def _atelier(pk: int, titre: str) -> dict[str, str]:
    return {"objet": _("Atelier « %(titre)s »") % {"titre": titre}, "url": reverse("ateliers:detail", args=[pk])}


def _comptes() -> Iterable[dict]:
    return (
        Atelier.objects.order_by()
        .annotate(
            confirmees=Count("inscriptions", filter=Q(inscriptions__etat__in=ETATS_CONFIRMES)),
            attente=Count("inscriptions", filter=Q(inscriptions__etat=EtatInscription.EN_ATTENTE)),
        )
        .values("pk", "titre", "capacite", "confirmees", "attente")
    )


@invariant("ateliers.capacite", gettext_lazy("Un atelier n’a jamais plus d’inscrit·es que de places"))
def capacite() -> Iterable[Violation]:
    for row in _comptes().filter(confirmees__gt=F("capacite")).order_by("pk").iterator():
        yield Violation(
            message=_("%(n)s inscrit·es pour %(places)s place(s).") % {"n": row["confirmees"], "places": row["capacite"]},
            **_atelier(row["pk"], row["titre"]),
        )


@invariant(
    "ateliers.liste_attente",
    gettext_lazy("Personne n’attend sur la liste d’attente d’un atelier qui a une place libre"),
)
def liste_attente() -> Iterable[Violation]:
    for row in _comptes().filter(attente__gt=0, confirmees__lt=F("capacite")).order_by("pk").iterator():
        yield Violation(
            message=_("%(n)s personne(s) en attente alors que %(libres)s place(s) sont libres.")
            % {"n": row["attente"], "libres": row["capacite"] - row["confirmees"]},
            **_atelier(row["pk"], row["titre"]),
        )


@invariant(
    "ateliers.participation_membres",
    gettext_lazy("Une participation n’est due que par les non-membres, et n’est payée que si elle est due"),
)
def participation_membres() -> Iterable[Violation]:
    rows = (
        Inscription.objects.filter(
            Q(membre=True, participation_due__gt=0) | Q(participation_due=0, participation_payee_le__isnull=False)
        )
        .order_by("pk")
        .values("pk", "atelier_id", "atelier__titre", "participant__email", "membre", "participation_due")
    )
    for row in rows.iterator():
        yield Violation(
            message=(
                _("%(email)s est membre mais doit %(montant)s €.")
                if row["membre"]
                else _("%(email)s a payé une participation qui n’était pas due.")
            )
            % {"email": row["participant__email"], "montant": row["participation_due"]},
            **_atelier(row["atelier_id"], row["atelier__titre"]),
        )


@invariant(
    "ateliers.ordre_attente",
    gettext_lazy("La liste d’attente monte dans l’ordre d’arrivée : personne n’est passé devant quelqu’un qui attend encore"),
)
def ordre_attente() -> Iterable[Violation]:
    passe_devant = Inscription.objects.filter(
        atelier_id=OuterRef("atelier_id"),
        etat__in=ETATS_CONFIRMES,
        demandee_le__gt=OuterRef("demandee_le"),
        evenements__transition="promouvoir",
    )
    rows = (
        Inscription.objects.filter(etat=EtatInscription.EN_ATTENTE)
        .filter(Exists(passe_devant))
        .order_by("pk")
        .values("atelier_id", "atelier__titre", "participant__email")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("%(email)s attend encore alors qu’une personne arrivée après lui·elle a obtenu une place.")
            % {"email": row["participant__email"]},
            **_atelier(row["atelier_id"], row["atelier__titre"]),
        )


@invariant(
    "ateliers.immersion_benevole",
    gettext_lazy("Une immersion est une journée bénévole, dans un format d’immersion de son programme"),
)
def immersion_benevole() -> Iterable[Violation]:
    rows = (
        Immersion.objects.filter(
            ~Q(format__nature=NatureFormat.IMMERSION)
            | Q(format__personne_ressource_remuneree=True)
            | ~Q(format__programme_id=F("programme_id"))
        )
        .values("pk", "mentore__email", "format__libelle")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Le format %(format)s n’est pas un format d’immersion bénévole de ce programme.")
            % {"format": row["format__libelle"]},
            objet=_("Immersion de %(personne)s") % {"personne": row["mentore__email"]},
            url=reverse("ateliers:immersion_detail", args=[row["pk"]]),
        )


@invariant(
    "ateliers.codev_membres",
    gettext_lazy("Une séance de co-développement travaille la problématique d’un membre du groupe et ne pointe que ses membres"),
)
def codev_membres() -> Iterable[Violation]:
    etrangers = PresenceGroupe.objects.filter(seance=OuterRef("pk")).exclude(membre__groupe_id=F("seance__groupe_id"))
    rows = (
        SeanceGroupe.objects.filter(~Q(client__groupe_id=F("groupe_id")) | Exists(etrangers))
        .values("pk", "groupe_id", "groupe__nom", "debut")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("La séance du %(date)s porte sur, ou pointe, une personne qui n’est pas membre du groupe.")
            % {"date": formats.date_format(timezone.localtime(row["debut"]), "SHORT_DATE_FORMAT")},
            objet=_("Groupe « %(nom)s »") % {"nom": row["groupe__nom"]},
            url=reverse("ateliers:groupe_detail", args=[row["groupe_id"]]),
        )


@invariant(
    "ateliers.evaluation_presente",
    gettext_lazy(
        "Seul·e un·e participant·e noté·e présent·e à un atelier tenu l’évalue, et une fois remplie son évaluation "
        "garde la version du questionnaire d’évaluation d’atelier de son programme, figée"
    ),
)
def evaluation_presente() -> Iterable[Violation]:
    hors_liste = ~Q(inscription__etat=EtatInscription.PRESENTE) | ~Q(inscription__atelier__etat=EtatAtelier.TENU)
    version_fausse = Q(etat=EtatEvaluationAtelier.REMPLIE) & (
        Q(questionnaire_version__isnull=True)
        | Q(questionnaire_version__gelee_le__isnull=True)
        | ~Q(questionnaire_version__questionnaire__programme_id=F("inscription__atelier__programme_id"))
        | ~Q(questionnaire_version__questionnaire__nature=Nature.EVALUATION_ATELIER)
    )
    rows = (
        EvaluationAtelier.objects.filter(hors_liste | version_fausse)
        .order_by("pk")
        .values("inscription__atelier_id", "inscription__atelier__titre", "inscription__participant__email")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("L’évaluation de %(email)s ne se rapporte pas à une présence à cet atelier tenu, ou à son questionnaire.")
            % {"email": row["inscription__participant__email"]},
            **_atelier(row["inscription__atelier_id"], row["inscription__atelier__titre"]),
        )
