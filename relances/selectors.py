"""Read-side queries on reminders."""

from __future__ import annotations

import datetime
import hashlib
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.prefetch import GenericPrefetch
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accompagnements.models import Accompagnement, EtatAccompagnement, EtatSeance, Seance
from accounts import roles
from accounts.models import User
from annuaire.models import PersonneRessource
from candidatures.models import Candidature
from candidatures.models import Etat as EtatCandidature
from conventions.models import Convention
from core.pagination import plafond
from core.selectors import filtres_renseignes
from evaluations.models import EtatEvaluation, Evaluation, Moment
from programmes.models import Departement, Format, Programme, StructurePilote
from programmes.selectors import pilotes_de, programme_ids_de, voit_tout

from .models import DestinataireMessage, EtatDestinataire, EtatRelance, MessageGroupe, Relance, TypeRelance


def relances_du_dossier(accompagnement: Accompagnement) -> QuerySet[Relance]:
    """The reminders sent (or switched off/cancelled) about one accompagnement: its sessions, conventions, evaluations."""
    types = ContentType.objects.get_for_models(Seance, Convention, Evaluation, Accompagnement)
    objets = [
        (types[Seance], Seance.objects.filter(accompagnement=accompagnement).values("pk")),
        (types[Convention], Convention.objects.filter(accompagnement=accompagnement).values("pk")),
        (types[Evaluation], Evaluation.objects.filter(accompagnement=accompagnement).values("pk")),
    ]
    condition = Q(content_type=types[Accompagnement], object_id=accompagnement.pk)
    for content_type, ids in objets:
        condition |= Q(content_type=content_type, object_id__in=ids)
    return (
        Relance.objects.filter(condition)
        .exclude(etat__in=[EtatRelance.PREVUE, EtatRelance.EN_COURS])
        .select_related("destinataire")
        .order_by("-envoyee_le", "-echeance")
    )


def relances_envoyees(programme: Programme) -> QuerySet[Relance]:
    """The sent reminders' rows with only the columns their cells show (`lignes_envoyees`): whole rows
    of users, files and accompagnements, fifty times each, were most of the page's CPU at scale."""
    dossier = "accompagnement__reference"
    return (
        # The sent ones (ETATS_ENVOYES, exactly those with a sending date: a constraint), the lower ranks
        # sent in a higher rank's e-mail too, said as such; newest first from the partial index, one page read.
        Relance.objects.filter(programme=programme, envoyee_le__isnull=False)
        .select_related("destinataire")
        .only(
            "type_relance",
            "etat",
            "rang",
            "envoyee_le",
            "content_type_id",
            "object_id",
            "destinataire__first_name",
            "destinataire__last_name",
            "destinataire__email",
        )
        .prefetch_related(
            GenericPrefetch(
                "objet",
                [
                    Seance.objects.select_related("accompagnement").only(dossier),
                    Convention.objects.select_related("accompagnement").only("reference", dossier),
                    Evaluation.objects.select_related("accompagnement").only(dossier),
                    Candidature.objects.only("reference"),
                    Accompagnement.objects.only("reference"),
                ],
            )
        )
        .order_by("-envoyee_le")
    )


def lignes_envoyees(relances: Iterable[Relance]) -> list[Relance]:
    """The rows of the sent reminders' table, each with what its cells show computed once here
    (`libelle`, `dossier_reference`, `dossier_accompagnement`, `regroupee`): the template asked each row's choice
    label and tried `objet.accompagnement` on objects that have none, dearly, fifty times a page."""
    libelles = dict(TypeRelance.choices)
    lignes = list(relances)
    for relance in lignes:
        objet = relance.objet
        # Sessions, conventions and evaluations lead to their accompagnement (selected with them).
        accompagnement = getattr(objet, "accompagnement", None)
        relance.libelle = libelles.get(relance.type_relance, relance.type_relance)  # type: ignore[attr-defined]
        relance.dossier_accompagnement = accompagnement if isinstance(accompagnement, Accompagnement) else None  # type: ignore[attr-defined]
        relance.dossier_reference = getattr(objet, "reference", "") or ""  # type: ignore[attr-defined]
        relance.regroupee = relance.etat == EtatRelance.REGROUPEE  # type: ignore[attr-defined]
    return lignes


def accompagnement_context(accompagnement: Accompagnement, user: User | AnonymousUser, role: str) -> dict[str, Any]:
    """Context of the reminders section of the accompagnement page (the coordination's only)."""
    if role != "coordination":
        return {"relances_coordination": False}
    return {"relances_coordination": True, "relances_du_dossier": list(relances_du_dossier(accompagnement)[:50])}


