"""Writes on the budget: every line locks the envelope row and updates its totals in one transaction."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any, TypeVar, cast

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accompagnements.models import Accompagnement, Seance
from accounts.models import User
from ateliers.models import Atelier
from core.antivirus import EN_ATTENTE, INFECTE, NON_CONFIGURE, SAIN, configured_scanner
from core.emails import send_templated_after_commit
from core.exceptions import PermissionRefused, RuleViolation
from core.jobs import enqueue
from core.money import format_euros
from core.permissions import require
from core.uploads import CheckedUpload, initial_scan_status
from core.workflow import apply_transition
from programmes.copie import register_copie
from programmes.models import Programme, Structure
from programmes.rules import check_montant_positif, montant_animation

from . import audit, bilan, cerfa, documents
from .models import (
    EXPORTS_PERSONNELS,
    AutreDepense,
    Contribution,
    Engagement,
    Enveloppe,
    EtatExport,
    Export,
    Facture,
    FactureAtelier,
    FactureEvenement,
    FactureSeance,
    Financeur,
    ModePaiement,
    Paiement,
    RegleRepartition,
    TypeExport,
    paiements_du_programme,
)
from .permissions import structures_de
from .repartition import imputer
from .resume import resume_recalculer
from .selectors import ateliers_de_facture, demi_journees_livrees, montant_attendu, seances_de_facture
from .workflow_factures import WORKFLOW as FACTURE_WORKFLOW

if TYPE_CHECKING:  # annotations only: the convention is passed through, never read here
    from conventions.models import Convention


def _locked_envelope(programme_id: int) -> Enveloppe:
    try:
        return Enveloppe.objects.select_for_update().get(programme_id=programme_id)
    except Enveloppe.DoesNotExist:
        raise RuleViolation(_("Ce programme n’a pas encore d’enveloppe budgétaire.")) from None


# Tests flip this to prove the concurrency test can fail without the row lock.
USE_ROW_LOCK = True


@transaction.atomic
def engagement_create(
    *,
    accompagnement: Accompagnement,
    montant: Decimal,
    libelle: str,
    by: User | None,
    convention: Convention | None = None,
    note: str = "",
) -> Engagement:
    """Commit `montant` on the programme's envelope; refuse if the envelope cannot carry it.

    A negative amount is an adjustment (an avenant that reduces the convention).
    """
    require(by, "budget.engager", convention)
    return _engager(
        programme_id=accompagnement.programme_id,
        montant=montant,
        libelle=libelle,
        by=by,
        note=note,
        accompagnement=accompagnement,
        convention=convention,
    )


# A budget line of any of the three ledgers (each is corrected by an opposite line, never edited).
Ligne = TypeVar("Ligne", Engagement, Paiement, AutreDepense)


def _au_grand_livre(ligne: Ligne, *, programme_id: int) -> Ligne:
    """What follows every line written in a ledger: its shares between the programme's funders
    (budget.repartition), the programme's summary recomputed."""
    imputer(ligne)
    resume_recalculer(programme_id=programme_id)
    return ligne


def _engager(*, programme_id: int, montant: Decimal, libelle: str, by: User | None, note: str, **objet: Any) -> Engagement:
    """Check the envelope (locked) can carry `montant`, write the line for `objet` (an accompagnement and
    its convention, or a workshop), share it between the funders and update the programme's summary."""
    if not isinstance(montant, Decimal) or montant == 0 or montant != montant.quantize(Decimal("0.01")):
        raise RuleViolation(_("Le montant d’un engagement doit être un montant en euros non nul."), field="montant")
    if USE_ROW_LOCK:
        enveloppe = _locked_envelope(programme_id)
    else:
        enveloppe = Enveloppe.objects.get(programme_id=programme_id)
    if montant > 0 and enveloppe.engage + enveloppe.autres_depenses + montant > enveloppe.montant:
        raise RuleViolation(
            _("L’enveloppe ne peut pas porter cet engagement de %(montant)s : il reste %(reste)s disponibles sur %(total)s.")
            % {
                "montant": format_euros(montant),
                "reste": format_euros(enveloppe.disponible),
                "total": format_euros(enveloppe.montant),
            }
        )
    if enveloppe.engage + montant < 0:
        raise RuleViolation(_("Cette correction rendrait le total engagé négatif."))
    if USE_ROW_LOCK:
        Enveloppe.objects.filter(pk=enveloppe.pk).update(engage=F("engage") + montant)
    else:
        # Deliberately racy read-modify-write, only used to show the test detects over-commitment.
        Enveloppe.objects.filter(pk=enveloppe.pk).update(engage=enveloppe.engage + montant)
    ligne = Engagement.objects.create(
        programme_id=programme_id, montant=montant, libelle=libelle, created_by=by, note=note, **objet
    )
    return _au_grand_livre(ligne, programme_id=programme_id)


@transaction.atomic
def engagement_atelier_create(*, atelier: Atelier, by: User | None) -> Engagement | None:
    """Commit what the personne-ressource who led a held workshop is owed: its duration in the format's
    unit times the format's rate (programmes.rules.montant_animation), whatever the number of participants,
    on the programme's envelope (refused in French if it cannot carry it). An unpaid format (immersion,
    volunteer) or a workshop nobody led costs nothing: no line. Called once, when the attendance list is
    closed (budget/receivers.py); a second call for the same workshop is refused."""
    require(by, "budget.engager")
    if not atelier.est_tenu:
        raise RuleViolation(_("Seul un atelier tenu (liste de présence close) engage la rémunération de son animation."))
    if atelier.personne_ressource_id is None:
        return None
    montant = montant_animation(format=atelier.format, duree=atelier.duree)
    if montant <= 0:
        return None
    if Engagement.objects.filter(atelier=atelier).exists():
        raise RuleViolation(_("La rémunération de l’animation de cet atelier est déjà engagée."))
    return _engager(
        programme_id=atelier.programme_id,
        montant=montant,
        libelle=_("Animation de l’atelier « %(titre)s » (%(duree)s %(unite)s)")
        % {"titre": atelier.titre, "duree": atelier.duree, "unite": atelier.format.get_unite_display()},
        by=by,
        note="",
        atelier=atelier,
    )


