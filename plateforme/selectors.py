"""Reads of the top layer: what is next for a person across the stages, the e-mail addresses in
failure and the reminders they hold."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Window
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accompagnements import calendar as seance_dates
from accompagnements.models import (
    Accompagnement,
    AccompagnementQuerySet,
    CompteRendu,
    ConfirmationSeance,
    EtatSeance,
    PartieConfirmation,
    Seance,
    ServiceFait,
)
from accounts import perimetre, roles
from annuaire.models import PersonneRessource
from candidatures.models import Candidature, Message
from comite.selectors import saisines_visibles
from conventions.selectors import conventions_a_signer_qs
from core.liens import lien_par_pk
from core.pagination import existent, plafond
from core.permissions import may
from core.selectors import adresses_en_echec_total
from evaluations.selectors import evaluations_a_remplir
from programmes.models import Structure
from relances.models import EtatRelance


def personnes_email_en_echec() -> QuerySet:
    """People whose address the provider reported as failing, with how many reminders are held."""
    return (
        get_user_model()
        .objects.filter(email_en_echec_le__isnull=False)
        .annotate(relances_suspendues=Count("relances", filter=Q(relances__etat=EtatRelance.SUSPENDUE)))
        .order_by("-email_en_echec_le")
    )


def espace(user: Any) -> dict[str, Any]:
    """The top of the person's space: what is next for them; for a comité member, the files awaiting
    their opinion and the dashboards; for the coordination, how many addresses fail (links to the queue)."""
    context = a_faire(user)
    context.update(comite_a_faire(user))
    if roles.is_coordination(user):
        context["emails_en_echec_total"] = adresses_en_echec_total()
    return context


# --- "À faire / À venir" at the top of the person's space (issue 15) --------------------------------
# This block reads several stages (sessions, reports, conventions, evaluations, messages): it lives in
# the top layer so that none of them has to import another. Each kind lists at most this many rows,
# with its total, so the page's queries do not grow with the person's history.
A_FAIRE_PAR_TYPE = 3


def borne(queryset: QuerySet, limite: int) -> tuple[list[Any], int]:
    """The first `limite` rows and the total: two queries whatever the history's size."""
    rows = list(queryset[:limite])
    total = len(rows) if len(rows) < limite else queryset.count()
    return rows, total


def borne_en_une(queryset: QuerySet, limite: int) -> tuple[list[Any], int]:
    """`borne` in one query, the total being a window count over the whole selection: each query costs
    the space milliseconds of compiling. For model rows of a selection without DISTINCT or grouping
    (the window would count repeated rows or groups differently), as the "À faire" lists are."""
    rows = list(queryset.annotate(borne_total=Window(Count("pk")))[:limite])
    return rows, rows[0].borne_total if rows else 0


