"""Bringing existing records in from a spreadsheet (CSV or XLSX), through the services.

Each kind of record has an `Importer` (structures in programmes/imports.py, personnes-ressources in
annuaire/imports.py…) that names its columns (French headers) and, per line, checks the values
(`analyser`, no write) and then writes them through its service (`enregistrer`). This module reads the
file, shows the preview, keeps the uploaded file between the preview and the confirmation (private
storage, signed token) and runs the import in ONE transaction: with any error, nothing is imported.

Cells are read as text, never evaluated (a formula stays its text); exports neutralise formulas.
"""

from __future__ import annotations

import csv
import datetime
import io
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from .exceptions import DomainError
from .uploads import _office_zip_problem

IMPORT_MAX_BYTES = 5 * 1024 * 1024
IMPORT_MAX_LIGNES = 5000
TOKEN_SALT = "core.imports"  # noqa: S105 - a signing salt, not a secret  # nosec B105
TOKEN_MAX_AGE = 3600  # the preview is confirmed within the hour
STORAGE_PREFIX = "imports-en-attente"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
APERCU_LIGNES = 20  # lines shown in the preview table


class ImportRefused(DomainError):
    """The file cannot be imported (unreadable, too large, wrong headers, errors on some lines)."""


@dataclass(frozen=True)
class Colonne:
    cle: str
    entete: str
    obligatoire: bool = False
    aide: str = ""
    exemple: str = ""


@dataclass
class Ligne:
    """One line of the spreadsheet (`numero` as the spreadsheet shows it: the headers are line 1)."""

    numero: int
    valeurs: dict[str, str]
    action: str = ""  # CREER or METTRE_A_JOUR once analysed without error
    erreurs: list[str] = field(default_factory=list)
    donnees: Any = None  # what the importer's service needs, prepared by `analyser`

    def erreur(self, message: str) -> None:
        self.erreurs.append(message)

    def messages(self) -> list[str]:
        return [_("Ligne %(n)s : %(message)s") % {"n": self.numero, "message": m} for m in self.erreurs]


CREER = "creer"
METTRE_A_JOUR = "mettre_a_jour"


class Importer:
    """One kind of record. Subclasses set `kind`, `titre`, `colonnes`, `permission` and write `analyser`
    (checks one line, no write; sets `ligne.action` and `ligne.donnees` or adds errors) and
    `enregistrer` (writes one analysed line through the services)."""

    kind = ""
    titre = ""
    colonnes: tuple[Colonne, ...] = ()
    permission = ""

    def __init__(self) -> None:
        self.vus: dict[Any, int] = {}

    def analyser(self, ligne: Ligne) -> None:
        raise NotImplementedError

    def enregistrer(self, ligne: Ligne, *, by: Any) -> None:
        raise NotImplementedError

    # Helpers for the subclasses' checks.
    def unique(self, ligne: Ligne, cle: Any, libelle: str) -> None:
        """Refuse the same key twice in one file (the second line would silently replace the first)."""
        if cle in self.vus:
            ligne.erreur(_("%(libelle)s figure déjà ligne %(n)s") % {"libelle": libelle, "n": self.vus[cle]})
        else:
            self.vus[cle] = ligne.numero


@dataclass
class Apercu:
    lignes: list[Ligne]

    @property
    def a_creer(self) -> int:
        return sum(1 for ligne in self.lignes if not ligne.erreurs and ligne.action == CREER)

    @property
    def a_mettre_a_jour(self) -> int:
        return sum(1 for ligne in self.lignes if not ligne.erreurs and ligne.action == METTRE_A_JOUR)

    @property
    def erreurs(self) -> list[str]:
        return [message for ligne in self.lignes for message in ligne.messages()]

    @property
    def premieres(self) -> list[Ligne]:
        return self.lignes[:APERCU_LIGNES]


# --- Reading values ---------------------------------------------------------------------------


