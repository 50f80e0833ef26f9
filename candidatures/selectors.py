"""Read-side queries shared by pages: the applicant's files, their timeline and what comes next."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, DateTimeField, Exists, Field, Func, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_lazy
from django.utils.translation import gettext as _

from accounts.models import User
from core.ics import CalendarEvent, build_calendar
from core.layers import later_stage_model
from core.models import EventKind
from core.selectors import filtres_renseignes
from programmes.models import Departement, Format, Programme

from .models import (
    ETATS_FINAUX,
    Candidature,
    CandidatureEvenement,
    DemandePiece,
    EntretienDiagnostic,
    Etat,
    EtiquetteCandidature,
    Modalite,
    TypePiece,
)
from .workflow import WORKFLOW


def candidatures_du_candidat(user: User) -> QuerySet[Candidature]:
    """The files of `user` as an applicant, with what the space list shows, in a constant number of queries."""
    return (
        Candidature.objects.filter(candidat=user)
        .select_related("programme", "structure", "diagnostic")
        .annotate(
            messages_non_lus=Count(
                "messages", filter=Q(messages__de_la_coordination=True, messages__lu_le__isnull=True), distinct=True
            ),
            demandes_ouvertes=Count("demandes_pieces", filter=Q(demandes_pieces__fournie_le__isnull=True), distinct=True),
        )
        .prefetch_related(
            Prefetch("accompagnements", to_attr="accompagnements_liste"),
        )
        .order_by("-created_at")
    )


def espace(user: AbstractBaseUser | AnonymousUser) -> dict[str, Any]:
    """Context for this app's section of the person's space (templates/candidatures/includes/espace.html)."""
    if not isinstance(user, User):
        return {}
    candidatures = list(candidatures_du_candidat(user))
    for candidature in candidatures:
        # What the space's list shows next to each file, computed once here (a row attribute for the template).
        candidature.prochaine = prochaine_etape(candidature)  # type: ignore[attr-defined]
    return {"mes_candidatures": candidatures, "brouillon_en_cours": any(c.modifiable for c in candidatures)}


@dataclass(frozen=True)
class Prochaine:
    texte: str
    action: str = ""  # "questionnaire", "demande", "message", "" (nothing to do)
    a_faire: bool = False  # True when the applicant has something to do


def _date(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y à H\\hi") if value else ""


def prochaine_etape(candidature: Candidature) -> Prochaine:
    """What is expected next, said plainly, from the applicant's side."""
    etat = candidature.etat
    demandes = getattr(candidature, "demandes_ouvertes", None)
    if demandes is None:
        demandes = candidature.demandes_pieces.filter(fournie_le__isnull=True).count()
    if etat == Etat.BROUILLON:
        return Prochaine(
            _("Terminez votre questionnaire puis déposez-le : vos réponses sont enregistrées."), "questionnaire", True
        )
    if etat == Etat.A_CORRIGER:
        return Prochaine(
            _("La coordination vous demande de compléter votre dossier : %(motif)s")
            % {"motif": candidature.motif_decision or _("voir les messages")},
            "questionnaire",
            True,
        )
    if demandes and etat not in ETATS_FINAUX:
        return Prochaine(_("Envoyez le ou les documents que la coordination vous demande."), "demande", True)
    if etat == Etat.SOUMISE:
        return Prochaine(_("Rien à faire pour l’instant : la coordination vérifie la recevabilité de votre dossier."))
    if etat == Etat.RECEVABLE:
        return Prochaine(_("Votre dossier est recevable : la coordination va vous proposer une date d’entretien diagnostic."))
    if etat == Etat.DIAGNOSTIC_PLANIFIE:
        diagnostic = getattr(candidature, "diagnostic", None)
        if diagnostic is not None:
            return Prochaine(_("Votre entretien diagnostic est prévu le %(date)s.") % {"date": _date(diagnostic.debut)}, "", True)
        return Prochaine(_("Votre entretien diagnostic va être planifié."))
    if etat in (Etat.DIAGNOSTIC_REALISE, Etat.EN_ATTENTE_DECISION):
        return Prochaine(_("Le diagnostic est fait : la décision vous sera communiquée prochainement."))
    if etat == Etat.SELECTIONNEE:
        accompagnements = getattr(candidature, "accompagnements_liste", None)
        if accompagnements is None:
            accompagnements = list(candidature.accompagnements.all())
        accompagnement = next((a for a in accompagnements if a.etat != "abandonne"), None)
        if accompagnement is None:
            return Prochaine(_("Votre candidature est retenue : la coordination recherche votre personne-ressource."))
        textes = {
            "objectifs": (_("Construisez la grille d’objectifs avec votre personne-ressource."), True),
            "convention": (_("Signez la convention de l’accompagnement."), True),
            "en_cours": (_("L’accompagnement est en cours : préparez vos prochaines séances."), False),
            "termine": (_("L’accompagnement est terminé : remplissez l’évaluation de fin d’action."), True),
            "clos": (_("L’accompagnement est clos. Merci de votre participation !"), False),
        }
        texte, a_faire = textes.get(accompagnement.etat, (_("L’accompagnement suit son cours."), False))
        return Prochaine(texte, "", a_faire)
    if etat == Etat.RETIREE:
        return Prochaine(_("Vous avez retiré cette candidature."))
    return Prochaine(
        _("Le dossier est clos : %(etat)s. %(motif)s")
        % {"etat": candidature.get_etat_display(), "motif": candidature.motif_decision}
    )


