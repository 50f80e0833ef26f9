from candidatures.eligibility import INCONNU, NON, OK, check_eligibility


def statuts(**kwargs):
    answers = {
        "statut_demandeur": "salarie",
        "departement": "31",
        "part_musiques_actuelles": 80,
        "employeuse": True,
        "projet_premier_emploi": False,
    }
    answers.update(kwargs)
    return {c.code: c for c in check_eligibility(**answers)}


def test_employee_of_an_occitanie_music_structure_meets_every_criterion():
    assert {code: c.statut for code, c in statuts().items()} == {"territoire": OK, "musiques_actuelles": OK, "statut": OK}


def test_structure_outside_occitanie_is_flagged_with_the_reason():
    critere = statuts(departement="75")["territoire"]
    assert critere.statut == NON
    assert "13 départements d’Occitanie" in critere.explication


def test_small_share_of_musiques_actuelles_is_flagged():
    critere = statuts(part_musiques_actuelles=20)["musiques_actuelles"]
    assert critere.statut == NON
    assert "20 %" in critere.explication


def test_volunteer_of_a_structure_that_neither_employs_nor_plans_to_is_flagged():
    critere = statuts(statut_demandeur="benevole", employeuse=False, projet_premier_emploi=False)["statut"]
    assert critere.statut == NON
    assert "n’emploie personne" in critere.explication


def test_volunteer_of_a_structure_planning_its_first_job_is_eligible():
    assert statuts(statut_demandeur="benevole", employeuse=False, projet_premier_emploi=True)["statut"].statut == OK


def test_employee_of_a_structure_declared_without_staff_is_asked_to_check():
    assert statuts(employeuse=False)["statut"].statut == NON


def test_missing_answers_are_unknown_not_unmet():
    result = statuts(
        statut_demandeur="", departement="", part_musiques_actuelles=None, employeuse=None, projet_premier_emploi=None
    )
    assert {c.statut for c in result.values()} == {INCONNU}