def normaliser(texte: str) -> str:
    """A header or a choice compared without case, accents, stars and extra spaces."""
    texte = unicodedata.normalize("NFKD", texte.replace("\u2019", "'")).encode("ascii", "ignore").decode()
    return " ".join(texte.replace("*", " ").lower().split())


def oui_non(valeur: str, *, defaut: bool = False) -> bool | None:
    """'oui'/'non' (and 1/0, vrai/faux, x): None when the cell says something else."""
    v = normaliser(valeur)
    if not v:
        return defaut
    if v in ("oui", "o", "1", "vrai", "x", "true", "yes"):
        return True
    if v in ("non", "n", "0", "faux", "false", "no"):
        return False
    return None


def entier(valeur: str) -> int | None:
    v = valeur.strip().replace("\u00a0", "").replace(" ", "")
    if v.endswith(",0") or v.endswith(".0"):
        v = v[:-2]
    try:
        return int(v)
    except ValueError:
        return None


def montant(valeur: str) -> Decimal | None:
    v = valeur.strip().replace("\u00a0", "").replace(" ", "").replace("€", "").replace(",", ".")
    try:
        return Decimal(v)
    except InvalidOperation:
        return None


def date(valeur: str) -> datetime.date | None:
    v = valeur.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(v[:10], fmt).date()  # noqa: DTZ007 — a calendar date, no time
        except ValueError:
            continue
    return None


def choix(valeur: str, choices: Iterable[tuple[str, Any]]) -> str | None:
    """The stored value of a choice given by its value or its French label (any case, accents)."""
    v = normaliser(valeur)
    for stored, label in choices:
        if v in (normaliser(str(stored)), normaliser(str(label))):
            return str(stored)
    return None


def _texte(cellule: Any) -> str:
    """A spreadsheet cell as text: numbers without a spurious '.0', dates as dd/mm/yyyy, formulas as written."""
    if cellule is None:
        return ""
    if isinstance(cellule, bool):
        return _("oui") if cellule else _("non")
    if isinstance(cellule, float) and cellule.is_integer():
        return str(int(cellule))
    if isinstance(cellule, datetime.datetime | datetime.date):
        return cellule.strftime("%d/%m/%Y")
    return str(cellule).strip()


# --- Reading the file -------------------------------------------------------------------------


def _rangees_csv(contenu: bytes) -> list[list[str]]:
    try:
        texte = contenu.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            _("Le fichier CSV doit être encodé en UTF-8 (dans le tableur : « Enregistrer sous… », « CSV UTF-8 »).")
        ) from None
    premiere = texte.split("\n", 1)[0]
    separateur = ";" if premiere.count(";") >= premiere.count(",") else ","
    return [[cellule.strip() for cellule in rangee] for rangee in csv.reader(io.StringIO(texte), delimiter=separateur)]


