"""The funders' shares (issue 17): the envelope is the sum of the contributions, every budget line is
shared between them by the programme's rule, to the cent, and no contribution is ever over-spent."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from budget import selectors, services
from budget.models import AutreDepense, Contribution, Engagement, Enveloppe, Imputation, Paiement, RegleRepartition
from budget.repartition import parts_plus_fort_reste
from core.exceptions import RuleViolation
from core.invariants import find_violations
from core.money import format_euros
from tests.factories import AccompagnementFactory, ProgrammeFactory, UserFactory, siege_comite

from .conftest import seance_livree

DIX_MILLE = Decimal("10000.00")
CODES = [
    "budget.enveloppe_contributions",
    "budget.imputation_complete",
    "budget.totaux_contributions",
    "budget.contribution_jamais_depassee",
    "budget.totaux_enveloppe",
    "budget.enveloppe_engagee",
    "budget.enveloppe_payee",
]


def pilote():
    """A member of the coordination: every write on the budget is theirs (budget.permissions)."""
    return User.objects.filter(email="pilote-financeurs@exemple.test").first() or UserFactory(
        email="pilote-financeurs@exemple.test", roles=["coordination"]
    )


def trois_financeurs(programme, *, regle=RegleRepartition.PRORATA, essaimage=("DRAC",), autres=()):
    """DRAC, CNM and Région, 10 000 € each, in this order of priority."""
    contributions = {}
    for priorite, nom in enumerate(("DRAC", "CNM", "Région"), start=1):
        financeur = services.financeur_create(nom=nom, ordre=priorite, by=pilote())
        contributions[nom] = services.contribution_create(
            programme=programme,
            financeur=financeur,
            termes=services.TermesContribution(
                montant=DIX_MILLE,
                date_debut=programme.date_debut,
                date_fin=programme.date_fin,
                reference_convention=f"CONV-{nom}-2026",
                finance_essaimage=nom in essaimage,
                finance_autres=nom in autres,
                priorite=priorite,
            ),
            by=pilote(),
        )
    services.regle_repartition_set(programme=programme, regle=regle, by=pilote())
    return contributions


def parts(ligne) -> dict[str, Decimal]:
    field = {Engagement: "engagement", Paiement: "paiement", AutreDepense: "depense"}[type(ligne)]
    rows = Imputation.objects.filter(**{field: ligne}).values_list("contribution__financeur__nom", "montant")
    return dict(rows)


@pytest.fixture
def finance(db):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("0.00"))
    return programme, trois_financeurs(programme)


# --- The split itself -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "poids", "attendu"),
    [
        (10000, [1, 1, 1], [3334, 3333, 3333]),
        (1, [1, 1, 1], [1, 0, 0]),
        (2, [1, 1, 1], [1, 1, 0]),
        (100, [3, 0, 1], [75, 0, 25]),
        (7, [2, 3, 5], [1, 2, 4]),
    ],
)
def test_largest_remainder_adds_up_to_the_cent(total, poids, attendu):
    assert parts_plus_fort_reste(total, poids) == attendu
    assert sum(parts_plus_fort_reste(total, poids)) == total


def test_largest_remainder_always_adds_up():
    rng = random.Random(17)
    for _ in range(2000):
        poids = [rng.randint(0, 10**6) for _ in range(rng.randint(1, 5))]
        if not any(poids):
            continue
        total = rng.randint(0, 10**7)
        result = parts_plus_fort_reste(total, poids)
        assert sum(result) == total and min(result) >= 0


# --- The envelope is the sum of the contributions -------------------------------------------------


@pytest.mark.django_db
def test_the_envelope_is_the_sum_of_the_contributions_and_is_changed_only_through_them(finance):
    programme, contributions = finance
    assert Enveloppe.objects.get(programme=programme).montant == Decimal("30000.00")
    with pytest.raises(RuleViolation) as refused:
        services.enveloppe_set(programme=programme, montant=Decimal("50000.00"))
    assert "somme des contributions" in refused.value.message
    services.contribution_update(
        contribution=contributions["CNM"],
        termes=services.TermesContribution(
            montant=Decimal("12500.00"),
            date_debut=programme.date_debut,
            date_fin=programme.date_fin,
        ),
        by=pilote(),
    )
    assert Enveloppe.objects.get(programme=programme).montant == Decimal("32500.00")
    assert find_violations(CODES) == []


@pytest.mark.django_db
def test_a_first_contribution_after_a_commitment_is_refused(programme, accompagnement):
    services.engagement_create(accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="Convention", by=pilote())
    financeur = services.financeur_create(nom="DRAC", by=pilote())
    with pytest.raises(RuleViolation) as refused:
        services.contribution_create(
            programme=programme,
            financeur=financeur,
            termes=services.TermesContribution(
                montant=DIX_MILLE,
                date_debut=programme.date_debut,
                date_fin=programme.date_fin,
            ),
            by=pilote(),
        )
    assert "avant le premier engagement" in refused.value.message
    assert not Contribution.objects.exists()


@pytest.mark.django_db
def test_a_contribution_cannot_drop_below_what_it_carries(finance):
    programme, contributions = finance
    acc = AccompagnementFactory(candidature__programme=programme)
    services.engagement_create(accompagnement=acc, montant=Decimal("9000.00"), libelle="Convention", by=pilote())
    with pytest.raises(RuleViolation) as refused:
        services.contribution_update(
            contribution=contributions["DRAC"],
            termes=services.TermesContribution(
                montant=Decimal("2000.00"),
                date_debut=programme.date_debut,
                date_fin=programme.date_fin,
            ),
            by=pilote(),
        )
    assert f"porte déjà {format_euros(Decimal('3000'))}" in refused.value.message


# --- The rules ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pro_rata_splits_a_commitment_to_the_cent(finance):
    programme, _contributions = finance
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = services.engagement_create(accompagnement=acc, montant=Decimal("1000.00"), libelle="Convention", by=pilote())
    assert parts(ligne) == {"DRAC": Decimal("333.34"), "CNM": Decimal("333.33"), "Région": Decimal("333.33")}


@pytest.mark.django_db
def test_in_order_fills_the_first_contribution_then_the_next(db):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("0.00"))
    trois_financeurs(programme, regle=RegleRepartition.PRIORITE)
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = services.engagement_create(accompagnement=acc, montant=Decimal("12000.00"), libelle="Convention", by=pilote())
    assert parts(ligne) == {"DRAC": DIX_MILLE, "CNM": Decimal("2000.00")}
    # Paid first from what each contribution has committed.
    paiement = services.paiement_create(
        accompagnement=acc,
        structure=acc.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("10500.00"),
        reference_facture="F-1",
        depassement_autorise=True,
        note="Avance",
        by=UserFactory(roles=["coordination"]),
    )
    assert parts(paiement) == {"DRAC": DIX_MILLE, "CNM": Decimal("500.00")}


@pytest.mark.django_db
def test_pro_rata_shares_again_what_a_full_contribution_cannot_carry(finance):
    programme, _contributions = finance
    depense = services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre",
        date_depense=programme.date_debut + datetime.timedelta(days=5),
        montant=Decimal("9000.00"),
        by=pilote(),
    )
    assert parts(depense) == {"DRAC": Decimal("9000.00")}  # only DRAC pays for essaimage
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = services.engagement_create(accompagnement=acc, montant=Decimal("6000.00"), libelle="Convention", by=pilote())
    # A third each would be 2 000 €, but DRAC has 1 000 € left: the rest goes to CNM and Région.
    assert parts(ligne) == {"DRAC": Decimal("1000.00"), "CNM": Decimal("2500.00"), "Région": Decimal("2500.00")}


@pytest.mark.django_db
def test_a_cost_no_contribution_may_pay_for_is_refused_in_french(finance):
    programme, _contributions = finance
    with pytest.raises(RuleViolation) as refused:
        services.autre_depense_create(
            programme=programme,
            categorie="communication",
            libelle="Affiches",
            date_depense=programme.date_debut + datetime.timedelta(days=5),
            montant=Decimal("100.00"),
            by=pilote(),
        )
    assert "Les contributions des financeurs ne peuvent pas porter ce montant" in refused.value.message
    assert not AutreDepense.objects.exists()
    assert Contribution.objects.filter(autres__gt=0).count() == 0


@pytest.mark.django_db
def test_a_correction_gives_each_contribution_back_what_the_line_took(finance):
    programme, contributions = finance
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = services.engagement_create(accompagnement=acc, montant=Decimal("1000.00"), libelle="Convention", by=pilote())
    correction = services.engagement_correct(engagement=ligne, by=pilote(), note="Saisie en double")
    assert parts(correction) == {nom: -montant for nom, montant in parts(ligne).items()}
    assert list(Contribution.objects.values_list("engage", flat=True)) == [Decimal("0.00")] * 3
    assert find_violations(CODES) == []


def test_the_database_refuses_an_over_spent_contribution(finance):
    _programme, contributions = finance
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=contributions["CNM"].pk).update(engage=F("montant") + Decimal("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.filter(pk=contributions["CNM"].pk).update(paye=Decimal("-0.01"))


# --- The property: 200 random commitments, payments and corrections -------------------------------


def _figures_add_up(programme) -> None:
    """Per funder, every figure adds up to the programme's to the cent; no contribution below zero."""
    enveloppe = Enveloppe.objects.get(programme=programme)
    chiffres = selectors.chiffres_de(selectors.programmes_avec_totaux().get(pk=programme.pk))
    financeurs = selectors.parts_financeurs(programme)
    assert financeurs.total.contribue == enveloppe.montant == chiffres.enveloppe
    assert financeurs.total.engage == chiffres.engage == enveloppe.engage
    assert financeurs.total.paye == chiffres.paye
    assert financeurs.total.autres == chiffres.autres == enveloppe.autres_depenses
    assert financeurs.total.reste == chiffres.reste
    assert sum(p.engage for p in financeurs.lignes) == financeurs.total.engage
    for part in financeurs.lignes:
        assert part.reste >= 0 and part.paye <= part.contribue
        assert min(part.engage, part.paye, part.autres) >= 0


