"""The RGAA 4.1 self-audit grid (docs/accessibilite/grille-rgaa.csv) and the rates the accessibility
statement publishes, computed from it so that the two cannot drift apart.

The grid has one row per RGAA criterion (106) and one column per audited page with its status:
C (conforme), NC (non conforme) or NA (non applicable). RGAA method:
- a page's rate is C / (C + NC) over its applicable criteria; the average rate is their mean;
- the overall rate counts a criterion conforme when no page fails it (and some page applies it),
  non conforme when one page fails it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from django.conf import settings

STATUSES = ("C", "NC", "NA")
FIRST_PAGE_COLUMN = 3  # Critère, Thématique, Intitulé, then one column per page, then the notes
CRITERIA = 106


class GridError(ValueError):
    pass


@dataclass(frozen=True)
class PageRate:
    page: str
    conformes: int
    non_conformes: int
    non_applicables: int

    @property
    def rate(self) -> Decimal | None:
        applicable = self.conformes + self.non_conformes
        return None if applicable == 0 else Decimal(100 * self.conformes) / applicable


@dataclass(frozen=True)
class Audit:
    pages: list[PageRate]
    criteria: int
    conformes: int  # overall: criteria no page fails
    non_conformes: int  # overall: criteria some page fails
    non_conformes_list: list[str]

    @property
    def average_rate(self) -> Decimal:
        rates = [p.rate for p in self.pages if p.rate is not None]
        return _percent(sum(rates, Decimal(0)) / len(rates)) if rates else Decimal(0)

    @property
    def overall_rate(self) -> Decimal:
        applicable = self.conformes + self.non_conformes
        return _percent(Decimal(100 * self.conformes) / applicable) if applicable else Decimal(0)

    @property
    def mention(self) -> str:
        """RGAA: totalement conforme at 100 %, partiellement from 50 %, non conforme below."""
        rate = self.average_rate
        return "totale" if rate == 100 else "partielle" if rate >= 50 else "non"


def _percent(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def grid_path() -> Path:
    return Path(settings.TSF_RGAA_GRID)


def read_audit(path: Path | None = None) -> Audit:
    """The audit of the grid; a GridError names the row of a missing criterion or an unknown status."""
    with open(path or grid_path(), newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], [row for row in rows[1:] if row]
    pages = header[FIRST_PAGE_COLUMN:-1]
    if len(body) != CRITERIA:
        raise GridError(f"la grille compte {len(body)} critères au lieu de {CRITERIA}")
    counts = {page: dict.fromkeys(STATUSES, 0) for page in pages}
    conformes = non_conformes = 0
    failed: list[str] = []
    for row in body:
        statuses = row[FIRST_PAGE_COLUMN : FIRST_PAGE_COLUMN + len(pages)]
        for page, status in zip(pages, statuses, strict=True):
            if status not in STATUSES:
                raise GridError(f"critère {row[0]}, page « {page} » : statut « {status} » (attendu C, NC ou NA)")
            counts[page][status] += 1
        if "NC" in statuses:
            non_conformes += 1
            failed.append(row[0])
        elif "C" in statuses:
            conformes += 1
    return Audit(
        pages=[PageRate(page, c["C"], c["NC"], c["NA"]) for page, c in counts.items()],
        criteria=len(body),
        conformes=conformes,
        non_conformes=non_conformes,
        non_conformes_list=failed,
    )
