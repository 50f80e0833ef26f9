"""Domain signals of the accompagnement stage (sent inside the service's transaction).

- `grille_validee(accompagnement, by)`: both parties validated the objectives grid; the conventions
  stage prepares the convention.
- `grille_rouverte(accompagnement, by, motif)`: the grid changed while a convention was being signed;
  the conventions stage cancels the versions not yet fully signed.
- `personne_ressource_ajoutee(accompagnement, personne_ressource, motif, by)`: the coordination brought a
  next personne-ressource in; the conventions stage makes the parties' change signed (an avenant).
- `programme_modifie(programme_id)`: an accompagnement or a session of the programme changed; the budget
  stage recomputes its dashboard summary of the programme (budget/resume.py) in the same transaction.
"""

from django.dispatch import Signal

grille_validee = Signal()
grille_rouverte = Signal()
programme_modifie = Signal()
personne_ressource_ajoutee = Signal()
