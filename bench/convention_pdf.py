"""Benchmark: rendering a typical convention PDF with WeasyPrint in a warm process.

    .venv/bin/python bench/convention_pdf.py

Prints the median of 10 warm renders of a typical 3-page convention, the peak memory, the ratio of
a 4-page to a 2-page convention, and whether WeasyPrint subset the fonts with HarfBuzz
(libharfbuzz-subset0) or fell back to fontTools. Targets: ≤ 400 ms, ≤ 150 MiB, ratio ≤ 1.5.
Also prints what tagging costs (PDF/UA-1 structure tree, issue 15): tagged and untagged renders of
the same convention, interleaved so that the machine's load weighs on both alike.
No database: the context has the shape of conventions.services.convention_pdf_context.
"""

from __future__ import annotations

import datetime
import io
import os
import resource
import secrets
import statistics
import sys
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tsf.settings")
# Production settings (DEBUG off, no query log) need a SECRET_KEY: a throwaway one for the measure.
os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))

import django  # noqa: E402

django.setup()

from pypdf import PdfReader  # noqa: E402

from core.pdf import render_pdf  # noqa: E402

TARGET_MS, TARGET_MIB, TARGET_RATIO = 400, 150, 1.5
RUNS = 10


def context(objectifs: int, seances: int) -> dict:
    structure = {
        "raison_sociale": "Association Ondes Courtes",
        "adresse": "12 allée des Musiques",
        "code_postal": "34000",
        "commune": "Montpellier",
        "siret": "80000000100019",
        "forme_juridique": "Association loi 1901",
    }
    debut = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
    return {
        "reference": "CONV-ACC-2026-0042-V1",
        "version": 1,
        "date": datetime.date(2026, 2, 20),
        "avenant": False,
        "remplace_reference": "",
        "motif_avenant": "",
        "accompagnement_reference": "ACC-2026-0042",
        "programme": {
            "nom": "TSF Occitanie 2026",
            "date_debut": datetime.date(2026, 1, 1),
            "date_fin": datetime.date(2026, 12, 31),
            "delai_compte_rendu_jours": 7,
        },
        "format": {"code": "tsf", "libelle": "Transfert de savoir-faire"},
        "demi_journees": 4,
        "jours": "2",
        "taux_journalier": "500,00\u00a0€",
        "delai_avant_seance_heures": 48,
        "montant": "1\u202f000,00\u00a0€",
        "beneficiaire": {
            "nom": "Bérénice Martin",
            "email": "berenice@ondes-courtes.example",
            "fonction": "Chargée de développement",
            "structure": structure,
        },
        "mentors": [
            {
                "nom": "Martine Durand",
                "email": "martine@bikini.example",
                "fonction": "Administratrice",
                "structure": {**structure, "raison_sociale": "Le Bikini Productions", "commune": "Ramonville"},
            }
        ],
        "objectifs": [
            {
                "intitule": f"Objectif de travail n° {i + 1} : structurer la recherche de mécénat",
                "critere_reussite": "Un plan d’action écrit, partagé avec l’équipe et le conseil d’administration, "
                "avec un calendrier de sollicitation des entreprises du territoire.",
                "indicateurs": [
                    {
                        "quantitatif": True,
                        "libelle": "Dossiers de mécénat déposés",
                        "description": "",
                        "unite": "dossiers",
                        "valeur_initiale": Decimal("0"),
                        "cible": Decimal("3"),
                    },
                    {
                        "quantitatif": False,
                        "libelle": "Aisance dans la présentation du projet",
                        "description": "La bénéficiaire présente seule le projet à un mécène potentiel.",
                        "unite": "",
                        "valeur_initiale": None,
                        "cible": None,
                    },
                ],
            }
            for i in range(objectifs)
        ],
        "seances": [
            {
                "debut": debut + datetime.timedelta(days=14 * i),
                "duree": "Une demi-journée",
                "lieu": "Salle de réunion de la structure",
                "modalite": "En présentiel",
                "sujet": "Cartographie des mécènes",
            }
            for i in range(seances)
        ],
    }


