"""Lost updates: two coordinators filling the same form at once. The second to save is told, keeps
what they typed, and the first one's change stays in the database; saving again then replaces it
knowingly (core.concurrency).

Each test: both load the form, the first saves (302), the second saves (200, the conflict message,
their text still in the page, nothing written), then saves again from that page (302).
"""

from __future__ import annotations

import datetime
import html
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accompagnements.models import Objectif, Seance
from annuaire import services as annuaire_services
from candidatures.models import EntretienDiagnostic
from comite import services as comite_services
from comite.models import ReunionComite
from core.concurrency import CONFLICT_MESSAGE, EditConflict, lock_unchanged, version_of
from programmes.models import Programme
from relances.models import TypeRelance
from tests.candidatures import coordination_helpers
from tests.candidatures.coordination_helpers import planifiee
from tests.factories import ProgrammeFactory, UserFactory
from tests.relances.conftest import build_dossier

pytestmark = pytest.mark.django_db

CONFLICT = "a été modifié par quelqu’un d’autre pendant que vous le remplissiez"


def version_in(page: str, prefix: str = "") -> str:
    match = re.search(rf'name="{re.escape(prefix)}version" value="([^"]*)"', page)
    assert match, "the form carries no version"
    return match.group(1)


@pytest.fixture
def deux(coordinateur):
    """Two coordinators, each in their own browser."""
    first, second = Client(), Client()
    first.force_login(coordinateur)
    second.force_login(UserFactory(email="coordination-2@exemple.test", roles=["coordination"]))
    return first, second


def race(
    pair, url: str, first_data: dict, second_data: dict, *, typed: str, kept, page_url: str | None = None, prefix: str = ""
) -> str:
    """`pair`: two logged-in clients. Both load the form (`page_url`, or `url` itself); the first saves
    to `url`, then the second.
    `kept()` checks that the first's change is what the database holds after the conflict."""
    first, second = pair
    page_first, page_second = first.get(page_url or url).content.decode(), second.get(page_url or url).content.decode()
    version = version_in(page_first, prefix)
    assert version and version_in(page_second, prefix) == version
    response = first.post(url, {**first_data, f"{prefix}version": version})
    assert response.status_code == 302, response.content.decode()[:2000]

    response = second.post(url, {**second_data, f"{prefix}version": version})
    page = response.content.decode()
    assert response.status_code == 200
    assert CONFLICT in page
    assert html.escape(typed) in page or typed in page  # what they typed is still in the form (escaped or markup)
    current = version_in(page, prefix)
    assert current != version
    kept()

    # Having looked, the second saves again from that page: now it goes through.
    again = second.post(url, {**second_data, f"{prefix}version": current})
    assert again.status_code == 302, again.content.decode()[:2000]
    return page


def test_the_service_refuses_a_stale_version_and_accepts_the_current_one(programme, coordinateur):
    reunion = comite_services.reunion_comite_save(programme=programme, by=coordinateur, date=timezone.now())
    stale = version_of(reunion)
    comite_services.reunion_comite_save(programme=programme, by=coordinateur, date=timezone.now(), reunion=reunion, lieu="A")
    with pytest.raises(EditConflict) as refused:
        comite_services.reunion_comite_save(
            programme=programme, by=coordinateur, date=timezone.now(), reunion=reunion, lieu="B", version=stale
        )
    assert refused.value.message == str(CONFLICT_MESSAGE)
    assert ReunionComite.objects.get().lieu == "A"
    current = version_of(ReunionComite.objects.get())
    assert refused.value.current_version == current
    assert lock_unchanged(ReunionComite.objects, pk=reunion.pk, version=current).pk == reunion.pk
    assert lock_unchanged(ReunionComite.objects, pk=reunion.pk, version=None).pk == reunion.pk  # no version, no check


# --- Comité -----------------------------------------------------------------------------------


def _reunion(programme, coordinateur) -> ReunionComite:
    return comite_services.reunion_comite_save(
        programme=programme, by=coordinateur, date=timezone.now() + datetime.timedelta(days=20), ordre_du_jour="1. Calendrier"
    )


