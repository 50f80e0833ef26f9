import datetime
from decimal import Decimal
from functools import partial

import pytest
from django.core.files.base import ContentFile

from budget import selectors, services
from budget.models import AutreDepense, Engagement, Enveloppe, Paiement, TypeExport
from core.exceptions import PermissionRefused, RuleViolation
from tests.factories import AccompagnementFactory, ProgrammeFactory, SeanceFactory, resume_a_jour

from .conftest import engager, seance_annulee_tard, seance_livree


def _chiffres(programme):
    return selectors.chiffres_de(selectors.programmes_avec_totaux().get(pk=programme.pk))


@pytest.mark.django_db
def test_remaining_envelope_is_exact_to_the_cent_on_a_hand_computed_scenario(coordinateur):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("30000.00"))
    a = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    b = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=8)
    # Commitments: 4 half-days (1 000 €) and 8 half-days (2 000 €).
    services.engagement_create(accompagnement=a, montant=Decimal("1000.00"), libelle="Convention A", by=coordinateur)
    services.engagement_create(accompagnement=b, montant=Decimal("2000.00"), libelle="Convention B", by=coordinateur)
    # Avenant on B: 8 → 5 half-days, i.e. −750 €.
    services.engagement_create(accompagnement=b, montant=Decimal("-750.00"), libelle="Avenant B", by=coordinateur)
    # A: one day held with its report, one half-day cancelled late (counted) → 3 half-days delivered = 750 €.
    seance_livree(a, 2)
    seance_annulee_tard(a, 1)
    SeanceFactory(accompagnement=a, demi_journees=1)  # planned, not delivered
    # Payment of what A delivered, and the essaimage.
    mentor_structure = a.mentors.get().structure
    services.paiement_create(
        accompagnement=a,
        structure=mentor_structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("750.00"),
        reference_facture="F-2026-001",
        by=coordinateur,
    )
    services.autre_depense_create(
        programme=programme,
        categorie="essaimage",
        libelle="Rencontre d’essaimage",
        date_depense=datetime.date(2026, 5, 1),
        montant=Decimal("1234.56"),
        by=coordinateur,
    )

    chiffres = _chiffres(programme)
    # 30 000 − (1 000 + 2 000 − 750) − 1 234,56 = 26 515,44
    assert chiffres.engage == Decimal("2250.00")
    assert chiffres.autres == Decimal("1234.56")
    assert chiffres.reste == Decimal("26515.44")
    assert chiffres.livre == Decimal("750.00")
    assert chiffres.paye == Decimal("750.00")
    assert chiffres.hj_livrees == 3
    assert chiffres.hj_planifiees == 4
    # The locked running totals agree with the lines.
    assert Enveloppe.objects.get(programme=programme).disponible == Decimal("26515.44")


@pytest.mark.django_db
def test_a_payment_over_the_delivered_amount_is_refused_without_the_override(coordinateur):
    accompagnement = AccompagnementFactory(demi_journees_prevues=4)
    engager(accompagnement, by=coordinateur)  # 1 000 € committed
    seance_livree(accompagnement, 1)  # 250 € delivered
    structure = accompagnement.mentors.get().structure
    kwargs = {
        "accompagnement": accompagnement,
        "structure": structure,
        "date_paiement": datetime.date(2026, 4, 2),
        "reference_facture": "F-1",
        "by": coordinateur,
    }
    with pytest.raises(RuleViolation) as refused:
        services.paiement_create(montant=Decimal("250.01"), **kwargs)
    assert "au-delà du réalisé" in refused.value.message
    with pytest.raises(RuleViolation) as no_note:
        services.paiement_create(montant=Decimal("500.00"), depassement_autorise=True, **kwargs)
    assert no_note.value.field == "note"
    assert Paiement.objects.count() == 0

    services.paiement_create(montant=Decimal("250.00"), **kwargs)
    with pytest.raises(RuleViolation):
        services.paiement_create(montant=Decimal("0.01"), **kwargs)
    line = services.paiement_create(
        montant=Decimal("100.00"), depassement_autorise=True, note="Acompte convenu en comité", **kwargs
    )
    assert line.depassement_autorise and line.note == "Acompte convenu en comité"


