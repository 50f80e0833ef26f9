"""The parts a person can take in an accompagnement (see permissions.role_in), named once.

A module of its own so that the transition tables can name them without importing the permissions,
which import the tables.
"""

COORDINATION = "coordination"
MENTOR = "mentor"
BENEFICIAIRE = "beneficiaire"

PLANNERS = frozenset({MENTOR, COORDINATION})
PARTICIPANTS = frozenset({MENTOR, BENEFICIAIRE, COORDINATION})
PAIRE = frozenset({MENTOR, BENEFICIAIRE})
