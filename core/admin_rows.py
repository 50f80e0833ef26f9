"""The rows of a big changelist, written by a plan made once per page (issue 14).

Django's `items_for_result` works out, for each of the 50 × 12 cells of a page, what the column is (a
field? an admin method? a link?), which class it gets, reverses the row's change URL and resolves it again
to add the preserved filters: half of a big list's CPU. Here that is decided once per column, the change
URL is built once with a placeholder for the key, and each row is one string. The HTML is Django's, cell
for cell (tests/admin/test_admin_rows.py compares both on every changelist using the mixin).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import (  # type: ignore[attr-defined]  # Django's own icon, as its rows
    ResultList,
    _boolean_icon,
    date_hierarchy,
    items_for_result,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.utils import (  # type: ignore[attr-defined]  # Django's own field lookup, as its rows
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

# The date format's specifiers that depend on the day only (Django's DateFormat less the time zone's I, U,
# c, r), and the time ones written here as Django writes them; any other makes the column Django's.
_DAY_SPECIFIERS = frozenset("bdDEFjlLmMnNoStwWyYz")
_TIME_SPECIFIERS = {"H": "{1.hour:02d}", "G": "{1.hour}", "i": "{1.minute:02d}", "s": "{1.second:02d}"}


class _DateCells:
    """Django's `display_for_field` text of a date (or date and time) column, for a page of rows.

    Django formats each cell by interpreting the locale's format, specifier by specifier (1.5 ms for a
    column of 50). Here the format is read once: its day part is written by Django once per day shown,
    the hours and minutes by a format string. tests/admin/test_admin_rows.py compares both, day by day.
    """

    def __init__(self, with_time: bool) -> None:
        self.with_time = with_time
        self.tz = timezone.get_current_timezone() if with_time and settings.USE_TZ else None
        self.day_specifiers: list[str] = []
        self.days: dict[datetime.date, list[str]] = {}
        pattern = str(formats.get_format("DATETIME_FORMAT" if with_time else "DATE_FORMAT"))
        template = ""
        for i, piece in enumerate(dateformat.re_formatchars.split(pattern)):
            if i % 2 == 0:
                text = dateformat.re_escaped.sub(r"\1", piece)
                template += text.replace("{", "{{").replace("}", "}}")
            elif piece in _DAY_SPECIFIERS:
                template += f"{{0[{len(self.day_specifiers)}]}}"
                self.day_specifiers.append(piece)
            elif with_time and piece in _TIME_SPECIFIERS:
                template += _TIME_SPECIFIERS[piece]
            else:  # a specifier of the time zone, or of time in a date: Django's own function writes it
                self.template: str | None = None
                return
        self.template = template

    def text(self, value: Any) -> str | None:
        """The cell's text, or None where Django's own function is to write it."""
        if self.template is None:
            return None
        if self.with_time:
            if type(value) is not datetime.datetime:
                return None
            if self.tz is not None and value.utcoffset() is not None:
                value = value.astimezone(self.tz)  # timezone.template_localtime
            day = value.date()
        elif type(value) is datetime.date:
            day = value
        else:
            return None
        pieces = self.days.get(day)
        if pieces is None:
            pieces = self.days[day] = [dateformat.DateFormat(day).format(s) for s in self.day_specifiers]
        return self.template.format(pieces, value)


# Stands for the row's key in the change URL computed once per page: letters and digits only, so that
# neither the admin's quoting nor the URL's escaping changes it.
_KEY = "0rowkey0"


class _Column:
    """What Django's `items_for_result` decides for one column, decided once."""

    def __init__(self, cl: Any, index: int, name: Any, link: bool, tag: str, empty: Any) -> None:
        self.name = name
        self.link = link
        self.tag = tag
        self.empty = empty
        self.field: Any = None
        self.method: Callable[[Any], Any] | None = None
        self.choices: dict[Any, Any] | None = None
        self.nowrap = False
        self.dates: _DateCells | None = None
        label = name if not callable(name) else (f"lambda{index}" if name.__name__ == "<lambda>" else name.__name__)
        self.classes = "action-checkbox" if name == "action_checkbox" else f"field-{label}"
        model_admin = cl.model_admin
        if isinstance(name, str):
            try:
                self.field = _get_non_gfk_field(cl.lookup_opts, name)
            except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
                self.field = None
        if self.field is not None:
            f = self.field
            self.nowrap = isinstance(f, (models.DateField, models.TimeField, models.ForeignKey))
            if f.auto_created:
                self.field = None  # shown as a plain value, as Django does
            elif getattr(f, "flatchoices", None):
                try:
                    self.choices = dict(f.flatchoices)
                except TypeError:  # unhashable choices: Django's own function deals with them
                    self.choices = None
            elif isinstance(f, models.DateField):  # a DateTimeField is one
                self.dates = _DateCells(with_time=isinstance(f, models.DateTimeField))
        elif callable(name):
            self.method = name
        elif hasattr(model_admin, name) and name != "__str__":
            self.method = getattr(model_admin, name)
        self.auto = self.field is None
        attr = self.method
        self.boolean = getattr(attr, "boolean", False)
        if attr is not None:
            self.empty = getattr(attr, "empty_value_display", empty)
        self.fk = self.field is not None and isinstance(self.field.remote_field, models.ManyToOneRel)
        # A yes/no column (a boolean field, or a method shown as one): three icons, made once per page.
        self.icons = (self.field is not None and self.choices is None and isinstance(self.field, models.BooleanField)) or (
            self.method is not None and self.boolean
        )
        self._icons: dict[Any, Any] = {}

    def icon(self, value: Any) -> Any:
        key = (type(value), value)  # True and 1 are one dict key, not one icon (its alt says which)
        icon = self._icons.get(key)
        if icon is None:
            icon = self._icons[key] = _boolean_icon(value)
        return icon

    def value(self, cl: Any, obj: Any) -> tuple[Any, Any, Any]:
        """(field, attr, value) as `lookup_field` gives them."""
        if self.method is not None:
            return None, self.method, self.method(obj)
        if self.field is not None:
            return self.field, None, getattr(obj, self.name)
        return lookup_field(self.name, obj, cl.model_admin)

    def html(self, cl: Any, obj: Any) -> tuple[str, Any]:
        """The cell's classes and its escaped content."""
        classes = self.classes
        empty = self.empty
        try:
            f, attr, value = self.value(cl, obj)
        except ObjectDoesNotExist:
            return classes, conditional_escape(empty)
        if self.method is None and self.field is None:
            # A model attribute or a path: its display options are read from it, row by row, as Django does.
            empty = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if self.icons and (self.method is not None or (f is not None and not f.auto_created)):
            return classes, self.icon(value)  # no date: no "nowrap"
        if f is None or f.auto_created:
            boolean = self.boolean if self.method is not None else getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = display_for_value(value, empty, boolean)
            if isinstance(value, (datetime.date, datetime.time)):
                classes += " nowrap"
        else:
            if self.fk:
                related = getattr(obj, f.name)
                shown = empty if related is None else related
            elif self.choices is not None and isinstance(value, (str, int)):
                shown = self.choices.get(value, empty)
            elif self.dates is not None and (text := self.dates.text(value)) is not None:
                shown = text
            else:
                shown = display_for_field(value, f, empty, avoid_link=self.link)
            if self.nowrap:
                classes += " nowrap"
        return classes, conditional_escape(shown)


