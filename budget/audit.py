"""The audit file (dossier de contrôle): one ZIP a controller takes away to check an accompagnement, or
every accompagnement of a programme, from the signature of the convention to the payment.

For each accompagnement: the signed convention (and each avenant) with its signature certificate, one
PDF per session (its state, confirmations and history, report, supporting records), the supporting
files themselves, the commitments and payments, the evaluations and the objectives' measures (CSV).
`manifeste.csv` lists every file with its size and SHA-256; `SHA256SUMS` says the same in the form
`sha256sum -c` checks.

Bounded: the archive is written to a temporary file, stored files are copied into it by chunks while
their fingerprint is computed, and each generated document is built and written one at a time.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import SuspiciousFileOperation
from django.db.models import Prefetch, Q
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accompagnements.models import (
    SEANCE_LIVREE,
    Accompagnement,
    AccompagnementEvenement,
    ConfirmationSeance,
    Seance,
    SupportTemoin,
)
from conventions.models import Convention
from conventions.services import convention_certification_context
from core.exports import SafeCsvWriter
from core.pdf import render_pdf
from evaluations.models import Evaluation, MesureIndicateur
from programmes.models import Programme

from .models import AutreDepense, Engagement, Facture, FactureEvenement, Paiement

CHUNK = 64 * 1024
MANIFESTE = "manifeste.csv"
SOMMES = "SHA256SUMS"


@dataclass(frozen=True)
class Entree:
    """One file of the archive, as the manifest describes it."""

    chemin: str
    description: str
    taille: int
    sha256: str


class Archive:
    """A ZIP being written, which remembers the size and fingerprint of every file it receives."""

    def __init__(self, target: IO[bytes]) -> None:
        self._zip = zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True)
        self.entrees: list[Entree] = []
        self._noms: set[str] = set()
        self.manquants: list[tuple[str, str]] = []

    def _unique(self, chemin: str) -> str:
        base, point, extension = chemin.rpartition(".")
        candidate, n = chemin, 2
        while candidate in self._noms:
            candidate = f"{base}-{n}.{extension}" if point else f"{chemin}-{n}"
            n += 1
        self._noms.add(candidate)
        return candidate

    def write_stream(self, chemin: str, source: Iterable[bytes], *, description: str) -> Entree:
        chemin = self._unique(chemin)
        digest, taille = hashlib.sha256(), 0
        with self._zip.open(chemin, "w", force_zip64=True) as out:
            for chunk in source:
                digest.update(chunk)
                taille += len(chunk)
                out.write(chunk)
        entree = Entree(chemin, description, taille, digest.hexdigest())
        self.entrees.append(entree)
        return entree

    def write_bytes(self, chemin: str, content: bytes, *, description: str) -> Entree:
        return self.write_stream(chemin, [content], description=description)

    def write_file(self, chemin: str, field: FieldFile, *, description: str) -> Entree | None:
        """Copy a stored file by chunks; a file missing from the storage is listed as missing, not fatal."""
        try:
            handle = field.open("rb")
        except (FileNotFoundError, ValueError):
            self.manquants.append((chemin, description))
            return None
        try:
            return self.write_stream(chemin, iter(lambda: handle.read(CHUNK), b""), description=description)
        finally:
            handle.close()

    def write_csv(self, chemin: str, header: list[str], rows: Iterable[Iterable[Any]], *, description: str) -> Entree:
        """A CSV (UTF-8 with a BOM, as Excel needs for accents; `;` as French spreadsheets expect), written
        row by row into the archive: its text cells are neutralised (core.exports)."""
        return self.write_stream(chemin, _csv_chunks(header, rows), description=description)

    def close(self) -> None:
        """Add the manifest and the checksums (not listed in themselves), then finish the archive."""
        rows = [[e.chemin, e.description, e.taille, e.sha256] for e in self.entrees] + [
            [chemin, _("MANQUANT dans le stockage : %(d)s") % {"d": description}, "", ""]
            for chemin, description in self.manquants
        ]
        with self._zip.open(MANIFESTE, "w", force_zip64=True) as out:
            for chunk in _csv_chunks([_("chemin"), _("description"), _("taille (octets)"), _("SHA-256")], rows):
                out.write(chunk)
        with self._zip.open(SOMMES, "w", force_zip64=True) as out:
            for entree in self.entrees:
                out.write(f"{entree.sha256}  {entree.chemin}\n".encode())
        self._zip.close()


def _csv_chunks(header: list[str], rows: Iterable[Iterable[Any]]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer, delimiter=";")
    buffer.write("\ufeff")
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _nom(value: str) -> str:
    """A name safe in an archive path (typed names: no slash, no "..")."""
    try:
        return get_valid_filename(value)
    except SuspiciousFileOperation:  # "", "." or "..": nothing usable is left
        return "fichier"


def _user(user: Any) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def _date(value: Any) -> str:
    return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


def _historiques(accompagnement: Accompagnement) -> dict[int, list[dict[str, Any]]]:
    """The timeline rows of each session (held, cancelled, confirmed…), keyed by the session's id."""
    rows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    events = (
        AccompagnementEvenement.objects.filter(accompagnement=accompagnement, details__has_key="seance")
        .select_related("actor")
        .order_by("created_at", "pk")
    )
    for event in events:
        seance_id = event.details.get("seance")
        if not isinstance(seance_id, int):
            continue
        rows[seance_id].append(
            {
                "le": timezone.localtime(event.created_at),
                "par": _user(event.actor),
                "action": event.transition or event.get_kind_display(),
                "motif": event.reason,
            }
        )
    return rows