def pages(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


def find(target_pages: int, seances: int = 4) -> dict:
    """The smallest grid giving a convention of `target_pages` pages."""
    for n in range(1, 40):
        ctx = context(n, seances if target_pages > 2 else 0)
        count = pages(render_pdf("pdf/convention.html", ctx))
        if count == target_pages:
            return ctx
        if count > target_pages:
            break
    raise SystemExit(f"no grid gives a {target_pages}-page convention")


def median_ms(ctx: dict, runs: int = RUNS) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds of `runs` warm renders (CPU time is steadier on a busy machine)."""
    render_pdf("pdf/convention.html", ctx)  # warm: WeasyPrint imported, templates compiled
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        render_pdf("pdf/convention.html", ctx)
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def tagging_cost_ms(ctx: dict, runs: int = RUNS) -> tuple[float, float, int, int]:
    """Median CPU ms of untagged and tagged renders (interleaved), and the two file sizes."""
    untagged_pdf = render_pdf("pdf/convention.html", ctx, tagged=False)
    tagged_pdf = render_pdf("pdf/convention.html", ctx)
    cpu: dict[bool, list[float]] = {False: [], True: []}
    for _ in range(runs):
        for tagged in (False, True):
            start = time.process_time()
            render_pdf("pdf/convention.html", ctx, tagged=tagged)
            cpu[tagged].append((time.process_time() - start) * 1000)
    return statistics.median(cpu[False]), statistics.median(cpu[True]), len(untagged_pdf), len(tagged_pdf)


def harfbuzz_subsetter_used(ctx: dict) -> tuple[bool, bool, dict[str, int]]:
    """(available, used, calls): how WeasyPrint 70 decides, and what it really did for one render.

    weasyprint/text/ffi.py dlopens libharfbuzz-subset with allow_fail=True (None when missing);
    weasyprint/pdf/fonts.py Font.subset() calls _harfbuzz_subset (hb_subset_or_fail) when that
    library loaded and hb_version_atleast(4, 1, 0), else warns and calls _fonttools_subset.
    """
    from weasyprint.pdf import fonts
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    available = bool(harfbuzz_subset is not None and harfbuzz.hb_version_atleast(4, 1, 0))
    calls = {"_harfbuzz_subset": 0, "_fonttools_subset": 0}
    originals = {name: getattr(fonts.Font, name) for name in calls}

    def counting(name):
        def wrapper(self, *args, **kwargs):
            calls[name] += 1
            return originals[name](self, *args, **kwargs)

        return wrapper

    try:
        for name in calls:
            setattr(fonts.Font, name, counting(name))
        render_pdf("pdf/convention.html", ctx)
    finally:
        for name, original in originals.items():
            setattr(fonts.Font, name, original)
    return available, calls["_harfbuzz_subset"] > 0 and calls["_fonttools_subset"] == 0, calls


def main() -> int:
    import weasyprint

    typical = context(3, 4)  # three objectives with two indicators each, four planned sessions
    typical_pages = pages(render_pdf("pdf/convention.html", typical))
    if typical_pages != 3:
        raise SystemExit(f"the typical convention should have 3 pages, it has {typical_pages}")
    two, four = find(2), find(4)
    t3, c3 = median_ms(typical)
    (t2, c2), (t4, c4) = median_ms(two), median_ms(four)
    tracemalloc.start()
    render_pdf("pdf/convention.html", typical)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    available, used, calls = harfbuzz_subsetter_used(typical)
    ratio, cpu_ratio = t4 / t2, c4 / c2
    print(f"WeasyPrint {weasyprint.__version__}; libharfbuzz-subset loaded and HarfBuzz ≥ 4.1.0: {'yes' if available else 'no'}")
    print(
        f"HarfBuzz subsetter used: {'yes' if used else 'no (fontTools fallback)'} "
        f"(fonts subset by HarfBuzz: {calls['_harfbuzz_subset']}, by fontTools: {calls['_fonttools_subset']})"
    )
    print(
        f"typical convention: {pages(render_pdf('pdf/convention.html', typical))} pages, "
        f"{len(typical['objectifs'])} objectives, {len(typical['seances'])} sessions"
    )
    print(f"median of {RUNS} warm renders: {t3:.0f} ms wall clock, {c3:.0f} ms CPU (target ≤ {TARGET_MS} ms)")
    print(
        f"peak memory: {rss_mib:.0f} MiB max RSS of the process, {traced_peak / 2**20:.1f} MiB Python peak during one render (target ≤ {TARGET_MIB} MiB)"
    )
    print(
        f"2 pages ({len(two['objectifs'])} objective): {t2:.0f} ms wall / {c2:.0f} ms CPU; "
        f"4 pages ({len(four['objectifs'])} objectives): {t4:.0f} ms wall / {c4:.0f} ms CPU; "
        f"ratio 4/2 = {ratio:.2f} wall, {cpu_ratio:.2f} CPU (target ≤ {TARGET_RATIO})"
    )
    plain, tagged, plain_size, tagged_size = tagging_cost_ms(typical)
    print(
        f"tagging (PDF/UA-1): untagged {plain:.0f} ms CPU, tagged {tagged:.0f} ms CPU "
        f"({(tagged - plain) / plain:+.0%}); file {plain_size / 1024:.0f} KiB → {tagged_size / 1024:.0f} KiB"
    )
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (wall-clock figures grow with it)")
    # The verdict uses CPU time: on a shared machine the wall clock mostly measures the other processes.
    checks = {
        "median": c3 <= TARGET_MS,
        "memory": rss_mib <= TARGET_MIB,
        "ratio 4/2": cpu_ratio <= TARGET_RATIO,
    }
    missed = [name for name, passed in checks.items() if not passed]
    print("targets met (CPU time)" if not missed else f"TARGETS MISSED (CPU time): {', '.join(missed)}")
    ok = not missed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