@transaction.atomic
def autre_depense_create(
    *,
    programme: Programme,
    categorie: str,
    libelle: str,
    date_depense: datetime.date,
    montant: Decimal,
    by: User,
    justificatif: File | None = None,
    note: str = "",
) -> AutreDepense:
    """Record another cost (essaimage, communication…) against the envelope."""
    require(by, "budget.modifier")
    check_montant_positif(montant)
    enveloppe = _locked_envelope(programme.pk)
    if enveloppe.engage + enveloppe.autres_depenses + montant > enveloppe.montant:
        raise RuleViolation(
            _("L’enveloppe ne peut pas porter cette dépense de %(montant)s : il reste %(reste)s disponibles.")
            % {"montant": format_euros(montant), "reste": format_euros(enveloppe.disponible)}
        )
    Enveloppe.objects.filter(pk=enveloppe.pk).update(autres_depenses=F("autres_depenses") + montant)
    depense = AutreDepense(
        programme=programme,
        categorie=categorie,
        libelle=libelle,
        date_depense=date_depense,
        montant=montant,
        created_by=by,
        note=note,
    )
    if justificatif is not None:
        depense.justificatif = justificatif
    depense.save()
    return _au_grand_livre(depense, programme_id=programme.pk)


@transaction.atomic
def enveloppe_set(*, programme: Programme, montant: Decimal) -> Enveloppe:
    """Create or resize the programme's envelope; it can never drop below what is already used.

    A programme funded by contributions has the envelope their sum: change the contributions instead.
    """
    if not isinstance(montant, Decimal) or montant < 0:
        raise RuleViolation(_("Le montant de l’enveloppe doit être positif."), field="montant")
    enveloppe, created = Enveloppe.objects.select_for_update().get_or_create(programme=programme, defaults={"montant": montant})
    if not created and montant != enveloppe.montant and Contribution.objects.filter(programme=programme).exists():
        raise RuleViolation(
            _("L’enveloppe de ce programme est la somme des contributions de ses financeurs : modifiez les contributions."),
            field="montant",
        )
    if not created:
        if montant < enveloppe.engage + enveloppe.autres_depenses:
            raise RuleViolation(
                _("L’enveloppe ne peut pas être inférieure à ce qui est déjà engagé et dépensé (%(used)s).")
                % {"used": format_euros(enveloppe.engage + enveloppe.autres_depenses)},
                field="montant",
            )
        Enveloppe.objects.filter(pk=enveloppe.pk).update(montant=montant)
        enveloppe.refresh_from_db()
    return enveloppe


@register_copie
def enveloppe_copier(*, source: Programme, cible: Programme) -> None:
    """ "Copy this programme": next year's envelope starts at this year's amount and rule, nothing used;
    the funders' contributions (dated, per year) are not copied."""
    enveloppe = Enveloppe.objects.filter(programme=source).first()
    if enveloppe is not None:
        copie = enveloppe_set(programme=cible, montant=enveloppe.montant)
        Enveloppe.objects.filter(pk=copie.pk).update(regle_repartition=enveloppe.regle_repartition)


# --- The funders' contributions (the envelope is their sum) -----------------------------------


def _enveloppe_suit_contributions(programme_id: int) -> None:
    """The envelope's amount is the sum of the programme's contributions (one source: the contributions)."""
    total = Contribution.objects.filter(programme_id=programme_id).aggregate(total=Sum("montant"))["total"]
    Enveloppe.objects.filter(programme_id=programme_id).update(montant=total or Decimal("0.00"))


@dataclass(frozen=True, kw_only=True)
class TermesContribution:
    """What a funder's agreement says: amount, period, reference, what it may pay for, its priority.

    One value for the creation and the amendment of a contribution, checked in one place.
    """

    montant: Decimal
    date_debut: datetime.date
    date_fin: datetime.date
    reference_convention: str = ""
    finance_demi_journees: bool = True
    finance_essaimage: bool = False
    finance_autres: bool = False
    priorite: int = 1

    def verifier(self) -> None:
        montant = self.montant
        if not isinstance(montant, Decimal) or montant < 0 or montant != montant.quantize(Decimal("0.01")):
            raise RuleViolation(_("Le montant d’une contribution est un montant en euros positif."), field="montant")
        if self.date_fin < self.date_debut:
            raise RuleViolation(_("La période de la contribution se termine avant de commencer."), field="date_fin")
        if self.priorite < 1:
            raise RuleViolation(_("La priorité d’une contribution commence à 1."), field="priorite")

    def champs(self) -> dict[str, object]:
        """The contribution's columns, the reference trimmed."""
        valeurs = {f.name: getattr(self, f.name) for f in fields(self)}
        valeurs["reference_convention"] = self.reference_convention.strip()
        return valeurs


