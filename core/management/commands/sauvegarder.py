from django.core.management.base import BaseCommand, CommandError

from core.exceptions import DomainError
from core.sauvegarde import lire_manifeste, sauvegarde_creer, sauvegardes_purger


class Command(BaseCommand):
    help = (
        "Écrit une sauvegarde datée (copie de la base, tous les fichiers du stockage, manifeste avec le nombre "
        "de lignes et l’empreinte SHA-256 de chaque fichier) dans TSF_BACKUP_DIR."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dossier", help="Dossier des archives (par défaut TSF_BACKUP_DIR).")
        parser.add_argument(
            "--garder", type=int, default=None, help="Supprimer ensuite les archives au-delà des N plus récentes."
        )

    def handle(self, *args, dossier=None, garder=None, **options):
        try:
            archive = sauvegarde_creer(dossier=dossier)
            purgees = sauvegardes_purger(garder=garder, dossier=dossier) if garder is not None else []
        except DomainError as error:
            raise CommandError(error.message) from error
        manifeste = lire_manifeste(archive=archive)
        self.stdout.write(self.style.SUCCESS(f"Sauvegarde écrite : {archive}"))
        self.stdout.write(
            f"Base {manifeste['base']['moteur']} : {len(manifeste['lignes'])} tables, "
            f"{sum(manifeste['lignes'].values())} lignes ; fichiers : {len(manifeste['fichiers'])}, "
            f"{sum(f['octets'] for f in manifeste['fichiers'].values())} octets"
        )
        for path in purgees:
            self.stdout.write(f"Ancienne sauvegarde supprimée : {path}")
