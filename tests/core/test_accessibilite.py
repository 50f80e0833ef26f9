"""The accessibility statement publishes the rate of the RGAA 4.1 self-audit grid, computed from it."""

import csv
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.conf import settings
from django.urls import reverse

# RGAA 4.1: criteria per theme (images, cadres, couleurs, multimédia, tableaux, liens, scripts,
# éléments obligatoires, structuration, présentation, formulaires, navigation, consultation).
CRITERIA_PER_THEME = {1: 9, 2: 2, 3: 3, 4: 13, 5: 8, 6: 2, 7: 5, 8: 10, 9: 4, 10: 14, 11: 13, 12: 11, 13: 12}


def grid_rows(path):
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def expected_average(path) -> str:
    """RGAA method, written out here independently: C / (C + NC) per page, averaged, one decimal, French comma."""
    header, rows = grid_rows(path)
    rates = []
    for column in range(3, len(header) - 1):
        statuses = Counter(row[column] for row in rows)
        if statuses["C"] + statuses["NC"]:
            rates.append(Decimal(100 * statuses["C"]) / (statuses["C"] + statuses["NC"]))
    average = (sum(rates) / len(rates)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return str(average).replace(".", ",")


def test_the_grid_covers_the_106_criteria_on_every_sampled_page_with_how_each_was_checked():
    header, rows = grid_rows(settings.TSF_RGAA_GRID)
    pages = header[3:-1]
    assert len(pages) >= 9
    for kind in ("Accueil", "Connexion", "Questionnaire", "coordination", "bénéficiaire", "personne-ressource", "comité"):
        assert any(kind in page for page in pages), kind
    assert any("Liste" in p for p in pages) and any("Détail" in p for p in pages) and any("erreur" in p for p in pages)
    assert any("Administration" in p for p in pages) and any("PDF" in p for p in pages)
    numbers = [row[0] for row in rows]
    assert len(numbers) == len(set(numbers)) == 106
    assert Counter(int(n.split(".")[0]) for n in numbers) == CRITERIA_PER_THEME
    for row in rows:
        assert set(row[3:-1]) <= {"C", "NC", "NA"}, row[0]
        assert len(row[-1]) >= 10, f"critère {row[0]} : comment il a été vérifié ?"


@pytest.mark.django_db
def test_the_statement_shows_the_rate_computed_from_the_grid(client):
    page = client.get(reverse("core:accessibilite"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<strong id="taux-rgaa">{expected_average(settings.TSF_RGAA_GRID)} %</strong>' in html
    assert "partiellement conforme" in html and "auto-évaluation" in html


@pytest.mark.django_db
def test_a_criterion_found_failing_in_the_grid_lowers_the_published_rate(client, settings, tmp_path):
    header, rows = grid_rows(settings.TSF_RGAA_GRID)
    before = expected_average(settings.TSF_RGAA_GRID)
    row = next(r for r in rows if r[0] == "8.5")
    row[3] = "NC"  # the home page found without a title
    edited = tmp_path / "grille.csv"
    with open(edited, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    settings.TSF_RGAA_GRID = edited
    after = expected_average(edited)
    assert after != before
    html = client.get(reverse("core:accessibilite")).content.decode()
    assert f'<strong id="taux-rgaa">{after} %</strong>' in html and "8.5" in html