def a_faire(user: Any, *, now: datetime.datetime | None = None) -> dict[str, Any]:
    """What is next for a mentor or a beneficiary, in order of urgency, each kind bounded with its count.

    Sessions to come, reports to write (deadline and lateness from the programme's
    `delai_compte_rendu_jours`), questions still open (until 48 h before a session), conventions
    waiting for this person's signature, evaluations to answer, unread messages."""
    if not getattr(user, "is_authenticated", False):
        return {}
    now = now or timezone.now()
    limite = plafond(A_FAIRE_PAR_TYPE)
    # The person's accompagnements as subqueries rather than joins through the mentors: no row is
    # repeated (no DISTINCT), and PostgreSQL reaches the sessions from the person's few accompagnements
    # by the session's index instead of scanning every session of the history (issue 14's bench). A
    # list of either role's sessions reads them through one subquery of both (a UNION, not an OR of
    # two: see `ids_de_la_personne`).
    comme_beneficiaire = Accompagnement.objects.filter(beneficiaire=user).order_by().values("pk")
    comme_mentor = Accompagnement.mentors.through.objects.filter(personneressource__user=user).values("accompagnement_id")
    beneficiaire = Q(accompagnement_id__in=comme_beneficiaire)
    mentor = Q(accompagnement_id__in=comme_mentor)
    miennes = Q(accompagnement_id__in=AccompagnementQuerySet.ids_de_la_personne(user))
    # Each list joins what its lines show: the accompagnement's reference; the programme only for the
    # reports' deadline and the questions' limit (its columns cost each query compiling time; issue 14).
    seances = Seance.objects.select_related("accompagnement").order_by("debut", "pk")
    seances_et_programme = Seance.objects.select_related("accompagnement__programme").order_by("debut", "pk")

    def repondu(partie: str) -> Exists:
        return Exists(ConfirmationSeance.objects.filter(seance=OuterRef("pk"), partie=partie))

    listes = {
        "prochaines": seances.filter(miennes, etat=EtatSeance.PLANIFIEE, debut__gte=now),
        # No report handed in (none, or a draft), as an anti-join: the LEFT JOIN and its OR were planned
        # twice as long and read every held session's report (issue 14).
        "comptes_rendus": seances_et_programme.filter(mentor, etat=EtatSeance.REALISEE)
        .filter(~Exists(CompteRendu.objects.filter(seance=OuterRef("pk"), soumis_le__isnull=False)))
        .prefetch_related("accompagnement__mentors"),
        # Held sessions waiting for this person's "did it take place?" (service fait).
        # `miennes` first, although the OR below implies it: the database joins the person's sessions
        # from it, then checks each role's answer (the OR alone read every held session of the history).
        "a_confirmer": seances.filter(miennes, etat=EtatSeance.REALISEE, service_fait=ServiceFait.A_CONFIRMER).filter(
            (beneficiaire & ~repondu(PartieConfirmation.BENEFICIAIRE)) | (mentor & ~repondu(PartieConfirmation.MENTOR))
        ),
        "questions": seances_et_programme.filter(
            miennes, seance_dates.debut_dans_le_delai_q(now, apres=True), etat=EtatSeance.PLANIFIEE
        ).exclude(questions__auteur=user),
        "signatures": conventions_a_signer_qs(user),
        "evaluations": evaluations_a_remplir(user),
        "messages": Message.objects.filter(candidature__candidat=user, de_la_coordination=True, lu_le__isnull=True),
    }
    # Most of a person's lists are empty (a beneficiary has no report to write, a mentor seldom a
    # message): one query asks which lists have a row, and only those are read. Each list read costs
    # the space a millisecond or two of Django compiling its SQL, the probe much less (issue 14).
    non_vides = dict(zip(listes, existent(list(listes.values())), strict=True))

    def lire(cle: str) -> tuple[list[Any], int]:
        return borne_en_une(listes[cle], limite) if non_vides[cle] else ([], 0)

    prochaines, prochaines_total = lire("prochaines")
    # The sessions' links from one reversed pattern each rather than a `{% url %}` per row (core/liens.py).
    lien_seance, lien_ics = lien_par_pk("accompagnements:seance_detail"), lien_par_pk("accompagnements:seance_ics")
    for seance in prochaines:
        seance.a_faire_lien, seance.a_faire_ics = lien_seance(seance.pk), lien_ics(seance.pk)
    comptes_rendus, comptes_rendus_total = lire("comptes_rendus")
    for seance in comptes_rendus:
        seance.echeance_compte_rendu = seance_dates.echeance_compte_rendu(seance)
        seance.en_retard = now > seance.echeance_compte_rendu
        seance.peut_rediger = may(user, "compte_rendu.rediger", seance).allowed
    a_confirmer, a_confirmer_total = lire("a_confirmer")
    for seance in a_confirmer:
        seance.a_faire_lien = lien_seance(seance.pk)
    questions, questions_total = lire("questions")
    for seance in questions:
        seance.a_faire_lien = lien_seance(seance.pk)
        seance.questions_jusqua = seance.debut - seance_dates.delai_avant_seance(seance)
    signatures, signatures_total = borne(listes["signatures"], limite) if non_vides["signatures"] else ([], 0)
    evaluations, evaluations_total = lire("evaluations")
    messages_par_dossier: list[dict[str, Any]] = []
    messages_total = 0
    if non_vides["messages"]:
        non_lus = listes["messages"].values("candidature_id").annotate(n=Count("pk")).order_by("candidature_id")
        messages_par_dossier = list(non_lus[:limite])
        messages_total = sum(row["n"] for row in messages_par_dossier)
        if len(messages_par_dossier) == limite:
            messages_total = listes["messages"].count()
    return {
        "a_faire": {
            "prochaines_seances": prochaines,
            "prochaines_seances_total": prochaines_total,
            "comptes_rendus": comptes_rendus,
            "comptes_rendus_total": comptes_rendus_total,
            "seances_a_confirmer": a_confirmer,
            "seances_a_confirmer_total": a_confirmer_total,
            "questions": questions,
            "questions_total": questions_total,
            "signatures": signatures,
            "signatures_total": signatures_total,
            "evaluations": evaluations,
            "evaluations_total": evaluations_total,
            "messages": messages_par_dossier,
            "messages_total": messages_total,
            "vide": not (
                prochaines or comptes_rendus or a_confirmer or questions or signatures or evaluations or messages_par_dossier
            ),
        }
    }


def comite_a_faire(user: Any) -> dict[str, Any]:
    """A comité member's space leads to the files awaiting their opinion (oldest first, bounded, with
    the count) and to the dashboards they may read. The coordination has its own desk links."""
    if roles.is_coordination(user) or not roles.is_comite(user):
        return {}
    saisines = saisines_visibles(user)
    sans_avis, sans_avis_total = borne(
        saisines.exclude(avis__membre=user).select_related("candidature__structure").order_by("created_at", "pk"),
        plafond(A_FAIRE_PAR_TYPE),
    )
    return {
        "comite_a_faire": {
            "saisines_total": saisines.count(),
            "sans_avis": sans_avis,
            "sans_avis_total": sans_avis_total,
            "budget": may(user, "budget.consulter").allowed,
            "evaluations": may(user, "evaluation.resultats").allowed,
        }
    }