@dataclass(frozen=True)
class Jalon:
    libelle: str
    statut: str  # "fait", "en_cours", "a_venir", "echec"
    detail: str = ""


def frise(candidature: Candidature) -> list[Jalon]:
    """The file's timeline from submission to the evaluations.

    The later stages are read through the file's reverse relations and their models' named predicates
    (`actifs()`, `est_signee`, `est_realisee`, `est_termine`, `est_repondue`): no import of a later stage."""
    etat = candidature.etat
    dates: dict[str, Any] = {}
    for event in candidature.evenements.filter(kind="transition").order_by("created_at", "id"):
        dates[event.to_state] = event.created_at
    jalons: list[Jalon] = []

    def add(libelle, statut, detail=""):
        jalons.append(Jalon(libelle, statut, detail))

    if etat == Etat.BROUILLON:
        add(_("Questionnaire en cours"), "en_cours", _("Déposez-le quand il est complet."))
        return jalons
    add(_("Candidature déposée"), "fait", _date(candidature.soumise_le))
    if etat == Etat.RETIREE:
        add(_("Candidature retirée"), "echec", _date(dates.get(Etat.RETIREE)))
        return jalons

    recevabilite_faite = etat not in (Etat.SOUMISE, Etat.A_CORRIGER, Etat.IRRECEVABLE)
    if etat == Etat.IRRECEVABLE:
        add(_("Recevabilité"), "echec", candidature.motif_decision)
        return jalons
    if etat == Etat.A_CORRIGER:
        add(_("Recevabilité"), "en_cours", _("Dossier à compléter"))
    else:
        add(_("Recevabilité"), "fait" if recevabilite_faite else "en_cours", _date(dates.get(Etat.RECEVABLE)))

    diagnostic_fait = etat in (Etat.DIAGNOSTIC_REALISE, Etat.EN_ATTENTE_DECISION, Etat.SELECTIONNEE) or (
        etat in (Etat.REFUSEE, Etat.REORIENTEE) and Etat.DIAGNOSTIC_REALISE in dates
    )
    diagnostic = getattr(candidature, "diagnostic", None) if hasattr(candidature, "diagnostic") else None
    if diagnostic_fait:
        add(_("Entretien diagnostic"), "fait", _date(dates.get(Etat.DIAGNOSTIC_REALISE)))
    elif etat in (Etat.RECEVABLE, Etat.DIAGNOSTIC_PLANIFIE):
        add(_("Entretien diagnostic"), "en_cours", _date(diagnostic.debut) if diagnostic else _("à planifier"))
    elif etat not in (Etat.REFUSEE, Etat.REORIENTEE):
        add(_("Entretien diagnostic"), "a_venir")

    if etat in (Etat.REFUSEE, Etat.REORIENTEE):
        add(candidature.get_etat_display(), "echec", candidature.motif_decision)
        return jalons
    if etat == Etat.SELECTIONNEE:
        add(_("Candidature retenue"), "fait", _date(dates.get(Etat.SELECTIONNEE)))
    else:
        add(_("Décision"), "en_cours" if diagnostic_fait else "a_venir")

    accompagnement = None
    if etat == Etat.SELECTIONNEE:
        accompagnement = (
            candidature.accompagnements.actifs().prefetch_related("mentors", "conventions", "seances", "evaluations").first()
        )
    if accompagnement is None:
        add(_("Appariement avec une personne-ressource"), "en_cours" if etat == Etat.SELECTIONNEE else "a_venir")
        for libelle in (_("Convention"), _("Séances"), _("Évaluations")):
            add(libelle, "a_venir")
        return jalons

    mentors = ", ".join(str(m) for m in accompagnement.mentors.all())
    add(_("Appariement avec une personne-ressource"), "fait" if mentors else "en_cours", mentors)
    signee = any(c.est_signee for c in accompagnement.conventions.all())
    add(_("Convention"), "fait" if signee else ("en_cours" if mentors else "a_venir"))
    seances = list(accompagnement.seances.all())
    realisees = sum(1 for s in seances if s.est_realisee)
    termine = accompagnement.est_termine
    detail = _("%(n)s séance(s) réalisée(s) sur %(total)s prévue(s)") % {"n": realisees, "total": len(seances)} if seances else ""
    add(_("Séances"), "fait" if termine else ("en_cours" if signee else "a_venir"), detail)
    evaluations = [e for e in accompagnement.evaluations.all() if e.personne_id == candidature.candidat_id]
    repondues = all(e.est_repondue for e in evaluations) if evaluations else False
    add(_("Évaluations"), "fait" if repondues else ("en_cours" if termine else "a_venir"))
    return jalons


