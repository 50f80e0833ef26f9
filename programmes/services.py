"""Writes on a programme's content (its e-mail templates and convention clauses, each edit a new
version, past ones kept), the copy of a programme into next year's, and the structures (the
beneficiaries' and the mentors' employers). One transaction each."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, fields
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from core.permissions import require

from . import contenus
from .copie import copieurs
from .models import Clause, Format, ModeleEmail, Programme, Structure, StructurePilote, VersionClauses
from .signals import CHAMPS_REGROUPES, structures_modifiees


def _refus(error: ValidationError) -> RuleViolation:
    if hasattr(error, "error_dict"):
        field, errors = next(iter(error.error_dict.items()))
        return RuleViolation(" ".join(m for e in errors for m in e.messages), field=field)
    return RuleViolation(" ".join(error.messages))


@transaction.atomic
def modele_email_enregistrer(*, programme: Programme, cle: str, sujet: str, corps: str, par: Any) -> ModeleEmail:
    """Write the next version of the programme's template `cle`; refused (French) on an unknown placeholder."""
    try:
        contenus.verifier_email(cle=cle, sujet=sujet, corps=corps)
    except ValidationError as error:
        raise _refus(error) from error
    locked = Programme.objects.select_for_update().get(pk=programme.pk)  # one editor at a time per programme
    last = ModeleEmail.objects.filter(programme=programme, cle=cle).aggregate(v=models.Max("version"))["v"] or 0
    modele = ModeleEmail.objects.create(
        programme=programme, cle=cle, version=last + 1, sujet=sujet.strip(), corps=corps, cree_par=par
    )
    _cles_rafraichir(locked)
    programme.modeles_email_cles = locked.modeles_email_cles
    return modele


def _cles_rafraichir(programme: Programme) -> None:
    cles = sorted(set(ModeleEmail.objects.filter(programme=programme).values_list("cle", flat=True)))
    if cles != programme.modeles_email_cles:
        programme.modeles_email_cles = cles
        programme.save(update_fields=["modeles_email_cles", "updated_at"])


def modele_email_courant(*, programme: Programme, cle: str) -> ModeleEmail | None:
    return ModeleEmail.objects.filter(programme=programme, cle=cle).order_by("-version").first()


@transaction.atomic
def clauses_enregistrer(*, programme: Programme, articles: list[tuple[str, str]], par: Any) -> VersionClauses:
    """Write the next version of the programme's clauses (ordered articles: title, text)."""
    try:
        contenus.verifier_clauses(articles)
    except ValidationError as error:
        raise _refus(error) from error
    Programme.objects.select_for_update().filter(pk=programme.pk).first()
    last = VersionClauses.objects.filter(programme=programme).aggregate(v=models.Max("version"))["v"] or 0
    version = VersionClauses.objects.create(programme=programme, version=last + 1, cree_par=par)
    Clause.objects.bulk_create(
        Clause(version=version, ordre=ordre, titre=titre.strip(), texte=texte.strip())
        for ordre, (titre, texte) in enumerate(articles, start=1)
    )
    return version


@transaction.atomic
def clauses_courantes(*, programme: Programme) -> VersionClauses:
    """The programme's current clauses; a programme that wrote none gets today's text as its version 1."""
    current = VersionClauses.objects.filter(programme=programme).order_by("-version").first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return clauses_enregistrer(programme=programme, articles=list(contenus.CLAUSES_PAR_DEFAUT), par=None)
    except IntegrityError:  # written meanwhile by another request
        return VersionClauses.objects.filter(programme=programme).order_by("-version").first()  # type: ignore[return-value]


# Fields a copy never takes from its source: identity, period, the call's state, timestamps.
_NON_COPIES = {"id", "nom", "slug", "date_debut", "date_fin", "appel_ouvert", "created_at", "updated_at"}


@transaction.atomic
def programme_copier(
    *, source: Programme, nom: str, slug: str, date_debut: datetime.date, date_fin: datetime.date, par: Any
) -> Programme:
    """Start next year's programme from `source`: its settings, formats, e-mail templates and clauses (current
    versions), and every registered app's content (programmes.copie); never files nor people's records.
    The new programme's call is closed (`appel_ouvert` False) until the coordination opens it."""
    if date_fin < date_debut:
        raise RuleViolation(_("La fin de la période doit suivre son début."), field="date_fin")
    if Programme.objects.filter(slug=slug).exists():
        raise RuleViolation(_("Un programme porte déjà cet identifiant : %(slug)s.") % {"slug": slug}, field="slug")
    if not nom.strip():
        raise RuleViolation(_("Donnez un nom au nouveau programme."), field="nom")
    settings_values = {
        f.attname: getattr(source, f.attname) for f in Programme._meta.concrete_fields if f.name not in _NON_COPIES
    }
    cible = Programme.objects.create(
        **settings_values, nom=nom.strip(), slug=slug, date_debut=date_debut, date_fin=date_fin, appel_ouvert=False
    )
    format_fields = [f.attname for f in Format._meta.concrete_fields if f.name not in {"id", "programme"}]
    Format.objects.bulk_create(
        Format(programme=cible, **{name: getattr(f, name) for name in format_fields}) for f in source.formats.all()
    )
    courants = ModeleEmail.objects.filter(programme=source).order_by("cle", "-version").distinct()
    seen: set[str] = set()
    for modele in courants:
        if modele.cle in seen:
            continue
        seen.add(modele.cle)
        ModeleEmail.objects.create(
            programme=cible, cle=modele.cle, version=1, sujet=modele.sujet, corps=modele.corps, cree_par=par
        )
    _cles_rafraichir(cible)
    clauses = VersionClauses.objects.filter(programme=source).order_by("-version").first()
    if clauses is not None:
        version = VersionClauses.objects.create(programme=cible, version=1, cree_par=par)
        Clause.objects.bulk_create(
            Clause(version=version, ordre=c.ordre, titre=c.titre, texte=c.texte) for c in clauses.clauses.all()
        )
    for copieur in copieurs():
        copieur(source=source, cible=cible)
    return cible


