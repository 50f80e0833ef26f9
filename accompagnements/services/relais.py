"""Several personnes-ressources in sequence on one accompaniment (issue 16, seeds 003/004): the
coordination brings in a next personne-ressource while the accompaniment runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from annuaire import selectors as annuaire_selectors
from annuaire.models import EtatPersonneRessource, PersonneRessource
from core.emails import send_templated_after_commit
from core.exceptions import RuleViolation
from core.models import EventKind, recorded_actor
from core.permissions import require

from ..models import Accompagnement, AccompagnementEvenement, PartieTerminee
from ..signals import personne_ressource_ajoutee
from .accompagnement import programme_modifie_signaler

if TYPE_CHECKING:
    # Named for the types only (no runtime import needed).
    from accounts.models import User


def _evenement_relais(
    accompagnement: Accompagnement, transition: str, mentor: PersonneRessource, *, motif: str, actor: User | None
) -> None:
    """The accompaniment's timeline names the personne-ressource who joins or whose part ends, and why."""
    AccompagnementEvenement.objects.create(
        accompagnement=accompagnement,
        kind=EventKind.AUTRE,
        transition=transition,
        reason=motif,
        details={"personne_ressource": mentor.pk, "nom": str(mentor)},
        actor=actor,
    )


@transaction.atomic
def personne_ressource_ajouter(
    *, accompagnement: Accompagnement, personne_ressource: PersonneRessource, motif: str, by: User
) -> Accompagnement:
    """Coordination: add a personne-ressource (validated in the directory, not already on it, under the
    programme's missions per mentor) to a running accompaniment, with a reason in its timeline.

    The conventions stage answers the `personne_ressource_ajoutee` signal: a signed convention gets an
    avenant the new personne-ressource signs; a version being signed is replaced by one naming them."""
    locked = (
        Accompagnement.objects.select_for_update(of=("self",))
        .select_related("programme", "structure_beneficiaire")
        .prefetch_related("mentors")
        .get(pk=accompagnement.pk)
    )
    # The rule also refuses an accompaniment that has ended or was abandoned.
    require(by, "accompagnement.ajouter_personne_ressource", locked)
    motif = motif.strip()
    if not motif:
        raise RuleViolation(_("Indiquez pourquoi cette personne-ressource rejoint l’accompagnement."), field="motif")
    mentor = PersonneRessource.objects.select_for_update().get(pk=personne_ressource.pk)
    if mentor.etat != EtatPersonneRessource.VALIDEE:
        raise RuleViolation(_("%(pr)s n’a pas de profil validé dans l’annuaire.") % {"pr": mentor}, field="personne_ressource")
    if any(m.pk == mentor.pk for m in locked.mentors.all()):
        raise RuleViolation(
            _("%(pr)s accompagne déjà ce·tte bénéficiaire dans cet accompagnement.") % {"pr": mentor},
            field="personne_ressource",
        )
    if mentor.structure_id == locked.structure_beneficiaire_id:
        raise RuleViolation(
            _("%(pr)s travaille dans la structure bénéficiaire : choisissez une personne-ressource d’une autre structure.")
            % {"pr": mentor},
            field="personne_ressource",
        )
    programme = locked.programme
    profil = next((m for m in annuaire_selectors.mentors(programme) if m.id == mentor.pk), None)
    missions = profil.missions if profil is not None else 0
    if missions >= programme.missions_max_par_mentor:
        raise RuleViolation(
            _("%(pr)s a déjà %(n)s mission(s) sur ce programme : le plafond est de %(max)s par personne-ressource.")
            % {"pr": mentor, "n": missions, "max": programme.missions_max_par_mentor},
            field="personne_ressource",
        )
    locked.mentors.add(mentor)
    _evenement_relais(locked, "personne_ressource_ajoutee", mentor, motif=motif, actor=recorded_actor(by))
    personne_ressource_ajoutee.send(sender=Accompagnement, accompagnement=locked, personne_ressource=mentor, motif=motif, by=by)
    email = mentor.user.email if mentor.user_id else mentor.email
    if email:
        send_templated_after_commit(
            to=[email],
            name="personne_ressource_ajoutee",
            context={"accompagnement": locked, "personne_ressource": mentor, "motif": motif},
        )
    programme_modifie_signaler(locked.programme_id)
    return locked


@transaction.atomic
def personne_ressource_terminer(
    *, accompagnement: Accompagnement, personne_ressource: PersonneRessource, motif: str, by: User
) -> PartieTerminee:
    """Coordination: a personne-ressource's part is over. They keep reading the accompaniment and its past
    sessions (and write the reports of the ones they held) but plan no new session; another stays active."""
    locked = Accompagnement.objects.select_for_update(of=("self",)).prefetch_related("mentors").get(pk=accompagnement.pk)
    require(by, "accompagnement.ajouter_personne_ressource", locked)
    motif = motif.strip()
    if not motif:
        raise RuleViolation(_("Indiquez pourquoi la partie de cette personne-ressource se termine."), field="motif")
    mentors = {m.pk for m in locked.mentors.all()}
    if personne_ressource.pk not in mentors:
        raise RuleViolation(
            _("%(pr)s n’accompagne pas ce·tte bénéficiaire.") % {"pr": personne_ressource}, field="personne_ressource"
        )
    terminees = set(PartieTerminee.objects.filter(accompagnement=locked).values_list("personne_ressource_id", flat=True))
    if personne_ressource.pk in terminees:
        raise RuleViolation(_("La partie de %(pr)s est déjà terminée.") % {"pr": personne_ressource}, field="personne_ressource")
    if not mentors - terminees - {personne_ressource.pk}:
        raise RuleViolation(
            _("Ajoutez d’abord la personne-ressource qui prend le relais : l’accompagnement en garde au moins une active."),
            field="personne_ressource",
        )
    partie = PartieTerminee.objects.create(
        accompagnement=locked,
        personne_ressource=personne_ressource,
        motif=motif,
        par=recorded_actor(by),
    )
    _evenement_relais(locked, "personne_ressource_terminee", personne_ressource, motif=motif, actor=partie.par)
    return partie
