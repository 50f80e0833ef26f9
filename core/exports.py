"""Spreadsheet exports (CSV and XLSX) that never carry a live formula.

Names, notes and labels typed by applicants, mentors or the coordination end up in workbooks opened
by the coordination and the comité. A cell starting with `=`, `+`, `-` or `@` (or a tab or carriage
return, which some spreadsheets strip before parsing) is run as a formula: `=HYPERLINK(…&A1…)` leaks
the neighbouring cells on a click. OWASP's advice, applied to every text cell of every export: prefix
such a value with an apostrophe so that it is shown as text. Numbers, dates and booleans stay what
they are; a text that is only a number ("-12", "3,5") is left as is, as it runs nothing.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any, Protocol, TypeVar

# ASCII triggers and their full-width forms (U+FF1D ＝, U+FF0B ＋, U+FF0D －, U+FF20 ＠), which some
# spreadsheets normalise before parsing.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*$")

T = TypeVar("T")


def neutralise_formula(value: T) -> T | str:
    """`value` unchanged unless it is a text a spreadsheet would run as a formula: then `'` + value."""
    if not isinstance(value, str) or not value.startswith(FORMULA_TRIGGERS):
        return value
    if _PLAIN_NUMBER.match(value):
        return value
    return "'" + value


def neutralise_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise_formula(value) for value in values]


class _Writer(Protocol):
    def write(self, text: str, /) -> Any: ...


class SafeCsvWriter:
    """`csv.writer` whose every row goes through `neutralise_row`."""

    def __init__(self, target: _Writer, **options: Any) -> None:
        self._writer = csv.writer(target, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(neutralise_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def neutralise_workbook(workbook: Any) -> int:
    """Rewrite, in every sheet of an openpyxl workbook, each cell openpyxl would store as a formula
    (it reads any text starting with "=" as one) or that a spreadsheet would run. Returns how many."""
    changed = 0
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                value = cell.value
                if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
                    safe = neutralise_formula(value)
                    if safe != value:
                        # No longer starting with "=", the text is stored as a string, not a formula.
                        cell.value = safe
                        changed += 1
    return changed


def workbook_bytes(workbook: Any) -> bytes:
    """The .xlsx file of `workbook`, every text cell neutralised first: the only way exports save a workbook."""
    neutralise_workbook(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
