"""Domain signals of the programmes' reference data (sent inside the service's transaction).

- `structures_modifiees(structure_ids)`: the département or the kind of these structures changed (the
  fields the later stages group their figures by, `CHAMPS_REGROUPES`); the budget stage recomputes the
  dashboard summaries of the programmes where they are a beneficiary (budget/resume.py), in the same
  transaction, so that the summaries never hold the old grouping.
"""

from django.dispatch import Signal

structures_modifiees = Signal()

# The structure's fields the dashboards' summaries group delivered days by (budget.resume.CLES_GROUPES).
CHAMPS_REGROUPES = ("departement", "type_structure")
