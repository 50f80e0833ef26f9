"""Rows' links written from one reverse (core/liens.py) are the links `reverse` gives."""

import pytest
from django.urls import NoReverseMatch, reverse

from core.liens import lien_par_pk


@pytest.mark.parametrize(
    "route", ["accompagnements:seance_detail", "annuaire:appariement_candidature", "annuaire:proposition_modifier"]
)
def test_the_same_link_as_reverse(route):
    lien = lien_par_pk(route)
    for pk in (1, 7, 42, 1234567, 98765432109):
        assert lien(pk) == reverse(route, args=[pk])


def test_a_route_without_a_key_is_refused():
    with pytest.raises(NoReverseMatch):
        lien_par_pk("accompagnements:agenda")
