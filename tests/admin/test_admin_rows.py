"""The big changelists' rows (core/admin_rows.py) are Django's, cell for cell; the site's context is
Django's, its app list built only when a template reads it (core/admin_site.py). Issue 14."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.templatetags.admin_list import date_hierarchy, results
from django.contrib.admin.utils import display_for_field
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from accompagnements.models import Accompagnement, CompteRendu, EtatSeance
from budget.models import Engagement, Paiement
from candidatures.models import Candidature
from core.admin_rows import FastRowsMixin, date_hierarchy_rows, fast_results
from core.admin_site import TsfAdminSite
from relances.models import EtatRelance, Relance, TypeRelance
from tests.factories import AccompagnementFactory, CandidatureFactory, PersonneRessourceFactory, SeanceFactory

FAST = sorted(
    (model._meta.label for model, model_admin in admin.site._registry.items() if isinstance(model_admin, FastRowsMixin)),
)


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(email="lignes@exemple.test", password="mot-de-passe-42"))
    return client


@pytest.fixture
def rows():
    """Rows whose cells take every path: choices, booleans true and false, dates, a missing relation,
    several mentors, an empty text, an annotated figure."""
    first = AccompagnementFactory(mentors=[PersonneRessourceFactory(), PersonneRessourceFactory()])
    second = AccompagnementFactory(etat="termine", termine_le=timezone.now())
    held = SeanceFactory(accompagnement=first, etat=EtatSeance.REALISEE, comptee=True, lieu="")
    CompteRendu.objects.create(seance=held, redige_par=first.beneficiaire, soumis_le=timezone.now())
    upcoming = SeanceFactory(accompagnement=second, debut=timezone.now() + datetime.timedelta(days=3))
    CompteRendu.objects.create(seance=upcoming, redige_par=second.beneficiaire)  # not handed in: no date
    SeanceFactory(accompagnement=second, etat=EtatSeance.ANNULEE, comptee=False)
    CandidatureFactory()  # a draft: no reference, no submission date, no format retained
    _relance(first, timezone.now(), etat=EtatRelance.ENVOYEE, envoyee_le=timezone.now(), tentatives=1)
    _relance(second, timezone.now() + datetime.timedelta(days=1))
    for accompagnement, depassement in ((first, False), (second, True)):
        _lignes(accompagnement, timezone.now(), depassement=depassement)
    return first, second


def _lignes(accompagnement, quand, *, depassement):
    """An engagement and a payment of the accompagnement (the second one's payment marked as allowed over the limit)."""
    by = accompagnement.beneficiaire
    Engagement.objects.create(
        programme=accompagnement.programme,
        accompagnement=accompagnement,
        montant=Decimal("1200.50"),
        libelle=f"Convention {accompagnement.reference}",
        created_by=by,
    )
    return Paiement.objects.create(
        accompagnement=accompagnement,
        structure=accompagnement.structure_beneficiaire,
        date_paiement=timezone.localdate(quand),
        montant=Decimal("500.00"),
        reference_facture=f"FAC-{accompagnement.reference}",
        depassement_autorise=depassement,
        created_by=by,
    )


def _relance(accompagnement, echeance, **fields):
    return Relance.objects.create(
        programme=accompagnement.programme,
        type_relance=TypeRelance.SEANCE_48H,
        destinataire=accompagnement.beneficiaire,
        content_type=ContentType.objects.get_for_model(accompagnement),
        object_id=accompagnement.pk,
        echeance=echeance,
        **fields,
    )


# What each list using the row writer is searched by (its rows' references), and how one of its rows is
# moved to a later date of its date hierarchy: a list added to FAST needs both.
SEARCH = {
    "accompagnements.Accompagnement": "ACC-TEST",
    "accompagnements.Seance": "ACC-TEST",
    "candidatures.Candidature": "TSF-TEST",
    "accompagnements.CompteRendu": "ACC-TEST",
    "relances.Relance": "exemple.test",
    "budget.Engagement": "ACC-TEST",
    "budget.Paiement": "ACC-TEST",
}
MOVE_LATER = {
    "accompagnements.Accompagnement": lambda row, later: Accompagnement.objects.filter(pk=row.pk).update(created_at=later),
    "accompagnements.Seance": lambda row, later: SeanceFactory(accompagnement=row, debut=later),
    "candidatures.Candidature": lambda row, later: Candidature.objects.filter(pk=row.candidature_id).update(soumise_le=later),
    "accompagnements.CompteRendu": lambda row, later: CompteRendu.objects.create(
        seance=SeanceFactory(accompagnement=row), redige_par=row.beneficiaire, soumis_le=later
    ),
    "relances.Relance": lambda row, later: _relance(row, later, rang=2),
    "budget.Engagement": lambda row, later: Engagement.objects.filter(accompagnement=row).update(created_at=later),
    "budget.Paiement": lambda row, later: Paiement.objects.filter(accompagnement=row).update(date_paiement=later.date()),
}


def _changelist(client, label, query=""):
    model = next(m for m in admin.site._registry if m._meta.label == label)
    response = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist") + query)
    assert response.status_code == 200
    return response


def test_the_big_lists_use_the_row_writer():
    assert {
        "accompagnements.Accompagnement",
        "accompagnements.Seance",
        "accompagnements.CompteRendu",
        "candidatures.Candidature",
        "relances.Relance",
        "budget.Engagement",
        "budget.Paiement",
    } <= set(FAST)
    assert set(FAST) <= set(SEARCH) & set(MOVE_LATER)  # each of them compared below


@pytest.mark.django_db
@pytest.mark.parametrize("label", FAST)
@pytest.mark.parametrize("query", ["", "?o=-2", "?q={search}&o=3"])
def test_rows_are_djangos_cell_for_cell(admin_client, rows, label, query):
    response = _changelist(admin_client, label, query.format(search=SEARCH[label]))
    cl = response.context["cl"]
    assert len(cl.result_list) >= 2
    django_rows = ["".join(str(cell) for cell in row) for row in results(cl)]
    ours = ["".join(str(cell) for cell in row) for row in fast_results(cl)]
    assert ours == django_rows
    for row in ours:  # and the page shows them
        assert row in response.content.decode()
    if query:  # the filters are kept in the change links, as Django does
        assert "_changelist_filters=" in ours[0]


@pytest.mark.django_db
@pytest.mark.parametrize("label", FAST)
@pytest.mark.parametrize("query", ["?p=1", "?p=2"])
def test_rows_read_no_field_left_out(admin_client, rows, label, query, monkeypatch):
    """A list whose pages read only its columns (`page_rows`) writes its rows, names and links without a query:
    no field a cell, a row's name or a related row's name shows was left out."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label == label)
    monkeypatch.setattr(model_admin, "list_per_page", 1)  # a page of a longer list: the rows read by `page_rows`
    cl = _changelist(admin_client, label, query).context["cl"]
    assert cl.multi_page
    cl.result_list = cl.result_list.all()  # read again: the page's rendering loaded what it lacked
    page = list(cl.result_list)
    if type(model_admin).page_rows is not FastRowsMixin.page_rows:
        assert page[0].get_deferred_fields()  # the fields the list does not show are indeed left out
    with CaptureQueriesContext(connection) as queries:
        written = [list(row) for row in fast_results(cl)] + [[str(row)] for row in page]
        written += [[cl.model_admin.action_checkbox(row)] for row in page]
    assert written and [q["sql"] for q in queries.captured_queries] == []


@pytest.mark.django_db
@pytest.mark.parametrize("label", FAST)
def test_date_hierarchy_lists_djangos_years(admin_client, rows, label):
    """Rows three years apart, none in the year before the last: the years found by index are Django's,
    the empty year left out."""
    first, second = rows
    later = timezone.now() + datetime.timedelta(days=3 * 366)
    MOVE_LATER[label](second, later)
    cl = _changelist(admin_client, label).context["cl"]
    ours = date_hierarchy_rows(cl)
    titles = [choice["title"] for choice in ours["choices"]]
    last = timezone.localtime(later).year
    assert titles[0] == str(timezone.localtime().year) and titles[-1] == str(last)
    assert str(last - 1) not in titles
    assert ours == date_hierarchy(cl)
    year = _changelist(admin_client, label, f"?{cl.date_hierarchy}__year={timezone.localtime(later).year}").context["cl"]
    assert date_hierarchy_rows(year) == date_hierarchy(year)  # below the years, Django's own queries


@pytest.mark.django_db
@pytest.mark.parametrize("label", FAST)
@pytest.mark.parametrize("query", ["?p=2", "?o=-2&p=1", "?o=4.-3&p=2"])
def test_a_page_is_djangos_page(admin_client, rows, label, query, monkeypatch):
    """The page's rows chosen by key first (KeysFirstPaginator) are the rows of Django's slice, in its order."""
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.label == label)
    monkeypatch.setattr(model_admin, "list_per_page", 1)
    cl = _changelist(admin_client, label, query).context["cl"]
    assert cl.multi_page
    page = int(query.rsplit("p=", 1)[1])
    shown = [obj.pk for obj in cl.result_list]
    assert shown == [obj.pk for obj in cl.queryset[page - 1 : page]]
    assert "IN (SELECT" in str(cl.result_list.query)


@pytest.mark.django_db
def test_site_context_is_djangos_with_a_lazy_app_list(django_user_model):
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser(email="site@exemple.test", password="mot-de-passe-42")
    site = admin.site
    assert isinstance(site, TsfAdminSite)
    ours = site.each_context(request)
    djangos = AdminSite.each_context(site, request)
    assert set(ours) == set(djangos)
    assert {k: v for k, v in ours.items() if k not in ("available_apps", "log_entries")} == {
        k: v for k, v in djangos.items() if k not in ("available_apps", "log_entries")
    }
    assert list(ours["available_apps"]) == djangos["available_apps"]


@pytest.mark.django_db
@pytest.mark.parametrize("model", [Accompagnement, Candidature])
def test_selection_box_is_djangos(rows, model):
    """CaseActionMixin writes the box in one string: what its two format_html wrote, a name with markup escaped,
    and what Django's own column writes."""
    obj = rows[0] if model is Accompagnement else rows[0].candidature
    obj.reference = "<b>A&B</b> \"{0}\" 'x'"
    label = format_html(gettext("Select this object for an action - {}"), str(obj))
    expected = format_html(
        '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
        ACTION_CHECKBOX_NAME,
        obj.pk,
        label,
    )
    model_admin = admin.site._registry[model]
    assert model_admin.action_checkbox(obj) == expected
    assert model_admin.action_checkbox(obj) == admin.ModelAdmin.action_checkbox(model_admin, obj)


def _days_and_times():
    """Every day of a leap year and its neighbours' turns, at hours that cross both daylight saving changes,
    aware (UTC and another zone) and naive."""
    paris = datetime.timezone(datetime.timedelta(hours=5, minutes=30))
    start = datetime.datetime(2023, 12, 25, tzinfo=datetime.UTC)
    for n in range(0, 24 * 400, 7):
        moment = start + datetime.timedelta(hours=n, minutes=n % 60, seconds=n % 59)
        yield moment
        yield moment.astimezone(paris)
    yield datetime.datetime(2024, 3, 31, 1, 59)  # naive: shown as it is
    yield datetime.datetime(1, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=2)


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize(
    "formats_",
    [
        None,  # the locale's own
        {"DATE_FORMAT": r"l jS \d\e F Y {0} N b E D L o W w z t y m n d M", "DATETIME_FORMAT": r"\{j\} {F} Y, G\h i:s H"},
        {"DATE_FORMAT": "j F Y", "DATETIME_FORMAT": "j F Y P e O"},  # the time zone's and the 12-hour clock: Django's
        {"DATE_FORMAT": "j F Y", "DATETIME_FORMAT": "c"},
    ],
)
def test_date_cells_are_djangos_display(language, formats_, monkeypatch):
    """A page's date formatter (core.admin_rows._DateCells) writes what Django's `display_for_field` writes,
    for every day, in each locale, in the locale's format and in formats using every specifier."""
    from django.db import models
    from django.utils import formats, translation

    from core.admin_rows import _DateCells

    if formats_ is not None:
        django_get_format = formats.get_format
        monkeypatch.setattr(
            formats, "get_format", lambda name, *a, **k: formats_[name] if name in formats_ else django_get_format(name, *a, **k)
        )
    with translation.override(language), timezone.override("Europe/Paris"):
        date_field, datetime_field = models.DateField(), models.DateTimeField()
        dates, datetimes = _DateCells(with_time=False), _DateCells(with_time=True)
        written = 0
        for moment in _days_and_times():
            for cells, field, value in ((datetimes, datetime_field, moment), (dates, date_field, moment.date())):
                expected = display_for_field(value, field, "-")
                text = cells.text(value)
                assert text in (None, expected)
                written += text is not None
        assert written
        # Formats with the time zone's specifiers or a 12-hour clock (English's "P") are left to Django.
        pattern = formats.get_format("DATETIME_FORMAT")
        assert (datetimes.template is None) == any(s in pattern for s in "PeOc")
        assert datetimes.template is not None or language == "en" or formats_ is not None  # the site's: written here
        assert (dates.text(None), datetimes.text(None)) == (None, None)  # empty: Django's own