def demandes_ouvertes(candidature: Candidature):
    return DemandePiece.objects.filter(candidature=candidature, fournie_le__isnull=True).order_by("created_at")


# --- Coordination desk ---

# The stages of the dashboard, in the order of the file's life (every state but the draft).
STAGES = [
    Etat.SOUMISE,
    Etat.A_CORRIGER,
    Etat.RECEVABLE,
    Etat.DIAGNOSTIC_PLANIFIE,
    Etat.DIAGNOSTIC_REALISE,
    Etat.EN_ATTENTE_DECISION,
    Etat.SELECTIONNEE,
    Etat.REFUSEE,
    Etat.IRRECEVABLE,
    Etat.REORIENTEE,
    Etat.RETIREE,
]

# States where the next move is the coordinator's, and what to do.
ACTION_ATTENDUE: dict[str, Any] = {
    Etat.SOUMISE: gettext_lazy("Vérifier la recevabilité"),
    Etat.RECEVABLE: gettext_lazy("Planifier l’entretien diagnostic"),
    Etat.DIAGNOSTIC_PLANIFIE: gettext_lazy("Enregistrer le diagnostic"),
    Etat.DIAGNOSTIC_REALISE: gettext_lazy("Décider du format"),
    Etat.EN_ATTENTE_DECISION: gettext_lazy("Prendre la décision"),
}


# What a row of the desk's list shows (templates/candidatures/coordination/candidature_list.html): read these
# only; the answers, drafts and people's other columns were most of the query's reading and building.
COLONNES_DE_LA_LISTE = (
    "reference",
    "etat",
    "soumise_le",
    "candidat__first_name",
    "candidat__last_name",
    "candidat__email",
    "structure__raison_sociale",
    "structure__departement",
    "format_retenu__libelle",
)


@dataclass(frozen=True)
class Stage:
    etat: str
    label: Any
    count: int


def decompte_par_etat(*, programme: Programme) -> dict[str, int]:
    """Number of submitted files of `programme` in each state, in one query (grouped by state: one count to
    build and run, not one filtered count per stage). Every row of the desk's list is in exactly one of
    these: their sum is the unfiltered list's length, a state's number the list filtered on that state."""
    rows = Candidature.objects.filter(programme=programme).soumises().values_list("etat").annotate(n=Count("pk")).order_by()
    return dict(rows)