@transaction.atomic
def financeur_create(*, nom: str, by: User | None, ordre: int = 0) -> Financeur:
    """A funder of the reference list (État – DRAC, CNM, Région…)."""
    require(by, "budget.modifier")
    nom = nom.strip()
    if not nom:
        raise RuleViolation(_("Indiquez le nom du financeur."), field="nom")
    if Financeur.objects.filter(nom__iexact=nom).exists():
        raise RuleViolation(_("Ce financeur existe déjà."), field="nom")
    return Financeur.objects.create(nom=nom, ordre=ordre)


@transaction.atomic
def contribution_create(
    *, programme: Programme, financeur: Financeur, termes: TermesContribution, by: User | None
) -> Contribution:
    """Add a funder's contribution to the programme; the envelope grows by its amount.

    Lines are shared between contributions as they are written: the first contribution comes
    before the first line of the programme's budget.
    """
    require(by, "budget.modifier")
    termes.verifier()
    enveloppe, _created = Enveloppe.objects.select_for_update().get_or_create(
        programme=programme, defaults={"montant": Decimal("0.00")}
    )
    if not Contribution.objects.filter(programme=programme).exists() and (
        enveloppe.engage or enveloppe.autres_depenses or Paiement.objects.filter(paiements_du_programme(programme)).exists()
    ):
        raise RuleViolation(
            _(
                "Ce programme a déjà des engagements ou des dépenses sans financeur : les contributions des "
                "financeurs se déclarent avant le premier engagement."
            )
        )
    contribution = Contribution.objects.create(programme=programme, financeur=financeur, **termes.champs())
    _enveloppe_suit_contributions(programme.pk)
    return contribution


@transaction.atomic
def contribution_update(*, contribution: Contribution, termes: TermesContribution, by: User | None) -> Contribution:
    """Change a contribution (an amended funding agreement); never below what it already carries."""
    require(by, "budget.modifier")
    termes.verifier()
    _locked_envelope(contribution.programme_id)
    actuelle = Contribution.objects.select_for_update().get(pk=contribution.pk)
    porte = max(actuelle.engage + actuelle.autres, actuelle.paye)
    if termes.montant < porte:
        raise RuleViolation(
            _("Cette contribution porte déjà %(porte)s : son montant ne peut pas être inférieur.")
            % {"porte": format_euros(porte)},
            field="montant",
        )
    Contribution.objects.filter(pk=actuelle.pk).update(**termes.champs())
    _enveloppe_suit_contributions(actuelle.programme_id)
    actuelle.refresh_from_db()
    return actuelle


@transaction.atomic
def regle_repartition_set(*, programme: Programme, regle: str, by: User | None) -> Enveloppe:
    """Choose how the programme's next lines are shared between its funders (lines already shared stay)."""
    require(by, "budget.modifier")
    if regle not in RegleRepartition.values:
        raise RuleViolation(_("Cette règle de répartition n’existe pas."), field="regle_repartition")
    enveloppe = _locked_envelope(programme.pk)
    Enveloppe.objects.filter(pk=enveloppe.pk).update(regle_repartition=regle)
    enveloppe.refresh_from_db()
    return enveloppe


def _check_montant(montant: Decimal) -> None:
    check_montant_positif(montant)


def _montant_livre(accompagnement: Accompagnement) -> Decimal:
    """Delivered amount of an accompagnement: its delivered time at its format's rate (half the programme's
    daily rate per half-day, the format's rate per hour, nothing for a volunteer)."""
    return accompagnement.format.montant_pour(demi_journees_livrees(accompagnement_id=accompagnement.pk))


def _total(queryset: Any) -> Decimal:
    return queryset.aggregate(total=Sum("montant"))["total"] or Decimal("0.00")


def _paye_programme(programme_id: int) -> Decimal:
    return _total(Paiement.objects.filter(paiements_du_programme(programme_id)))


@dataclass(frozen=True)
class _ObjetPaye:
    """What a payment settles (an accompagnement or a held workshop's animation): the structures it may
    go to, what is committed, already paid and delivered for it."""

    programme_id: int
    structures: set[int]
    engage: Decimal
    paye: Decimal
    livre: Decimal
    refus_structure: str


def _objet_paye(*, accompagnement: Accompagnement | None, atelier: Atelier | None) -> _ObjetPaye:
    if atelier is not None:
        engage = _total(Engagement.objects.filter(atelier=atelier))
        structure_id = atelier.personne_ressource.structure_id if atelier.personne_ressource is not None else None
        return _ObjetPaye(
            programme_id=atelier.programme_id,
            structures={structure_id} if structure_id else set(),
            engage=engage,
            paye=_total(Paiement.objects.filter(atelier=atelier)),
            # A held workshop is delivered as a whole: its committed animation.
            livre=engage,
            refus_structure=_("Cette structure n’emploie pas la personne-ressource qui a animé cet atelier."),
        )
    accompagnement = cast(Accompagnement, accompagnement)  # one of the two, checked by paiement_create
    return _ObjetPaye(
        programme_id=accompagnement.programme_id,
        structures=set(accompagnement.mentors.values_list("structure_id", flat=True)),
        engage=_total(Engagement.objects.filter(accompagnement=accompagnement)),
        paye=_total(Paiement.objects.filter(accompagnement=accompagnement)),
        livre=_montant_livre(accompagnement),
        refus_structure=_("Cette structure n’emploie aucune personne-ressource de cet accompagnement."),
    )