def _conventions(archive: Archive, accompagnement: Accompagnement, dossier: str) -> None:
    conventions = Convention.objects.filter(accompagnement=accompagnement).prefetch_related("signatures").order_by("version")
    for convention in conventions:
        nom = _nom(f"{convention.reference}-v{convention.version}")
        # The signed PDF when there is one, else the one sent for signature.
        pdf = convention.pdf_final or convention.pdf
        if pdf:
            signee = bool(convention.pdf_final)
            description = (
                _("Convention %(ref)s version %(v)s signée (%(etat)s)")
                if signee
                else _("Convention %(ref)s version %(v)s, non signée (%(etat)s)")
            )
            archive.write_file(
                f"{dossier}/convention/{nom}-{'signee' if signee else 'a-signer'}.pdf",
                pdf,
                description=description
                % {"ref": convention.reference, "v": convention.version, "etat": convention.get_etat_display()},
            )
        if convention.signatures.all():
            archive.write_bytes(
                f"{dossier}/convention/{nom}-certificat-de-signature.pdf",
                render_pdf("pdf/convention_certification.html", convention_certification_context(convention)),
                description=_("Certificat de signature de la convention %(ref)s version %(v)s")
                % {"ref": convention.reference, "v": convention.version},
            )


def _seances(archive: Archive, accompagnement: Accompagnement, dossier: str) -> None:
    historiques = _historiques(accompagnement)
    livrees = set(Seance.objects.filter(accompagnement=accompagnement).filter(SEANCE_LIVREE).values_list("pk", flat=True))
    seances = (
        Seance.objects.filter(accompagnement=accompagnement)
        .select_related("compte_rendu__redige_par")
        .prefetch_related(
            Prefetch("supports", queryset=SupportTemoin.objects.order_by("created_at", "pk")),
            Prefetch(
                "confirmations", queryset=ConfirmationSeance.objects.select_related("personne").order_by("created_at", "pk")
            ),
        )
        .order_by("debut", "pk")
    )
    genere_le = timezone.localtime()
    for numero, seance in enumerate(seances, start=1):
        sous_dossier = f"{dossier}/seances/{numero:02d}-{timezone.localtime(seance.debut):%Y-%m-%d}"
        supports = []
        for support in seance.supports.all():
            if support.fichier:
                chemin = f"{sous_dossier}/supports/{support.pk}-{_nom(support.nom_original or support.titre)}"
                entree = archive.write_file(
                    chemin, support.fichier, description=_("Support témoin : %(t)s") % {"t": support.titre}
                )
                ou = entree.chemin.rsplit("/", 1)[-1] if entree else _("fichier manquant")
            elif support.grille:
                entree = archive.write_csv(
                    f"{sous_dossier}/supports/{support.pk}-grille.csv",
                    [_("critère"), _("observation")],
                    support.grille.items(),
                    description=_("Grille d’observation : %(t)s") % {"t": support.titre},
                )
                ou = entree.chemin.rsplit("/", 1)[-1]
            else:
                ou = support.url
            supports.append({"titre": support.titre, "type": support.get_type_support_display(), "ou": ou})
        compte_rendu = getattr(seance, "compte_rendu", None)
        context = {
            "accompagnement": accompagnement,
            "seance": seance,
            "livree": seance.pk in livrees,
            "historique": historiques.get(seance.pk, []),
            # Service fait (issue 17): each party's answer, as recorded.
            "confirmations": [
                {
                    "le": c.created_at,
                    "partie": c.get_partie_display(),
                    "par": _user(c.personne),
                    "tenue": _("oui") if c.tenue else _("non"),
                    "commentaire": c.commentaire,
                }
                for c in seance.confirmations.all()
            ],
            "compte_rendu": compte_rendu,
            "redacteur": _user(compte_rendu.redige_par) if compte_rendu else "",
            "supports": supports,
            "genere_le": genere_le,
        }
        archive.write_bytes(
            f"{sous_dossier}/seance-et-compte-rendu.pdf",
            render_pdf("pdf/dossier_seance.html", context),
            description=_("Séance du %(date)s : état, confirmations, compte-rendu")
            % {"date": timezone.localtime(seance.debut).strftime("%d/%m/%Y")},
        )


