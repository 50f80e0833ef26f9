"""Read-side queries shared by pages: the directory, the matcher's profiles, the cartography."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core import signing
from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts import roles
from candidatures.models import Besoin, Candidature, Etat
from core.layers import later_stage_model
from core.selectors import filtres_renseignes
from programmes.models import DEPARTEMENTS_OCCITANIE, Departement, Programme, UniteFormat, en_demi_journees

from . import matching
from .models import (
    Competence,
    CompetencePersonneRessource,
    Domaine,
    EtatPersonneRessource,
    EtatProposition,
    PersonneRessource,
    PersonneRessourceEvenement,
    Proposition,
)

# A sent proposition holds the mentor's place until they answer.
PROPOSITIONS_EN_COURS = [EtatProposition.ENVOYEE, EtatProposition.ACCEPTEE]

TOKEN_SALT = "annuaire.proposition"  # noqa: S105 - a signing namespace, not a secret  # nosec B105 # a signing salt, not a password


def proposition_token(proposition: Proposition) -> str:
    """Signed token naming the proposition and its mentor; it does not log anyone in."""
    return signing.dumps({"p": proposition.pk, "m": proposition.personne_ressource_id}, salt=TOKEN_SALT)


def personnes_ressources_visibles(user: AbstractBaseUser | AnonymousUser):
    """Profiles `user` may open: all for coordination, their own for a mentor, none otherwise."""
    qs = PersonneRessource.objects.select_related("structure", "user")
    if roles.is_coordination(user):
        return qs
    if getattr(user, "is_authenticated", False):
        return qs.filter(user=user)
    return qs.none()


def annuaire_list(*, etat: str = "", departement: str = "", competence: int | None = None):
    # Each row's number of competences as a correlated count, computed for the page's rows only
    # (after the sort and the limit): a COUNT(DISTINCT) grouped over the whole directory sorted every
    # person's competences first, ≈ 8 ms at the thousand mentors. One row per competence
    # (competence_pr_unique): a plain count is the distinct one.
    competences = (
        CompetencePersonneRessource.objects.filter(personne_ressource=OuterRef("pk"))
        .order_by()
        .values("personne_ressource")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = (
        PersonneRessource.objects.select_related("structure")
        .annotate(nb_competences=Coalesce(Subquery(competences), 0))
        .order_by("nom", "prenom", "pk")
    )
    return filtres_renseignes(
        qs,
        {"etat": etat, "departement": departement, "competence": competence},
        {"etat": "etat", "departement": "departement", "competence": "competences_niveaux__competence_id"},
    )


def personne_ressource_detail(pk: int, *, user: AbstractBaseUser | AnonymousUser) -> PersonneRessource:
    qs = personnes_ressources_visibles(user).prefetch_related(
        Prefetch(
            "competences_niveaux",
            queryset=CompetencePersonneRessource.objects.select_related("competence__domaine").order_by(
                "competence__domaine__ordre", "competence__nom"
            ),
        ),
        Prefetch("evenements", queryset=PersonneRessourceEvenement.objects.select_related("actor")),
        Prefetch(
            "propositions",
            queryset=Proposition.objects.select_related("candidature__structure").order_by("-created_at"),
        ),
    )
    return get_object_or_404(qs, pk=pk)


def referentiel() -> list[Domaine]:
    return list(Domaine.objects.prefetch_related("competences"))


def competences_par_domaine():
    """Active competences grouped by domain, for forms (one query)."""
    groups: dict[Domaine, list[Competence]] = {}
    for competence in Competence.objects.filter(active=True).select_related("domaine").order_by("domaine__ordre", "nom"):
        groups.setdefault(competence.domaine, []).append(competence)
    return groups


# --- Matching -----------------------------------------------------------------------------------


def _accompagnements() -> type[models.Model]:
    """The matching reads the mentors' active accompagnements (a later stage): a named read, see core/layers.py."""
    return later_stage_model("accompagnements", "Accompagnement")