@transaction.atomic
def paiement_create(
    *,
    structure: Structure,
    date_paiement: datetime.date,
    montant: Decimal,
    reference_facture: str,
    by: User,
    accompagnement: Accompagnement | None = None,
    atelier: Atelier | None = None,
    depassement_autorise: bool = False,
    note: str = "",
    facture: Facture | None = None,
    mode: str = ModePaiement.VIREMENT,
    reference_paiement: str = "",
) -> Paiement:
    """Record a payment to a personne-ressource's structure for an accompagnement, or for the animation
    of a held workshop (then to the structure of the personne-ressource who led it).

    Beyond the delivered amount, a payment is an advance: the coordinator ticks "dépassement
    autorisé" and says why in the note. Never beyond what is committed for the accompagnement
    (more goes through an avenant) or the workshop, nor beyond the programme's envelope. The envelope
    row is locked so that two payments are checked one after the other.
    """
    require(by, "budget.modifier")
    _check_montant(montant)
    if not reference_facture.strip():
        raise RuleViolation(_("Indiquez la référence de la facture."), field="reference_facture")
    if mode not in ModePaiement.values:
        raise RuleViolation(_("Choisissez un mode de paiement."), field="mode")
    if (accompagnement is None) == (atelier is None):
        raise RuleViolation(_("Un paiement porte sur un accompagnement ou sur un atelier."))
    programme_id = atelier.programme_id if atelier is not None else cast(Accompagnement, accompagnement).programme_id
    # The envelope is locked first: what is already paid is read after a concurrent payment's commit.
    enveloppe = _locked_envelope(programme_id)
    objet = _objet_paye(accompagnement=accompagnement, atelier=atelier)
    if structure.pk not in objet.structures:
        raise RuleViolation(objet.refus_structure, field="structure")
    deja_paye, engage = objet.paye, objet.engage
    if deja_paye + montant > engage:
        raise RuleViolation(
            _(
                "Ce paiement de %(montant)s porterait le total payé à %(total)s, au-delà de l’engagé de l’accompagnement "
                "(%(engage)s, déjà payé : %(paye)s). Au-delà de la convention, établissez d’abord un avenant."
            )
            % {
                "montant": format_euros(montant),
                "total": format_euros(deja_paye + montant),
                "engage": format_euros(engage),
                "paye": format_euros(deja_paye),
            }
            if atelier is None
            else _(
                "Ce paiement de %(montant)s porterait le total payé à %(total)s, au-delà de l’animation engagée pour "
                "cet atelier (%(engage)s, déjà payé : %(paye)s)."
            )
            % {
                "montant": format_euros(montant),
                "total": format_euros(deja_paye + montant),
                "engage": format_euros(engage),
                "paye": format_euros(deja_paye),
            },
            field="montant",
        )
    paye_programme = _paye_programme(objet.programme_id)
    if paye_programme + montant > enveloppe.montant:
        raise RuleViolation(
            _(
                "Ce paiement de %(montant)s porterait le total payé du programme à %(total)s, au-delà de l’enveloppe "
                "de %(enveloppe)s."
            )
            % {
                "montant": format_euros(montant),
                "total": format_euros(paye_programme + montant),
                "enveloppe": format_euros(enveloppe.montant),
            },
            field="montant",
        )
    livre = objet.livre
    if deja_paye + montant > livre:
        if not depassement_autorise:
            raise RuleViolation(
                _(
                    "Ce paiement de %(montant)s porterait le total payé à %(total)s, au-delà du réalisé de "
                    "l’accompagnement (%(livre)s). S’il s’agit d’une avance, cochez « dépassement autorisé » et "
                    "expliquez pourquoi dans la note."
                )
                % {"montant": format_euros(montant), "total": format_euros(deja_paye + montant), "livre": format_euros(livre)},
                field="montant",
            )
        if not note.strip():
            raise RuleViolation(_("Un dépassement du réalisé doit être justifié par une note."), field="note")
    else:
        depassement_autorise = False
    ligne = Paiement.objects.create(
        accompagnement=accompagnement,
        atelier=atelier,
        structure=structure,
        date_paiement=date_paiement,
        montant=montant,
        reference_facture=reference_facture.strip(),
        depassement_autorise=depassement_autorise,
        created_by=by,
        note=note,
        facture=facture,
        mode=mode,
        reference_paiement=reference_paiement.strip(),
    )
    return _au_grand_livre(ligne, programme_id=objet.programme_id)


# Correcting a correction is refused: what to enter instead, per ledger.
_SAISIR_PLUTOT = {
    Engagement: gettext_lazy("Une ligne de correction ne se corrige pas : saisissez un nouvel engagement."),
    Paiement: gettext_lazy("Une ligne de correction ne se corrige pas : saisissez un nouveau paiement."),
    AutreDepense: gettext_lazy("Une ligne de correction ne se corrige pas : saisissez une nouvelle dépense."),
}


def _correction_verifier(ligne: Ligne, *, programme_id: int, note: str) -> Enveloppe:
    """The checks every correction shares; returns the programme's envelope, locked so that two
    corrections of the same line are checked one after the other."""
    if not note.strip():
        raise RuleViolation(_("Expliquez la raison de la correction."), field="note")
    enveloppe = _locked_envelope(programme_id)
    if ligne.corrige_id is not None:
        raise RuleViolation(str(_SAISIR_PLUTOT[type(ligne)]))
    if type(ligne)._default_manager.filter(corrige_id=ligne.pk).exists():
        raise RuleViolation(_("Cette ligne a déjà été corrigée."))
    return enveloppe