def dashboard_counts(*, programme: Programme, decompte: dict[str, int] | None = None) -> list[Stage]:
    """Number of files of `programme` at each stage (`decompte`: decompte_par_etat's, when already read)."""
    counts = decompte_par_etat(programme=programme) if decompte is None else decompte
    return [Stage(etat=etat.value, label=etat.label, count=counts.get(etat.value, 0)) for etat in STAGES]


class _MaxSansRegroupement(Func):
    """MAX() in a correlated subquery without Django's GROUP BY (a Func, not an Aggregate): the latest value,
    or NULL when there is no row. Without grouping PostgreSQL reads it from the index's last entry."""

    function = "MAX"


def _attente_depuis() -> Subquery:
    # The date of the file's last transition: the latest `created_at` (the same value as the first row by
    # `-created_at, -id`), as an aggregate rather than a sort and limit per file: about three times cheaper
    # per waiting file (each file of the to-do list's ranking computes it).
    last_transition = (
        CandidatureEvenement.objects.filter(candidature=OuterRef("pk"), kind=EventKind.TRANSITION)
        .order_by()
        .annotate(derniere=_MaxSansRegroupement("created_at", output_field=DateTimeField()))
        .values("derniere")
    )
    return Subquery(last_transition, output_field=DateTimeField())


def en_retard(candidature: Candidature, *, limite: datetime.datetime) -> bool:
    """Whether a file annotated with `attente_depuis` waits for the coordinator since before `limite`
    (computed here from the one annotation, not a second run of its subquery in SQL)."""
    attente = getattr(candidature, "attente_depuis", None)
    return candidature.etat in ACTION_ATTENDUE and attente is not None and attente < limite


def limite_de_retard(programme: Programme) -> datetime.datetime:
    """Files waiting since before this are late (Programme.alerte_dossier_jours)."""
    return timezone.now() - datetime.timedelta(days=programme.alerte_dossier_jours)


def candidatures_for_coordination(*, programme: Programme, filters: dict[str, Any] | None = None) -> QuerySet[Candidature]:
    """The submitted files of `programme`, filtered, with what each list row shows (constant number of queries);
    each row's `attente_depuis`, from which `en_retard()` tells a late file."""
    filters = filters or {}
    format_recommande = EntretienDiagnostic.objects.filter(candidature=OuterRef("pk"), format_recommande__isnull=False)
    qs = (
        Candidature.objects.filter(programme=programme)
        .soumises()
        .select_related("candidat", "structure", "format_retenu")
        .only(*COLONNES_DE_LA_LISTE)
        .annotate(attente_depuis=Coalesce(_attente_depuis(), "soumise_le"))
        # The diagnostic's recommended format (shown when none is chosen yet), as one value: joined in, the
        # interview and a second format table doubled the time PostgreSQL took to plan the page's query.
        .annotate(format_recommande_libelle=Subquery(format_recommande.values("format_recommande__libelle")[:1]))
        .prefetch_related(
            Prefetch("etiquettes_liens", queryset=EtiquetteCandidature.objects.select_related("etiquette"), to_attr="etiquettes")
        )
    )
    qs = filtres_renseignes(qs, filters, {"etat": "etat", "departement": "structure__departement"})
    if filters.get("format"):
        fmt = filters["format"]
        qs = qs.filter(Q(format_retenu=fmt) | Q(format_suite=fmt) | Q(diagnostic__format_recommande=fmt))
    if filters.get("domaine"):
        domaine = filters["domaine"]
        qs = qs.filter(
            Q(
                pk__in=Candidature.competences_souhaitees.through.objects.filter(competence__domaine=domaine).values(
                    "candidature_id"
                )
            )
            | Q(diagnostic__besoins__competence__domaine=domaine)
        ).distinct()
    qs = filtres_renseignes(
        qs,
        filters,
        {
            "depuis": "soumise_le__date__gte",
            "jusqu_au": "soumise_le__date__lte",
            "etiquette": "etiquettes_liens__etiquette",
        },
    )
    if filters.get("q"):
        for word in str(filters["q"]).split()[:5]:
            qs = qs.filter(
                Q(reference__icontains=word)
                | Q(candidat__email__icontains=word)
                | Q(candidat__first_name__icontains=word)
                | Q(candidat__last_name__icontains=word)
                | Q(structure__raison_sociale__icontains=word)
                | Q(structure__commune__icontains=word)
            )
    return qs.order_by("-soumise_le", "-pk")


