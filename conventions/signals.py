"""Domain signals of the conventions stage (sent inside the service's transaction).

`convention_a_engager(convention, accompagnement, montant, libelle, by)`: the last signature of a
convention (or avenant) commits `montant` (the difference for an avenant); the budget stage records
the engagement on the envelope and refuses, rolling the signature back, if the envelope cannot carry it.
"""

from django.dispatch import Signal

convention_a_engager = Signal()