@pytest.mark.django_db
def test_a_payment_goes_to_a_structure_employing_a_mentor_of_the_accompagnement(coordinateur, structure):
    accompagnement = AccompagnementFactory()
    seance_livree(accompagnement, 2)
    with pytest.raises(RuleViolation) as refused:
        services.paiement_create(
            accompagnement=accompagnement,
            structure=structure,
            date_paiement=datetime.date(2026, 4, 2),
            montant=Decimal("100.00"),
            reference_facture="F-1",
            by=coordinateur,
        )
    assert refused.value.field == "structure"


@pytest.mark.django_db
def test_corrections_add_opposite_lines_and_keep_the_original(coordinateur, accompagnement):
    programme = accompagnement.programme
    engagement = services.engagement_create(
        accompagnement=accompagnement, montant=Decimal("1000.00"), libelle="C", by=coordinateur
    )
    seance_livree(accompagnement, 2)
    paiement = services.paiement_create(
        accompagnement=accompagnement,
        structure=accompagnement.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("500.00"),
        reference_facture="F-9",
        by=coordinateur,
    )
    depense = services.autre_depense_create(
        programme=programme,
        categorie="communication",
        libelle="Affiches",
        date_depense=datetime.date(2026, 5, 1),
        montant=Decimal("300.00"),
        justificatif=ContentFile(b"%PDF-1.4", name="x.pdf"),
        by=coordinateur,
    )
    with pytest.raises(RuleViolation):
        services.engagement_correct(engagement=engagement, by=coordinateur, note="  ")

    services.engagement_correct(engagement=engagement, by=coordinateur, note="Convention annulée")
    services.paiement_correct(paiement=paiement, by=coordinateur, note="Saisi deux fois")
    services.autre_depense_correct(depense=depense, by=coordinateur, note="Facture erronée")

    assert Engagement.objects.count() == 2 and Paiement.objects.count() == 2 and AutreDepense.objects.count() == 2
    chiffres = _chiffres(programme)
    assert (chiffres.engage, chiffres.paye, chiffres.autres, chiffres.reste) == (
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("30000.00"),
    )
    assert Enveloppe.objects.get(programme=programme).disponible == Decimal("30000.00")
    with pytest.raises(RuleViolation):
        services.engagement_correct(engagement=engagement, by=coordinateur, note="encore")
    with pytest.raises(RuleViolation):
        services.paiement_correct(paiement=Paiement.objects.get(corrige=paiement), by=coordinateur, note="x")


@pytest.mark.django_db
def test_pace_projects_when_the_minimum_is_reached(coordinateur):
    today = datetime.date(2026, 7, 1)
    programme = ProgrammeFactory(date_debut=datetime.date(2026, 1, 1), date_fin=datetime.date(2026, 12, 31))
    accompagnement = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=8)
    for _ in range(12):  # 12 days delivered over 181 days
        seance_livree(accompagnement, 2, days_ago=200)
    chiffres = _chiffres(programme)
    rythme = selectors.rythme(programme, chiffres, today=today)
    assert rythme.jours_livres == 12
    # 18 days left at 12/181 a day → 272 days → 30 March 2027, after the end of the period.
    assert rythme.date_minimum == datetime.date(2027, 3, 30)
    assert not rythme.dans_les_temps