class RowWriter:
    """The rows of `cl`'s page, as Django's `results()` yields them (one ResultList per row)."""

    def __init__(self, cl: Any) -> None:
        self.cl = cl
        empty = cl.model_admin.get_empty_value_display()
        self.columns: list[_Column] = []
        first = True
        for index, name in enumerate(cl.list_display):
            link = cl.list_display_links is not None and ((first and not cl.list_display_links) or name in cl.list_display_links)
            tag = "th" if link and first else "td"
            if link:
                first = False
            self.columns.append(_Column(cl, index, name, link, tag, empty))
        self.url = self._url_pattern()

    def _url_pattern(self) -> str | None:
        """The escaped change URL of a row, preserved filters included, with `_KEY` for the key."""
        cl = self.cl
        try:
            url = reverse(
                f"admin:{cl.opts.app_label}_{cl.opts.model_name}_change",
                args=(_KEY,),
                current_app=cl.model_admin.admin_site.name,
            )
        except NoReverseMatch:
            return None
        url = add_preserved_filters({"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url)
        return escape(url)

    def row(self, obj: Any) -> SafeString:
        parts = []
        for column in self.columns:
            classes, shown = column.html(self.cl, obj)
            if column.link and self.url is not None:
                # An integer key is its own quoted and escaped form.
                shown = f'<a href="{self.url.replace(_KEY, str(obj.pk), 1)}">{shown}</a>'
            parts.append(f'<{column.tag} class="{classes}">{shown}</{column.tag}>')
        # Every value went through conditional_escape, the URL through escape; classes and tags are names.
        return mark_safe("".join(parts))  # noqa: S308  # nosec B703 B308


def fast_results(cl: Any) -> Iterator[ResultList]:
    """Django's `results(cl)` for a plain list page; Django's own code for the rest (editable lists, popups,
    a `to_field`, a key that is not an integer), whose rows carry more than their cells."""
    plain = (
        not cl.formset
        and not cl.is_popup
        and not cl.to_field
        and isinstance(cl.lookup_opts.pk, (models.AutoField, models.BigAutoField, models.SmallAutoField))
    )
    if not plain:
        for obj in cl.result_list:
            yield ResultList(None, items_for_result(cl, obj, None))
        return
    writer = RowWriter(cl)
    for obj in cl.result_list:
        yield ResultList(None, [writer.row(obj)])


class KeysFirstPaginator(Paginator):
    """A page's rows chosen by their keys first, then read with their relations for those keys only.

    Sorted on a column without an index (the accompagnements' creation date), PostgreSQL joins every row
    of the list to its programme, beneficiary, structure and format, then keeps 50: 8 ms at 3 000 rows,
    growing with the history. Here the 50 keys are sorted out of the table alone, and the joins (and the
    per-row subqueries) are made for them. Same rows, same order, same number of queries.
    """

    # The admin's `page_rows` (FastRowsMixin.get_paginator): what the page's rows are read with.
    rows: Callable[[Any], Any] | None = None

    def page(self, number: Any) -> Any:
        page = super().page(number)
        rows = page.object_list
        if isinstance(rows, models.QuerySet) and rows.query.is_sliced and not rows.query.distinct:
            rows = self.object_list.filter(pk__in=rows.values("pk"))  # type: ignore[attr-defined]  # a QuerySet: the admin's
            page.object_list = rows if self.rows is None else self.rows(rows)
        return page


class CaseActionMixin:
    """The big lists' selection box, written directly (issue 14): Django renders it through the form
    widget's templates, an eighth of a 50-row page's CPU. The same HTML as Django's."""

    # Its header (the box that selects the whole page) is written by Django from the column's name.
    def action_checkbox(self, obj: Any) -> str:
        # Django's own sentence, translated by its catalogue; what format_html would give, in one string
        # (two format_html per row were a tenth of the rows' CPU).
        label = gettext("Select this object for an action - {}").format(escape(str(obj)))
        return mark_safe(  # noqa: S308  # nosec B703 B308 # the row's name and key are escaped here
            f'<input type="checkbox" name="{ACTION_CHECKBOX_NAME}" value="{escape(obj.pk)}" class="action-select" aria-label="{label}">'
        )


class FastRowsMixin:
    """A big changelist whose rows are written by `RowWriter` (Django's HTML, a fraction of its CPU), its
    page chosen by `KeysFirstPaginator`, its date hierarchy's years found by `_YearsByIndex`."""

    change_list_template = "admin/change_list_rows.html"
    paginator = KeysFirstPaginator

    def page_rows(self, queryset: Any) -> Any:
        """The page's rows as read for display only (not for actions nor forms): a list can read only
        the columns its cells, names and links show (`only`), so that 50 rows do not build and parse
        every field of every related row. tests/admin/test_admin_rows.py checks that no cell then
        reads a field left out (no query while the rows are written)."""
        return queryset

    def get_paginator(
        self, request: Any, queryset: Any, per_page: int, orphans: int = 0, allow_empty_first_page: bool = True
    ) -> Any:
        paginator = super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)  # type: ignore[misc]  # a ModelAdmin's
        if isinstance(paginator, KeysFirstPaginator) and not self.list_editable:  # type: ignore[attr-defined]  # an editable list's forms read every field
            paginator.rows = self.page_rows
        return paginator


class _YearsByIndex:
    """`cl.queryset` for Django's date hierarchy, whose list of years is asked year by year.

    At its first level Django lists the years that have rows with SELECT DISTINCT DATE_TRUNC('year', …)
    over every row of the list (30 000 sessions: the page's dearest query, growing with the history).
    The years lie between the first and last dates, which Django has just read (kept here): one query
    asks, for each of them, whether a row exists in it, through the field's index. Same years, same order.
    """

    def __init__(self, queryset: Any) -> None:
        self._queryset = queryset
        self._range: dict[str, Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._queryset, name)

    def aggregate(self, *args: Any, **kwargs: Any) -> Any:
        self._range = self._queryset.aggregate(*args, **kwargs)
        return self._range

    def _years(self, plain: Callable[..., Any], field_name: str, kind: str, *args: Any, **kwargs: Any) -> Any:
        bounds = self._range
        if kind != "year" or not bounds or bounds.get("first") is None or bounds.get("last") is None:
            return plain(field_name, kind, *args, **kwargs)
        first, last = bounds["first"], bounds["last"]
        if isinstance(first, datetime.datetime) and timezone.is_aware(first):
            first, last = timezone.localtime(first), timezone.localtime(last)
        years = range(first.year, last.year + 1)
        queryset = self._queryset.order_by()
        found = queryset.annotate(
            **{f"y{year}": models.Exists(queryset.filter(**{f"{field_name}__year": year})) for year in years}
        ).values(*(f"y{year}" for year in years))[:1]
        row: dict[str, Any] = next(iter(found), {})
        return [datetime.date(year, 1, 1) for year in years if row.get(f"y{year}")]

    def dates(self, field_name: str, kind: str, *args: Any, **kwargs: Any) -> Any:
        return self._years(self._queryset.dates, field_name, kind, *args, **kwargs)

    def datetimes(self, field_name: str, kind: str, *args: Any, **kwargs: Any) -> Any:
        return self._years(self._queryset.datetimes, field_name, kind, *args, **kwargs)


def date_hierarchy_rows(cl: Any) -> Any:
    """Django's `date_hierarchy(cl)`, its years found by `_YearsByIndex`."""
    queryset = cl.queryset
    cl.queryset = _YearsByIndex(queryset)
    try:
        return date_hierarchy(cl)
    finally:
        cl.queryset = queryset
