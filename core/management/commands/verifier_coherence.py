"""`manage.py verifier_coherence [--code X …] [--enregistrer]`: print the invariants' violations, exit 1 if any."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from core import invariants


class Command(BaseCommand):
    help = "Vérifie les invariants du programme sur les données ; code de sortie 1 s’il y a des violations."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--code", action="append", dest="codes", help="N’exécuter que cet invariant (répétable).")
        parser.add_argument("--liste", action="store_true", help="Lister les invariants enregistrés et s’arrêter.")
        parser.add_argument(
            "--enregistrer",
            action="store_true",
            help="Enregistrer le résultat comme la vérification nocturne (sans alerte), pour la page de la coordination.",
        )

    def handle(self, *args: Any, codes: list[str] | None = None, liste: bool = False, enregistrer: bool = False, **options: Any):
        if liste:
            for inv in invariants.registered():
                self.stdout.write(f"{inv.code}  {inv.label}")
            return
        if enregistrer and codes:
            raise CommandError("--enregistrer ne s’utilise que pour une vérification complète (sans --code).")
        try:
            selected = invariants.registered() if codes is None else [i for i in invariants.registered() if i.code in codes]
            if enregistrer:
                resultat = invariants.verification_lancer(alerter=False)
                found = [invariants.Violation(**d) for d in resultat.details]
            else:
                found = invariants.find_violations(codes)
        except KeyError as error:
            raise CommandError(f"Invariant inconnu : {error.args[0]} (voir --liste).") from None
        by_code: dict[str, list[invariants.Violation]] = {}
        for violation in found:
            by_code.setdefault(violation.code, []).append(violation)
        for inv in selected:
            items = by_code.get(inv.code, [])
            status = self.style.ERROR(f"{len(items)} violation(s)") if items else self.style.SUCCESS("0")
            self.stdout.write(f"{inv.code} – {inv.label} : {status}")
            for v in items:
                where = f"  [{v.url}]" if v.url else ""
                self.stdout.write(f"    {v.objet} : {v.message}{where}")
        total = len(found)
        self.stdout.write(f"{len(selected)} invariant(s) vérifié(s), {total} violation(s).")
        if total:
            raise SystemExit(1)