@pytest.mark.django_db
@pytest.mark.parametrize("regle", RegleRepartition.values)
def test_per_funder_figures_add_up_after_200_random_commitments_payments_and_corrections(regle, figure):
    rng = random.Random(f"financeurs-{regle}")
    programme = ProgrammeFactory(setup__enveloppe=Decimal("0.00"))
    trois_financeurs(programme, regle=regle, essaimage=("DRAC", "Région"), autres=("CNM",))
    coordinateur = UserFactory(roles=["coordination"])
    accompagnements = [AccompagnementFactory(candidature__programme=programme) for _ in range(4)]
    for acc in accompagnements[:2]:
        seance_livree(acc, rng.randint(1, 2))
    done: dict[str, int] = {}

    def cents(low: int, high: int) -> Decimal:
        return Decimal(rng.randint(low, high)) / 100

    for _ in range(200):
        acc = rng.choice(accompagnements)
        action = rng.choice(["engagement", "engagement", "avenant", "paiement", "paiement", "depense", "correction"])
        try:
            if action == "engagement":
                services.engagement_create(accompagnement=acc, montant=cents(1, 300000), libelle="Convention", by=coordinateur)
            elif action == "avenant":
                reste = (Engagement.objects.filter(accompagnement=acc).aggregate(t=Sum("montant"))["t"] or 0) - (
                    Paiement.objects.filter(accompagnement=acc).aggregate(t=Sum("montant"))["t"] or 0
                )
                if reste <= Decimal("0.01"):
                    continue
                montant = -min(cents(1, 100000), reste)
                services.engagement_create(accompagnement=acc, montant=montant, libelle="Avenant", by=coordinateur)
            elif action == "paiement":
                services.paiement_create(
                    accompagnement=acc,
                    structure=acc.mentors.get().structure,
                    date_paiement=datetime.date(2026, 4, 2),
                    montant=cents(1, 150000),
                    reference_facture="F",
                    depassement_autorise=True,
                    note="Avance",
                    by=coordinateur,
                )
            elif action == "depense":
                services.autre_depense_create(
                    programme=programme,
                    categorie=rng.choice(["essaimage", "communication", "autre"]),
                    libelle="Frais",
                    date_depense=programme.date_debut + datetime.timedelta(days=5),
                    montant=cents(1, 200000),
                    by=coordinateur,
                )
            else:
                model = rng.choice([Engagement, Paiement, AutreDepense])
                lignes = model.objects.filter(corrige__isnull=True, correction__isnull=True)
                if model is Engagement:
                    # A commitment already paid stays (the payment would exceed it).
                    lignes = lignes.filter(montant__gt=0, accompagnement__paiements__isnull=True)
                ligne = rng.choice(list(lignes)) if lignes.exists() else None
                if ligne is None:
                    continue
                service, argument = {
                    Engagement: (services.engagement_correct, "engagement"),
                    Paiement: (services.paiement_correct, "paiement"),
                    AutreDepense: (services.autre_depense_correct, "depense"),
                }[model]
                service(**{argument: ligne}, by=coordinateur, note="Erreur de saisie")
        except RuleViolation:
            done["refusée"] = done.get("refusée", 0) + 1
            continue
        done[action] = done.get(action, 0) + 1
        _figures_add_up(programme)

    figure(f"rule {regle}: {sorted(done.items())}")
    # Every kind of line happened, some were refused, and the books are consistent.
    assert all(done.get(kind, 0) > 5 for kind in ("engagement", "avenant", "paiement", "depense", "correction", "refusée"))
    assert [v.message for v in find_violations(CODES)] == []
    financeurs = selectors.parts_financeurs(programme)
    hj = sum(acc.seances.filter(etat="realisee").aggregate(t=Sum("demi_journees"))["t"] or 0 for acc in accompagnements)
    assert financeurs.total.jours_livres == Decimal(hj) / 2