def relances_suspendues(programme: Programme) -> QuerySet[Relance]:
    """Reminders held because the mail provider reported the address as failing (plateforme/suivi_emails.py)."""
    return Relance.objects.filter(programme=programme, etat=EtatRelance.SUSPENDUE).select_related("destinataire")


# --- Messages to a chosen group (issue 15) ---------------------------------------------------------
# The group is a set of filters kept as JSON on the message (ids and codes):
#   role ("candidat", "personne_ressource" or "" for both), programme (id), format (id), departement,
#   etat_candidature, etat_accompagnement, evaluation_6mois_manquante (bool).
ROLE_CANDIDAT, ROLE_PERSONNE_RESSOURCE = roles.CANDIDAT, roles.PERSONNE_RESSOURCE
ROLES_GROUPE = [
    (ROLE_CANDIDAT, _("Candidat·es et bénéficiaires")),
    (ROLE_PERSONNE_RESSOURCE, _("Personnes-ressources")),
]
# The group's filters that narrow accompagnements: the recipients and their placeholders' values must agree.
FILTRES_ACCOMPAGNEMENT = {"programme": "programme_id", "format": "format_id", "etat_accompagnement": "etat"}


def filtres_du_perimetre(filtres: dict[str, Any], user: Any) -> dict[str, Any]:
    """The group kept inside the author's pilots' programmes (issue 16): applicants and beneficiaries of
    another pilot's programme are never in it. The directory of personnes-ressources is the instance's."""
    if voit_tout(user):
        return {**filtres, "programmes": None}
    return {**filtres, "programmes": sorted(programme_ids_de(user))}


def destinataires_groupe(filtres: dict[str, Any]) -> QuerySet[User]:
    """The active accounts the filters select, each once, in a stable order (name, e-mail).

    A candidat·e matches through one of their candidatures (programme, state, structure's département)
    and, when a format or an accompagnement state is asked, one of the accompagnements they receive;
    a personne-ressource through their directory entry (département) and the accompagnements they lead.
    "6-month evaluation missing": the person has a 6-month questionnaire still to answer."""
    role = filtres.get("role") or ""
    programme, format_id = filtres.get("programme"), filtres.get("format")
    departement = filtres.get("departement") or ""
    etat_c, etat_a = filtres.get("etat_candidature") or "", filtres.get("etat_accompagnement") or ""

    # The author's pilots' programmes (filtres_du_perimetre), None for a superuser: the group stays inside.
    perimetre = filtres.get("programmes")
    accompagnements = Accompagnement.objects.all()
    if perimetre is not None:
        accompagnements = accompagnements.filter(programme_id__in=perimetre)
    accompagnements = filtres_renseignes(accompagnements, filtres, FILTRES_ACCOMPAGNEMENT)
    par_accompagnement = bool(format_id or etat_a)

    conditions = []
    if role in ("", ROLE_CANDIDAT):
        candidatures = Candidature.objects.filter(candidat=OuterRef("pk"))
        if perimetre is not None:
            candidatures = candidatures.filter(programme_id__in=perimetre)
        candidatures = filtres_renseignes(
            candidatures,
            filtres,
            {"programme": "programme_id", "etat_candidature": "etat", "departement": "structure__departement"},
        )
        condition = Q(Exists(candidatures))
        if par_accompagnement:
            suivis = accompagnements.filter(beneficiaire=OuterRef("pk"))
            if departement:
                suivis = suivis.filter(structure_beneficiaire__departement=departement)
            condition &= Q(Exists(suivis))
        conditions.append(condition)
    if role in ("", ROLE_PERSONNE_RESSOURCE) and not etat_c:
        fiches = PersonneRessource.objects.filter(user=OuterRef("pk"))
        if departement:
            fiches = fiches.filter(departement=departement)
        condition = Q(Exists(fiches))
        if par_accompagnement or programme:
            condition &= Q(Exists(accompagnements.filter(mentors__user=OuterRef("pk"))))
        conditions.append(condition)
    if not conditions:
        return User.objects.none()
    choisis = conditions[0]
    for condition in conditions[1:]:
        choisis |= condition
    if filtres.get("evaluation_6mois_manquante"):
        evaluations = Evaluation.objects.filter(personne=OuterRef("pk"), moment=Moment.SIX_MOIS, etat=EtatEvaluation.OUVERTE)
        if perimetre is not None:
            evaluations = evaluations.filter(accompagnement__programme_id__in=perimetre)
        if programme:
            evaluations = evaluations.filter(accompagnement__programme_id=programme)
        if format_id:
            evaluations = evaluations.filter(accompagnement__format_id=format_id)
        choisis &= Q(Exists(evaluations))
    return User.objects.filter(choisis, is_active=True).order_by("last_name", "first_name", "email", "pk")


