"""Per-person export of personal data (RGPD, right of access and portability).

`EXPORT_REGISTRY` names, for every model that points to a person (the user, their application or
their directory entry), the lookups that find that person's rows. A test walks every model of the
project and fails if one with such a link is missing here: a new model cannot be forgotten.
"""

from __future__ import annotations

import io
import json
from functools import reduce
from operator import or_
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from core.exports import SafeCsvWriter

# Models whose rows are personal: a link to one of them is a link to a person.
PERSON_MODELS = ("accounts.User", "candidatures.Candidature", "annuaire.PersonneRessource")

# model label -> lookups (from that model to the user) whose rows belong to the person's export.
EXPORT_REGISTRY: dict[str, tuple[str, ...]] = {
    "accounts.User": ("pk",),
    "account.EmailAddress": ("user",),
    "mfa.Authenticator": ("user",),
    "admin.LogEntry": ("user",),
    "core.AccesDonnees": ("user",),
    "core.MessageEnvoye": ("personne",),
    "core.NotificationDesactivee": ("personne",),
    # Applications and what hangs on them.
    "candidatures.Candidature": ("candidat",),
    "candidatures.CandidatureEvenement": ("candidature__candidat", "actor"),
    "candidatures.PieceJointe": ("candidature__candidat", "ajoute_par"),
    "candidatures.DemandePiece": ("candidature__candidat", "demandee_par"),
    "candidatures.EntretienDiagnostic": ("candidature__candidat", "conduit_par"),
    "candidatures.Besoin": ("diagnostic__candidature__candidat",),
    "candidatures.Message": ("candidature__candidat", "auteur"),
    "candidatures.NoteInterne": ("candidature__candidat", "auteur"),
    "candidatures.EtiquetteCandidature": ("candidature__candidat",),
    "candidatures.EmailEnvoye": ("candidature__candidat", "envoye_par"),
    # The directory.
    "annuaire.PersonneRessource": ("user", "suggeree_par"),
    "annuaire.CompetencePersonneRessource": ("personne_ressource__user",),
    "annuaire.PersonneRessourceEvenement": ("personne_ressource__user", "actor"),
    "annuaire.Proposition": ("candidature__candidat", "personne_ressource__user", "proposee_par"),
    # Accompagnements, sessions, conventions, evaluations.
    "accompagnements.Accompagnement": ("beneficiaire", "mentors__user", "candidature__candidat"),
    "accompagnements.AccompagnementHistorique": ("mentors__user", "importe_par"),
    "accompagnements.AccompagnementEvenement": ("accompagnement__beneficiaire", "accompagnement__mentors__user", "actor"),
    "accompagnements.Objectif": ("accompagnement__beneficiaire", "accompagnement__mentors__user"),
    "accompagnements.Seance": ("accompagnement__beneficiaire", "accompagnement__mentors__user", "planifiee_par"),
    "accompagnements.QuestionSeance": ("seance__accompagnement__beneficiaire", "auteur"),
    "accompagnements.CompteRendu": ("seance__accompagnement__beneficiaire", "redige_par"),
    "accompagnements.SupportTemoin": ("seance__accompagnement__beneficiaire", "ajoute_par"),
    "accompagnements.FluxCalendrier": ("user",),
    "accompagnements.Creneau": ("mentor__user",),
    "accompagnements.PartieTerminee": ("personne_ressource__user", "accompagnement__beneficiaire", "par"),
    "accompagnements.ConfirmationSeance": (
        "seance__accompagnement__beneficiaire",
        "seance__accompagnement__mentors__user",
        "personne",
    ),
    # Collective workshops: who leads them, who registered (and who registered them), members.
    "ateliers.Atelier": ("personne_ressource__user",),
    "ateliers.Inscription": ("participant", "inscrite_par"),
    "ateliers.InscriptionEvenement": ("inscription__participant", "actor"),
    "ateliers.EvaluationAtelier": ("inscription__participant",),
    "ateliers.AtelierEvenement": ("actor",),
    "ateliers.Adhesion": ("personne",),
    "ateliers.Immersion": ("mentore", "mentor__user", "creee_par"),
    "ateliers.ImmersionEvenement": ("immersion__mentore", "immersion__mentor__user", "actor"),
    "ateliers.GroupeCodev": ("animateur__user", "membres__personne"),
    "ateliers.MembreGroupe": ("personne",),
    "ateliers.SeanceGroupe": ("client__personne", "groupe__animateur__user"),
    "ateliers.PresenceGroupe": ("membre__personne",),
    "ateliers.SeanceGroupeEvenement": ("seance__client__personne", "actor"),
    "conventions.Convention": (
        "accompagnement__beneficiaire",
        "accompagnement__mentors__user",
        "personne_ressource_signataire__user",
    ),
    "conventions.Signature": ("signataire", "convention__accompagnement__beneficiaire"),
    "evaluations.Evaluation": ("personne",),
    "relances.Relance": ("destinataire",),
    "relances.MessageGroupe": ("auteur",),
    "relances.DestinataireMessage": ("personne",),
    "comite.Saisine": ("candidature__candidat", "saisi_par"),
    "comite.Avis": ("membre",),
    "comite.MembreComite": ("user",),
    # Budget lines entered by the person (the amounts themselves are public money, not personal).
    "budget.Engagement": ("created_by",),
    "budget.Paiement": ("created_by",),
    "budget.AutreDepense": ("created_by",),
    # A follow-up document asked for by the person: who asked, when (a trace of their action, like the lines they
    # entered). The document's figures are the programme's, not the person's; only the request row is exported.
    "budget.Export": ("demande_par",),
    # An invoice deposited by the person for their structure, and the moves they made on invoices.
    "budget.Facture": ("deposee_par",),
    "budget.FactureEvenement": ("actor",),
    # A programme's texts: who wrote each version.
    "programmes.ModeleEmail": ("cree_par",),
    "programmes.VersionClauses": ("cree_par",),
    # The pilot structures a member of the coordination belongs to (which programmes they see).
    "programmes.StructurePilote": ("coordinateurs",),
}

