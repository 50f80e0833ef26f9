"""Invariants of the money (core/invariants.py): each query aggregates in the database."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Round
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accompagnements.invariants import sur_accompagnement
from accompagnements.models import Accompagnement
from ateliers.models import Atelier, EtatAtelier
from conventions.models import Convention, EtatConvention
from core.exceptions import RuleViolation
from core.invariants import Violation, invariant
from core.money import euros, format_euros
from programmes.models import Programme
from programmes.rules import montant_animation

from .models import AutreDepense, Contribution, Engagement, EtatFacture, Facture, FactureAtelier, Imputation, Paiement
from .resume import resume_violations
from .selectors import ZERO, _sum


def _programme(programme_id: int, nom: str) -> dict[str, str]:
    return {"objet": _("Programme %(nom)s") % {"nom": nom}, "url": reverse("budget:grand_livre", args=[programme_id])}


def _avec_totaux_accompagnement():
    accompagnement = OuterRef("pk")
    en_vigueur = Convention.objects.filter(accompagnement=accompagnement, etat=EtatConvention.SIGNEE).order_by("-version")
    return Accompagnement.objects.order_by("pk").annotate(
        paye=_sum(Paiement.objects.filter(accompagnement=accompagnement), "accompagnement", "montant", money=True),
        engage=_sum(Engagement.objects.filter(accompagnement=accompagnement), "accompagnement", "montant", money=True),
        convention_montant=Subquery(en_vigueur.values("montant")[:1]),
    )


@invariant("budget.paye_au_plus_engage", gettext_lazy("Par accompagnement, le payé ne dépasse pas l’engagé"))
def paye_au_plus_engage() -> Iterable[Violation]:
    rows = _avec_totaux_accompagnement().filter(paye__gt=F("engage")).values("pk", "reference", "paye", "engage")
    for row in rows.iterator():
        yield Violation(
            message=_("%(paye)s payés pour %(engage)s engagés.")
            % {"paye": format_euros(row["paye"]), "engage": format_euros(row["engage"])},
            **sur_accompagnement(row["pk"], row["reference"]),
        )


@invariant(
    "budget.engage_au_plus_convention",
    gettext_lazy("Par accompagnement, l’engagé ne dépasse pas le montant de la convention en vigueur"),
)
def engage_au_plus_convention() -> Iterable[Violation]:
    rows = (
        _avec_totaux_accompagnement()
        .filter(Q(convention_montant__isnull=True, engage__gt=0) | Q(engage__gt=F("convention_montant")))
        .values("pk", "reference", "engage", "convention_montant")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("%(engage)s engagés pour une convention signée de %(convention)s.")
            % {"engage": format_euros(row["engage"]), "convention": format_euros(row["convention_montant"] or ZERO)},
            **sur_accompagnement(row["pk"], row["reference"]),
        )


def _programmes_avec_totaux():
    programme = OuterRef("pk")
    return Programme.objects.filter(enveloppe__isnull=False).annotate(
        engage=_sum(Engagement.objects.filter(programme=programme), "programme", "montant", money=True),
        autres=_sum(AutreDepense.objects.filter(programme=programme), "programme", "montant", money=True),
        paye=_sum(
            Paiement.objects.filter(accompagnement__programme=programme), "accompagnement__programme", "montant", money=True
        )
        + _sum(Paiement.objects.filter(atelier__programme=programme), "atelier__programme", "montant", money=True),
        enveloppe_montant=F("enveloppe__montant"),
        enveloppe_engage=F("enveloppe__engage"),
        enveloppe_autres=F("enveloppe__autres_depenses"),
    )


@invariant(
    "budget.enveloppe_engagee",
    gettext_lazy("Par programme, l’engagé et les autres dépenses ne dépassent pas l’enveloppe"),
)
def enveloppe_engagee() -> Iterable[Violation]:
    rows = (
        _programmes_avec_totaux()
        .filter(engage__gt=F("enveloppe_montant") - F("autres"))
        .values("pk", "nom", "engage", "autres", "enveloppe_montant")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("%(engage)s engagés et %(autres)s d’autres dépenses pour une enveloppe de %(enveloppe)s.")
            % {
                "engage": format_euros(row["engage"]),
                "autres": format_euros(row["autres"]),
                "enveloppe": format_euros(row["enveloppe_montant"]),
            },
            **_programme(row["pk"], row["nom"]),
        )


@invariant("budget.enveloppe_payee", gettext_lazy("Par programme, le payé ne dépasse pas l’enveloppe"))
def enveloppe_payee() -> Iterable[Violation]:
    rows = _programmes_avec_totaux().filter(paye__gt=F("enveloppe_montant")).values("pk", "nom", "paye", "enveloppe_montant")
    for row in rows.iterator():
        yield Violation(
            message=_("%(paye)s payés pour une enveloppe de %(enveloppe)s.")
            % {"paye": format_euros(row["paye"]), "enveloppe": format_euros(row["enveloppe_montant"])},
            **_programme(row["pk"], row["nom"]),
        )


@invariant(
    "budget.totaux_enveloppe",
    gettext_lazy("Les totaux tenus sur l’enveloppe sont ceux du grand livre"),
)
def totaux_enveloppe() -> Iterable[Violation]:
    rows = (
        _programmes_avec_totaux()
        .filter(~Q(engage=F("enveloppe_engage")) | ~Q(autres=F("enveloppe_autres")))
        .values("pk", "nom", "engage", "autres", "enveloppe_engage", "enveloppe_autres")
    )
    for row in rows.iterator():
        yield Violation(
            message=_(
                "L’enveloppe indique %(e1)s engagés et %(a1)s d’autres dépenses ; le grand livre en compte %(e2)s et %(a2)s."
            )
            % {
                "e1": format_euros(row["enveloppe_engage"]),
                "a1": format_euros(row["enveloppe_autres"]),
                "e2": format_euros(row["engage"]),
                "a2": format_euros(row["autres"]),
            },
            **_programme(row["pk"], row["nom"]),
        )


@invariant(
    "budget.engagement_par_convention",
    gettext_lazy("Chaque convention signée (ou avenant qui change le montant) a son engagement"),
)
def engagement_par_convention() -> Iterable[Violation]:
    precedente = Convention.objects.filter(avenant=OuterRef("pk")).values("montant")[:1]
    rows = (
        Convention.objects.filter(etat__in=[EtatConvention.SIGNEE, EtatConvention.REMPLACEE])
        .annotate(
            avant=Subquery(precedente),
            a_engagement=Exists(Engagement.objects.filter(convention=OuterRef("pk"))),
        )
        .filter(a_engagement=False)
        # An avenant that keeps the amount commits nothing; NULL (a first version) never compares equal.
        .filter(Q(avant__isnull=True) | Q(avant__lt=F("montant")) | Q(avant__gt=F("montant")))
        .values("reference", "montant", "accompagnement_id")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Signée pour %(montant)s, sans ligne d’engagement.") % {"montant": format_euros(row["montant"])},
            objet=_("Convention %(ref)s") % {"ref": row["reference"]},
            url=reverse("accompagnements:detail", args=[row["accompagnement_id"]]),
        )


@invariant(
    "budget.paiement_structure",
    gettext_lazy("Chaque paiement va à une structure qui emploie une personne-ressource de l’accompagnement"),
)
def paiement_structure() -> Iterable[Violation]:
    mentor = Accompagnement.mentors.through.objects.filter(
        accompagnement_id=OuterRef("accompagnement_id"), personneressource__structure_id=OuterRef("structure_id")
    )
    rows = (
        Paiement.objects.filter(accompagnement__isnull=False)
        .filter(~Exists(mentor))
        .values("reference_facture", "montant", "accompagnement_id", "accompagnement__reference", "structure__raison_sociale")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_(
                "Paiement %(ref)s de %(montant)s à %(structure)s, qui n’emploie aucune personne-ressource de cet accompagnement."
            )
            % {
                "ref": row["reference_facture"],
                "montant": format_euros(Decimal(row["montant"])),
                "structure": row["structure__raison_sociale"],
            },
            **sur_accompagnement(row["accompagnement_id"], row["accompagnement__reference"]),
        )


# --- The funders' shares (budget.repartition) -------------------------------------------------------


def _contribution(row: dict) -> dict[str, str]:
    return {
        "objet": _("Contribution %(financeur)s au programme %(nom)s")
        % {"financeur": row["financeur__nom"], "nom": row["programme__nom"]},
        "url": reverse("budget:grand_livre", args=[row["programme_id"]]),
    }


@invariant(
    "budget.enveloppe_contributions",
    gettext_lazy("L’enveloppe d’un programme financé par contributions est la somme de ses contributions"),
)
def enveloppe_contributions() -> Iterable[Violation]:
    programme = OuterRef("pk")
    rows = (
        Programme.objects.filter(Exists(Contribution.objects.filter(programme=programme)))
        .annotate(
            contribue=_sum(Contribution.objects.filter(programme=programme), "programme", "montant", money=True),
            enveloppe_montant=F("enveloppe__montant"),
        )
        .annotate(ecart=Round(F("enveloppe_montant") - F("contribue"), 2))
        .filter(Q(enveloppe_montant__isnull=True) | ~Q(ecart=0))
        .values("pk", "nom", "contribue", "enveloppe_montant")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Enveloppe de %(enveloppe)s pour %(contribue)s de contributions.")
            % {"enveloppe": format_euros(row["enveloppe_montant"] or ZERO), "contribue": format_euros(row["contribue"])},
            **_programme(row["pk"], row["nom"]),
        )


# Per ledger: the model, the imputation's column naming the line, the path to the programme, a label.
_LEDGERS = (
    (Engagement, "engagement", "programme", gettext_lazy("Engagement")),
    (Paiement, "paiement", "accompagnement__programme", gettext_lazy("Paiement")),
    # A workshop's payment (no accompagnement: the line above finds no contribution for it).
    (Paiement, "paiement", "atelier__programme", gettext_lazy("Paiement")),
    (AutreDepense, "depense", "programme", gettext_lazy("Autre dépense")),
)


@invariant(
    "budget.imputation_complete",
    gettext_lazy("Chaque ligne d’un programme financé par contributions est répartie entre elles au centime près"),
)
def imputation_complete() -> Iterable[Violation]:
    for model, champ, chemin, libelle in _LEDGERS:
        finance = Exists(Contribution.objects.filter(programme_id=OuterRef(f"{chemin}_id")))
        rows = (
            model._default_manager.annotate(
                finance=finance,
                impute=_sum(Imputation.objects.filter(**{champ: OuterRef("pk")}), champ, "montant", money=True),
                programme_pk=F(f"{chemin}_id"),
                programme_nom=F(f"{chemin}__nom"),
            )
            # Rounded to the cent: SQLite sums decimals as floats.
            .annotate(ecart=Round(F("impute") - F("montant"), 2))
            .filter(finance=True)
            .exclude(ecart=0)
            .values("pk", "montant", "impute", "programme_pk", "programme_nom")
            .order_by("pk")
        )
        for row in rows.iterator():
            yield Violation(
                message=_("%(ligne)s n° %(pk)s de %(montant)s : %(impute)s répartis entre les financeurs.")
                % {
                    "ligne": libelle,
                    "pk": row["pk"],
                    "montant": format_euros(row["montant"]),
                    "impute": format_euros(row["impute"]),
                },
                **_programme(row["programme_pk"], row["programme_nom"]),
            )


def _contributions_avec_imputations():
    contribution = OuterRef("pk")
    imputations = Imputation.objects.filter(contribution=contribution)
    return Contribution.objects.annotate(
        i_engage=_sum(imputations.filter(engagement__isnull=False), "contribution", "montant", money=True),
        i_paye=_sum(imputations.filter(paiement__isnull=False), "contribution", "montant", money=True),
        i_autres=_sum(imputations.filter(depense__isnull=False), "contribution", "montant", money=True),
    ).order_by("pk")


_CHAMPS_CONTRIBUTION = ("pk", "programme_id", "programme__nom", "financeur__nom", "montant", "engage", "paye", "autres")


def _contributions_comptees():
    """Every contribution with its running totals and the sums of its imputations per ledger, compared
    in Python (one row per contribution, a few per programme): SQLite adds decimals as floats."""
    rows = _contributions_avec_imputations().values(*_CHAMPS_CONTRIBUTION, "i_engage", "i_paye", "i_autres")
    for row in rows.iterator():
        yield {key: euros(value) if key.startswith("i_") else value for key, value in row.items()}


@invariant(
    "budget.totaux_contributions",
    gettext_lazy("Les totaux tenus sur chaque contribution sont ceux de ses imputations"),
)
def totaux_contributions() -> Iterable[Violation]:
    for row in _contributions_comptees():
        if (row["engage"], row["paye"], row["autres"]) == (row["i_engage"], row["i_paye"], row["i_autres"]):
            continue
        yield Violation(
            message=_(
                "La contribution indique %(e1)s engagés, %(p1)s payés, %(a1)s d’autres dépenses ; "
                "ses imputations en comptent %(e2)s, %(p2)s et %(a2)s."
            )
            % {
                "e1": format_euros(row["engage"]),
                "p1": format_euros(row["paye"]),
                "a1": format_euros(row["autres"]),
                "e2": format_euros(row["i_engage"]),
                "p2": format_euros(row["i_paye"]),
                "a2": format_euros(row["i_autres"]),
            },
            **_contribution(row),
        )


@invariant(
    "budget.contribution_jamais_depassee",
    gettext_lazy("Aucune contribution ne porte plus qu’elle n’apporte, ni moins que rien"),
)
def contribution_jamais_depassee() -> Iterable[Violation]:
    for row in _contributions_comptees():
        engage, paye, autres = row["i_engage"], row["i_paye"], row["i_autres"]
        if engage + autres <= row["montant"] and paye <= row["montant"] and min(engage, paye, autres) >= 0:
            continue
        yield Violation(
            message=_("%(montant)s apportés ; imputés : %(engage)s engagés, %(paye)s payés, %(autres)s d’autres dépenses.")
            % {
                "montant": format_euros(row["montant"]),
                "engage": format_euros(engage),
                "paye": format_euros(paye),
                "autres": format_euros(autres),
            },
            **_contribution(row),
        )


@invariant(
    "budget.resume_programme",
    gettext_lazy("Le résumé des tableaux de bord de chaque programme est celui que donnent ses séances et son grand livre"),
)
def resume_programme() -> Iterable[Violation]:
    for programme, champ, stocke, recalcule in resume_violations():
        yield Violation(
            message=_("« %(champ)s » vaut %(stocke)s dans le résumé, %(recalcule)s recalculé.")
            % {"champ": champ, "stocke": stocke, "recalcule": recalcule},
            **_programme(programme.pk, programme.nom),
        )


@invariant(
    "budget.facture_payee_une_fois",
    gettext_lazy("Chaque facture est payée une fois, de son montant, et seulement une fois payée"),
)
def facture_payee_une_fois() -> Iterable[Violation]:
    rows = (
        Facture.objects.annotate(
            paye=_sum(Paiement.objects.filter(facture=OuterRef("pk")), "facture", "montant", money=True),
        )
        .filter(Q(etat=EtatFacture.PAYEE) & ~Q(paye=F("montant")) | ~Q(etat=EtatFacture.PAYEE) & ~Q(paye=0))
        .values("pk", "numero", "montant", "paye", "structure__raison_sociale")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("Facture de %(montant)s, %(paye)s payés.")
            % {"montant": format_euros(row["montant"]), "paye": format_euros(row["paye"])},
            objet=_("Facture %(numero)s de %(structure)s")
            % {"numero": row["numero"], "structure": row["structure__raison_sociale"]},
            url=reverse("budget:facture_detail", args=[row["pk"]]),
        )


def _animation_due(atelier: Atelier) -> Decimal | None:
    """What a workshop's animation should have committed: its amount once held and led by a paid
    personne-ressource, nothing otherwise (scheduled, cancelled, unpaid format); None if it cannot be priced."""
    if atelier.etat != EtatAtelier.TENU or atelier.personne_ressource_id is None:
        return ZERO
    try:
        return montant_animation(format=atelier.format, duree=atelier.duree)
    except RuleViolation:
        return None


@invariant(
    "budget.animation_ateliers",
    gettext_lazy(
        "Chaque atelier tenu dont la personne-ressource est rémunérée a exactement son animation engagée ; "
        "un atelier annulé ou programmé n’a rien d’engagé"
    ),
)
def animation_ateliers() -> Iterable[Violation]:
    rows = (
        Atelier.objects.annotate(engage=_sum(Engagement.objects.filter(atelier=OuterRef("pk")), "atelier", "montant", money=True))
        .filter(Q(etat=EtatAtelier.TENU) | ~Q(engage=0))
        .select_related("format__programme")
        .order_by("pk")
    )
    for atelier in rows.iterator():
        attendu = _animation_due(atelier)
        engage = atelier.engage  # type: ignore[attr-defined]
        if attendu is not None and euros(engage) == attendu:
            continue
        yield Violation(
            message=(
                _("%(engage)s engagés pour l’animation de cet atelier (%(etat)s) au lieu de %(attendu)s.")
                % {"engage": format_euros(engage), "etat": atelier.get_etat_display(), "attendu": format_euros(attendu)}
                if attendu is not None
                else _("L’animation de cet atelier ne peut pas être chiffrée : le format n’a pas de taux par unité.")
            ),
            objet=_("Atelier « %(titre)s »") % {"titre": atelier.titre},
            url=reverse("ateliers:detail", args=[atelier.pk]),
        )


@invariant(
    "budget.paiement_ateliers",
    gettext_lazy(
        "Un atelier payé l’est exactement de son animation engagée, à la structure de sa personne-ressource, "
        "et d’une seule facture"
    ),
)
def paiement_ateliers() -> Iterable[Violation]:
    atelier = OuterRef("pk")
    paiements = Paiement.objects.filter(atelier=atelier)
    autre_structure = paiements.exclude(structure_id=OuterRef("personne_ressource__structure_id"))
    rows = (
        Atelier.objects.filter(Exists(paiements))
        .annotate(
            paye=_sum(paiements, "atelier", "montant", money=True),
            engage=_sum(Engagement.objects.filter(atelier=atelier), "atelier", "montant", money=True),
            factures=Subquery(
                paiements.filter(facture__isnull=False)
                .order_by()
                .values("atelier")
                .annotate(n=Count("facture", distinct=True))
                .values("n")[:1]
            ),
            autre_structure=Exists(autre_structure),
        )
        # A payment reversed to nothing leaves nothing paid: only what is paid must match.
        .filter(~Q(paye=F("engage")) & ~Q(paye=0) | Q(factures__gt=1) | Q(autre_structure=True))
        .values("pk", "titre", "paye", "engage", "factures", "autre_structure")
        .order_by("pk")
    )
    for row in rows.iterator():
        if row["factures"] and row["factures"] > 1:
            message = _("Cet atelier est payé par %(n)s factures.") % {"n": row["factures"]}
        elif row["autre_structure"]:
            message = _("Cet atelier est payé à une structure qui n’emploie pas la personne-ressource qui l’a animé.")
        else:
            message = _("%(paye)s payés pour une animation engagée de %(engage)s.") % {
                "paye": format_euros(row["paye"]),
                "engage": format_euros(row["engage"]),
            }
        yield Violation(
            message=message,
            objet=_("Atelier « %(titre)s »") % {"titre": row["titre"]},
            url=reverse("ateliers:detail", args=[row["pk"]]),
        )


@invariant(
    "budget.facture_ateliers",
    gettext_lazy("Une facture ne porte que des ateliers tenus de son programme, animés par sa structure"),
)
def facture_ateliers() -> Iterable[Violation]:
    rows = (
        FactureAtelier.objects.filter(
            ~Q(atelier__etat=EtatAtelier.TENU)
            | ~Q(atelier__programme_id=F("facture__programme_id"))
            | Q(atelier__personne_ressource__isnull=True)
            | ~Q(atelier__personne_ressource__structure_id=F("facture__structure_id"))
        )
        .values("facture_id", "facture__numero", "facture__structure__raison_sociale", "atelier__titre")
        .order_by("pk")
    )
    for row in rows.iterator():
        yield Violation(
            message=_("L’atelier « %(titre)s » n’est pas facturable par cette structure sur cette facture.")
            % {"titre": row["atelier__titre"]},
            objet=_("Facture %(numero)s de %(structure)s")
            % {"numero": row["facture__numero"], "structure": row["facture__structure__raison_sociale"]},
            url=reverse("budget:facture_detail", args=[row["facture_id"]]),
        )