def filtres_libelle(filtres: dict[str, Any]) -> str:
    """The group in words, for the history (e.g. "Personnes-ressources · programme TSF 2026 · Aude")."""
    parts: list[str] = [str(dict(ROLES_GROUPE).get(filtres.get("role") or "", gettext("Tout le monde")))]
    if filtres.get("programme"):
        nom = Programme.objects.filter(pk=filtres["programme"]).values_list("nom", flat=True).first()
        parts.append(gettext("programme %(nom)s") % {"nom": nom or filtres["programme"]})
    if filtres.get("format"):
        libelle = Format.objects.filter(pk=filtres["format"]).values_list("libelle", flat=True).first()
        parts.append(gettext("format %(nom)s") % {"nom": libelle or filtres["format"]})
    if filtres.get("departement"):
        parts.append(str(dict(Departement.choices).get(filtres["departement"], filtres["departement"])))
    if filtres.get("etat_candidature"):
        etat = dict(EtatCandidature.choices).get(filtres["etat_candidature"], filtres["etat_candidature"])
        parts.append(gettext("candidature : %(etat)s") % {"etat": etat})
    if filtres.get("etat_accompagnement"):
        etat = dict(EtatAccompagnement.choices).get(filtres["etat_accompagnement"], filtres["etat_accompagnement"])
        parts.append(gettext("accompagnement : %(etat)s") % {"etat": etat})
    if filtres.get("evaluation_6mois_manquante"):
        parts.append(gettext("évaluation à 6 mois non remplie"))
    return " · ".join(parts)


# Named placeholders of a group message, replaced by each recipient's own value. Nothing else is
# interpreted: no template engine, no attribute access, a value is inserted as plain text once.
CHAMPS: dict[str, Any] = {
    "prenom": _("prénom"),
    "nom": _("nom"),
    "reference": _("référence de l’accompagnement ou de la candidature"),
    "programme": _("programme"),
    "personne_ressource": _("personne(s)-ressource(s) de l’accompagnement"),
    "prochaine_seance": _("date et heure de la prochaine séance"),
}
_CHAMP = re.compile(r"\{([^{}]*)\}")


def champs_inconnus(texte: str) -> list[str]:
    """The placeholders of `texte` that are not in CHAMPS (e.g. "{date}", "{user.password}")."""
    return sorted({nom for nom in _CHAMP.findall(texte) if nom not in CHAMPS})


def rendre(texte: str, valeurs: dict[str, str]) -> str:
    """Replace each known {placeholder} by the recipient's value, in one pass (a value is never re-read)."""
    return _CHAMP.sub(lambda m: valeurs.get(m.group(1), m.group(0)), texte)


def _date_seance(debut: datetime.datetime | None) -> str:
    if debut is None:
        return gettext("aucune séance planifiée")
    local = timezone.localtime(debut)
    return gettext("%(jour)s à %(heure)s") % {
        "jour": formats.date_format(local, "l j F Y"),
        "heure": formats.time_format(local, "H\\hi"),
    }


def valeurs_destinataires(personnes: Iterable[User], filtres: dict[str, Any]) -> dict[int, dict[str, str]]:
    """Each recipient's own values for the placeholders, read for all of them at once (three queries):
    the accompagnement the filters point to (newest first; the one they receive or lead), else their
    newest matching candidature."""
    personnes = list(personnes)
    ids = [p.pk for p in personnes]
    now = timezone.now()
    accompagnements = Accompagnement.objects.filter(Q(beneficiaire_id__in=ids) | Q(mentors__user_id__in=ids))
    candidatures = Candidature.objects.filter(candidat_id__in=ids)
    accompagnements = filtres_renseignes(accompagnements, filtres, FILTRES_ACCOMPAGNEMENT)
    candidatures = filtres_renseignes(candidatures, filtres, {"programme": "programme_id", "etat_candidature": "etat"})
    prochaine = Seance.objects.filter(accompagnement=OuterRef("pk"), etat=EtatSeance.PLANIFIEE, debut__gte=now).order_by("debut")
    par_personne: dict[int, Accompagnement] = {}
    for acc in (
        accompagnements.distinct()
        .annotate(prochaine_seance=Subquery(prochaine.values("debut")[:1]))
        .select_related("programme")
        .prefetch_related("mentors")
        .order_by("-created_at", "-pk")
    ):
        for pk in [acc.beneficiaire_id, *(m.user_id for m in acc.mentors.all())]:
            if pk in ids:
                par_personne.setdefault(pk, acc)
    dossier: dict[int, Candidature] = {}
    for candidature in candidatures.select_related("programme").order_by("-created_at", "-pk"):
        dossier.setdefault(candidature.candidat_id, candidature)
    valeurs: dict[int, dict[str, str]] = {}
    for personne in personnes:
        acc = par_personne.get(personne.pk)
        candidature = dossier.get(personne.pk)
        valeurs[personne.pk] = {
            "prenom": personne.first_name or personne.display_name,
            "nom": personne.last_name,
            "reference": (acc.reference if acc else (candidature.reference if candidature else "")) or "",
            "programme": acc.programme.nom if acc else (candidature.programme.nom if candidature else ""),
            "personne_ressource": ", ".join(str(m) for m in acc.mentors.all()) if acc else "",
            "prochaine_seance": _date_seance(acc.prochaine_seance if acc else None),  # type: ignore[attr-defined]
        }
    return valeurs


