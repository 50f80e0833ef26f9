from django.core.management.base import BaseCommand

from plateforme.retention import candidatures_a_anonymiser, comptes_a_anonymiser, retention_appliquer


class Command(BaseCommand):
    help = "Anonymise les candidatures et les comptes dont la durée de conservation est échue (RGPD)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Affiche ce qui serait anonymisé sans rien changer.")

    def handle(self, *args, dry_run: bool = False, **options):
        if dry_run:
            candidatures = list(candidatures_a_anonymiser().values_list("pk", flat=True))
            comptes = list(comptes_a_anonymiser().values_list("pk", flat=True))
            self.stdout.write(
                f"À anonymiser : {len(candidatures)} candidature(s) {candidatures}, {len(comptes)} compte(s) {comptes}"
            )
            return
        self.stdout.write(self.style.SUCCESS(str(retention_appliquer())))
