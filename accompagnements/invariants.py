"""Invariants of the accompagnements and their sessions (core/invariants.py)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.invariants import Violation, invariant
from programmes.models import Format, duree_texte

from .models import (
    SEANCE_COMPTEE,
    Accompagnement,
    AccompagnementHistorique,
    Creneau,
    EtatAccompagnement,
    EtatSeance,
    Seance,
)
from .selectors import _sum_seances


def sur_accompagnement(accompagnement_id: int, reference: str) -> dict[str, str]:
    """What a violation on an accompagnement names and where it points (shared by the later stages)."""
    return {
        "objet": _("Accompagnement %(ref)s") % {"ref": reference},
        "url": reverse("accompagnements:detail", args=[accompagnement_id]),
    }


@invariant(
    "accompagnements.demi_journees_convention",
    gettext_lazy("Les demi-journées planifiées, réalisées et comptées ne dépassent pas celles de la convention"),
)
def demi_journees_convention() -> Iterable[Violation]:
    comptees = Q(seances__etat__in=[EtatSeance.PLANIFIEE, EtatSeance.REALISEE]) | Q(
        seances__etat=EtatSeance.ANNULEE, seances__comptee=True
    )
    rows = (
        Accompagnement.objects.order_by()
        .values("pk", "reference", "demi_journees_prevues", "format__unite")
        .annotate(consommees=_sum_seances(comptees))
        .filter(consommees__gt=F("demi_journees_prevues"))
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("%(n)s planifiée(s), réalisée(s) ou comptée(s) pour %(prevues)s prévue(s).")
            % {
                "n": duree_texte(row["consommees"], unite=row["format__unite"]),
                "prevues": duree_texte(row["demi_journees_prevues"], unite=row["format__unite"]),
            },
            **sur_accompagnement(row["pk"], row["reference"]),
        )


@invariant(
    "accompagnements.demi_journees_structure",
    gettext_lazy("Par structure bénéficiaire et par format, le maximum de demi-journées du programme est respecté"),
)
def demi_journees_structure() -> Iterable[Violation]:
    maximum = Format.objects.filter(pk=OuterRef("format_id")).values("demi_journees_max")[:1]
    prevues = (
        Accompagnement.objects.actifs()
        .order_by()
        .values(
            "structure_beneficiaire_id", "structure_beneficiaire__raison_sociale", "format_id", "format__libelle", "format__unite"
        )
        .annotate(total=Sum("demi_journees_prevues"), maximum=maximum)
        .filter(total__gt=F("maximum"))
    )
    seances = (
        Seance.objects.filter(SEANCE_COMPTEE)
        .order_by()
        .values(
            "accompagnement__structure_beneficiaire_id",
            "accompagnement__structure_beneficiaire__raison_sociale",
            "accompagnement__format__libelle",
            "accompagnement__format__demi_journees_max",
            "accompagnement__format__unite",
        )
        .annotate(total=Sum("demi_journees"))
        .filter(total__gt=F("accompagnement__format__demi_journees_max"))
    )
    for row in prevues:
        yield Violation(
            message=_("%(total)s de %(format)s prévue(s) dans le programme ; le maximum est de %(max)s.")
            % {
                "total": duree_texte(row["total"], unite=row["format__unite"]),
                "format": row["format__libelle"],
                "max": duree_texte(row["maximum"], unite=row["format__unite"]),
            },
            objet=_("Structure %(nom)s") % {"nom": row["structure_beneficiaire__raison_sociale"]},
        )
    for row in seances:
        yield Violation(
            message=_("%(total)s de %(format)s consommée(s) dans le programme ; le maximum est de %(max)s.")
            % {
                "total": duree_texte(row["total"], unite=row["accompagnement__format__unite"]),
                "format": row["accompagnement__format__libelle"],
                "max": duree_texte(row["accompagnement__format__demi_journees_max"], unite=row["accompagnement__format__unite"]),
            },
            objet=_("Structure %(nom)s") % {"nom": row["accompagnement__structure_beneficiaire__raison_sociale"]},
        )


def sur_seance(debut_jour: Any, reference: str, accompagnement_id: int) -> dict[str, str]:
    """What a violation on a session names (its day, its accompagnement) and where it points."""
    return {
        "objet": _("Séance du %(date)s (%(ref)s)")
        % {"date": formats.date_format(debut_jour, "SHORT_DATE_FORMAT"), "ref": reference},
        "url": reverse("accompagnements:detail", args=[accompagnement_id]),
    }


@invariant(
    "accompagnements.seance_periode_programme",
    gettext_lazy("Chaque séance a lieu pendant la période du programme"),
)
def seance_periode_programme() -> Iterable[Violation]:
    # A session cancelled in time consumed nothing: its date no longer matters.
    rows = (
        Seance.objects.filter(SEANCE_COMPTEE)
        .annotate(jour=TruncDate("debut"))
        .filter(Q(jour__lt=F("accompagnement__programme__date_debut")) | Q(jour__gt=F("accompagnement__programme__date_fin")))
        .values(
            "jour",
            "accompagnement_id",
            "accompagnement__reference",
            "accompagnement__programme__date_debut",
            "accompagnement__programme__date_fin",
        )
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("La séance est hors de la période du programme (du %(debut)s au %(fin)s).")
            % {
                "debut": formats.date_format(row["accompagnement__programme__date_debut"], "SHORT_DATE_FORMAT"),
                "fin": formats.date_format(row["accompagnement__programme__date_fin"], "SHORT_DATE_FORMAT"),
            },
            **sur_seance(row["jour"], row["accompagnement__reference"], row["accompagnement_id"]),
        )


@invariant(
    "accompagnements.seances_apres_demarrage",
    gettext_lazy("Un accompagnement qui n’a pas démarré n’a aucune séance"),
)
def seances_apres_demarrage() -> Iterable[Violation]:
    rows = (
        Accompagnement.objects.filter(etat__in=[EtatAccompagnement.OBJECTIFS, EtatAccompagnement.CONVENTION])
        .filter(Exists(Seance.objects.filter(SEANCE_COMPTEE, accompagnement=OuterRef("pk"))))
        .values("pk", "reference")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Des séances sont planifiées ou comptées alors que la convention n’est pas signée par tous."),
            **sur_accompagnement(row["pk"], row["reference"]),
        )


@invariant(
    "accompagnements.seance_realisee_passee",
    gettext_lazy("Une séance marquée réalisée a commencé (aucune demi-journée livrée dans le futur)"),
)
def seance_realisee_passee() -> Iterable[Violation]:
    rows = (
        Seance.objects.filter(etat=EtatSeance.REALISEE, debut__gt=timezone.now())
        .annotate(jour=TruncDate("debut"))
        .values("jour", "accompagnement_id", "accompagnement__reference")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Marquée réalisée alors qu’elle n’a pas encore commencé."),
            **sur_seance(row["jour"], row["accompagnement__reference"], row["accompagnement_id"]),
        )


@invariant(
    "accompagnements.creneau_reserve",
    gettext_lazy(
        "Un créneau réservé l’est par une séance planifiée ou tenue à son heure et de sa durée, avec sa personne-ressource"
    ),
)
def creneau_reserve() -> Iterable[Violation]:
    mentor_de_l_accompagnement = Accompagnement.mentors.through.objects.filter(
        accompagnement_id=OuterRef("seance__accompagnement_id"), personneressource_id=OuterRef("mentor_id")
    )
    rows = (
        Creneau.objects.filter(seance__isnull=False)
        .filter(
            ~Q(seance__debut=F("debut"))
            | ~Q(seance__demi_journees=F("demi_journees"))
            | Q(seance__etat=EtatSeance.ANNULEE)
            | ~Exists(mentor_de_l_accompagnement)
        )
        .annotate(jour=TruncDate("debut"))
        .values("jour", "seance__accompagnement_id", "seance__accompagnement__reference")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Le créneau réservé ne correspond plus à sa séance (heure, durée, annulation ou personne-ressource)."),
            objet=_("Créneau du %(date)s (%(ref)s)")
            % {
                "date": formats.date_format(row["jour"], "SHORT_DATE_FORMAT"),
                "ref": row["seance__accompagnement__reference"],
            },
            url=reverse("accompagnements:detail", args=[row["seance__accompagnement_id"]]),
        )


@invariant(
    "accompagnements.historique_demi_journees",
    gettext_lazy(
        "Avec les accompagnements passés importés, le maximum de demi-journées du format par structure bénéficiaire est respecté"
    ),
)
def historique_demi_journees() -> Iterable[Violation]:
    historiques = (
        AccompagnementHistorique.objects.order_by()
        .values("structure_beneficiaire_id", "format_id")
        .annotate(total=Sum("demi_journees"))
    )
    totaux = {(row["structure_beneficiaire_id"], row["format_id"]): row["total"] for row in historiques}
    if not totaux:
        return
    actifs = (
        Accompagnement.objects.actifs()
        .filter(structure_beneficiaire_id__in={s for s, _f in totaux})
        .order_by()
        .values("structure_beneficiaire_id", "format_id")
        .annotate(total=Sum("demi_journees_prevues"))
    )
    for row in actifs:
        cle = (row["structure_beneficiaire_id"], row["format_id"])
        if cle in totaux:
            totaux[cle] += row["total"]
    formats = Format.objects.in_bulk({f for _s, f in totaux})
    noms = dict(
        AccompagnementHistorique.objects.filter(structure_beneficiaire_id__in={s for s, _f in totaux}).values_list(
            "structure_beneficiaire_id", "structure_beneficiaire__raison_sociale"
        )
    )
    for (structure_id, format_id), total in sorted(totaux.items()):
        format = formats[format_id]
        if total > format.demi_journees_max:
            yield Violation(
                message=_("%(total)s de %(format)s avec les accompagnements passés ; le maximum est de %(max)s.")
                % {
                    "total": format.duree_texte(total),
                    "format": format.libelle,
                    "max": format.duree_texte(format.demi_journees_max),
                },
                objet=_("Structure %(nom)s") % {"nom": noms[structure_id]},
            )