def candidatures_a_apparier(programme: Programme):
    """Selected files of the programme without an accompagnement nor a proposition awaiting an answer."""
    active = _accompagnements().objects.actifs().filter(candidature=OuterRef("pk"))  # type: ignore[attr-defined]
    en_cours = Proposition.objects.filter(candidature=OuterRef("pk"), etat__in=PROPOSITIONS_EN_COURS)
    return (
        Candidature.objects.filter(programme=programme, etat=Etat.SELECTIONNEE)
        .exclude(Exists(active))
        .exclude(Exists(en_cours))
        .select_related("structure", "candidat", "format_retenu", "programme")
        .order_by("soumise_le", "pk")
    )


def dossiers(candidatures: list[Candidature]) -> list[matching.Dossier]:
    """Matcher profiles of these files (constant number of queries)."""
    ids = [c.pk for c in candidatures]
    diagnostic: dict[int, dict[int, int]] = defaultdict(dict)
    noms: dict[int, str] = {}
    for cid, comp, prio, nom in Besoin.objects.filter(diagnostic__candidature_id__in=ids).values_list(
        "diagnostic__candidature_id", "competence_id", "priorite", "competence__nom"
    ):
        diagnostic[cid][comp] = prio
        noms[comp] = nom
    souhaits: dict[int, dict[int, int]] = defaultdict(dict)
    through = Candidature.competences_souhaitees.through.objects.filter(candidature_id__in=ids)
    for cid, comp, nom in through.values_list("candidature_id", "competence_id", "competence__nom"):
        souhaits[cid][comp] = 2  # the applicant's wishes count when no diagnostic need was recorded
        noms[comp] = nom

    structures = {c.structure_id for c in candidatures}
    partenaires: dict[int, set[int]] = defaultdict(set)
    pairs = PersonneRessource.accompagnements.through.objects.filter(
        Q(accompagnement__structure_beneficiaire_id__in=structures) | Q(personneressource__structure_id__in=structures)
    ).values_list("accompagnement__structure_beneficiaire_id", "personneressource__structure_id")
    # The past accompaniments imported from the coordination's records (before the platform) count too.
    pairs_passees = PersonneRessource.accompagnements_historiques.through.objects.filter(
        Q(accompagnementhistorique__structure_beneficiaire_id__in=structures) | Q(personneressource__structure_id__in=structures)
    ).values_list("accompagnementhistorique__structure_beneficiaire_id", "personneressource__structure_id")
    for beneficiaire, mentor in [*pairs, *pairs_passees]:
        partenaires[beneficiaire].add(mentor)
        partenaires[mentor].add(beneficiaire)

    # A format counted in hours asks for half-days of a mentor's time at the programme's hours per half-day
    # (the callers bring the files with their programme and format).
    result = []
    for c in candidatures:
        structure = c.structure
        assert structure is not None  # nosec B101 # a type narrowing: a file is selected with its structure
        besoins = diagnostic.get(c.pk) or souhaits.get(c.pk, {})
        quantite = c.demi_journees_retenues or 1
        unite = c.format_retenu.unite if c.format_retenu is not None else ""
        hpd = c.programme.heures_par_demi_journee
        result.append(
            matching.Dossier(
                id=c.pk,
                structure_id=structure.pk,
                departement=structure.departement,
                type_structure=structure.type_structure,
                taille=matching.taille_of(structure.nombre_salaries),
                demi_journees=en_demi_journees(quantite, unite=unite, heures_par_demi_journee=hpd),
                heures=quantite if unite == UniteFormat.HEURE else 0,
                heures_par_demi_journee=hpd,
                besoins=besoins,
                besoins_noms={k: noms[k] for k in besoins},
                pressenti_id=c.personne_ressource_pressentie_id,
                partenaires=frozenset(partenaires.get(structure.pk, set())),
            )
        )
    return result