@pytest.mark.django_db
def test_breakdowns_and_funnel_count_what_the_committee_expects(coordinateur):
    from annuaire.models import Domaine
    from tests.factories import CompetenceFactory

    programme = ProgrammeFactory()
    domaine = Domaine.objects.order_by("ordre").first()
    c1, c2 = CompetenceFactory(domaine=domaine), CompetenceFactory(domaine=domaine)
    a = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    a.candidature.competences_souhaitees.set([c1, c2])  # two competences of one domain: counted once
    seance_livree(a, 2)
    b = AccompagnementFactory(
        candidature__programme=programme, demi_journees_prevues=2, format=ProgrammeFactory.mentorat(programme), etat="termine"
    )
    AccompagnementFactory(candidature__programme=programme, etat="abandonne")
    resume_a_jour(a)  # the competences sought were set after the accompagnement was made

    groupes = selectors.repartitions(programme)
    formats = {ligne.libelle: (ligne.nombre, ligne.hj_prevues, ligne.hj_livrees) for ligne in groupes["formats"]}
    assert formats == {"Transfert de savoir-faire": (1, 4, 2), "Mentorat": (1, 2, 0)}
    assert [(ligne.libelle, ligne.nombre) for ligne in groupes["departements"]] == [("31 – Haute-Garonne", 2)]
    domaines = selectors.repartition_domaines(programme)
    assert [(ligne.libelle, ligne.nombre, ligne.hj_prevues, ligne.hj_livrees) for ligne in domaines] == [(domaine.nom, 1, 4, 2)]
    from evaluations.models import Evaluation

    # Evaluated at 6 months: an answered 6-month questionnaire (b); a's is only open, and an answered
    # end-of-programme one does not count.
    for accompagnement, moment, etat in ((b, "six_mois", "repondue"), (a, "six_mois", "ouverte"), (a, "sortie", "repondue")):
        Evaluation.objects.create(
            accompagnement=accompagnement,
            moment=moment,
            repondant="beneficiaire",
            personne=accompagnement.beneficiaire,
            etat=etat,
        )
    etapes = [etape.nombre for etape in selectors.entonnoir(programme)]
    # 3 selected applications; 2 started (one abandoned before starting counts as neither); 1 finished;
    # 1 evaluated at 6 months.
    assert etapes == [3, 3, 3, 2, 1, 1]
    assert b.etat == "termine"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_exceed_what_was_delivered(coordinateur):
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL; CI runs this file on PostgreSQL")
    accompagnement = AccompagnementFactory(demi_journees_prevues=4)
    engager(accompagnement, by=coordinateur)
    seance_livree(accompagnement, 2)  # 500 € delivered
    structure = accompagnement.mentors.get().structure
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    outcomes: list[str] = []
    lock = threading.Lock()

    def pay(index: int) -> None:
        try:
            barrier.wait()
            services.paiement_create(
                accompagnement=accompagnement,
                structure=structure,
                date_paiement=datetime.date(2026, 4, 2),
                montant=Decimal("100.00"),
                reference_facture=f"F-{index}",
                by=coordinateur,
            )
            result = "ok"
        except RuleViolation:
            result = "refused"
        except Exception as error:  # noqa: BLE001 - any other outcome is a failure we want to see
            result = f"error: {error!r}"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=pay, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * 5
    assert _chiffres(accompagnement.programme).paye == Decimal("500.00")


@pytest.mark.django_db
def test_an_advance_never_exceeds_the_committed_amount_even_with_the_override(coordinateur):
    """Issue 13, defect 1: 40 000 € with « dépassement autorisé » on a 1 000 € convention was recorded."""
    accompagnement = AccompagnementFactory(demi_journees_prevues=4)
    engager(accompagnement, by=coordinateur)  # 1 000 €
    kwargs = {
        "accompagnement": accompagnement,
        "structure": accompagnement.mentors.get().structure,
        "date_paiement": datetime.date(2026, 4, 2),
        "reference_facture": "F-40K",
        "by": coordinateur,
        "depassement_autorise": True,
        "note": "Avance",
    }
    with pytest.raises(RuleViolation) as refused:
        services.paiement_create(montant=Decimal("40000.00"), **kwargs)
    assert refused.value.field == "montant"
    assert "au-delà de l’engagé" in refused.value.message and "avenant" in refused.value.message
    assert Paiement.objects.count() == 0
    # An advance up to the committed amount is what the tick is for.
    services.paiement_create(montant=Decimal("1000.00"), **kwargs)
    with pytest.raises(RuleViolation):
        services.paiement_create(montant=Decimal("0.01"), **kwargs)
    assert _chiffres(accompagnement.programme).paye == Decimal("1000.00")


