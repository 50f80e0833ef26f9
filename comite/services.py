"""Comité technique: files put to the committee, its opinions, its meetings. One transaction each."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from accounts import roles
from accounts.models import User
from accounts.services import user_set_roles
from candidatures.models import Candidature, PieceJointe
from candidatures.services import candidature_event
from core.concurrency import lock_unchanged
from core.exceptions import RuleViolation
from core.models import EventKind
from core.permissions import require
from core.uploads import CheckedUpload
from programmes.models import Programme

from .models import Avis, MembreComite, ReunionComite, Saisine, SensAvis


def _check_coordination(by: User) -> None:
    require(by, "comite.gerer")


@transaction.atomic
def saisine_create(
    *,
    candidature: Candidature,
    by: User,
    question: str = "",
    pieces: Iterable[PieceJointe] = (),
    reunion: ReunionComite | None = None,
) -> Saisine:
    """Put a file to the committee, with the documents its members may open (and only those)."""
    require(by, "candidature.soumettre_comite", candidature)
    pieces = list(pieces)
    if any(piece.candidature_id != candidature.pk for piece in pieces):
        raise RuleViolation(_("Ces documents n’appartiennent pas au dossier."), field="pieces")
    if reunion is not None and reunion.programme_id != candidature.programme_id:
        raise RuleViolation(_("Cette réunion concerne un autre programme."), field="reunion")
    saisine = Saisine.objects.create(candidature=candidature, question=(question or "").strip(), reunion=reunion, saisi_par=by)
    saisine.pieces.set(pieces)
    candidature_event(
        candidature=candidature,
        kind=EventKind.AUTRE,
        by=by,
        reason=saisine.question,
        details={"saisine": saisine.pk, "interne": True, "action": "saisine_comite", "pieces": [p.pk for p in pieces]},
    )
    return saisine


@transaction.atomic
def avis_give(*, saisine: Saisine, membre: User, sens: str, commentaire: str = "") -> Avis:
    """Record (or change) a committee member's opinion on a file put to the committee."""
    require(membre, "comite.donner_avis", saisine)
    if sens not in SensAvis.values:
        raise RuleViolation(_("Choisissez un avis."), field="sens")
    if sens != SensAvis.FAVORABLE and not (commentaire or "").strip():
        raise RuleViolation(_("Expliquez en quelques mots les réserves ou l’avis défavorable."), field="commentaire")
    avis, created = Avis.objects.update_or_create(
        saisine=saisine, membre=membre, defaults={"sens": sens, "commentaire": (commentaire or "").strip()}
    )
    candidature_event(
        candidature=saisine.candidature,
        kind=EventKind.AVIS,
        by=membre,
        reason=avis.commentaire,
        details={"saisine": saisine.pk, "avis": avis.pk, "sens": sens, "modifie": not created, "interne": True},
    )
    return avis


@transaction.atomic
def reunion_comite_save(
    *,
    programme: Programme,
    by: User,
    date: datetime.datetime,
    lieu: str = "",
    ordre_du_jour: str = "",
    saisines: Iterable[Saisine] = (),
    reunion: ReunionComite | None = None,
    version: str | None = None,
) -> ReunionComite:
    """Create or update a meeting: date, place, agenda (text, and the files put on it with their documents).
    `version`: that of the meeting the form was filled from; a meeting saved since raises EditConflict."""
    _check_coordination(by)
    saisines = list(saisines)
    if any(s.candidature.programme_id != programme.pk for s in saisines):
        raise RuleViolation(_("Ces dossiers concernent un autre programme."), field="saisines")
    if reunion is None:
        reunion = ReunionComite(programme=programme)
    else:
        reunion = lock_unchanged(ReunionComite.objects, pk=reunion.pk, version=version)
    reunion.date, reunion.lieu, reunion.ordre_du_jour = date, (lieu or "").strip(), (ordre_du_jour or "").strip()
    reunion.save()
    Saisine.objects.filter(reunion=reunion).exclude(pk__in=[s.pk for s in saisines]).update(reunion=None)
    Saisine.objects.filter(pk__in=[s.pk for s in saisines]).update(reunion=reunion)
    return reunion


@transaction.atomic
def reunion_comite_record_minutes(
    *, reunion: ReunionComite, by: User, compte_rendu: str = "", fichier: CheckedUpload | None = None, version: str | None = None
) -> ReunionComite:
    """Record the minutes as text and/or as a checked upload (core.uploads.CheckedUpload).
    `version`: that of the meeting the form was filled from; a meeting saved since raises EditConflict."""
    _check_coordination(by)
    reunion = lock_unchanged(ReunionComite.objects, pk=reunion.pk, version=version)
    compte_rendu = (compte_rendu or "").strip()
    if not compte_rendu and fichier is None and not reunion.compte_rendu_fichier:
        raise RuleViolation(_("Écrivez le compte-rendu ou joignez-le en fichier."), field="compte_rendu")
    reunion.compte_rendu = compte_rendu
    if fichier is not None:
        stored = fichier.stored_file()
        reunion.compte_rendu_fichier.save(stored.name, stored, save=False)
    reunion.save()
    return reunion


@transaction.atomic
def membre_comite_set(*, programme: Programme, user: User, by: User, qualite: str = "", actif: bool = True) -> MembreComite:
    """Seat `user` on the programme's committee, or change their seat (quality, active or not). A member
    reads that programme's files put to the committee, meetings and dashboards, and no other's; the
    seat gives the comité role if the person had not got it."""
    _check_coordination(by)
    membre, _created = MembreComite.objects.update_or_create(
        programme=programme, user=user, defaults={"qualite": (qualite or "").strip(), "actif": actif}
    )
    if actif and not roles.is_comite(user):
        user_set_roles(user=user, role_names=sorted(roles.role_names(user) | {roles.COMITE}), staff=user.is_staff)
    if hasattr(user, "_programmes_comite"):
        del user._programmes_comite
    return membre


@transaction.atomic
def comite_copier(*, source: Programme, cible: Programme) -> None:
    """ "Copy this programme" (programmes/copie.py): next year's committee starts with this year's active
    seats and their quality; a former member's inactive seat stays with the year it served."""
    MembreComite.objects.bulk_create(
        MembreComite(programme=cible, user_id=siege.user_id, qualite=siege.qualite, actif=True)
        for siege in MembreComite.objects.filter(programme=source, actif=True).only("user_id", "qualite")
    )