def needs_action_today(*, programme: Programme, nombre: int) -> list[Candidature]:
    """The `nombre` files waiting longest for the coordinator, the longest-waiting first; `en_retard` flags
    those waiting more than Programme.alerte_dossier_jours (since their last change of state)."""
    now = timezone.now()
    fin_du_jour = timezone.localtime(now).replace(hour=23, minute=59, second=59)
    limite = limite_de_retard(programme)
    diagnostic_passe = EntretienDiagnostic.objects.filter(candidature=OuterRef("pk"), debut__lte=fin_du_jour)
    # The ranking reads the files alone; the structure is joined to the first `nombre` only (joined before
    # the sort, with the applicant, every waiting file was matched against the whole user table).
    premiers = (
        Candidature.objects.filter(programme=programme)
        .annotate(attente_depuis=Coalesce(_attente_depuis(), "soumise_le"))
        .filter(
            Q(etat__in=[Etat.SOUMISE, Etat.RECEVABLE, Etat.DIAGNOSTIC_REALISE, Etat.EN_ATTENTE_DECISION])
            | Q(Exists(diagnostic_passe), etat=Etat.DIAGNOSTIC_PLANIFIE)
        )
        .order_by("attente_depuis", "pk")
        .values("pk")[:nombre]
    )
    candidatures = list(
        Candidature.objects.filter(pk__in=premiers)
        .annotate(attente_depuis=Coalesce(_attente_depuis(), "soumise_le"))
        .select_related("structure")
        .only("reference", "etat", "soumise_le", "structure__raison_sociale")  # what the to-do list shows
        .order_by("attente_depuis", "pk")
    )
    for candidature in candidatures:
        # Every file of this list waits for the coordinator: late is waiting since before the limit.
        attente = candidature.attente_depuis  # type: ignore[attr-defined]
        candidature.en_retard = attente is not None and attente < limite  # type: ignore[attr-defined]
    return candidatures


def action_label(etat: str) -> Any:
    return ACTION_ATTENDUE.get(etat, "")


def candidature_for_coordination(*, pk: int) -> Candidature:
    """One file with everything the coordinator's page shows; raises Candidature.DoesNotExist."""
    return (
        Candidature.objects.select_related(
            "programme",
            "candidat",
            "structure",
            "format_retenu",
            "format_suite",
            "personne_ressource_pressentie",
        )
        .prefetch_related("competences_souhaitees__domaine", "pieces", "demandes_pieces")
        .get(pk=pk)
    )


def timeline_for_coordination(candidature: Candidature) -> QuerySet[CandidatureEvenement]:
    """Every line of the file's timeline, in order: transitions, e-mails, documents, opinions…"""
    return candidature.evenements.select_related("actor").order_by("created_at", "id")