@pytest.mark.django_db
def test_the_programme_never_pays_more_than_its_envelope(coordinateur):
    programme = ProgrammeFactory(setup__enveloppe=Decimal("1000.00"))
    a = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    engagement = engager(a, by=coordinateur)
    seance_livree(a, 2)
    seance_livree(a, 2, days_ago=5)
    structure_a = a.mentors.get().structure
    services.paiement_create(
        accompagnement=a,
        structure=structure_a,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("1000.00"),
        reference_facture="F-A",
        by=coordinateur,
    )
    # A's convention is cancelled after it was paid, and the envelope reduced to what is left.
    services.engagement_correct(engagement=engagement, by=coordinateur, note="Convention annulée")
    services.enveloppe_set(programme=programme, montant=Decimal("500.00"))
    b = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=2)
    engager(b, by=coordinateur)
    seance_livree(b, 2)
    with pytest.raises(RuleViolation) as refused:
        services.paiement_create(
            accompagnement=b,
            structure=b.mentors.get().structure,
            date_paiement=datetime.date(2026, 4, 2),
            montant=Decimal("100.00"),
            reference_facture="F-B",
            by=coordinateur,
        )
    assert refused.value.field == "montant" and "au-delà de l’enveloppe" in refused.value.message
    assert Paiement.objects.filter(accompagnement=b).count() == 0


@pytest.mark.django_db
def test_only_the_coordination_writes_on_the_budget_even_calling_the_services_directly(
    coordinateur, membre_comite, accompagnement
):
    """The services ask core.permissions (budget/permissions.py) themselves: a script or another app
    acting for a comité member or a mentor is refused, and nothing is written."""
    programme = accompagnement.programme
    mentor = accompagnement.mentors.get()
    engagement = engager(accompagnement, by=coordinateur)
    seance_livree(accompagnement, 2)
    paiement = services.paiement_create(
        accompagnement=accompagnement,
        structure=mentor.structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("100.00"),
        reference_facture="F-1",
        by=coordinateur,
    )
    depense = services.autre_depense_create(
        programme=programme,
        categorie="communication",
        libelle="Affiches",
        date_depense=datetime.date(2026, 5, 1),
        montant=Decimal("300.00"),
        by=coordinateur,
    )
    lignes = (Engagement.objects.count(), Paiement.objects.count(), AutreDepense.objects.count())
    enveloppe = Enveloppe.objects.get(programme=programme)
    for user in (membre_comite, mentor.user, accompagnement.beneficiaire):
        writes = [
            partial(services.engagement_create, accompagnement=accompagnement, montant=Decimal("250.00"), libelle="X"),
            partial(
                services.paiement_create,
                accompagnement=accompagnement,
                structure=mentor.structure,
                date_paiement=datetime.date(2026, 4, 3),
                montant=Decimal("100.00"),
                reference_facture="F-2",
            ),
            partial(
                services.autre_depense_create,
                programme=programme,
                categorie="communication",
                libelle="Flyers",
                date_depense=datetime.date(2026, 5, 2),
                montant=Decimal("10.00"),
            ),
            partial(services.engagement_correct, engagement=engagement, note="Erreur"),
            partial(services.paiement_correct, paiement=paiement, note="Erreur"),
            partial(services.autre_depense_correct, depense=depense, note="Erreur"),
        ]
        for write in writes:
            with pytest.raises(PermissionRefused):
                write(by=user)
    assert (Engagement.objects.count(), Paiement.objects.count(), AutreDepense.objects.count()) == lignes
    after = Enveloppe.objects.get(programme=programme)
    assert (after.engage, after.autres_depenses) == (enveloppe.engage, enveloppe.autres_depenses)


@pytest.mark.django_db
def test_a_follow_up_export_is_asked_by_the_coordination_or_the_comite_only(coordinateur, membre_comite, accompagnement):
    programme = accompagnement.programme
    services.export_request(programme=programme, type_export=TypeExport.values[0], by=membre_comite)
    with pytest.raises(PermissionRefused):
        services.export_request(programme=programme, type_export=TypeExport.values[0], by=accompagnement.beneficiaire)