# --- What the comité and the coordination see -----------------------------------------------------


@pytest.mark.django_db
def test_the_dashboard_shows_each_funders_part(client, finance, membre_comite, django_assert_max_num_queries):
    programme, _contributions = finance
    siege_comite(membre_comite, programme)
    acc = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    services.engagement_create(accompagnement=acc, montant=Decimal("2000.00"), libelle="Convention", by=pilote())
    seance_livree(acc, 2)
    seance_livree(acc, 1)
    client.force_login(membre_comite)
    url = reverse("budget:tableau_de_bord") + f"?programme={programme.pk}"
    client.get(url)  # warm the caches
    with django_assert_max_num_queries(60) as first:
        response = client.get(url)
    queries = len(first.captured_queries)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Part des financeurs" in page and "CONV-CNM-2026" in page
    assert format_euros(Decimal("666.67")) in page and format_euros(Decimal("666.66")) in page  # 2 000 € pro rata
    assert format_euros(Decimal("9333.33")) in page  # DRAC's remaining
    # More lines and more accompagnements: the same number of queries.
    for _ in range(5):
        other = AccompagnementFactory(candidature__programme=programme)
        services.engagement_create(accompagnement=other, montant=Decimal("777.77"), libelle="Convention", by=pilote())
        seance_livree(other, 1)
    client.get(url)  # the summary the factories dropped is recomputed once
    with django_assert_max_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200 and "Part des financeurs" in response.content.decode()