def timeline_for_applicant(candidature: Candidature) -> QuerySet[CandidatureEvenement]:
    """What the applicant may see of their file's timeline: state changes, the e-mails sent to them
    and documents (added or asked for). Never internal notes, labels, committee referrals or opinions."""
    return (
        candidature.evenements.filter(
            Q(kind=EventKind.TRANSITION)
            | Q(kind=EventKind.EMAIL, details__pour_candidat=True)
            | Q(kind=EventKind.DOCUMENT)
            | Q(kind=EventKind.MESSAGE)
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )


def etat_label(value: str) -> Any:
    try:
        return Etat(value).label
    except ValueError:
        return value


def departement_label(value: str) -> Any:
    """As Structure.get_departement_display(), without rebuilding the dict of a hundred choices at each call."""
    try:
        return Departement(value).label
    except ValueError:
        return value


def diagnostic_calendar(entretien: EntretienDiagnostic, *, sequence: int = 0) -> bytes:
    """The .ics file of the diagnostic interview (Europe/Paris time zone, place or video link)."""
    candidature = entretien.candidature
    presentiel = entretien.modalite == Modalite.PRESENTIEL
    description = str(gettext_lazy("Entretien diagnostic du programme TSF / Mentorat pour le dossier %(ref)s.")) % {
        "ref": candidature.reference
    }
    if not presentiel and entretien.lien_visio:
        description += "\n" + str(gettext_lazy("Lien de visioconférence : %(lien)s")) % {"lien": entretien.lien_visio}
    event = CalendarEvent(
        uid=f"diagnostic-{entretien.pk}",
        start=entretien.debut,
        end=entretien.debut + datetime.timedelta(minutes=entretien.duree_minutes),
        summary=str(gettext_lazy("Entretien diagnostic – %(ref)s")) % {"ref": candidature.reference},
        location=entretien.lieu if presentiel else entretien.lien_visio,
        description=description,
        url=entretien.lien_visio if not presentiel else settings.SITE_URL,
        sequence=sequence,
    )
    return build_calendar([event], method="PUBLISH")


def describe_event(event: CandidatureEvenement) -> str:
    """One line of French describing a timeline event (no query)."""
    details = event.details or {}
    if event.kind == EventKind.TRANSITION:
        if event.transition == "annulation":
            action = gettext("Décision annulée")
        else:
            transition = WORKFLOW.by_name.get(event.transition)
            action = str(transition.label).capitalize() if transition else event.transition
        return gettext("%(action)s : « %(from)s » → « %(to)s »") % {
            "action": action,
            "from": etat_label(event.from_state),
            "to": etat_label(event.to_state),
        }
    if event.kind == EventKind.EMAIL:
        return gettext("E-mail envoyé à %(to)s : « %(subject)s »") % {
            "to": details.get("destinataire", ""),
            "subject": event.reason,
        }
    if event.kind == EventKind.DOCUMENT:
        try:
            piece = TypePiece(details.get("type_piece", "autre")).label
        except ValueError:
            piece = details.get("type_piece", "")
        if details.get("action") == "demande":
            return gettext("Document demandé : %(piece)s") % {"piece": piece}
        return gettext("Document ajouté : %(piece)s") % {"piece": piece}
    if event.kind == EventKind.AVIS:
        # The opinion is the comité's (a later stage, which writes this event): its label is read from
        # the comité's model, named through later_stage_model (no import of a later stage).
        sens_field = later_stage_model("comite", "Avis")._meta.get_field("sens")
        libelles = dict(sens_field.flatchoices) if isinstance(sens_field, Field) else {}
        sens = libelles.get(details.get("sens", ""), details.get("sens", ""))
        return gettext("Avis du comité technique : %(sens)s") % {"sens": sens}
    if event.kind == EventKind.MESSAGE:
        return gettext("Message échangé")
    if details.get("action") == "saisine_comite":
        return gettext("Dossier soumis au comité technique")
    return event.get_kind_display()


def decision_email_draft(
    *,
    candidature: Candidature,
    decision: str,
    motif: str = "",
    format: Format | None = None,
    demi_journees: int | None = None,
    format_suite: Format | None = None,
    demi_journees_suite: int | None = None,
) -> tuple[str, str]:
    """The pre-filled (subject, text) of a decision e-mail, for the coordinator to edit before it goes."""
    context = {
        "candidature": candidature,
        "motif": motif,
        "format": format,
        "demi_journees": demi_journees,
        "format_suite": format_suite,
        "demi_journees_suite": demi_journees_suite,
        "site_url": settings.SITE_URL,
        "pilot": candidature.programme.pilote.identite(),
    }
    with translation.override("fr"):
        subject = " ".join(render_to_string(f"emails/decision_{decision}.subject.txt", context).split())
        text = render_to_string(f"emails/decision_{decision}.txt", context).strip()
    return subject, text