def mentors(programme: Programme, *, validees_only: bool = False) -> list[matching.Mentor]:
    """Matcher profiles of the directory, with their load in `programme` (constant number of queries)."""
    qs = PersonneRessource.objects.exclude(etat__in=[EtatPersonneRessource.SUGGEREE, EtatPersonneRessource.REFUSEE])
    if validees_only:
        qs = qs.filter(etat=EtatPersonneRessource.VALIDEE)
    rows = list(
        qs.values_list(
            "pk",
            "prenom",
            "nom",
            "structure_id",
            "departement",
            "mobilite",
            "etat",
            "types_projets",
            "tailles_projets",
            "disponibilite_demi_journees",
        ).order_by("nom", "prenom", "pk")
    )
    competences: dict[int, dict[int, int]] = defaultdict(dict)
    for pr, comp, niveau in CompetencePersonneRessource.objects.filter(
        personne_ressource__in=qs, competence__active=True
    ).values_list("personne_ressource_id", "competence_id", "niveau"):
        competences[pr][comp] = niveau
    charge: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    # A mentor's load is in half-days of their time: a format counted in hours is converted with the
    # programme's hours per half-day, accompaniment by accompaniment.
    hpd = programme.heures_par_demi_journee
    for pr, d, unite in PersonneRessource.accompagnements.through.objects.filter(
        accompagnement__in=_accompagnements().objects.actifs().filter(programme=programme)  # type: ignore[attr-defined]
    ).values_list("personneressource_id", "accompagnement__demi_journees_prevues", "accompagnement__format__unite"):
        charge[pr][0] += 1
        charge[pr][1] += en_demi_journees(d or 0, unite=unite, heures_par_demi_journee=hpd)
    # Sent propositions reserve a place (their accompagnement does not exist yet).
    for pr, d_retenues, unite_retenue in Proposition.objects.filter(
        candidature__programme=programme, etat=EtatProposition.ENVOYEE
    ).values_list("personne_ressource_id", "candidature__demi_journees_retenues", "candidature__format_retenu__unite"):
        charge[pr][0] += 1
        charge[pr][1] += en_demi_journees(d_retenues or 0, unite=unite_retenue or "", heures_par_demi_journee=hpd)
    return [
        matching.Mentor(
            id=pk,
            nom=f"{prenom} {nom}",
            structure_id=structure_id,
            departement=departement,
            mobilite=mobilite,
            valide=etat == EtatPersonneRessource.VALIDEE,
            competences=competences.get(pk, {}),
            types_projets=frozenset(types or []),
            tailles_projets=frozenset(tailles or []),
            disponibilite=dispo,
            demi_journees_engagees=charge[pk][1] if pk in charge else 0,
            missions=charge[pk][0] if pk in charge else 0,
        )
        for pk, prenom, nom, structure_id, departement, mobilite, etat, types, tailles, dispo in rows
    ]


@dataclass
class Classement:
    dossier: matching.Dossier
    scores: list[matching.Score]
    exclusions: list[matching.Exclusion]
    propositions: list[Proposition]
    personnes: dict[int, PersonneRessource]


def classement(candidature: Candidature) -> Classement:
    """The ranked mentors for one selected file, the excluded ones with their reason, and its propositions."""
    programme = candidature.programme
    dossier = dossiers([candidature])[0]
    profils = mentors(programme)
    propositions = list(Proposition.objects.filter(candidature=candidature).select_related("personne_ressource", "proposee_par"))
    deja = {p.personne_ressource_id: p for p in propositions if p.etat != EtatProposition.BROUILLON}
    scores, exclusions = matching.rank(
        dossier, profils, matching.Poids.of(programme), missions_max=programme.missions_max_par_mentor
    )
    kept = []
    for score in scores:
        proposition = deja.get(score.mentor.id)
        if proposition is None:
            kept.append(score)
        else:
            motif = (
                _("A décliné la proposition pour ce dossier.")
                if proposition.etat == EtatProposition.DECLINEE
                else _("Déjà proposée pour ce dossier (%(etat)s).") % {"etat": proposition.get_etat_display()}
            )
            exclusions.append(matching.Exclusion(score.mentor, motif))
    personnes = PersonneRessource.objects.select_related("structure").in_bulk([s.mentor.id for s in kept[:50]])
    return Classement(dossier, kept, exclusions, propositions, personnes)