# --- The reports show the same per-funder figures as the dashboard --------------------------------


def _espaces(text: str) -> str:
    return " ".join(text.replace("\u202f", " ").replace("\u00a0", " ").split())


@pytest.mark.django_db
def test_pdf_and_xlsx_reports_show_the_dashboards_per_funder_figures(client, finance, coordinateur):
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from budget import documents
    from budget.templatetags.budget_tags import jours

    programme, _contributions = finance
    acc = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    services.engagement_create(accompagnement=acc, montant=Decimal("2000.00"), libelle="Convention", by=pilote())
    seance_livree(acc, 2)
    seance_livree(acc, 1)
    services.paiement_create(
        accompagnement=acc,
        structure=acc.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("734.57"),
        reference_facture="F-1",
        by=coordinateur,
    )
    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre",
        date_depense=programme.date_debut + datetime.timedelta(days=5),
        montant=Decimal("999.99"),
        by=coordinateur,
    )
    parts = selectors.parts_financeurs(programme)
    lignes = [*parts.lignes, parts.total]
    attendu = {
        ligne.libelle: [ligne.contribue, ligne.engage, ligne.paye, ligne.autres, ligne.reste, ligne.jours_livres]
        for ligne in lignes
    }
    assert attendu["DRAC"] == [
        DIX_MILLE,
        Decimal("666.67"),
        Decimal("244.86"),
        Decimal("999.99"),
        Decimal("8333.34"),
        Decimal("0.5"),
    ]
    assert parts.total.jours_livres == Decimal("1.5")

    client.force_login(coordinateur)
    page = _espaces(client.get(reverse("budget:tableau_de_bord") + f"?programme={programme.pk}").content.decode())

    workbook = load_workbook(io.BytesIO(documents.tableur_xlsx(programme=programme)))
    feuille = {row[0]: list(row[2:]) for row in workbook["Financeurs"].iter_rows(min_row=2, values_only=True)}
    texte = _espaces("".join(p.extract_text() for p in PdfReader(io.BytesIO(documents.rapport_pdf(programme=programme))).pages))
    texte = texte[texte.index("Part des financeurs") :]

    for libelle, chiffres in attendu.items():
        assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in feuille[libelle]] == [
            c.quantize(Decimal("0.01")) for c in chiffres
        ]
        rendu = " ".join([*(_espaces(format_euros(c)) for c in chiffres[:5]), jours(chiffres[5])])
        assert rendu in texte, (libelle, rendu)
        assert all(_espaces(format_euros(c)) in page for c in chiffres[:5])