APERCU_NOMBRE = 5


def empreinte_groupe(ids: Iterable[int]) -> str:
    """A short fingerprint of exactly who is in the group: the preview gives it, the send checks it."""
    return hashlib.sha256(",".join(str(pk) for pk in sorted(ids)).encode()).hexdigest()[:32]


def apercu_groupe(filtres: dict[str, Any], sujet: str, corps: str) -> dict[str, Any]:
    """What the coordination sees before sending: how many people, and the first few messages as each
    of them will read it (bounded: the count and a handful of renderings, whatever the group's size)."""
    destinataires = destinataires_groupe(filtres)
    ids = list(destinataires.values_list("pk", flat=True))
    premiers = list(destinataires[: plafond(APERCU_NOMBRE)])
    valeurs = valeurs_destinataires(premiers, filtres)
    return {
        "nombre": len(ids),
        "empreinte": empreinte_groupe(ids),
        "exemples": [
            {"personne": p, "sujet": rendre(sujet, valeurs[p.pk]), "texte": rendre(corps, valeurs[p.pk])} for p in premiers
        ],
    }


def messages_groupe_historique(user: Any = None) -> QuerySet[MessageGroupe]:
    """The coordination's record of group messages, newest first, with the delivery figures; for a
    coordinator (`user`), the messages written by the coordination of their pilots."""
    E = EtatDestinataire
    messages = MessageGroupe.objects.all()
    if user is not None and not voit_tout(user):
        collegues = StructurePilote.coordinateurs.through.objects.filter(
            structurepilote__in=pilotes_de(user).values("pk")
        ).values("user_id")
        messages = messages.filter(auteur__in=collegues)
    return (
        messages.select_related("auteur")
        .annotate(
            envoyes=Count("destinataires", filter=Q(destinataires__etat=E.ENVOYE)),
            a_envoyer=Count("destinataires", filter=Q(destinataires__etat=E.A_ENVOYER)),
            sans_email=Count(
                "destinataires",
                filter=Q(destinataires__etat__in=[E.NON_SOUHAITE, E.SANS_ADRESSE, E.ADRESSE_EN_ECHEC, E.ECHEC]),
            ),
            lus=Count("destinataires", filter=Q(destinataires__lu_le__isnull=False)),
        )
        .order_by("-created_at", "-pk")
    )


def destinataires_du_message(message: MessageGroupe) -> QuerySet[DestinataireMessage]:
    return message.destinataires.select_related("personne").order_by("personne__last_name", "personne__first_name", "pk")


def messages_recus(user: Any) -> QuerySet[DestinataireMessage]:
    """A person's group messages, newest first (their copy, whoever else received it)."""
    return DestinataireMessage.objects.filter(personne=user).select_related("message").order_by("-message__created_at", "-pk")


def espace(user: Any) -> dict[str, Any]:
    """The person's space: their unread messages from the coordination (a few, with the count) and the
    link to their notification choices; for the coordination, the link to group messages."""
    if not getattr(user, "is_authenticated", False):
        return {}
    non_lus = messages_recus(user).filter(lu_le__isnull=True)
    premiers = list(non_lus[: plafond(3)])
    return {
        "messages_groupe": {
            "non_lus": premiers,
            "non_lus_total": len(premiers) if len(premiers) < plafond(3) else non_lus.count(),
            "coordination": roles.is_coordination(user),
        }
    }