def _contre_passer(ligne: Ligne, *, by: User, note: str, **champs: Any) -> Ligne:
    """The opposite line that cancels `ligne`, in the same ledger; `champs` are the ledger's own columns."""
    contre = type(ligne)._default_manager.create(montant=-ligne.montant, corrige=ligne, created_by=by, note=note, **champs)
    return _au_grand_livre(contre, programme_id=ligne.programme_id)


@transaction.atomic
def engagement_correct(*, engagement: Engagement, by: User, note: str) -> Engagement:
    """Reverse a commitment with an opposite line (contre-passation); the original line stays."""
    require(by, "budget.modifier")
    enveloppe = _correction_verifier(engagement, programme_id=engagement.programme_id, note=note)
    montant = -engagement.montant
    if enveloppe.engage + montant < 0:
        raise RuleViolation(_("Cette correction rendrait le total engagé négatif."))
    if montant > 0 and enveloppe.engage + enveloppe.autres_depenses + montant > enveloppe.montant:
        raise RuleViolation(
            _("L’enveloppe ne peut pas porter cette correction : il reste %(reste)s disponibles.")
            % {"reste": format_euros(enveloppe.disponible)}
        )
    Enveloppe.objects.filter(pk=enveloppe.pk).update(engage=F("engage") + montant)
    return _contre_passer(
        engagement,
        by=by,
        note=note,
        programme_id=engagement.programme_id,
        accompagnement_id=engagement.accompagnement_id,
        atelier_id=engagement.atelier_id,
        libelle=_("Correction : %(libelle)s") % {"libelle": engagement.libelle},
    )


@transaction.atomic
def paiement_correct(*, paiement: Paiement, by: User, note: str) -> Paiement:
    """Cancel a payment entered by mistake with an opposite line; the original line stays."""
    require(by, "budget.modifier")
    _correction_verifier(paiement, programme_id=paiement.programme_id, note=note)
    return _contre_passer(
        paiement,
        by=by,
        note=note,
        accompagnement_id=paiement.accompagnement_id,
        atelier_id=paiement.atelier_id,
        structure_id=paiement.structure_id,
        date_paiement=timezone.localdate(),
        reference_facture=paiement.reference_facture,
    )


@transaction.atomic
def autre_depense_correct(*, depense: AutreDepense, by: User, note: str) -> AutreDepense:
    """Cancel another cost with an opposite line: the envelope gets the amount back."""
    require(by, "budget.modifier")
    enveloppe = _correction_verifier(depense, programme_id=depense.programme_id, note=note)
    if enveloppe.autres_depenses - depense.montant < 0:
        raise RuleViolation(_("Cette correction rendrait le total des autres dépenses négatif."))
    Enveloppe.objects.filter(pk=enveloppe.pk).update(autres_depenses=F("autres_depenses") - depense.montant)
    return _contre_passer(
        depense,
        by=by,
        note=note,
        programme_id=depense.programme_id,
        categorie=depense.categorie,
        libelle=_("Correction : %(libelle)s") % {"libelle": depense.libelle},
        date_depense=timezone.localdate(),
    )


@transaction.atomic
def export_request(
    *,
    programme: Programme,
    type_export: str,
    by: User,
    accompagnement: Accompagnement | None = None,
    contribution: Contribution | None = None,
) -> Export:
    """Queue the preparation of a follow-up document; the worker fills it in.

    Each request is a new dated version: the earlier ones stay listed and downloadable. The audit file
    (`dossier_controle`) is the coordination's only; with `accompagnement`, it covers that one file.
    With `contribution`, the financial report (CERFA 15059) accounts for that funder's part only.
    """
    require(by, "budget.consulter", programme)
    if type_export not in TypeExport.values:
        raise RuleViolation(_("Ce type de document n’existe pas."))
    if type_export in EXPORTS_PERSONNELS:
        require(by, "budget.dossier_controle", programme)
    elif accompagnement is not None:
        raise RuleViolation(_("Ce document porte sur tout le programme, pas sur un accompagnement."))
    if accompagnement is not None and accompagnement.programme_id != programme.pk:
        raise RuleViolation(_("Cet accompagnement n’appartient pas à ce programme."))
    if contribution is not None and type_export not in EXPORTS_PAR_FINANCEUR:
        raise RuleViolation(_("Seul le compte rendu financier se prépare pour un financeur."))
    if contribution is not None and contribution.programme_id != programme.pk:
        raise RuleViolation(_("Cette contribution n’appartient pas à ce programme."))
    export = Export.objects.create(
        programme=programme, type_export=type_export, demande_par=by, accompagnement=accompagnement, contribution=contribution
    )
    enqueue("budget_export", export_id=export.pk)
    return export


def _export_progress(export_id: int, progression: int) -> None:
    Export.objects.filter(pk=export_id).update(progression=min(max(progression, 0), 100))


Progress = Callable[[int], None]

# The documents that may account for one funder's contribution.
EXPORTS_PAR_FINANCEUR = (TypeExport.CERFA_PDF, TypeExport.CERFA_XLSX)


def _financement(export: Export) -> cerfa.Financement | None:
    return cerfa.financement_contribution(export.contribution) if export.contribution is not None else None


