from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from core.sauvegarde import sauvegarde_restaurer


class Command(BaseCommand):
    help = (
        "Restaure une archive de `sauvegarder` dans une base VIDE (migrate non lancé) et un stockage de fichiers vide, "
        "puis vérifie le manifeste : nombre de lignes de chaque table, empreinte SHA-256 de chaque fichier."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Chemin de l’archive tsf-AAAAMMJJ-….tar")
        parser.add_argument("--force", action="store_true", help="Écraser une base ou un stockage qui ne sont pas vides.")

    def handle(self, *args, archive: str, force: bool = False, **options):
        try:
            bilan = sauvegarde_restaurer(archive=archive, force=force)
        except DomainError as error:
            raise CommandError(error.message) from error
        for line in bilan.lignes_texte():
            self.stdout.write(line)
        if not bilan.conforme:
            raise CommandError(f"Restauration NON conforme au manifeste : {len(bilan.ecarts)} écart(s).")
        self.stdout.write(self.style.SUCCESS("Restauration conforme au manifeste."))
        # The platform's own invariants on the restored data (issue 13's registry).
        try:
            call_command("verifier_coherence", stdout=self.stdout, stderr=self.stderr)
        except SystemExit as exit_:
            if exit_.code:
                raise CommandError("verifier_coherence signale des violations sur les données restaurées.") from exit_
        self.stdout.write(self.style.SUCCESS("verifier_coherence : aucune violation."))