# --- Cartography --------------------------------------------------------------------------------


@dataclass
class LigneCartographie:
    competence: Competence
    total: int
    par_departement: list[int]
    besoins: int

    @property
    def non_couvert(self) -> bool:
        return self.besoins > 0 and self.total == 0


def cartographie_departements() -> list[str]:
    """The map's columns: Occitanie's départements, and any other where a validated person-ressource works
    (every French département may be entered: a hundred empty columns would hide the map)."""
    autres = set(
        PersonneRessource.objects.filter(etat=EtatPersonneRessource.VALIDEE)
        .exclude(departement__in=DEPARTEMENTS_OCCITANIE)
        .values_list("departement", flat=True)
        .distinct()
    )
    return [d for d in Departement.values if d in DEPARTEMENTS_OCCITANIE or d in autres]


def cartographie(departements: list[str] | None = None) -> list[LigneCartographie]:
    """Per competence: validated mentors who can transmit it (in all and per département), and the needs expressed."""
    valide = Q(personne_ressource__etat=EtatPersonneRessource.VALIDEE)
    par_dep: dict[tuple[int, str], int] = {}
    totals: dict[int, int] = defaultdict(int)
    for comp, dep, n in (
        CompetencePersonneRessource.objects.filter(valide)
        .values("competence_id", "personne_ressource__departement")
        .annotate(n=Count("personne_ressource_id", distinct=True))
        .values_list("competence_id", "personne_ressource__departement", "n")
    ):
        par_dep[(comp, dep)] = n
        totals[comp] += n
    besoins = dict(Besoin.objects.values("competence_id").annotate(n=Count("pk")).values_list("competence_id", "n"))
    deps = departements if departements is not None else cartographie_departements()
    return [
        LigneCartographie(
            competence=c,
            total=totals.get(c.pk, 0),
            par_departement=[par_dep.get((c.pk, d), 0) for d in deps],
            besoins=besoins.get(c.pk, 0),
        )
        for c in Competence.objects.select_related("domaine").order_by("domaine__ordre", "domaine__nom", "nom")
        if c.active or besoins.get(c.pk)
    ]


# --- The person's space -------------------------------------------------------------------------


ESPACE_MISSIONS = 10


def espace(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """Context for this app's section of the person's space (templates/annuaire/includes/espace.html).

    The mentor's missions under way are listed by the accompagnements section of the space, not here."""
    context: dict[str, Any] = {
        "annuaire_coordination": roles.is_coordination(user),
        "annuaire_comite": roles.is_comite(user),
    }
    envoyees = Proposition.objects.filter(personne_ressource=OuterRef("pk"), etat=EtatProposition.ENVOYEE)
    # Whether a proposal awaits an answer is read with the profile: most of the time none does, and the
    # list is then not read (one query fewer; issue 14).
    profil = (
        PersonneRessource.objects.filter(user=user)  # type: ignore[misc]  # a signed-in User here
        .annotate(espace_propositions=Exists(envoyees))
        .first()
    )
    # Kept on the user as Django keeps `user.personne_ressource` once read: the space asks it again
    # (`{% may "facture.deposer" %}` reads the profile's structure), and a second query for the same
    # row cost the page a millisecond (issue 14).
    PersonneRessource.user.field.remote_field.set_cached_value(user, profil)  # type: ignore[arg-type]
    context["annuaire_profil"] = profil
    if profil is not None:
        propositions = (
            []
            if not profil.espace_propositions
            else list(
                Proposition.objects.filter(personne_ressource=profil, etat=EtatProposition.ENVOYEE).select_related(
                    "candidature__structure", "candidature__format_retenu"
                )
            )
        )
        context["annuaire_propositions"] = [(p, proposition_token(p)) for p in propositions]
    return context