# Per kind of document: the builder (bytes, or an open temporary file for the large ones) and the file's name.
BUILDERS: dict[str, tuple[Callable[[Export, Progress], bytes | IO[bytes]], str]] = {
    TypeExport.RAPPORT_PDF: (lambda e, p: documents.rapport_pdf(programme=e.programme, progress=p), "rapport.pdf"),
    TypeExport.TABLEUR_XLSX: (lambda e, p: documents.tableur_xlsx(programme=e.programme, progress=p), "suivi.xlsx"),
    TypeExport.BILAN_PDF: (lambda e, p: bilan.bilan_pdf(programme=e.programme, progress=p), "bilan.pdf"),
    TypeExport.BILAN_XLSX: (lambda e, p: bilan.bilan_xlsx(programme=e.programme, progress=p), "bilan.xlsx"),
    # The whole programme, or the export's funder's contribution.
    TypeExport.CERFA_PDF: (
        lambda e, p: cerfa.cerfa_pdf(programme=e.programme, financement=_financement(e), progress=p),
        "cerfa-15059.pdf",
    ),
    TypeExport.CERFA_XLSX: (
        lambda e, p: cerfa.cerfa_xlsx(programme=e.programme, financement=_financement(e), progress=p),
        "cerfa-15059.xlsx",
    ),
    TypeExport.DOSSIER_CONTROLE: (
        lambda e, p: audit.dossier_controle(programme=e.programme, accompagnement=e.accompagnement, progress=p),
        "dossier-controle.zip",
    ),
}


def export_run(*, export_id: int) -> Export:
    """Build the document of an export (called by the Celery task); records success or failure."""
    updated = Export.objects.filter(pk=export_id, etat=EtatExport.EN_ATTENTE).update(etat=EtatExport.EN_COURS, progression=1)
    export = Export.objects.select_related("programme", "accompagnement", "contribution__programme").get(pk=export_id)
    if not updated:
        return export  # already taken by another worker, or done

    def progress(value: int) -> None:
        _export_progress(export_id, value)

    builder, name = BUILDERS[export.type_export]
    try:
        content = builder(export, progress)
    except Exception as error:
        Export.objects.filter(pk=export_id).update(etat=EtatExport.ECHEC, erreur=repr(error)[:2000], termine_le=timezone.now())
        raise
    if isinstance(content, bytes):
        export.fichier.save(f"{uuid.uuid4().hex}-{name}", ContentFile(content), save=False)
    else:
        # A large document (the audit file) streams from its temporary file to the storage.
        with content:
            export.fichier.save(f"{uuid.uuid4().hex}-{name}", File(content), save=False)
    Export.objects.filter(pk=export_id).update(
        fichier=export.fichier.name, etat=EtatExport.PRET, progression=100, termine_le=timezone.now()
    )
    export.refresh_from_db()
    return export


# --- Invoices ----------------------------------------------------------------------------------------

PDF = "application/pdf"


def _check_facture_champs(*, numero: str, montant: Decimal, checked: CheckedUpload | None) -> None:
    if not numero.strip():
        raise RuleViolation(_("Indiquez le numéro de la facture."), field="numero")
    if not isinstance(montant, Decimal) or montant <= 0 or montant != montant.quantize(Decimal("0.01")):
        raise RuleViolation(_("Le montant facturé doit être un montant en euros positif."), field="montant")
    if checked is not None and checked.content_type != PDF:
        raise RuleViolation(_("La facture doit être un fichier PDF."), field="fichier")


def _check_seances_facturables(*, seances: list[Seance], structure_id: int, facture: Facture | None = None) -> set[int]:
    """Lock the sessions and check each one may be billed by this structure; returns their programmes' ids."""
    if not seances:
        return set()
    locked = list(
        Seance.objects.select_for_update(of=("self",))
        .filter(pk__in=[s.pk for s in seances])
        .select_related("accompagnement")
        .order_by("pk")
    )
    mentors = set(
        Accompagnement.mentors.through.objects.filter(
            accompagnement_id__in={s.accompagnement_id for s in locked}, personneressource__structure_id=structure_id
        ).values_list("accompagnement_id", flat=True)
    )
    deja = FactureSeance.objects.filter(seance__in=locked)
    if facture is not None:
        deja = deja.exclude(facture=facture)
    deja_facturees = set(deja.values_list("seance_id", flat=True))
    for seance in locked:
        date = timezone.localtime(seance.debut).strftime("%d/%m/%Y")
        if seance.accompagnement_id not in mentors:
            raise RuleViolation(
                _("La séance du %(date)s n’est pas assurée par une personne-ressource de votre structure.") % {"date": date},
                field="seances",
            )
        if not seance.est_payable:
            raise RuleViolation(
                _("La séance du %(date)s n’est pas encore payable : elle doit être confirmée par les deux parties.")
                % {"date": date},
                field="seances",
            )
        if seance.pk in deja_facturees:
            raise RuleViolation(_("La séance du %(date)s figure déjà sur une autre facture.") % {"date": date}, field="seances")
    return {s.accompagnement.programme_id for s in locked}