def _rangees_xlsx(contenu: bytes) -> list[list[str]]:
    # why: openpyxl is loaded only when an XLSX file is imported (it is slow to import).
    import openpyxl

    if _office_zip_problem(contenu):
        raise ImportRefused(_("Ce fichier XLSX est illisible ou trop volumineux une fois décompressé."))
    try:
        # Formulas are read as their text (data_only=False): nothing is evaluated.
        classeur = openpyxl.load_workbook(io.BytesIO(contenu), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise ImportRefused(_("Ce fichier n’est pas un classeur XLSX lisible.")) from None
    try:
        feuille = classeur.worksheets[0]
        rangees = []
        for rangee in feuille.iter_rows(values_only=True):
            rangees.append([_texte(c) for c in rangee])
            if len(rangees) > IMPORT_MAX_LIGNES + 1:
                break
        return rangees
    finally:
        classeur.close()


def lire(importer: Importer, *, nom: str, contenu: bytes) -> list[Ligne]:
    """The lines of an uploaded CSV or XLSX file, keyed by the importer's columns; file-level problems raise."""
    if len(contenu) > IMPORT_MAX_BYTES:
        raise ImportRefused(
            _("Le fichier est trop volumineux (%(taille)s au plus).") % {"taille": filesizeformat(IMPORT_MAX_BYTES)}
        )
    extension = nom.rsplit(".", 1)[-1].lower() if "." in nom else ""
    if extension == "xlsx" and contenu.startswith(b"PK"):
        rangees = _rangees_xlsx(contenu)
    elif extension in ("csv", "txt") and not contenu.startswith((b"PK", b"\xd0\xcf\x11\xe0", b"%PDF")) and b"\x00" not in contenu:
        rangees = _rangees_csv(contenu)
    else:
        raise ImportRefused(_("Déposez un fichier CSV (séparateur « ; » ou « , ») ou XLSX."))
    rangees = [r for r in rangees if any(c for c in r)]
    if not rangees:
        raise ImportRefused(_("Le fichier est vide."))
    if len(rangees) - 1 > IMPORT_MAX_LIGNES:
        raise ImportRefused(_("Le fichier a trop de lignes (%(n)s au plus par import).") % {"n": IMPORT_MAX_LIGNES})
    par_entete = {normaliser(c.entete): c for c in importer.colonnes}
    par_entete.update({normaliser(c.cle): c for c in importer.colonnes})
    positions: dict[str, int] = {}
    inconnues = []
    for i, entete in enumerate(rangees[0]):
        if not entete:
            continue
        colonne = par_entete.get(normaliser(entete))
        if colonne is None:
            inconnues.append(entete)
        else:
            positions[colonne.cle] = i
    if inconnues:
        raise ImportRefused(
            _("Colonne(s) inconnue(s) : %(noms)s. Utilisez les en-têtes du modèle.")
            % {"noms": ", ".join(f"« {n} »" for n in inconnues)}
        )
    manquantes = [c.entete for c in importer.colonnes if c.obligatoire and c.cle not in positions]
    if manquantes:
        raise ImportRefused(
            _("Colonne(s) obligatoire(s) absente(s) : %(noms)s.") % {"noms": ", ".join(f"« {n} »" for n in manquantes)}
        )
    lignes = []
    for numero, rangee in enumerate(rangees[1:], start=2):
        valeurs = {cle: (rangee[i] if i < len(rangee) else "") for cle, i in positions.items()}
        lignes.append(Ligne(numero=numero, valeurs={c.cle: valeurs.get(c.cle, "") for c in importer.colonnes}))
    if not lignes:
        raise ImportRefused(_("Le fichier ne contient aucune ligne sous les en-têtes."))
    return lignes


def analyser(importer: Importer, lignes: list[Ligne]) -> Apercu:
    """Check every line (no write): the preview's counts and its errors, line by line."""
    for ligne in lignes:
        for colonne in importer.colonnes:
            if colonne.obligatoire and not ligne.valeurs.get(colonne.cle):
                ligne.erreur(_("la colonne « %(col)s » est obligatoire") % {"col": colonne.entete})
        if not ligne.erreurs:
            importer.analyser(ligne)
    return Apercu(lignes)


def apercu(importer: Importer, *, nom: str, contenu: bytes) -> Apercu:
    return analyser(importer, lire(importer, nom=nom, contenu=contenu))


@dataclass(frozen=True)
class Resultat:
    crees: int
    mis_a_jour: int


@transaction.atomic
def importer_fichier(importer: Importer, *, nom: str, contenu: bytes, by: Any) -> Resultat:
    """Import every line through the importer's services in ONE transaction. Any error (a line's check, a
    service's refusal) raises ImportRefused with the lines concerned, and nothing is kept."""
    resultat = apercu(importer, nom=nom, contenu=contenu)
    if resultat.erreurs:
        raise ImportRefused("\n".join(resultat.erreurs))
    for ligne in resultat.lignes:
        try:
            with transaction.atomic():
                importer.enregistrer(ligne, by=by)
        except DomainError as error:
            transaction.set_rollback(True)
            raise ImportRefused(_("Ligne %(n)s : %(message)s") % {"n": ligne.numero, "message": error.message}) from error
    return Resultat(crees=resultat.a_creer, mis_a_jour=resultat.a_mettre_a_jour)


# --- Templates to download ----------------------------------------------------------------------


def modele_csv(importer: Importer) -> bytes:
    sortie = io.StringIO()
    writer = csv.writer(sortie, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(c.entete) for c in importer.colonnes])
    writer.writerow([c.exemple for c in importer.colonnes])
    return ("\ufeff" + sortie.getvalue()).encode("utf-8")