@pytest.mark.django_db
def test_the_coordination_chooses_the_rule_and_the_comite_only_reads(client, finance, coordinateur, membre_comite):
    programme, _contributions = finance
    siege_comite(membre_comite, programme)
    dashboard = reverse("budget:tableau_de_bord") + f"?programme={programme.pk}"
    url = reverse("budget:regle_repartition", args=[programme.pk])
    client.force_login(membre_comite)
    page = client.get(dashboard)
    assert page.status_code == 200 and url not in page.content.decode()
    assert client.post(url, {"regle": RegleRepartition.PRIORITE}).status_code == 403
    assert Enveloppe.objects.get(programme=programme).regle_repartition == RegleRepartition.PRORATA

    client.force_login(coordinateur)
    page = client.get(dashboard).content.decode()
    assert url in page and "Au prorata des contributions" in page
    response = client.post(url, {"regle": RegleRepartition.PRIORITE}, follow=True)
    assert "La règle de répartition entre financeurs est enregistrée." in response.content.decode()
    assert Enveloppe.objects.get(programme=programme).regle_repartition == RegleRepartition.PRIORITE
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = services.engagement_create(accompagnement=acc, montant=Decimal("1500.00"), libelle="Convention", by=pilote())
    assert parts(ligne) == {"DRAC": Decimal("1500.00")}
    response = client.post(url, {"regle": "au-hasard"}, follow=True)
    assert "Choisissez une règle de répartition." in response.content.decode()


# --- The admin goes through the services ----------------------------------------------------------


def _contribution_post(programme, financeur, montant: str) -> dict[str, str]:
    return {
        "programme": str(programme.pk),
        "financeur": str(financeur.pk),
        "montant": montant,
        "reference_convention": "CONV-1",
        "date_debut": programme.date_debut.isoformat(),
        "date_fin": programme.date_fin.isoformat(),
        "finance_demi_journees": "on",
        "priorite": "1",
    }