def _check_ateliers_facturables(*, ateliers: list[Atelier], structure_id: int, facture: Facture | None = None) -> set[int]:
    """Lock the workshops and check each one's animation may be billed by this structure: held (attendance
    list closed, not cancelled), led by a paid personne-ressource it employs, committed and on no other
    invoice. Returns their programmes' ids."""
    if not ateliers:
        return set()
    locked = list(
        Atelier.objects.select_for_update(of=("self",))
        .filter(pk__in=[a.pk for a in ateliers])
        .select_related("personne_ressource", "format")
        .order_by("pk")
    )
    engage = dict(
        Engagement.objects.filter(atelier__in=locked)
        .order_by()
        .values("atelier_id")
        .annotate(total=Sum("montant"))
        .values_list("atelier_id", "total")
    )
    deja = FactureAtelier.objects.filter(atelier__in=locked)
    if facture is not None:
        deja = deja.exclude(facture=facture)
    deja_factures = set(deja.values_list("atelier_id", flat=True))
    for atelier in locked:
        titre = {"titre": atelier.titre}
        if atelier.personne_ressource is None or atelier.personne_ressource.structure_id != structure_id:
            raise RuleViolation(
                _("L’atelier « %(titre)s » n’est pas animé par une personne-ressource de votre structure.") % titre,
                field="ateliers",
            )
        if not atelier.est_tenu:
            raise RuleViolation(
                _("L’atelier « %(titre)s » n’est pas facturable : il n’est pas tenu (liste de présence close).") % titre,
                field="ateliers",
            )
        if not atelier.format.personne_ressource_remuneree or (engage.get(atelier.pk) or 0) <= 0:
            raise RuleViolation(
                _("L’animation de l’atelier « %(titre)s » n’est pas rémunérée : il n’y a rien à facturer.") % titre,
                field="ateliers",
            )
        if atelier.pk in deja_factures:
            raise RuleViolation(_("L’atelier « %(titre)s » figure déjà sur une autre facture.") % titre, field="ateliers")
    return {a.programme_id for a in locked}


def _check_lignes_facturables(
    *, seances: list[Seance], ateliers: list[Atelier], structure_id: int, facture: Facture | None = None
) -> int:
    """The sessions and workshops of an invoice: at least one, each billable by this structure, all of one
    programme; returns that programme's id."""
    if not seances and not ateliers:
        raise RuleViolation(_("Choisissez au moins une séance ou un atelier à facturer."), field="seances")
    programmes = _check_seances_facturables(seances=seances, structure_id=structure_id, facture=facture)
    programmes |= _check_ateliers_facturables(ateliers=ateliers, structure_id=structure_id, facture=facture)
    if len(programmes) > 1:
        raise RuleViolation(_("Une facture porte sur les séances et ateliers d’un seul programme."), field="seances")
    return programmes.pop()


def _facture_lignes_set(facture: Facture, *, seances: list[Seance], ateliers: list[Atelier]) -> None:
    """The invoice's lines are exactly these sessions and workshops."""
    FactureSeance.objects.filter(facture=facture).delete()
    FactureAtelier.objects.filter(facture=facture).delete()
    FactureSeance.objects.bulk_create([FactureSeance(facture=facture, seance=s) for s in seances])
    FactureAtelier.objects.bulk_create([FactureAtelier(facture=facture, atelier=a) for a in ateliers])


def _facture_evenement(facture: Facture, *, transition: str, by: User, details: dict[str, Any]) -> None:
    FactureEvenement.objects.create(facture=facture, kind="autre", transition=transition, actor=by, details=details)


@transaction.atomic
def facture_deposer(
    *,
    structure: Structure,
    seances: list[Seance],
    numero: str,
    montant: Decimal,
    checked: CheckedUpload,
    by: User,
    ateliers: list[Atelier] | None = None,
) -> Facture:
    """A mentor's structure invoices chosen payable sessions and held workshops its personnes-ressources
    led (a PDF checked by core.uploads, scanned by the antivirus when one is configured); the coordination
    checks it next."""
    require(by, "facture.deposer")
    if structure.pk not in structures_de(by):
        raise PermissionRefused(_("Vous ne pouvez facturer que pour votre structure."))
    _check_facture_champs(numero=numero, montant=montant, checked=checked)
    ateliers = list(ateliers or [])
    programme_id = _check_lignes_facturables(seances=seances, ateliers=ateliers, structure_id=structure.pk)
    if Facture.objects.filter(structure=structure, numero=numero.strip()).exists():
        raise RuleViolation(_("Vous avez déjà déposé une facture sous ce numéro."), field="numero")
    facture = Facture(
        programme_id=programme_id,
        structure=structure,
        numero=numero.strip(),
        montant=montant,
        nom_original=checked.display_name,
        taille=checked.size,
        sha256=checked.sha256,
        scan=initial_scan_status(),
        deposee_par=by,
    )
    stored = checked.stored_file()
    facture.fichier.save(stored.name, stored, save=False)
    facture.save()
    _facture_lignes_set(facture, seances=seances, ateliers=ateliers)
    details: dict[str, Any] = {"montant": str(montant), "seances": sorted(s.pk for s in seances)}
    if ateliers:
        details["ateliers"] = sorted(a.pk for a in ateliers)
    _facture_evenement(facture, transition="deposer", by=by, details=details)
    if facture.scan == EN_ATTENTE:
        enqueue("facture_analyser", facture_id=facture.pk)
    send_templated_after_commit(to=[facture.programme.pilote.email], name="facture_deposee", context={"facture": facture})
    return facture


def _prevenir_structure(facture: Facture, name: str, **context: Any) -> None:
    """Tell whoever deposited the invoice (after commit)."""
    if facture.deposee_par is not None and facture.deposee_par.email:
        send_templated_after_commit(to=[facture.deposee_par.email], name=name, context={"facture": facture, **context})


def _facture_transition(facture: Facture, *, name: str, by: User, reason: str = "", **changes: Any) -> Facture:
    require(by, f"facture.{name}", facture)
    return apply_transition(
        facture,
        workflow=FACTURE_WORKFLOW,
        name=name,
        actor=by,
        reason=reason,
        history_model=FactureEvenement,
        history_fk="facture",
        changes=changes,
    )