def _finances(archive: Archive, accompagnement: Accompagnement, dossier: str) -> None:
    engagements = Engagement.objects.filter(accompagnement=accompagnement).select_related("convention", "created_by")
    archive.write_csv(
        f"{dossier}/engagements.csv",
        [_("saisi le"), _("saisi par"), _("convention"), _("libellé"), _("montant (€)"), _("corrige la ligne"), _("note")],
        (
            [
                _date(e.created_at),
                _user(e.created_by),
                e.convention.reference if e.convention else "",
                e.libelle,
                e.montant,
                e.corrige_id or "",
                e.note,
            ]
            for e in engagements.order_by("created_at", "pk")
        ),
        description=_("Engagements budgétaires de l’accompagnement"),
    )
    _factures(archive, accompagnement, dossier)
    paiements = Paiement.objects.filter(accompagnement=accompagnement).select_related("structure", "created_by", "facture")
    archive.write_csv(
        f"{dossier}/paiements.csv",
        [
            _("date du paiement"),
            _("structure payée"),
            _("SIRET"),
            _("référence de la facture"),
            _("mode"),
            _("référence du paiement"),
            _("montant (€)"),
            _("corrige la ligne"),
            _("saisi le"),
            _("saisi par"),
            _("note"),
        ],
        (
            [
                p.date_paiement.strftime("%d/%m/%Y"),
                p.structure.raison_sociale,
                p.structure.siret,
                p.facture.numero if p.facture else p.reference_facture,
                p.get_mode_display(),
                p.reference_paiement,
                p.montant,
                p.corrige_id or "",
                _date(p.created_at),
                _user(p.created_by),
                p.note,
            ]
            for p in paiements.order_by("date_paiement", "pk")
        ),
        description=_("Paiements à la structure de la personne-ressource"),
    )


def _factures(archive: Archive, accompagnement: Accompagnement, dossier: str) -> None:
    """The invoices that bill this accompagnement's sessions: each file, and each one's history."""
    factures = (
        Facture.objects.filter(lignes__seance__accompagnement=accompagnement)
        .distinct()
        .select_related("structure")
        .prefetch_related(
            Prefetch("evenements", queryset=FactureEvenement.objects.select_related("actor").order_by("created_at", "pk"))
        )
        .order_by("created_at", "pk")
    )
    historique: list[list[Any]] = []
    for facture in factures:
        archive.write_file(
            f"{dossier}/factures/{_nom(facture.numero)}.pdf",
            facture.fichier,
            description=_("Facture %(numero)s de %(structure)s") % {"numero": facture.numero, "structure": facture.structure},
        )
        historique.extend(
            [facture.numero, _date(e.created_at), _user(e.actor), e.transition, e.from_state, e.to_state, e.reason]
            for e in facture.evenements.all()
        )
    if historique:
        archive.write_csv(
            f"{dossier}/factures/historique.csv",
            [_("facture"), _("le"), _("par"), _("action"), _("état avant"), _("état après"), _("motif")],
            historique,
            description=_("Historique des factures : dépôt, vérification, retour, approbation, paiement"),
        )