@pytest.mark.django_db
def test_contributions_added_and_changed_in_the_admin_go_through_the_services(client, django_user_model):
    from django.contrib.messages import get_messages

    client.force_login(django_user_model.objects.create_superuser(email="admin@exemple.test", password="x-Admin-42-x"))
    programme = ProgrammeFactory(setup__enveloppe=Decimal("0.00"))
    response = client.post(reverse("admin:budget_financeur_add"), {"nom": "CNM", "ordre": "2"})
    assert response.status_code == 302
    financeur = services.financeur_create(nom="DRAC", by=pilote())
    response = client.post(reverse("admin:budget_contribution_add"), _contribution_post(programme, financeur, "12000.00"))
    assert response.status_code == 302, response.context["adminform"].form.errors
    contribution = Contribution.objects.get()
    assert Enveloppe.objects.get(programme=programme).montant == Decimal("12000.00")

    acc = AccompagnementFactory(candidature__programme=programme)
    services.engagement_create(accompagnement=acc, montant=Decimal("5000.00"), libelle="Convention", by=pilote())
    url = reverse("admin:budget_contribution_change", args=[contribution.pk])
    response = client.post(url, _contribution_post(programme, financeur, "4000.00"), follow=True)
    assert any("porte déjà" in str(m) for m in get_messages(response.wsgi_request))
    assert Contribution.objects.get().montant == Decimal("12000.00")
    response = client.post(url, _contribution_post(programme, financeur, "15000.00"))
    assert response.status_code == 302
    assert Enveloppe.objects.get(programme=programme).montant == Decimal("15000.00")
    assert [v.message for v in find_violations(CODES)] == []


# --- The financial report (CERFA 15059) of each funder's part --------------------------------------