@transaction.atomic
def facture_corriger(
    *,
    facture: Facture,
    seances: list[Seance],
    numero: str,
    montant: Decimal,
    by: User,
    checked: CheckedUpload | None = None,
    ateliers: list[Atelier] | None = None,
) -> Facture:
    """The structure deposits again a returned invoice (new figures, sessions, workshops, and file if given)."""
    require(by, "facture.corriger", facture)
    _check_facture_champs(numero=numero, montant=montant, checked=checked)
    ateliers = list(ateliers or [])
    _check_lignes_facturables(seances=seances, ateliers=ateliers, structure_id=facture.structure_id, facture=facture)
    if Facture.objects.filter(structure_id=facture.structure_id, numero=numero.strip()).exclude(pk=facture.pk).exists():
        raise RuleViolation(_("Vous avez déjà déposé une facture sous ce numéro."), field="numero")
    changes: dict[str, Any] = {"numero": numero.strip(), "montant": montant, "motif_retour": ""}
    if checked is not None:
        stored = checked.stored_file()
        facture.fichier.save(stored.name, stored, save=False)
        changes.update(
            fichier=facture.fichier.name,
            nom_original=checked.display_name,
            taille=checked.size,
            sha256=checked.sha256,
            scan=initial_scan_status(),
        )
    moved = _facture_transition(facture, name="corriger", by=by, **changes)
    _facture_lignes_set(facture, seances=seances, ateliers=ateliers)
    if moved.scan == EN_ATTENTE:
        enqueue("facture_analyser", facture_id=facture.pk)
    return moved


@transaction.atomic
def facture_retourner(*, facture: Facture, motif: str, by: User) -> Facture:
    """The coordination returns the invoice for correction, with the reason the structure will read."""
    if not motif.strip():
        raise RuleViolation(_("Indiquez ce qui est à corriger."), field="motif")
    returned = _facture_transition(facture, name="retourner", by=by, reason=motif.strip(), motif_retour=motif.strip())
    _prevenir_structure(returned, "facture_retournee")
    return returned


@transaction.atomic
def facture_approuver(*, facture: Facture, by: User) -> Facture:
    """The coordination approves an invoice whose amount is the expected one (payable half-days at the
    programme's rate, plus each workshop's committed animation); a different amount is refused with the
    expected figure."""
    require(by, "facture.approuver", facture)
    attendu = montant_attendu(seances_de_facture(facture), ateliers_de_facture(facture))
    if facture.montant != attendu:
        raise RuleViolation(
            _(
                "Le montant facturé (%(facture)s) ne correspond pas au montant attendu (%(attendu)s) pour ces lignes : "
                "écart de %(ecart)s. Retournez la facture à corriger."
            )
            % {
                "facture": format_euros(facture.montant),
                "attendu": format_euros(attendu),
                "ecart": format_euros(facture.montant - attendu),
            }
        )
    if facture.scan not in (SAIN, NON_CONFIGURE):
        raise RuleViolation(_("La facture n’a pas encore été validée par l’antivirus."))
    return _facture_transition(facture, name="approuver", by=by)


@transaction.atomic
def facture_payer(*, facture: Facture, date_paiement: datetime.date, reference: str, mode: str, by: User) -> Facture:
    """Record the payment of an approved invoice: one payment line per accompagnement and per workshop it
    bills (each checked like every payment: within the committed amount and the envelope)."""
    require(by, "facture.payer", facture)
    if not reference.strip():
        raise RuleViolation(_("Indiquez la référence du paiement."), field="reference")
    locked = Facture.objects.select_for_update().get(pk=facture.pk)
    require(by, "facture.payer", locked)
    par_accompagnement: dict[int, list[Seance]] = {}
    for seance in seances_de_facture(locked):
        par_accompagnement.setdefault(seance.accompagnement_id, []).append(seance)
    for seances in par_accompagnement.values():
        paiement_create(
            accompagnement=seances[0].accompagnement,
            structure=locked.structure,
            date_paiement=date_paiement,
            montant=montant_attendu(seances),
            reference_facture=locked.numero,
            by=by,
            facture=locked,
            mode=mode,
            reference_paiement=reference,
        )
    for atelier in ateliers_de_facture(locked):
        paiement_create(
            atelier=atelier,
            structure=locked.structure,
            date_paiement=date_paiement,
            montant=montant_attendu((), [atelier]),
            reference_facture=locked.numero,
            by=by,
            facture=locked,
            mode=mode,
            reference_paiement=reference,
        )
    paid = _facture_transition(locked, name="payer", by=by)
    _prevenir_structure(paid, "facture_payee", date_paiement=date_paiement, reference=reference.strip())
    return paid


def facture_analyser(*, facture_id: int) -> str:
    """Job: have the configured antivirus scan an invoice; an infected one is returned to the structure."""
    facture = Facture.objects.filter(pk=facture_id).first()
    scanner = configured_scanner()
    if facture is None or facture.scan != EN_ATTENTE or scanner is None:
        return "rien_a_faire"
    with facture.fichier.open("rb") as handle:
        content = handle.read()
    verdict = scanner(content, name=facture.nom_original)
    if verdict not in (SAIN, INFECTE):
        raise ValueError(f"the scanner answered {verdict!r}")
    with transaction.atomic():
        Facture.objects.filter(pk=facture.pk, scan=EN_ATTENTE).update(scan=verdict)
        if verdict == INFECTE:
            apply_transition(
                facture,
                workflow=FACTURE_WORKFLOW,
                name="retourner",
                actor=None,
                reason=_("Fichier refusé par l’antivirus : déposez-en un autre."),
                history_model=FactureEvenement,
                history_fk="facture",
                changes={"motif_retour": _("Fichier refusé par l’antivirus : déposez-en un autre.")},
            )
    return verdict
