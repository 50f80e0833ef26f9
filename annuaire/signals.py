"""Domain signals of the directory and the matching (sent inside the service's transaction).

`proposition_acceptee(proposition, candidature, mentor)`: a mentor accepted; the accompagnements stage
creates the accompagnement and answers it (see accompagnements/receivers.py).
"""

from django.dispatch import Signal

proposition_acceptee = Signal()
