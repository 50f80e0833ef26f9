"""`python manage.py load_demo`: load the fictitious programme « TSF Occitanie 2026 ».

Idempotent: if the programme already has candidatures, nothing is loaded and the demo logins
are printed again. The story is replayed through the services (see plateforme/management/demo/loader.py).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accompagnements.models import Accompagnement, Seance
from annuaire.models import PersonneRessource
from budget.models import Engagement, Enveloppe
from plateforme.management.demo import DemoLoader, data, peer_culture, siret_for
from programmes.models import Programme, Structure


class Command(BaseCommand):
    help = "Charge le programme de démonstration « TSF Occitanie 2026 » (structures, personnes et dossiers fictifs)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--force",
            action="store_true",
            help="Charger même hors DEBUG (les comptes de démonstration ont un mot de passe connu).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # The demo accounts share a published password: never create them on a production database by accident.
        if not settings.DEBUG and not options["force"]:
            raise CommandError("Données de démonstration refusées hors DEBUG : relancez avec DEBUG=1 ou --force.")
        loader = DemoLoader(
            now=timezone.now(),
            warn=lambda text: self.stderr.write(self.style.WARNING(text)),
            say=lambda text: self.stdout.write(text),
        )
        with transaction.atomic():
            programme, loaded = loader.run()
        if loaded:
            self.stdout.write(self.style.SUCCESS(f"Programme « {programme.nom} » chargé (données fictives)."))
        else:
            self.stdout.write(
                self.style.WARNING(f"Le programme « {programme.nom} » a déjà des candidatures : rien n’a été ajouté.")
            )
        self.print_summary(programme)
        self.print_logins(loader)

    def print_summary(self, programme: Programme) -> None:
        enveloppe = Enveloppe.objects.filter(programme=programme).first()
        accompagnements = Accompagnement.objects.filter(programme=programme)
        lines = [
            ("Structures", Structure.objects.filter(siret__in=[siret_for(s.key) for s in data.STRUCTURES]).count()),
            ("Personnes-ressources", PersonneRessource.objects.filter(email__endswith=f"@{data.DOMAINE}").count()),
            ("Candidatures", programme.candidatures.count()),
            ("Accompagnements", accompagnements.count()),
            ("Séances", Seance.objects.filter(accompagnement__programme=programme).count()),
            ("Engagements", Engagement.objects.filter(programme=programme).count()),
        ]
        self.stdout.write("")
        for label, count in lines:
            self.stdout.write(f"  {label:<22} {count:>4}")
        if enveloppe is not None:
            self.stdout.write(
                f"  Enveloppe : {enveloppe.montant} € ; engagé {enveloppe.engage} € ; autres dépenses {enveloppe.autres_depenses} € ; "
                f"disponible {enveloppe.disponible} €"
            )

    def print_logins(self, loader: DemoLoader) -> None:
        comptes = {c.key: c for c in data.COMPTES}
        rows = [
            (comptes["admin"].libelle, loader.users["admin"].email, comptes["admin"].usage),
            (comptes["coordination"].libelle, loader.users["coordination"].email, comptes["coordination"].usage),
            (comptes["comite"].libelle, loader.users["comite"].email, comptes["comite"].usage),
        ]
        pr = loader.users.get(f"pr:{data.LOGIN_PERSONNE_RESSOURCE}")
        if pr is not None:
            rows.append(
                ("Personne-ressource", pr.email, "2 missions : séances, un compte-rendu à rédiger, une évaluation de sortie")
            )
        candidat = loader.users.get(data.LOGIN_CANDIDAT)
        if candidat is not None:
            rows.append(
                ("Candidat·e / bénéficiaire", candidat.email, "dossier retenu, mentorat en cours, prochaine séance dans 2 jours")
            )
        rows.extend(peer_culture.logins())
        widths = [max(len(row[i]) for row in rows) for i in range(2)]
        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING("Comptes de démonstration"))
        header = f"  {'Rôle':<{widths[0]}}  {'E-mail (identifiant)':<{widths[1]}}  Ce que l’on y voit"
        self.stdout.write(header)
        self.stdout.write("  " + "-" * max(len(header), *(sum(widths) + 4 + len(row[2]) for row in rows)))
        for role, email, usage in rows:
            self.stdout.write(f"  {role:<{widths[0]}}  {email:<{widths[1]}}  {usage}")
        self.stdout.write("")
        self.stdout.write(f"  Mot de passe commun : {self.style.SUCCESS(data.MOT_DE_PASSE)}")
        self.stdout.write(
            f"  Tous les comptes fictifs (…@{data.DOMAINE}) utilisent ce mot de passe ; leurs adresses sont déjà vérifiées."
        )