# --- One search box (issue 15) ------------------------------------------------------------------------
# Each kind of result lists at most this many rows, with its total: the page does not grow with the data.
RECHERCHE_PAR_TYPE = 10
RECHERCHE_MOTS_MAX = 5


@dataclass(frozen=True)
class Resultat:
    libelle: str
    detail: str
    url: str


def _mots(q: str) -> list[str]:
    return q.split()[:RECHERCHE_MOTS_MAX]


def _chaque_mot(qs: QuerySet, q: str, *fields: str) -> QuerySet:
    """Every word found in one of `fields` (icontains)."""
    for mot in _mots(q):
        qs = qs.filter(reduce(or_, (Q(**{f"{name}__icontains": mot}) for name in fields)))
    return qs


def recherche(user: Any, q: str) -> list[dict[str, Any]]:
    """A reference, a person or a structure among what `user` may open, by kind, each bounded with its total.

    The coordination searches everything; anyone else finds their own files and accompagnements only."""
    limite = plafond(RECHERCHE_PAR_TYPE)
    groupes: list[dict[str, Any]] = []

    def groupe(titre: Any, qs: QuerySet, to_resultat: Any) -> None:
        rows, total = borne(qs, limite)
        groupes.append({"titre": titre, "total": total, "resultats": [to_resultat(r) for r in rows]})

    coordination = roles.is_coordination(user)
    candidatures = Candidature.objects.soumises()
    candidatures = candidatures.visibles_par(user) if coordination else candidatures.filter(candidat=user)
    groupe(
        _("Candidatures"),
        _chaque_mot(
            candidatures.select_related("structure", "candidat"),
            q,
            "reference",
            "candidat__first_name",
            "candidat__last_name",
            "candidat__email",
            "structure__raison_sociale",
        ).order_by("-soumise_le", "-pk"),
        lambda c: Resultat(
            f"{c.reference} – {c.candidat.display_name}",
            c.structure.raison_sociale if c.structure else "",
            reverse("candidatures:coordination_detail" if coordination else "candidatures:dossier", args=[c.pk]),
        ),
    )
    groupe(
        _("Accompagnements"),
        _chaque_mot(
            Accompagnement.objects.visibles_par(user).select_related("structure_beneficiaire", "beneficiaire"),
            q,
            "reference",
            "candidature__reference",
            "beneficiaire__first_name",
            "beneficiaire__last_name",
            "structure_beneficiaire__raison_sociale",
        ).order_by("-created_at", "-pk"),
        lambda a: Resultat(
            f"{a.reference} – {a.structure_beneficiaire.raison_sociale}",
            a.beneficiaire.display_name,
            reverse("accompagnements:detail", args=[a.pk]),
        ),
    )
    if not coordination and roles.is_comite(user):
        # A committee member finds the files put to the committees they sit on, and no other.
        groupe(
            _("Dossiers soumis au comité"),
            _chaque_mot(
                saisines_visibles(user).select_related("candidature__structure", "candidature__programme"),
                q,
                "candidature__reference",
                "candidature__structure__raison_sociale",
            ).order_by("-created_at", "-pk"),
            lambda s: Resultat(
                f"{s.candidature.reference} – {s.candidature.structure.raison_sociale if s.candidature.structure else ''}",
                s.candidature.programme.nom,
                reverse("comite:saisine_detail", args=[s.pk]),
            ),
        )
    if not coordination:
        return groupes
    # People and structures have no page of their own outside the back office, open to staff only.
    admin = bool(getattr(user, "is_staff", False))
    groupe(
        _("Personnes"),
        # A coordinator finds the people of their pilots' programmes, the directory and their colleagues.
        _chaque_mot(perimetre.personnes_visibles(user), q, "first_name", "last_name", "email").order_by("last_name", "pk"),
        lambda u: Resultat(u.display_name, u.email, reverse("admin:accounts_user_change", args=[u.pk]) if admin else ""),
    )
    groupe(
        _("Personnes-ressources"),
        _chaque_mot(PersonneRessource.objects.select_related("structure"), q, "prenom", "nom", "email").order_by("nom", "pk"),
        lambda p: Resultat(
            str(p), p.structure.raison_sociale if p.structure else "", reverse("annuaire:personne_ressource_detail", args=[p.pk])
        ),
    )
    groupe(
        _("Structures"),
        _chaque_mot(Structure.objects.all(), q, "raison_sociale", "siret", "commune").order_by("raison_sociale", "pk"),
        lambda s: Resultat(
            s.raison_sociale,
            f"{s.commune} ({s.departement})",
            reverse("admin:programmes_structure_change", args=[s.pk]) if admin else "",
        ),
    )
    return groupes
