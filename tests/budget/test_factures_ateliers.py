"""Invoices of workshops' animation (issue 16): the structure of the personne-ressource who led a held
workshop bills it like a session (expected amount: its committed animation), the coordination pays it
and the payment settles the workshop's engagement; a workshop is billed once, by its animator's
structure only, once held."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from ateliers import services as ateliers_services
from ateliers.models import Atelier
from budget.documents import tableur_xlsx
from budget.models import Engagement, EtatFacture, Facture, FactureAtelier, Paiement
from budget.selectors import ateliers_a_facturer
from budget.services import facture_approuver, facture_corriger, facture_deposer, facture_payer, facture_retourner
from core.exceptions import RuleViolation
from core.invariants import find_violations
from tests.ateliers.conftest import beneficiaires, dans, format_atelier
from tests.budget.conftest import engager
from tests.budget.test_factures import checked, confirmee
from tests.factories import AccompagnementFactory, PersonneRessourceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def animatrice(db):
    return PersonneRessourceFactory()


@pytest.fixture
def fmt(programme):
    return format_atelier(programme)


def nouvel_atelier(programme, coordinateur, fmt, animatrice, *, titre="Pitcher son projet", duree=1) -> Atelier:
    return ateliers_services.atelier_create(
        programme=programme,
        format=fmt,
        titre=titre,
        debut=dans(days=10),
        duree=duree,
        lieu="Toulouse",
        personne_ressource=animatrice,
        by=coordinateur,
    )


def tenu(programme, coordinateur, fmt, animatrice, **kwargs) -> Atelier:
    """A workshop held by `animatrice`: two participants noted, the attendance list closed (its animation committed)."""
    atelier = nouvel_atelier(programme, coordinateur, fmt, animatrice, **kwargs)
    inscriptions = [ateliers_services.inscription_create(atelier=atelier, participant=p, by=p) for p in beneficiaires(2)]
    Atelier.objects.filter(pk=atelier.pk).update(debut=dans(hours=-4))
    for inscription in inscriptions:
        inscription.refresh_from_db()
        ateliers_services.presence_record(inscription=inscription, presente=True, by=coordinateur)
    atelier.refresh_from_db()
    return ateliers_services.atelier_clore(atelier=atelier, by=coordinateur)


def deposer(animatrice, ateliers, montant, *, numero="F-AT-1", seances=()):
    return facture_deposer(
        structure=animatrice.structure,
        seances=list(seances),
        ateliers=ateliers,
        numero=numero,
        montant=Decimal(montant),
        checked=checked(),
        by=animatrice.user,
    )


def payer(facture, coordinateur):
    facture_approuver(facture=facture, by=coordinateur)
    return facture_payer(
        facture=facture, date_paiement=timezone.localdate(), reference="VIR-AT", mode="virement", by=coordinateur
    )


def test_the_animator_invoices_a_held_workshop_from_the_page_and_its_payment_settles_the_engagement(
    client, programme, coordinateur, fmt, animatrice
):
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    engage = Engagement.objects.get(atelier=atelier).montant
    assert engage == Decimal("250.00")
    client.force_login(animatrice.user)
    assert "Pitcher son projet" in client.get(reverse("budget:factures")).content.decode()
    page = client.get(reverse("budget:facture_deposer")).content.decode()
    assert "Ateliers animés facturés" in page and "atelier « Pitcher son projet » – 250,00" in page

    response = client.post(
        reverse("budget:facture_deposer"),
        {
            "ateliers": [atelier.pk],
            "numero": "F-AT-1",
            "montant": "250,00",
            "fichier": SimpleUploadedFile("facture.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        },
    )
    assert response.status_code == 302, response.content.decode()
    facture = Facture.objects.get(numero="F-AT-1")
    assert facture.montant == Decimal("250.00") and isinstance(facture.montant, Decimal)
    assert FactureAtelier.objects.get(facture=facture).atelier == atelier

    client.force_login(coordinateur)
    detail = client.get(reverse("budget:facture_detail", args=[facture.pk])).content.decode()
    assert "Ateliers animés facturés" in detail and "Pitcher son projet" in detail
    assert 'data-testid="ecart">0,00' in detail.replace("\u202f", "").replace("&nbsp;", "")
    assert client.post(reverse("budget:facture_approuver", args=[facture.pk])).status_code == 302
    response = client.post(
        reverse("budget:facture_payer", args=[facture.pk]),
        {"date_paiement": timezone.localdate().isoformat(), "reference": "VIR-AT", "mode": "virement"},
    )
    assert response.status_code == 302
    facture.refresh_from_db()
    assert facture.etat == EtatFacture.PAYEE
    paiement = Paiement.objects.get(facture=facture)
    assert (paiement.atelier, paiement.accompagnement, paiement.montant) == (atelier, None, engage)
    assert paiement.structure == animatrice.structure

    grand_livre = client.get(reverse("budget:grand_livre", args=[programme.pk]) + "?lignes=paiements").content.decode()
    assert "F-AT-1 – Pitcher son projet" in grand_livre
    programme.resume.refresh_from_db()
    assert programme.resume.paye == engage
    tableau = client.get(reverse("budget:tableau_de_bord")).content.decode()
    assert "Payé aux structures des personnes-ressources" in tableau
    classeur = load_workbook(io.BytesIO(tableur_xlsx(programme=programme)))
    lignes = [[c.value for c in row] for row in classeur["Paiements"].iter_rows(min_row=2)]
    assert any(ligne[1] == "Pitcher son projet" and ligne[4] == engage for ligne in lignes), lignes
    assert find_violations() == []


def test_sessions_and_a_workshop_on_one_invoice_each_get_their_payment_line(programme, coordinateur, fmt, animatrice):
    acc = AccompagnementFactory(candidature__programme=programme, mentors=[animatrice], demi_journees_prevues=4)
    engager(acc, by=coordinateur)
    seance = confirmee(acc, 2)
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    attendu = programme.montant_pour(2) + Decimal("250.00")
    with pytest.raises(RuleViolation, match="montant attendu"):
        facture_approuver(facture=deposer(animatrice, [atelier], "250.00", seances=[seance], numero="F-X"), by=coordinateur)
    facture = Facture.objects.get(numero="F-X")
    facture_retourner(facture=facture, motif="Montant des deux lignes.", by=coordinateur)
    facture_corriger(facture=facture, seances=[seance], ateliers=[atelier], numero="F-X", montant=attendu, by=animatrice.user)
    payer(facture, coordinateur)
    assert {(p.accompagnement_id, p.atelier_id, p.montant) for p in Paiement.objects.filter(facture=facture)} == {
        (acc.pk, None, programme.montant_pour(2)),
        (None, atelier.pk, Decimal("250.00")),
    }
    # The test helper commits the accompagnement without a convention: the invoices' invariants only.
    codes = ["budget.paiement_ateliers", "budget.facture_ateliers", "budget.facture_payee_une_fois", "budget.resume_programme"]
    assert find_violations(codes) == []


def test_a_workshop_is_invoiced_once(programme, coordinateur, fmt, animatrice):
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    payer(deposer(animatrice, [atelier], "250.00"), coordinateur)
    with pytest.raises(RuleViolation, match="L’atelier « Pitcher son projet » figure déjà sur une autre facture."):
        deposer(animatrice, [atelier], "250.00", numero="F-AT-2")
    assert Paiement.objects.filter(atelier=atelier).count() == 1
    assert not Facture.objects.filter(numero="F-AT-2").exists()


def test_another_structure_cannot_invoice_nor_see_the_workshop(client, programme, coordinateur, fmt, animatrice):
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    autre = PersonneRessourceFactory()
    with pytest.raises(RuleViolation, match="n’est pas animé par une personne-ressource de votre structure"):
        deposer(autre, [atelier], "250.00")
    client.force_login(autre.user)
    assert "Pitcher son projet" not in client.get(reverse("budget:facture_deposer")).content.decode()
    response = client.post(
        reverse("budget:facture_deposer"),
        {"ateliers": [atelier.pk], "numero": "F-1", "montant": "250,00", "fichier": SimpleUploadedFile("f.pdf", b"%PDF-1.4")},
    )
    assert response.status_code == 400 and not Facture.objects.exists()
    facture = deposer(animatrice, [atelier], "250.00")
    assert client.get(reverse("budget:facture_detail", args=[facture.pk])).status_code == 404


def test_a_cancelled_or_not_yet_closed_workshop_is_not_invoiceable(programme, coordinateur, fmt, animatrice):
    programme_ = nouvel_atelier(programme, coordinateur, fmt, animatrice, titre="Pas encore tenu")
    annule = nouvel_atelier(programme, coordinateur, fmt, animatrice, titre="Annulé")
    ateliers_services.atelier_annuler(atelier=annule, by=coordinateur, reason="Trop peu d’inscrits")
    for atelier in (programme_, annule):
        with pytest.raises(RuleViolation, match="n’est pas facturable : il n’est pas tenu"):
            deposer(animatrice, [atelier], "250.00")
    assert not ateliers_a_facturer(structure_ids=[animatrice.structure_id]).exists()
    assert not Facture.objects.exists()


def test_an_unpaid_animation_is_not_invoiceable(programme, coordinateur, fmt, animatrice):
    fmt.personne_ressource_remuneree = False
    fmt.save()
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    assert not Engagement.objects.filter(atelier=atelier).exists()
    with pytest.raises(RuleViolation, match="n’est pas rémunérée"):
        deposer(animatrice, [atelier], "250.00")


def test_the_invoice_form_queries_do_not_grow_with_workshops(
    client, programme, coordinateur, fmt, animatrice, django_assert_max_num_queries
):
    tenu(programme, coordinateur, fmt, animatrice, titre="Atelier 0")
    client.force_login(animatrice.user)
    with django_assert_max_num_queries(30) as une:
        assert client.get(reverse("budget:facture_deposer")).status_code == 200
    for n in range(1, 5):
        tenu(programme, coordinateur, fmt, animatrice, titre=f"Atelier {n}")
    with django_assert_max_num_queries(len(une.captured_queries)):
        page = client.get(reverse("budget:facture_deposer"))
    assert page.status_code == 200 and "Atelier 4" in page.content.decode()
    with django_assert_max_num_queries(len(une.captured_queries)):
        liste = client.get(reverse("budget:factures"))
    assert "Atelier 4" in liste.content.decode()


def test_a_returned_invoice_keeps_its_workshop_in_the_correction_form(client, programme, coordinateur, fmt, animatrice):
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    facture = deposer(animatrice, [atelier], "260.00")
    facture_retourner(facture=facture, motif="L’animation vaut 250 €.", by=coordinateur)
    client.force_login(animatrice.user)
    page = client.get(reverse("budget:facture_corriger", args=[facture.pk])).content.decode()
    assert "Pitcher son projet" in page and "checked" in page
    response = client.post(
        reverse("budget:facture_corriger", args=[facture.pk]), {"ateliers": [atelier.pk], "numero": "F-AT-1", "montant": "250,00"}
    )
    assert response.status_code == 302
    facture.refresh_from_db()
    assert facture.montant == Decimal("250.00") and facture.etat == EtatFacture.DEPOSEE
    assert list(facture.lignes_ateliers.values_list("atelier", flat=True)) == [atelier.pk]


def test_a_workshop_paid_beyond_its_engagement_is_reported(programme, coordinateur, fmt, animatrice):
    atelier = tenu(programme, coordinateur, fmt, animatrice)
    facture = payer(deposer(animatrice, [atelier], "250.00"), coordinateur)
    assert find_violations(["budget.paiement_ateliers"]) == []
    # Written around the services (which refuse it): a second line for the same workshop.
    Paiement.objects.create(
        atelier=atelier,
        structure=animatrice.structure,
        date_paiement=timezone.localdate(),
        montant=Decimal("10.00"),
        reference_facture=facture.numero,
    )
    (violation,) = find_violations(["budget.paiement_ateliers"])
    assert "260,00" in violation.message and "Pitcher son projet" in violation.objet