@dataclass(frozen=True)
class FicheStructure:
    """A structure as a spreadsheet of the coordination describes it (every field already typed).

    An optional field left at None was not given: a new structure takes the model's default, an
    existing one keeps what is known (an empty cell never erases)."""

    raison_sociale: str
    commune: str
    departement: str
    siret: str = ""
    forme_juridique: str | None = None
    adresse: str | None = None
    code_postal: str | None = None
    type_structure: str | None = None
    part_musiques_actuelles: int | None = None
    employeuse: bool | None = None
    projet_premier_emploi: bool | None = None
    nombre_salaries: int | None = None
    tranche_budget: str | None = None
    en_regle: bool | None = None
    site_web: str | None = None


def _message(error: ValidationError) -> str:
    """A model's validation errors as one French sentence, each with its field's label."""
    parts = []
    for name, messages in error.message_dict.items():
        model_field = next((f for f in Structure._meta.fields if f.name == name), None)
        label = str(model_field.verbose_name) if model_field is not None else ""
        for message in messages:
            parts.append(f"{label} : {message}" if label else message)
    return " ; ".join(parts)


def structure_existante(*, siret: str, raison_sociale: str, commune: str) -> Structure | None:
    """The structure a record describes: same SIRET, or without SIRET the same name in the same commune."""
    if siret:
        return Structure.objects.filter(siret=siret).first()
    return Structure.objects.filter(siret="", raison_sociale__iexact=raison_sociale, commune__iexact=commune).first()


def structure_preparer(fiche: FicheStructure) -> tuple[Structure, bool]:
    """The structure filled from `fiche` (not saved) and whether it exists already; refuses invalid values."""
    structure = structure_existante(siret=fiche.siret, raison_sociale=fiche.raison_sociale, commune=fiche.commune)
    existe = structure is not None
    if structure is None:
        structure = Structure()
    for f in fields(fiche):
        value = getattr(fiche, f.name)
        if value is not None and value != "":
            setattr(structure, f.name, value)
    try:
        structure.full_clean(exclude=["siret"] if existe else None)
    except ValidationError as error:
        raise RuleViolation(_message(error)) from error
    return structure, existe


@transaction.atomic
def structure_importer(*, fiche: FicheStructure, by: AbstractBaseUser) -> tuple[Structure, bool]:
    """Create or update (matched on its SIRET) a structure brought in from the coordination's records.
    Returns the structure and whether it was created."""
    require(by, "donnees.importer")
    structure, existe = structure_preparer(fiche)
    _structure_enregistrer(structure)
    return structure, not existe


@transaction.atomic
def structure_enregistrer(*, structure: Structure, by: AbstractBaseUser) -> Structure:
    """Save a structure created or changed by hand (the admin's forms), checked as the import checks its
    rows. The coordination keeps the structures, under the same rule as their import."""
    require(by, "donnees.importer")
    try:
        structure.full_clean(exclude=["siret"] if structure.pk is not None else None)
    except ValidationError as error:
        raise RuleViolation(_message(error)) from error
    _structure_enregistrer(structure)
    return structure


def _structure_enregistrer(structure: Structure) -> None:
    """Save `structure`, its row locked first when it exists (two writers of one structure apply in turn),
    and tell the later stages when a field they group their figures by changed (programmes/signals.py):
    the budget's summaries of the programmes it is a beneficiary in are recomputed in this transaction."""
    avant = None
    if structure.pk is not None:
        avant = Structure.objects.select_for_update().filter(pk=structure.pk).values_list(*CHAMPS_REGROUPES).first()
    structure.save()
    if avant is not None and tuple(avant) != tuple(getattr(structure, champ) for champ in CHAMPS_REGROUPES):
        structures_modifiees.send(sender=Structure, structure_ids=[structure.pk])


# --- Pilot structures (issue 16) -----------------------------------------------------------------------


@transaction.atomic
def structure_pilote_creer(
    *,
    nom: str,
    email: str,
    adresse: str = "",
    code_postal: str = "",
    commune: str = "",
    representant_nom: str = "",
    representant_qualite: str = "",
    telephone: str = "",
    siret: str = "",
    programmes: list[Programme] | None = None,
    coordinateurs: list[AbstractBaseUser] | None = None,
) -> StructurePilote:
    """A pilot structure with its identity, the programmes it runs and its coordinators. A coordinator
    given here belongs to this pilot only (the one-pilot instance had made them join the first)."""
    if not nom.strip():
        raise RuleViolation(_("Donnez le nom de la structure pilote."), field="nom")
    pilote = StructurePilote(
        nom=nom.strip(),
        email=email,
        adresse=adresse,
        code_postal=code_postal,
        commune=commune,
        representant_nom=representant_nom,
        representant_qualite=representant_qualite,
        telephone=telephone,
        siret=siret,
    )
    try:
        pilote.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise RuleViolation(messages[0], field=field) from error
    pilote.save()
    for programme in programmes or []:
        Programme.objects.filter(pk=programme.pk).update(pilote=pilote)
        programme.pilote = pilote
    for user in coordinateurs or []:
        StructurePilote.coordinateurs.through.objects.filter(user_id=user.pk).delete()
        pilote.coordinateurs.add(user.pk)
        user.__dict__.pop("_programme_ids", None)
    return pilote
