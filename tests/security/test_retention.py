"""RGPD retention: what is past its period is anonymised, the money and the statistics do not move."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db.models import Count, Sum
from django.utils import timezone

from budget.models import Engagement, Enveloppe
from candidatures.models import Candidature, Message, PieceJointe
from core.models import AccesDonnees
from plateforme.retention import ANONYMOUS_DOMAIN, retention_appliquer
from tests.factories import AccompagnementFactory, CandidatureFactory, ProgrammeFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.now()


def _age(queryset, *, months: int, **extra) -> None:
    queryset.update(updated_at=NOW - datetime.timedelta(days=int(months * 30.5)), **extra)


def _piece(candidature) -> PieceJointe:
    return PieceJointe.objects.create(
        candidature=candidature,
        fichier=ContentFile(b"%PDF-1.4 donnees", name="p.pdf"),
        nom_original="avis-imposition.pdf",
        taille=16,
        type_mime="application/pdf",
        sha256="0" * 64,
    )


def _statistics(programme) -> dict:
    candidatures = Candidature.objects.filter(programme=programme)
    return {
        "by_state": dict(candidatures.values_list("etat").annotate(n=Count("id")).order_by("etat")),
        "by_departement": dict(candidatures.values_list("structure__departement").annotate(n=Count("id")).order_by()),
        "retained_half_days": candidatures.aggregate(s=Sum("demi_journees_retenues"))["s"],
        "accompagnements": list(
            programme.accompagnements.values_list("etat", "demi_journees_prevues", "format__code").order_by("pk")
        ),
        "committed": Engagement.objects.filter(programme=programme).aggregate(s=Sum("montant"))["s"],
        "envelope": Enveloppe.objects.filter(programme=programme).values_list("montant", "engage", "autres_depenses").get(),
        "pieces": PieceJointe.objects.filter(candidature__programme=programme).count(),
        "messages": Message.objects.filter(candidature__programme=programme).count(),
    }


@pytest.fixture
def scene(settings, coordinateur):
    settings.TSF_RETENTION = {
        "brouillon_mois": 12,
        "sans_suite_mois": 24,
        "accompagnee_mois": 60,
        "compte_inactif_mois": 36,
        "journal_acces_mois": 12,
        "taches_mois": 1,
    }
    programme = ProgrammeFactory()
    old_login = NOW - datetime.timedelta(days=4 * 365)
    people = {
        key: UserFactory(roles=["candidat"], last_login=old_login)
        for key in ("refused_old", "withdrawn_old", "refused_recent", "done_old", "done_recent", "draft_old")
    }
    files = {}
    files["refused_old"] = CandidatureFactory(
        programme=programme, candidat=people["refused_old"], etat="refusee", motif_decision="Budget fragile"
    )
    files["withdrawn_old"] = CandidatureFactory(programme=programme, candidat=people["withdrawn_old"], etat="retiree")
    files["refused_recent"] = CandidatureFactory(programme=programme, candidat=people["refused_recent"], etat="refusee")
    files["draft_old"] = CandidatureFactory(programme=programme, candidat=people["draft_old"])
    for key in ("done_old", "done_recent"):
        acc = AccompagnementFactory(
            candidature__programme=programme,
            candidature__candidat=people[key],
            candidature__demi_journees_retenues=4,
            etat="clos",
        )
        files[key] = acc.candidature
        Engagement.objects.create(
            programme=programme, accompagnement=acc, montant=Decimal("2000.00"), libelle="Convention", created_by=coordinateur
        )
    Enveloppe.objects.filter(programme=programme).update(engage=Decimal("4000.00"))
    for candidature in files.values():
        _piece(candidature)
        Message.objects.create(candidature=candidature, auteur=candidature.candidat, texte="Mon numéro : 06 12 34 56 78")
    _age(Candidature.objects.filter(pk__in=[files["refused_old"].pk, files["withdrawn_old"].pk]), months=30)
    _age(Candidature.objects.filter(pk=files["refused_recent"].pk), months=18)
    _age(Candidature.objects.filter(pk=files["draft_old"].pk), months=13)
    _age(files["done_old"].accompagnements.all(), months=70)
    _age(files["done_recent"].accompagnements.all(), months=30)
    return programme, files, people


def test_retention_anonymises_past_their_period_and_keeps_budget_and_statistics_exact(
    scene, coordinateur, django_capture_on_commit_callbacks
):
    programme, files, people = scene
    before = _statistics(programme)
    stored = {key: c.pieces.get().fichier.name for key, c in files.items()}
    with django_capture_on_commit_callbacks(execute=True):  # files are deleted once the anonymisation is committed
        bilan = retention_appliquer(now=NOW)
    after = _statistics(programme)

    assert after == before  # totals, counts and breakdowns identical
    expected = {"refused_old", "withdrawn_old", "draft_old", "done_old"}
    assert set(bilan.candidatures) == {files[key].pk for key in expected}
    for key, candidature in files.items():
        candidature.refresh_from_db()
        piece = candidature.pieces.get()
        message = candidature.messages.get()
        if key in expected:
            assert candidature.presentation == "" and candidature.motif_decision == ""
            assert "06 12" not in message.texte
            assert piece.nom_original == "document-supprime" and not piece.fichier
            assert not default_storage.exists(stored[key])
            assert candidature.evenements.filter(transition="anonymisation").exists()
        else:
            # Refused 18 months ago (period 24) and completed 30 months ago (period 60): kept.
            assert candidature.presentation != ""
            assert piece.nom_original == "avis-imposition.pdf" and default_storage.exists(stored[key])
    # The accounts whose every file is anonymised, inactive for 4 years, are anonymised too.
    for key, user in people.items():
        user.refresh_from_db()
        if key in expected:
            assert user.email.endswith(ANONYMOUS_DOMAIN) and not user.is_active and not user.has_usable_password()
            assert user.first_name == ""
        else:
            assert not user.email.endswith(ANONYMOUS_DOMAIN) and user.is_active
    coordinateur.refresh_from_db()
    assert coordinateur.is_active  # staff accounts are never anonymised by the job

    # Idempotent: a second run changes nothing.
    again = retention_appliquer(now=NOW)
    assert again.candidatures == [] and again.comptes == []
    assert _statistics(programme) == before


def test_refused_applications_go_sooner_than_completed_ones(scene):
    programme, files, _ = scene
    # Same age (30 months) for a refused file and a completed one: only the refused one goes.
    bilan = retention_appliquer(now=NOW)
    assert files["refused_old"].pk in bilan.candidatures
    assert files["done_recent"].pk not in bilan.candidatures


def test_an_accompagnement_in_progress_protects_its_application(scene):
    programme, files, _ = scene
    files["done_old"].accompagnements.update(etat="en_cours")
    _age(files["done_old"].accompagnements.all(), months=70)
    assert files["done_old"].pk not in retention_appliquer(now=NOW).candidatures


def test_a_listed_mentor_is_not_anonymised_for_inactivity(scene):
    from tests.factories import PersonneRessourceFactory

    listed = UserFactory(roles=["personne_ressource"], last_login=NOW - datetime.timedelta(days=5 * 365))
    PersonneRessourceFactory(user=listed, etat="validee")
    gone = UserFactory(roles=["personne_ressource"], last_login=NOW - datetime.timedelta(days=5 * 365))
    PersonneRessourceFactory(user=gone, etat="refusee")
    comptes = retention_appliquer(now=NOW).comptes
    assert listed.pk not in comptes and gone.pk in comptes
    gone.personne_ressource.refresh_from_db()
    assert gone.personne_ressource.nom == "Anonyme" and gone.personne_ressource.email.endswith(ANONYMOUS_DOMAIN)


def test_old_access_log_entries_are_purged(scene, coordinateur):
    old = AccesDonnees.objects.create(user=coordinateur, objet_type="x.Y", objet_id="1", libelle="ancien")
    AccesDonnees.objects.filter(pk=old.pk).update(created_at=NOW - datetime.timedelta(days=400))
    recent = AccesDonnees.objects.create(user=coordinateur, objet_type="x.Y", objet_id="2", libelle="récent")
    retention_appliquer(now=NOW)
    assert list(AccesDonnees.objects.values_list("pk", flat=True)) == [recent.pk]


def test_command_and_beat_entry(scene, settings, capsys):
    assert settings.CELERY_BEAT_SCHEDULE["retention-donnees"]["task"] == "plateforme.tasks.apply_retention"
    call_command("appliquer_conservation", "--dry-run")
    assert "4 candidature(s)" in capsys.readouterr().out
    from plateforme.tasks import apply_retention

    result = apply_retention.delay().get()
    assert result.startswith("4 candidature(s) anonymisée(s)")
