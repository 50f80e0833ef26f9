"""Domain signals of the ateliers (sent inside the service's transaction, core/signals.py).

`atelier_tenu(atelier, by)`: the coordination closed the attendance list of a held atelier; the budget
stage commits what the personne-ressource who led it is owed (budget/receivers.py), and refuses,
rolling the closing back, if the programme's envelope cannot carry it.
A cancelled atelier sends nothing: its animation is committed only when it is held, so nothing is owed.
"""

from django.dispatch import Signal

atelier_tenu = Signal()