def test_meeting_form(deux, programme, coordinateur):
    reunion = _reunion(programme, coordinateur)
    date = (timezone.localtime() + datetime.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")
    race(
        deux,
        reverse("comite:reunion_update", args=[reunion.pk]),
        {"date": date, "lieu": "Montpellier", "ordre_du_jour": "1. Calendrier 2. Budget"},
        {"date": date, "lieu": "Toulouse", "ordre_du_jour": "1. Calendrier 3. Bilan des mentors"},
        typed="3. Bilan des mentors",
        kept=lambda: _assert(ReunionComite.objects.get(pk=reunion.pk).lieu == "Montpellier"),
    )
    assert ReunionComite.objects.get(pk=reunion.pk).lieu == "Toulouse"  # the knowing re-save


def test_meeting_form_conflict_writes_nothing(deux, programme, coordinateur):
    reunion = _reunion(programme, coordinateur)
    first, second = deux
    url = reverse("comite:reunion_update", args=[reunion.pk])
    version = version_in(first.get(url).content.decode())
    second.get(url)
    date = (timezone.localtime() + datetime.timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")
    assert first.post(url, {"date": date, "lieu": "Montpellier", "version": version}).status_code == 302
    response = second.post(url, {"date": date, "lieu": "Toulouse", "ordre_du_jour": "Mon texte", "version": version})
    assert response.status_code == 200 and CONFLICT in response.content.decode() and "Mon texte" in response.content.decode()
    reunion.refresh_from_db()
    assert reunion.lieu == "Montpellier" and reunion.ordre_du_jour == ""


def test_meeting_minutes_form(deux, programme, coordinateur):
    reunion = _reunion(programme, coordinateur)
    race(
        deux,
        reverse("comite:reunion_minutes", args=[reunion.pk]),
        {"compte_rendu": "Dossiers validés."},
        {"compte_rendu": "Deux dossiers reportés."},
        typed="Deux dossiers reportés.",
        page_url=reverse("comite:reunion_detail", args=[reunion.pk]),
        kept=lambda: _assert(ReunionComite.objects.get().compte_rendu == "Dossiers validés."),
    )
    assert ReunionComite.objects.get().compte_rendu == "Deux dossiers reportés."


def _assert(condition: bool) -> None:
    assert condition, "the first coordinator's change was lost"


# --- Candidatures: the diagnostic interview --------------------------------------------------------


def _record_data(programme, competence, notes: str, demi_journees: int = 3) -> dict:
    data = {
        "besoins-TOTAL_FORMS": 5,
        "besoins-INITIAL_FORMS": 0,
        "besoins-MIN_NUM_FORMS": 5,
        "besoins-MAX_NUM_FORMS": 20,
        "nouvelles-TOTAL_FORMS": 2,
        "nouvelles-INITIAL_FORMS": 0,
        "nouvelles-MIN_NUM_FORMS": 2,
        "nouvelles-MAX_NUM_FORMS": 10,
        "besoins-0-competence": competence.pk,
        "besoins-0-priorite": 3,
        "format_recommande": ProgrammeFactory.tsf(programme).pk,
        "demi_journees": demi_journees,
        "notes": notes,
    }
    for i in range(1, 5):
        data[f"besoins-{i}-priorite"] = 2
    for i in range(2):
        data[f"nouvelles-{i}-priorite"] = 2
    return data


def test_diagnostic_record_form(deux, programme, coordinateur):
    candidature = planifiee(programme, coordinateur)
    competence = coordination_helpers.competence()
    race(
        deux,
        reverse("candidatures:coordination_diagnostic_record", args=[candidature.pk]),
        _record_data(programme, competence, "Besoin de structurer le mécénat"),
        _record_data(programme, competence, "Priorité au budget prévisionnel", demi_journees=2),
        typed="Priorité au budget prévisionnel",
        kept=lambda: _assert(EntretienDiagnostic.objects.get().notes == "Besoin de structurer le mécénat"),
    )
    assert EntretienDiagnostic.objects.get().notes == "Priorité au budget prévisionnel"


def test_diagnostic_plan_form_when_moving_the_interview(deux, programme, coordinateur):
    candidature = planifiee(programme, coordinateur)
    debut = (timezone.localtime() + datetime.timedelta(days=9)).replace(hour=10, minute=0).strftime("%Y-%m-%dT%H:%M")
    common = {"debut": debut, "duree_minutes": 60, "modalite": "presentiel"}
    race(
        deux,
        reverse("candidatures:coordination_diagnostic_plan", args=[candidature.pk]),
        {**common, "lieu": "Salle 2"},
        {**common, "lieu": "Salle des fêtes de Ramonville"},
        typed="Salle des fêtes de Ramonville",
        kept=lambda: _assert(EntretienDiagnostic.objects.get().lieu == "Salle 2"),
    )
    assert EntretienDiagnostic.objects.get().lieu == "Salle des fêtes de Ramonville"


# --- Accompagnements: objectives and sessions ----------------------------------------------------


def _clients(*users) -> tuple[Client, ...]:
    clients = []
    for user in users:
        client = Client()
        client.force_login(user)
        clients.append(client)
    return tuple(clients)


def test_objective_form_of_the_mentor_and_the_beneficiary():
    dossier = build_dossier(etat="objectifs")  # the grid is written before the convention
    objectif = dossier.objectif
    race(
        _clients(dossier.mentor, dossier.beneficiaire),
        reverse("accompagnements:objectif_update", args=[objectif.pk]),
        {"intitule": "Monter une stratégie de mécénat", "critere_reussite": "Trois dossiers déposés"},
        {"intitule": "Monter une stratégie de mécénat", "critere_reussite": "Un premier mécène trouvé"},
        typed="Un premier mécène trouvé",
        kept=lambda: _assert(Objectif.objects.get(pk=objectif.pk).critere_reussite == "Trois dossiers déposés"),
    )
    assert Objectif.objects.get(pk=objectif.pk).critere_reussite == "Un premier mécène trouvé"


def test_objective_comment_form_of_two_coordinators(deux):
    dossier = build_dossier()
    objectif = dossier.objectif
    race(
        deux,
        reverse("accompagnements:objectif_commenter", args=[objectif.pk]),
        {"commentaire_coordination": "Objectif clair."},
        {"commentaire_coordination": "Préciser le montant visé."},
        typed="Préciser le montant visé.",
        kept=lambda: _assert(Objectif.objects.get(pk=objectif.pk).commentaire_coordination == "Objectif clair."),
    )


def test_session_form_of_the_coordination_and_the_mentor():
    dossier = build_dossier()
    seance = Seance.objects.create(
        accompagnement=dossier.accompagnement,
        debut=timezone.now() + datetime.timedelta(days=10),
        demi_journees=1,
        modalite="presentiel",
        lieu="Salle 1",
    )
    date = (timezone.localdate() + datetime.timedelta(days=12)).isoformat()
    common = {"date": date, "heure": "09:30", "demi_journees": 1, "modalite": "presentiel"}
    race(
        _clients(dossier.coordinateur, dossier.mentor),
        reverse("accompagnements:seance_update", args=[seance.pk]),
        {**common, "lieu": "Salle 2", "sujet": "Budget"},
        {**common, "lieu": "Salle 3", "sujet": "Plan de mécénat"},
        typed="Plan de mécénat",
        kept=lambda: _assert(Seance.objects.get(pk=seance.pk).lieu == "Salle 2"),
    )
    assert Seance.objects.get(pk=seance.pk).sujet == "Plan de mécénat"


# --- Programme settings: matching weights, reminders -----------------------------------------------


def test_matching_settings_form(deux, programme):
    data = dict.fromkeys(annuaire_services.POIDS_FIELDS, "10")
    race(
        deux,
        reverse("annuaire:reglages", args=[programme.pk]),
        {**data, "missions_max_par_mentor": "3", "poids_geographie": "40"},
        {**data, "missions_max_par_mentor": "5", "poids_geographie": "37"},
        typed='value="37"',
        kept=lambda: _assert(Programme.objects.get(pk=programme.pk).poids_geographie == 40),
    )
    assert Programme.objects.get(pk=programme.pk).poids_geographie == 37


def _checkbox(page: str, value: str) -> str:
    match = re.search(rf'<input[^>]*name="actives"[^>]*value="{value}"[^>]*>', page)
    assert match, value
    return match.group(0)


def test_reminders_settings_form(deux, programme):
    everything = list(TypeRelance.values)
    page = race(
        deux,
        reverse("relances:programme", args=[programme.pk]),
        {"actives": [value for value in everything if value != TypeRelance.BROUILLON]},
        {"actives": [value for value in everything if value != TypeRelance.SIGNATURE]},
        typed="",
        kept=lambda: _assert(Programme.objects.get(pk=programme.pk).relances_desactivees == [TypeRelance.BROUILLON]),
    )
    # The second's choices are what the re-rendered form shows.
    assert "checked" not in _checkbox(page, TypeRelance.SIGNATURE)
    assert "checked" in _checkbox(page, TypeRelance.BROUILLON)
    assert Programme.objects.get(pk=programme.pk).relances_desactivees == [TypeRelance.SIGNATURE]
