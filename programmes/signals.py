"""Domain signals of the programmes' reference data (sent inside the writer's transaction).

The budget stage keeps a summary of each programme for its dashboards (budget/resume.py), grouped and
priced by data kept here and in the référentiel: a change of that data is told to it, so that it
recomputes the summaries concerned in the same transaction and they never hold the old values.

- `structures_modifiees(structure_ids)`: the département or the kind of these structures changed
  (`CHAMPS_REGROUPES`); the budget recomputes the programmes where they are a beneficiary.
- `references_modifiees(programme_ids)`: what the summaries of these programmes read besides their
  accompagnements, sessions and ledger changed: a programme's or a format's rate or unit
  (`CHAMPS_PROGRAMME`, `CHAMPS_FORMAT`), the competences a file sought, the référentiel's domains.
"""

from collections.abc import Iterable

from django.dispatch import Signal

from .models import Programme

structures_modifiees = Signal()
references_modifiees = Signal()

# The structure's fields the dashboards' summaries group delivered days by (budget.resume.CLES_GROUPES).
CHAMPS_REGROUPES = ("departement", "type_structure")
# A programme's and a format's fields the summaries count half-days and price the delivered days by.
CHAMPS_PROGRAMME = ("taux_journalier", "heures_par_demi_journee")
CHAMPS_FORMAT = ("programme", "unite", "taux_par_unite", "personne_ressource_remuneree")


def references_modifiees_signaler(programme_ids: Iterable[int | None]) -> None:
    """Send `references_modifiees` for these programmes (none: nothing sent), in the writer's transaction."""
    ids = sorted({pk for pk in programme_ids if pk is not None})
    if ids:
        references_modifiees.send(sender=Programme, programme_ids=ids)