def _evaluations(archive: Archive, accompagnement: Accompagnement, dossier: str) -> None:
    evaluations = Evaluation.objects.filter(accompagnement=accompagnement).order_by("moment", "repondant")
    archive.write_csv(
        f"{dossier}/evaluations.csv",
        [
            _("moment"),
            _("répondant·e"),
            _("état"),
            _("remplie le"),
            _("satisfaction sur le format"),
            _("satisfaction sur la personne"),
            _("recommande une suite"),
            _("réponses"),
        ],
        (
            [
                e.get_moment_display(),
                e.get_repondant_display(),
                e.get_etat_display(),
                _date(e.repondue_le),
                e.satisfaction_format if e.satisfaction_format is not None else "",
                e.satisfaction_personne if e.satisfaction_personne is not None else "",
                _("oui") if e.recommande_suite else _("non"),
                "; ".join(f"{k} : {v}" for k, v in sorted(e.reponses.items())),
            ]
            for e in evaluations
        ),
        description=_("Évaluations (sortie et 6 mois)"),
    )
    mesures = (
        MesureIndicateur.objects.filter(indicateur__objectif__accompagnement=accompagnement)
        .select_related("indicateur__objectif")
        .order_by("indicateur__objectif_id", "indicateur_id", "moment")
    )
    archive.write_csv(
        f"{dossier}/objectifs-et-mesures.csv",
        [
            _("objectif"),
            _("indicateur"),
            _("moment"),
            _("valeur"),
            _("cible"),
            _("appréciation"),
            _("atteinte"),
            _("commentaire"),
        ],
        (
            [
                m.indicateur.objectif.intitule,
                m.indicateur.libelle,
                m.get_moment_display(),
                m.valeur if m.valeur is not None else "",
                m.indicateur.cible if m.indicateur.cible is not None else "",
                m.niveau if m.niveau is not None else "",
                m.get_atteinte_display(),
                m.commentaire,
            ]
            for m in mesures
        ),
        description=_("Objectifs : mesures des indicateurs au démarrage, à la sortie et à 6 mois"),
    )


def _accompagnement(archive: Archive, accompagnement: Accompagnement) -> None:
    dossier = _nom(accompagnement.reference)
    _conventions(archive, accompagnement, dossier)
    _seances(archive, accompagnement, dossier)
    _finances(archive, accompagnement, dossier)
    _evaluations(archive, accompagnement, dossier)


def _depenses(archive: Archive, programme: Programme) -> None:
    depenses = AutreDepense.objects.filter(programme=programme).select_related("created_by").order_by("date_depense", "pk")
    # First the receipts, one at a time (a ZIP is written one file after the other), then the list.
    chemins: dict[int, str] = {}
    for depense in depenses.exclude(justificatif="").iterator(chunk_size=500):
        extension = depense.justificatif.name.rsplit(".", 1)[-1] if "." in depense.justificatif.name else "bin"
        entree = archive.write_file(
            f"programme/depenses/justificatif-{depense.pk}.{_nom(extension)}",
            depense.justificatif,
            description=_("Justificatif de la dépense : %(l)s") % {"l": depense.libelle},
        )
        chemins[depense.pk] = entree.chemin if entree else _("manquant")
    archive.write_csv(
        "programme/autres-depenses.csv",
        [_("date"), _("catégorie"), _("libellé"), _("montant (€)"), _("justificatif"), _("saisi le"), _("saisi par"), _("note")],
        (
            [
                depense.date_depense.strftime("%d/%m/%Y"),
                depense.get_categorie_display(),
                depense.libelle,
                depense.montant,
                chemins.get(depense.pk, ""),
                _date(depense.created_at),
                _user(depense.created_by),
                depense.note,
            ]
            for depense in depenses.iterator(chunk_size=500)
        ),
        description=_("Autres dépenses du programme (essaimage, communication…)"),
    )


def _accompagnements(programme: Programme, accompagnement: Accompagnement | None) -> Iterator[Accompagnement]:
    if accompagnement is not None:
        yield accompagnement
        return
    queryset = Accompagnement.objects.filter(programme=programme).filter(
        Q(conventions__isnull=False) | Q(seances__isnull=False) | Q(paiements__isnull=False)
    )
    ids = list(queryset.distinct().order_by("reference").values_list("pk", flat=True))
    for pk in ids:
        yield Accompagnement.objects.select_related("structure_beneficiaire", "programme").get(pk=pk)


def _noop(_: int) -> None:
    return None


def dossier_controle(
    *, programme: Programme, accompagnement: Accompagnement | None = None, progress: Callable[[int], None] = _noop
) -> IO[bytes]:
    """Write the audit file into a temporary file and return it, rewound (the caller stores then closes it).

    With `accompagnement`, the file of that one accompagnement; otherwise every accompagnement of the
    programme that has a convention, a session or a payment, and the programme's other costs.
    """
    target = tempfile.TemporaryFile(suffix=".zip")  # noqa: SIM115 - returned open, closed by the caller
    archive = Archive(target)
    if accompagnement is None:
        total = Accompagnement.objects.filter(programme=programme).count() or 1
    else:
        total = 1
    for index, item in enumerate(_accompagnements(programme, accompagnement), start=1):
        _accompagnement(archive, item)
        progress(min(5 + index * 85 // total, 90))
    if accompagnement is None:
        _depenses(archive, programme)
    archive.close()
    progress(95)
    target.seek(0)
    return target


def manifeste_lignes(content: bytes) -> list[list[str]]:
    """The manifest's rows (header first) read back from a CSV's bytes, for checks and tests."""
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