@pytest.mark.django_db
def test_each_funders_cerfa_report_carries_its_part_and_the_three_add_up_to_the_programme(client, finance, coordinateur):
    import io

    from openpyxl import load_workbook

    from budget import cerfa
    from budget.models import Export

    programme, contributions = finance
    acc = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    services.engagement_create(accompagnement=acc, montant=Decimal("2000.00"), libelle="Convention", by=pilote())
    seance_livree(acc, 2)
    seance_livree(acc, 1)  # 3 half-days delivered: 750 €
    services.paiement_create(
        accompagnement=acc,
        structure=acc.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("700.00"),
        reference_facture="F-1",
        by=coordinateur,
    )
    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre",
        date_depense=programme.date_debut + datetime.timedelta(days=5),
        montant=Decimal("321.45"),
        by=coordinateur,
    )
    parts = {part.libelle: part for part in selectors.parts_financeurs(programme).lignes}
    rapports = {
        nom: cerfa.cerfa_chiffres(programme=programme, financement=cerfa.financement_contribution(c))
        for nom, c in contributions.items()
    }
    programme_entier = cerfa.cerfa_chiffres(programme=programme)
    for nom, rapport in rapports.items():
        assert rapport.subvention == parts[nom].contribue == DIX_MILLE
        assert (rapport.engage, rapport.paye) == (parts[nom].engage, parts[nom].paye)
        assert rapport.reference_convention == f"CONV-{nom}-2026"
        assert rapport.produits[0].compte == f"74 – Subventions d’exploitation : {nom}"
    assert rapports["DRAC"].total_charges.realisation == Decimal("250.00") + Decimal("321.45")  # essaimage: DRAC's only
    assert sum(r.honoraires_realises for r in rapports.values()) == programme_entier.honoraires_realises == Decimal("750.00")
    assert sum(r.total_charges.realisation for r in rapports.values()) == programme_entier.total_charges.realisation
    assert sum(r.paye for r in rapports.values()) == programme_entier.paye

    # Asked from the documents page for one funder; the spreadsheet is that funder's.
    client.force_login(coordinateur)
    page = client.get(reverse("budget:documents", args=[programme.pk])).content.decode()
    assert "Compte rendu financier par financeur" in page and "CONV-CNM-2026" in page
    client.post(
        reverse("budget:export_request", args=[programme.pk]),
        {"type_export": "cerfa_xlsx", "contribution": contributions["CNM"].pk},
    )
    export = Export.objects.get()
    assert export.contribution == contributions["CNM"]
    services.export_run(export_id=export.pk)
    export.refresh_from_db()
    sheet = load_workbook(io.BytesIO(export.fichier.read())).active
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["Subvention"][0] == DIX_MILLE
    assert Decimal(str(rows["dont payés"][0])) == parts["CNM"].paye
    assert "CNM" in page and "CNM" in client.get(reverse("budget:documents", args=[programme.pk])).content.decode()
    # A funder's report only for the CERFA, and only for this programme's contributions.
    with pytest.raises(RuleViolation):
        services.export_request(programme=programme, type_export="bilan_pdf", by=coordinateur, contribution=contributions["CNM"])
    other = ProgrammeFactory()
    response = client.post(
        reverse("budget:export_request", args=[other.pk]), {"type_export": "cerfa_pdf", "contribution": contributions["CNM"].pk}
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_the_last_signature_of_a_convention_shares_its_commitment_between_the_funders(finance, coordinateur):
    from tests.factories import convention_signee

    programme, _contributions = finance
    acc = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    convention = convention_signee(acc, coordinateur=coordinateur)
    engagement = Engagement.objects.get(convention=convention)
    assert engagement.montant == convention.montant > 0
    assert sum(parts(engagement).values()) == engagement.montant
    assert len(parts(engagement)) == 3
    assert [v.message for v in find_violations(CODES)] == []


@pytest.mark.django_db
def test_only_the_coordination_declares_funders_and_their_contributions(programme, membre_comite):
    from core.exceptions import PermissionRefused

    with pytest.raises(PermissionRefused):
        services.financeur_create(nom="DRAC", by=membre_comite)
    financeur = services.financeur_create(nom="DRAC", by=pilote())
    with pytest.raises(PermissionRefused):
        services.contribution_create(
            programme=programme,
            financeur=financeur,
            termes=services.TermesContribution(
                montant=DIX_MILLE,
                date_debut=programme.date_debut,
                date_fin=programme.date_fin,
            ),
            by=membre_comite,
        )
    with pytest.raises(PermissionRefused):
        services.regle_repartition_set(programme=programme, regle=RegleRepartition.PRIORITE, by=membre_comite)
    assert not Contribution.objects.exists()


@pytest.mark.django_db
def test_a_contribution_pays_only_for_what_is_committed_or_spent_within_its_period(db):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("0.00"))
    today = timezone.localdate()
    premier_semestre = services.financeur_create(nom="Ancien financeur", ordre=1, by=pilote())
    second = services.financeur_create(nom="Nouveau financeur", ordre=2, by=pilote())
    for financeur, debut, fin in (
        (premier_semestre, today - datetime.timedelta(days=300), today - datetime.timedelta(days=100)),
        (second, today - datetime.timedelta(days=99), today + datetime.timedelta(days=100)),
    ):
        services.contribution_create(
            programme=programme,
            financeur=financeur,
            termes=services.TermesContribution(
                montant=DIX_MILLE,
                date_debut=debut,
                date_fin=fin,
                finance_autres=True,
            ),
            by=pilote(),
        )
    acc = AccompagnementFactory(candidature__programme=programme)
    ligne = services.engagement_create(accompagnement=acc, montant=Decimal("1000.00"), libelle="Convention", by=pilote())
    assert parts(ligne) == {"Nouveau financeur": Decimal("1000.00")}  # committed today: the current convention
    depense = services.autre_depense_create(
        programme=programme,
        categorie="communication",
        libelle="Affiches de l’an dernier",
        date_depense=today - datetime.timedelta(days=200),
        montant=Decimal("300.00"),
        by=pilote(),
    )
    assert parts(depense) == {"Ancien financeur": Decimal("300.00")}
    with pytest.raises(RuleViolation) as refused:
        services.autre_depense_create(
            programme=programme,
            categorie="communication",
            libelle="Hors de toute période",
            date_depense=today + datetime.timedelta(days=200),
            montant=Decimal("50.00"),
            by=pilote(),
        )
    assert "sa période" in refused.value.message