def modele_xlsx(importer: Importer) -> bytes:
    # why: openpyxl is loaded only when a template is downloaded.
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Font

    classeur = openpyxl.Workbook()
    feuille = classeur.active
    feuille.title = importer.kind[:31]
    for i, colonne in enumerate(importer.colonnes, start=1):
        cellule = feuille.cell(row=1, column=i, value=str(colonne.entete))
        cellule.font = Font(bold=True)
        if colonne.aide:
            cellule.comment = Comment(str(colonne.aide), "TSF")
        # Text cells: an example "09" stays "09", never a number or a formula.
        exemple = feuille.cell(row=2, column=i, value=str(colonne.exemple))
        exemple.data_type = "s"
        exemple.number_format = "@"
        feuille.column_dimensions[cellule.column_letter].width = max(14, len(colonne.entete) + 4)
    sortie = io.BytesIO()
    classeur.save(sortie)
    return sortie.getvalue()


# --- Keeping the file between the preview and the confirmation ----------------------------------


def deposer(*, kind: str, nom: str, contenu: bytes, user_id: int | None) -> str:
    """Store the uploaded file privately; the signed token names it for this user and this kind only."""
    oublier_anciens()
    extension = nom.rsplit(".", 1)[-1].lower()
    stocke = default_storage.save(f"{STORAGE_PREFIX}/{uuid.uuid4().hex}.{extension}", ContentFile(contenu))
    return signing.dumps({"f": stocke, "k": kind, "u": user_id, "n": nom[:200]}, salt=TOKEN_SALT)


def reprendre(token: str, *, kind: str, user_id: int | None) -> tuple[str, str, bytes]:
    """(stored name, original name, content) of a deposited file; a bad or old token is refused in French."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=TOKEN_MAX_AGE)
    except signing.BadSignature:
        raise ImportRefused(_("Ce dépôt a expiré ou n’est pas valide : déposez le fichier à nouveau.")) from None
    if (
        user_id is None
        or data.get("k") != kind
        or data.get("u") != user_id
        or not str(data.get("f", "")).startswith(f"{STORAGE_PREFIX}/")
    ):
        raise ImportRefused(_("Ce dépôt a expiré ou n’est pas valide : déposez le fichier à nouveau."))
    try:
        with default_storage.open(data["f"], "rb") as fichier:
            contenu = fichier.read()
    except (FileNotFoundError, OSError):
        raise ImportRefused(_("Ce dépôt a expiré ou n’est pas valide : déposez le fichier à nouveau.")) from None
    return data["f"], data["n"], contenu


def oublier(stocke: str) -> None:
    if stocke.startswith(f"{STORAGE_PREFIX}/"):
        default_storage.delete(stocke)


def oublier_anciens() -> int:
    """Delete the deposited files whose token has expired (previews never confirmed)."""
    try:
        _dossiers, fichiers = default_storage.listdir(STORAGE_PREFIX)
    except (FileNotFoundError, OSError):
        return 0
    limite = timezone.now() - datetime.timedelta(seconds=TOKEN_MAX_AGE)
    supprimes = 0
    for nom in fichiers:
        chemin = f"{STORAGE_PREFIX}/{nom}"
        try:
            if default_storage.get_modified_time(chemin) < limite:
                default_storage.delete(chemin)
                supprimes += 1
        except (FileNotFoundError, OSError, NotImplementedError):
            continue
    return supprimes
