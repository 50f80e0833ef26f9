"""A whole accompagnement walked through time with a frozen clock: every reminder is sent once."""

from __future__ import annotations

import datetime
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accompagnements.models import Accompagnement
from candidatures.services import candidature_receipt_generate
from conventions.services import convention_finalize, convention_render_pdf, convention_sign
from core.invariants import find_violations
from evaluations import services as evaluation_services
from evaluations.models import Evaluation, MesureIndicateur
from relances.planning import relances_planifier
from relances.services import relances_envoyer_dues
from tests.factories import CandidatureFactory, ConventionFactory

from .conftest import build_dossier, remettre_compte_rendu, seance, sent, tenir

PARIS = ZoneInfo("Europe/Paris")
T0 = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=PARIS)
STEP = datetime.timedelta(hours=6)


def beat() -> None:
    """What Celery beat does: plan (every 15 min) and scan (every minute)."""
    relances_planifier()
    relances_envoyer_dues()


@pytest.mark.django_db
def test_a_whole_accompagnement_sends_each_reminder_once():
    with time_machine.travel(T0, tick=False) as clock:
        now = T0

        def walk_to(moment: datetime.datetime) -> None:
            nonlocal now
            while now < moment:
                now = min(now + STEP, moment)
                clock.move_to(now)
                beat()

        d = build_dossier(etat="convention")
        # Through the services, so that the end state is the one the platform would hold (issue 13):
        # the receipt of the application, the convention's PDF, its signatures and commitment.
        candidature_receipt_generate(candidature=d.accompagnement.candidature)
        mail.outbox.clear()
        brouillon = CandidatureFactory(programme=d.accompagnement.programme)  # left alone from T0
        convention = convention_render_pdf(convention_id=ConventionFactory(accompagnement=d.accompagnement).pk)
        for signataire in (d.coordinateur, d.mentor):
            convention_sign(convention=convention, by=signataire, adresse_ip=None, sha256_document=convention.pdf_sha256)
        s1 = seance(d, T0 + datetime.timedelta(days=7, hours=5))  # 9 March, 14:00
        s2 = seance(d, T0 + datetime.timedelta(days=28, hours=5))  # 30 March: 21 days later
        beat()

        # The beneficiary signs on day 4; the accompagnement starts.
        walk_to(T0 + datetime.timedelta(days=4))
        convention_sign(convention=convention, by=d.beneficiaire, adresse_ip=None, sha256_document=convention.pdf_sha256)
        convention_finalize(convention_id=convention.pk)  # what the worker does after the commit
        d.accompagnement.refresh_from_db()
        assert d.accompagnement.etat == "en_cours"

        # Session 1 is held; its report comes on day 6 (after the J+5 reminder, before J+8).
        walk_to(s1.debut + datetime.timedelta(hours=4))
        tenir(s1)
        walk_to(s1.debut + datetime.timedelta(days=6))
        remettre_compte_rendu(s1, d.mentor)

        # Session 2, the last one planned, is held: the exit evaluation opens by itself. Its report never comes.
        walk_to(s2.debut + datetime.timedelta(hours=4))
        tenir(s2)
        walk_to(s2.debut + datetime.timedelta(days=2))
        d.accompagnement.refresh_from_db()
        assert d.accompagnement.etat == "termine"
        mentor_eval = Evaluation.objects.get(accompagnement=d.accompagnement, moment="sortie", repondant="mentor")
        evaluation_services.evaluation_repondre(
            evaluation=mentor_eval,
            by=d.mentor,
            reponses={"transmis": "Méthode de mécénat", "appris": "Un autre regard sur mon métier"},
            satisfaction_format=5,
            recommande_suite=True,
        )
        # The beneficiary answers after the first chase.
        walk_to(s2.debut + datetime.timedelta(days=10))
        benef_eval = Evaluation.objects.get(accompagnement=d.accompagnement, moment="sortie", repondant="beneficiaire")
        evaluation_services.evaluation_repondre(
            evaluation=benef_eval,
            by=d.beneficiaire,
            reponses={"competences": "Construire un dossier", "changements": "Un premier mécène"},
            atteintes={d.objectif.pk: "atteint"},
            indicateurs={d.quantitatif.pk: {"valeur": "2"}, d.qualitatif.pk: {"niveau": 4}},
            satisfaction_format=4,
            satisfaction_personne=5,
        )

        # Six months later, the 6-month questionnaire; answered between the first and second chase.
        termine_le = Accompagnement.objects.get(pk=d.accompagnement.pk).termine_le
        walk_to(evaluation_services.six_mois_apres(termine_le) + datetime.timedelta(days=20))
        six = Evaluation.objects.get(accompagnement=d.accompagnement, moment="six_mois")
        evaluation_services.evaluation_repondre(
            evaluation=six,
            by=d.beneficiaire,
            reponses={
                "outils_utilises": "oui",
                "avancee_projet": "Deux mécènes",
                "emploi": "maintenu",
                "personne_ressource": "envisage",
            },
            indicateurs={d.quantitatif.pk: {"valeur": "3"}, d.qualitatif.pk: {"niveau": 5}},
        )
        walk_to(evaluation_services.six_mois_apres(termine_le) + datetime.timedelta(days=60))

        benef, mentor, coord = d.beneficiaire.email, d.mentor.email, d.coordinateur.email
        expected = sorted(
            [
                ("ecart_seances", coord, 1),
                ("signature", benef, 1),
                ("seance_48h", benef, 1),
                ("seance_48h", mentor, 1),
                ("cr_du", mentor, 1),
                ("brouillon", brouillon.candidat.email, 1),
                ("seance_48h", benef, 1),
                ("seance_48h", mentor, 1),
                ("eval_sortie", benef, 1),
                ("eval_sortie", mentor, 1),
                ("cr_du", mentor, 1),
                ("cr_retard", mentor, 1),
                ("cr_retard_coord", coord, 1),
                ("eval_sortie_relance", benef, 1),
                ("eval_6mois", benef, 1),
                ("eval_6mois_relance", benef, 1),
                # Service fait (issue 17): nobody confirmed either held session: each of the pair is
                # reminded once per session, then the coordination is alerted once per session.
                ("service_fait", benef, 1),
                ("service_fait", mentor, 1),
                ("service_fait_coord", coord, 1),
                ("service_fait", benef, 1),
                ("service_fait", mentor, 1),
                ("service_fait_coord", coord, 1),
            ]
        )
        assert sent() == expected
        ids = [m.extra_headers["X-TSF-Relance"] for m in mail.outbox]
        assert len(ids) == len(set(ids)) == len(mail.outbox)

        # Running the scan twice more sends nothing new.
        count = len(mail.outbox)
        beat()
        beat()
        assert len(mail.outbox) == count

        # The indicators were scored three times on one scale.
        moments = Counter(MesureIndicateur.objects.filter(indicateur__objectif=d.objectif).values_list("moment", flat=True))
        assert moments == {"debut": 2, "sortie": 2, "six_mois": 2}

        # Issue 13: the whole story leaves the database within every invariant.
        violations = find_violations()
        assert not violations, "\n".join(f"{v.code} – {v.objet} : {v.message}" for v in violations)


@pytest.mark.django_db
def test_every_reminder_email_is_french_html_and_text_with_a_link():
    with time_machine.travel(T0, tick=False) as clock:
        d = build_dossier()
        s1 = seance(d, T0 + datetime.timedelta(days=2))
        beat()
        clock.move_to(s1.debut - datetime.timedelta(hours=47))
        beat()
        messages = [m for m in mail.outbox if m.to == [d.beneficiaire.email]]
        assert len(messages) == 1
        message = messages[0]
        assert message.subject.startswith("Séance du ")
        html = message.alternatives[0][0]
        link = f"/accompagnements/{d.accompagnement.pk}/"
        assert link in message.body and link in html
        assert "Bonjour" in message.body and "&#x27;" not in message.body
