"""A held workshop pays its personne-ressource from the programme's envelope (per unit of the format,
whatever the number of participants); a cancelled one costs nothing; the non-members' fees are receipts
on the budget page; the registered participants and the coordination are reminded once."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from ateliers import services
from ateliers.models import Atelier, EtatAtelier, Inscription
from budget.documents import tableur_xlsx
from budget.models import Engagement, Enveloppe
from budget.selectors import participations_non_membres
from budget.services import engagement_atelier_create
from core.exceptions import PermissionRefused, RuleViolation, TransitionRefused
from core.invariants import find_violations
from programmes.models import Format, NatureFormat, UniteFormat
from relances.models import EtatRelance, Relance, TypeRelance
from relances.planning import relances_planifier
from relances.services import relances_envoyer_dues
from tests.ateliers.conftest import beneficiaires, dans, format_atelier
from tests.factories import PersonneRessourceFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db


def _format_heures(programme, *, taux: str | None = "80.00") -> Format:
    """A collective format counted in hours with its own rate per hour (test data)."""
    return Format.objects.create(
        programme=programme,
        code="atelier-heures",
        libelle="Atelier en heures",
        nature=NatureFormat.COLLECTIF,
        unite=UniteFormat.HEURE,
        demi_journees_min=1,
        demi_journees_max=28,
        participants_max=12,
        participation_non_membre=Decimal("6.00"),
        taux_par_unite=Decimal(taux) if taux else None,
    )


def _atelier(programme, coordinateur, fmt, *, duree: int, titre: str = "Business model", debut=None) -> Atelier:
    return services.atelier_create(
        programme=programme,
        format=fmt,
        titre=titre,
        debut=debut or dans(days=10),
        duree=duree,
        lieu="Toulouse",
        personne_ressource=PersonneRessourceFactory(),
        by=coordinateur,
    )


def _tenir(atelier: Atelier, coordinateur, n: int) -> list[Inscription]:
    """Register `n` people, let the workshop start, note them all (one absent)."""
    personnes = beneficiaires(n)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in personnes]
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-4))
    atelier.refresh_from_db()
    for k, inscription in enumerate(inscriptions):
        inscription.refresh_from_db()
        services.presence_record(inscription=inscription, presente=k > 0, by=coordinateur)
    return inscriptions


@pytest.mark.parametrize(
    ("unite", "duree", "attendu"),
    [("demi_journee", 1, Decimal("250.00")), ("heure", 3, Decimal("240.00"))],
)
def test_a_held_workshop_commits_the_same_mentor_amount_with_5_or_12_participants(programme, coordinateur, unite, duree, attendu):
    fmt = format_atelier(programme) if unite == "demi_journee" else _format_heures(programme)
    petit = _atelier(programme, coordinateur, fmt, duree=duree, titre="Pitch")
    grand = _atelier(programme, coordinateur, fmt, duree=duree, titre="Communication numérique")
    _tenir(petit, coordinateur, 5)
    _tenir(grand, coordinateur, 12)

    services.atelier_clore(atelier=petit, by=coordinateur)
    services.atelier_clore(atelier=grand, by=coordinateur)

    montants = {e.atelier_id: e.montant for e in Engagement.objects.filter(programme=programme)}
    assert montants == {petit.pk: attendu, grand.pk: attendu}
    assert Enveloppe.objects.get(programme=programme).engage == 2 * attendu
    petit.refresh_from_db()
    assert petit.etat == EtatAtelier.TENU and petit.tenu_le is not None
    assert find_violations() == []


def test_the_half_day_rate_defaults_to_the_programmes_daily_rate_halved_and_a_format_rate_wins(programme, coordinateur):
    fmt = format_atelier(programme)
    atelier = _atelier(programme, coordinateur, fmt, duree=2)
    _tenir(atelier, coordinateur, 3)
    services.atelier_clore(atelier=atelier, by=coordinateur)
    assert Engagement.objects.get(atelier=atelier).montant == Decimal("500.00")  # 2 × 500 / 2

    fmt.taux_par_unite = Decimal("300.00")
    fmt.save()
    autre = _atelier(programme, coordinateur, fmt, duree=2, titre="Autre")
    _tenir(autre, coordinateur, 3)
    services.atelier_clore(atelier=autre, by=coordinateur)
    assert Engagement.objects.get(atelier=autre).montant == Decimal("600.00")


def test_the_coordination_closes_the_list_from_the_page_and_the_ledger_shows_the_workshop(client, programme, coordinateur):
    atelier = _atelier(programme, coordinateur, format_atelier(programme), duree=1)
    _tenir(atelier, coordinateur, 5)
    client.force_login(coordinateur)
    inscription = atelier.inscriptions.filter(etat="presente").first()
    services.presence_record(inscription=inscription, presente=False, by=coordinateur)
    Inscription.objects.filter(pk=inscription.pk).update(etat="inscrite")  # as if not noted yet
    page = client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()
    assert "Clore la liste de présence" not in page and "1 participant·e(s) ne sont pas encore noté·es" in page
    services.presence_record(inscription=inscription, presente=True, by=coordinateur)
    page = client.get(reverse("ateliers:detail", args=[atelier.pk])).content.decode()
    assert "Clore la liste de présence" in page
    response = client.post(reverse("ateliers:clore", args=[atelier.pk]), follow=True)
    assert response.status_code == 200
    content = response.content.decode()
    assert "La liste de présence est close" in content and "Atelier tenu" in content
    ledger = client.get(reverse("budget:grand_livre", args=[programme.pk])).content.decode()
    assert "Animation de l’atelier « Business model » (1 demi-journée)" in ledger


def test_closing_needs_the_start_and_every_participant_noted_and_the_coordination(programme, coordinateur):
    atelier = _atelier(programme, coordinateur, format_atelier(programme), duree=1)
    a, b = beneficiaires(2)
    services.inscription_create(atelier=atelier, participant=a, by=a)
    ib = services.inscription_create(atelier=atelier, participant=b, by=b)
    with pytest.raises(RuleViolation, match="n’a pas encore eu lieu"):
        services.atelier_clore(atelier=atelier, by=coordinateur)
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-2))
    atelier.refresh_from_db()
    ib.refresh_from_db()
    services.presence_record(inscription=ib, presente=True, by=coordinateur)
    with pytest.raises(RuleViolation, match="1 participant·e\\(s\\) ne sont pas encore noté·es"):
        services.atelier_clore(atelier=atelier, by=coordinateur)
    with pytest.raises(PermissionRefused):
        services.atelier_clore(atelier=atelier, by=atelier.personne_ressource.user)
    assert not Engagement.objects.filter(atelier=atelier).exists()


def test_a_cancelled_workshop_costs_nothing_and_its_participants_are_told(
    programme, coordinateur, django_capture_on_commit_callbacks
):
    atelier = _atelier(programme, coordinateur, format_atelier(programme, places=2), duree=1)
    personnes = beneficiaires(3)
    for p in personnes:
        services.inscription_create(atelier=atelier, participant=p, by=p)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.atelier_annuler(atelier=atelier, by=coordinateur, reason="Intervenante malade")
    atelier.refresh_from_db()
    assert atelier.etat == EtatAtelier.ANNULE
    assert set(atelier.inscriptions.values_list("etat", flat=True)) == {"desistee"}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in personnes)
    assert "annulé" in mail.outbox[0].subject
    with pytest.raises(TransitionRefused, match="état « Annulé »"):
        services.atelier_clore(atelier=atelier, by=coordinateur)
    with pytest.raises(RuleViolation, match="inscriptions sont closes"):
        services.inscription_create(atelier=atelier, participant=personnes[0], by=personnes[0])
    assert not Engagement.objects.filter(atelier=atelier).exists()
    assert Enveloppe.objects.get(programme=programme).engage == 0
    assert participations_non_membres(programme).dues == 0
    assert find_violations() == []


def test_an_unpaid_format_costs_nothing(programme, coordinateur):
    fmt = format_atelier(programme)
    fmt.personne_ressource_remuneree = False
    fmt.save()
    atelier = _atelier(programme, coordinateur, fmt, duree=2)
    _tenir(atelier, coordinateur, 4)
    services.atelier_clore(atelier=atelier, by=coordinateur)
    assert not Engagement.objects.filter(atelier=atelier).exists()
    assert find_violations(["budget.animation_ateliers"]) == []


def test_an_exhausted_envelope_refuses_in_french_and_the_list_stays_open(client, coordinateur):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("100.00"))
    atelier = _atelier(programme, coordinateur, format_atelier(programme), duree=1)
    _tenir(atelier, coordinateur, 5)
    with pytest.raises(RuleViolation, match="L’enveloppe ne peut pas porter cet engagement de 250,00"):
        services.atelier_clore(atelier=atelier, by=coordinateur)
    atelier.refresh_from_db()
    assert atelier.etat == EtatAtelier.PROGRAMME and not atelier.evenements.exists()

    client.force_login(coordinateur)
    response = client.post(reverse("ateliers:clore", args=[atelier.pk]))
    assert response.status_code == 400
    assert "L’enveloppe ne peut pas porter cet engagement" in response.content.decode()
    atelier.refresh_from_db()
    assert atelier.etat == EtatAtelier.PROGRAMME
    assert Enveloppe.objects.get(programme=programme).engage == 0


def test_a_format_in_hours_without_a_rate_is_refused_with_its_message(programme, coordinateur):
    atelier = _atelier(programme, coordinateur, _format_heures(programme, taux=None), duree=3)
    _tenir(atelier, coordinateur, 2)
    with pytest.raises(RuleViolation, match="indiquez la rémunération de la personne-ressource"):
        services.atelier_clore(atelier=atelier, by=coordinateur)


def test_the_animation_is_committed_once_and_the_closed_list_stays_as_it_is(programme, coordinateur):
    atelier = _atelier(programme, coordinateur, format_atelier(programme), duree=1)
    inscriptions = _tenir(atelier, coordinateur, 2)
    services.atelier_clore(atelier=atelier, by=coordinateur)
    atelier.refresh_from_db()
    inscriptions[0].refresh_from_db()
    with pytest.raises(RuleViolation, match="liste de présence de cet atelier est close"):
        services.presence_record(inscription=inscriptions[0], presente=True, by=coordinateur)
    with pytest.raises(RuleViolation, match="déjà engagée"):
        engagement_atelier_create(atelier=atelier, by=coordinateur)
    assert Engagement.objects.filter(atelier=atelier).count() == 1


def test_the_budget_page_and_export_show_the_non_members_receipts(client, programme, coordinateur):
    fmt = format_atelier(programme)
    atelier = _atelier(programme, coordinateur, fmt, duree=1)
    annule = _atelier(programme, coordinateur, fmt, duree=1, titre="Annulé")
    membre, a, b, c, d = beneficiaires(5)
    services.adhesion_record(programme=programme, personne=membre, by=coordinateur)
    inscriptions = [services.inscription_create(atelier=atelier, participant=p, by=p) for p in (membre, a, b, c)]
    services.inscription_create(atelier=annule, participant=d, by=d)
    services.atelier_annuler(atelier=annule, by=coordinateur)
    services.participation_mark_paid(inscription=inscriptions[1], by=coordinateur)

    figures = participations_non_membres(programme)
    assert (figures.nombre, figures.dues, figures.payees, figures.a_encaisser) == (
        3,
        Decimal("54.00"),
        Decimal("18.00"),
        Decimal("36.00"),
    )
    assert (
        figures.payees + figures.a_encaisser
        == figures.dues
        == sum(i.participation_due for i in Inscription.objects.filter(atelier=atelier))
    )

    client.force_login(coordinateur)
    response = client.get(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Participations des non-membres dues" in content
    section = content[content.index('data-testid="participations"') :]
    section = section[: section.index("</table>")]
    assert "54,00" in section and "18,00" in section and "36,00" in section and "3 inscriptions" in section

    synthese = load_workbook(io.BytesIO(tableur_xlsx(programme=programme)))["Synthèse"]
    lignes = {row[0]: row[1] for row in synthese.iter_rows(values_only=True)}
    assert lignes["Recettes : participations des non-membres dues"] == Decimal("54.00")
    assert lignes["Recettes : participations des non-membres payées"] == Decimal("18.00")
    assert lignes["Recettes : participations des non-membres à encaisser"] == Decimal("36.00")


def test_workshop_reminders_are_sent_once_and_the_open_list_alerts_the_coordination_once(programme, coordinateur):
    debut = dans(days=5)
    atelier = _atelier(programme, coordinateur, format_atelier(programme), duree=1, debut=debut)
    reste, part = beneficiaires(2)
    services.inscription_create(atelier=atelier, participant=reste, by=reste)
    inscription = services.inscription_create(atelier=atelier, participant=part, by=part)
    services.inscription_withdraw(inscription=inscription, by=part)
    mail.outbox.clear()

    def beat(moment):
        with time_machine.travel(moment, tick=False):
            relances_planifier()
            relances_envoyer_dues()

    beat(debut - datetime.timedelta(hours=72))  # too early: nothing
    assert mail.outbox == []
    for heures in (47, 30, 2):  # the programme's 48 h, then later beats
        beat(debut - datetime.timedelta(hours=heures))
    rappels = [m for m in mail.outbox if "Rappel : atelier" in m.subject]
    assert [m.to for m in rappels] == [[reste.email]]
    assert f"/ateliers/{atelier.pk}/" in rappels[0].body

    mail.outbox.clear()
    for jours in (1, 8, 9):  # the programme's report delay (7 days) after the start
        beat(debut + datetime.timedelta(days=jours))
    alertes = [m for m in mail.outbox if "Liste de présence à clore" in m.subject]
    assert [m.to for m in alertes] == [[coordinateur.email]]
    assert Relance.objects.filter(type_relance=TypeRelance.ATELIER_PRESENCE, etat=EtatRelance.ENVOYEE).count() == 1


def test_the_presence_alert_is_dropped_once_the_list_is_closed(programme, coordinateur):
    atelier = _atelier(programme, coordinateur, format_atelier(programme), duree=1, debut=dans(days=1))
    with time_machine.travel(atelier.debut + datetime.timedelta(hours=1), tick=False):
        relances_planifier()
    assert Relance.objects.filter(type_relance=TypeRelance.ATELIER_PRESENCE).count() == 1
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-1))
    atelier.refresh_from_db()
    services.atelier_clore(atelier=atelier, by=coordinateur)
    with time_machine.travel(dans(days=20), tick=False):
        relances_envoyer_dues()
    assert Relance.objects.get(type_relance=TypeRelance.ATELIER_PRESENCE).etat == EtatRelance.ANNULEE


def test_the_space_lists_the_workshops_attended(client, programme, coordinateur, candidat):
    fmt = format_atelier(programme)
    vu = _atelier(programme, coordinateur, fmt, duree=1, titre="Atelier suivi")
    manque = _atelier(programme, coordinateur, fmt, duree=1, titre="Atelier manqué")
    for atelier, presente in ((vu, True), (manque, False)):
        inscription = services.inscription_create(atelier=atelier, participant=candidat, by=candidat)
        Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-3))
        inscription.refresh_from_db()
        services.presence_record(inscription=inscription, presente=presente, by=coordinateur)
    client.force_login(candidat)
    page = client.get(reverse("accounts:home")).content.decode()
    assert "Ateliers suivis" in page and "Atelier suivi" in page and "Atelier manqué" in page
    assert "Présent·e à 1 atelier, absent·e à 1." in page
    client.force_login(UserFactory(roles=["candidat"]))
    assert "Ateliers suivis" not in client.get(reverse("accounts:home")).content.decode()