# Links to a person deliberately not followed, with the reason (the test accepts only these).
NOT_FOLLOWED: dict[tuple[str, str], str] = {
    ("candidatures.Candidature", "personne_ressource_pressentie"): (
        "the mentor named by an applicant: the application is the applicant's data, not the mentor's"
    ),
    ("accompagnements.Accompagnement", "candidature"): "followed through candidature__candidat",
    ("annuaire.Proposition", "personne_ressource"): "followed through personne_ressource__user",
    ("annuaire.Proposition", "candidature"): "followed through candidature__candidat",
    ("comite.Saisine", "candidature"): "followed through candidature__candidat",
}

# Secrets never leave the server, even to their owner.
EXCLUDED_FIELDS: dict[str, set[str]] = {
    "accounts.User": {"password"},
    "mfa.Authenticator": {"data"},
    "accompagnements.FluxCalendrier": {"token"},
}


def _label(model: type[models.Model]) -> str:
    return model._meta.label


def person_links(model: type[models.Model]) -> list[str]:
    """Names of the forward FK/O2O/M2M fields of `model` that point to a person model."""
    names = []
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete and (field.many_to_one or field.one_to_one or field.many_to_many)):
            continue
        if field.auto_created and not field.concrete:
            continue
        related = field.related_model
        if related is not None and not isinstance(related, str) and _label(related) in PERSON_MODELS:
            names.append(field.name)
    return names


def _rows(model: type[models.Model], lookups: tuple[str, ...], user: Any) -> list[dict[str, Any]]:
    condition = reduce(or_, (models.Q(**{lookup: user.pk}) for lookup in lookups))
    excluded = EXCLUDED_FIELDS.get(_label(model), set())
    fields = [f for f in model._meta.concrete_fields if f.name not in excluded]
    m2m = [f for f in model._meta.many_to_many if f.name not in excluded]
    queryset = model._default_manager.filter(condition).distinct().order_by("pk")
    if m2m:
        queryset = queryset.prefetch_related(*[f.name for f in m2m])
    rows = []
    for obj in queryset:
        row: dict[str, Any] = {}
        for field in fields:
            value = field.value_from_object(obj)
            if isinstance(field, models.FileField):
                value = value.name if value else ""
            row[field.attname if field.is_relation else field.name] = value
        for field in m2m:
            row[field.name] = [related.pk for related in getattr(obj, field.name).all()]
        rows.append(row)
    return rows


def donnees_personnelles(user: Any) -> dict[str, Any]:
    """Everything the platform holds that points to `user`, model by model."""
    data: dict[str, Any] = {
        "personne": user.email,
        "exporte_le": timezone.now().isoformat(),
        "modeles": {},
    }
    for label, lookups in EXPORT_REGISTRY.items():
        model = apps.get_model(label)
        data["modeles"][label] = {
            "nom": str(model._meta.verbose_name_plural),
            "lignes": _rows(model, lookups, user),
        }
    return data


def export_json(user: Any) -> str:
    return json.dumps(donnees_personnelles(user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def export_csv(user: Any) -> str:
    """One line per value: modèle, identifiant, champ, valeur (opens in any spreadsheet)."""
    data = donnees_personnelles(user)
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, delimiter=";")
    writer.writerow(["modele", "identifiant", "champ", "valeur"])
    for label, block in data["modeles"].items():
        for row in block["lignes"]:
            for field, value in row.items():
                if not isinstance(value, str):
                    value = json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False)
                writer.writerow([label, row.get("id", ""), field, value])
    return "\ufeff" + buffer.getvalue()  # BOM: Excel reads the accents right
