from __future__ import annotations

import re

import pytest
from django.core import mail, signing

from accompagnements.models import Accompagnement
from accounts import roles
from annuaire import selectors, services
from annuaire.models import EtatProposition, PersonneRessource, Proposition
from candidatures.models import CandidatureEvenement
from core.exceptions import DomainError, PermissionRefused, RuleViolation, TransitionRefused
from tests.factories import AccompagnementFactory, PersonneRessourceFactory, StructureFactory, UserFactory

from .conftest import dossier_retenu

pytestmark = pytest.mark.usefixtures("emails")


def _apply(user=None, **kw):
    from django.contrib.auth.models import AnonymousUser

    data = {
        "user": user or AnonymousUser(),
        "structure": services.StructureData(
            siret="", raison_sociale="Le Rockstore", commune="Montpellier", departement="34", type_structure="scene"
        ),
        "competences": kw.pop("competences"),
        "prenom": "Inès",
        "nom": "Martin",
        "email": "ines@exemple.test",
        "departement": "34",
        "mobilite": "region",
        "types_projets": ["scene"],
        "tailles_projets": ["3-9"],
        "disponibilite_demi_journees": 6,
    }
    return services.personne_ressource_apply(**(data | kw))


def test_public_application_creates_a_pending_profile_and_tells_the_coordination(db, competences, settings):
    pr = _apply(competences={competences[0].pk: 3, competences[1].pk: 1})
    assert pr.etat == "candidate"
    assert pr.user is None
    assert pr.structure.raison_sociale == "Le Rockstore"
    assert dict(pr.competences_niveaux.values_list("competence_id", "niveau")) == {competences[0].pk: 3, competences[1].pk: 1}
    assert pr.evenements.get().transition == "candidater"
    assert mail.outbox[-1].to == [settings.TSF_PILOT["email"]]


def test_application_needs_a_competence(db):
    with pytest.raises(RuleViolation):
        _apply(competences={})


def test_former_beneficiary_is_flagged(db, competences):
    acc = AccompagnementFactory()
    pr = _apply(user=acc.beneficiaire, competences={competences[0].pk: 2}, email=acc.beneficiaire.email)
    assert pr.ancien_beneficiaire is True
    assert pr.user == acc.beneficiaire


def test_existing_structure_is_found_by_siret(db, competences):
    structure = StructureFactory()
    pr = _apply(competences={competences[0].pk: 2}, structure=services.StructureData(siret=structure.siret))
    assert pr.structure == structure


def test_committee_suggestion_creates_a_suggested_profile(db, membre_comite, settings):
    structure = StructureFactory()
    pr = services.personne_ressource_suggest(
        by=membre_comite,
        prenom="Paul",
        nom="Expert",
        email="paul@exemple.test",
        structure=services.StructureData(siret=structure.siret),
        departement="31",
        motif="Spécialiste du mécénat",
    )
    assert pr.etat == "suggeree" and pr.suggeree_par == membre_comite
    assert mail.outbox[-1].to == [settings.TSF_PILOT["email"]]
    assert "Paul Expert" in mail.outbox[-1].subject


def test_candidate_cannot_suggest(db, candidat):
    # A role that may not: the permission module's refusal (core.permissions, rule "annuaire.suggerer").
    with pytest.raises(PermissionRefused, match="peuvent suggérer"):
        services.personne_ressource_suggest(
            by=candidat,
            prenom="A",
            nom="B",
            email="a@b.test",
            structure=services.StructureData(siret=StructureFactory().siret),
            departement="31",
            motif="x",
        )


def test_validation_creates_the_account_with_the_mentor_role_and_keeps_history(db, competences, coordinateur):
    pr = _apply(competences={competences[0].pk: 2})
    services.personne_ressource_validate(personne_ressource=pr, by=coordinateur)
    pr.refresh_from_db()
    assert pr.etat == "validee"
    assert pr.user.email == "ines@exemple.test"
    assert roles.is_personne_ressource(pr.user)
    assert not pr.user.has_usable_password()
    last = pr.evenements.order_by("id").last()
    assert (last.from_state, last.to_state, last.actor) == ("candidate", "validee", coordinateur)
    assert "mot de passe" in mail.outbox[-1].body


def test_validation_refused_when_employer_not_in_good_standing(db, competences, coordinateur):
    pr = _apply(competences={competences[0].pk: 2})
    pr.structure.en_regle = False
    pr.structure.save()
    with pytest.raises(RuleViolation):
        services.personne_ressource_validate(personne_ressource=pr, by=coordinateur)


def test_refusal_needs_a_reason(db, competences, coordinateur):
    pr = _apply(competences={competences[0].pk: 2})
    with pytest.raises(TransitionRefused):
        services.personne_ressource_refuse(personne_ressource=pr, by=coordinateur, reason=" ")
    services.personne_ressource_refuse(personne_ressource=pr, by=coordinateur, reason="Structure hors Occitanie")
    assert PersonneRessource.objects.get(pk=pr.pk).etat == "refusee"


def test_ranking_lists_perfect_match_first_and_excludes_same_structure(db, dossier, mentor_parfait, mentor_moyen):
    collegue = PersonneRessourceFactory(structure=dossier.structure)
    classement = selectors.classement(dossier)
    assert [s.mentor.id for s in classement.scores] == [mentor_parfait.pk, mentor_moyen.pk]
    assert {e.mentor.id for e in classement.exclusions} == {collegue.pk}


def test_availability_counts_half_days_of_the_programme(db, programme, dossier, mentor_parfait):
    AccompagnementFactory(candidature__programme=programme, mentors=[mentor_parfait], demi_journees_prevues=4)
    profil = next(m for m in selectors.mentors(programme) if m.id == mentor_parfait.pk)
    assert (profil.missions, profil.reste) == (1, 6)


def test_novelty_sees_earlier_missions_between_the_two_structures(db, programme, dossier, mentor_parfait):
    AccompagnementFactory(
        candidature__programme=programme, candidature__structure=dossier.structure, mentors=[mentor_parfait], etat="clos"
    )
    assert selectors.dossiers([dossier])[0].partenaires == frozenset({mentor_parfait.structure_id})


def test_proposing_the_best_then_accepting_creates_the_accompagnement(db, dossier, mentor_parfait, mentor_moyen, coordinateur):
    proposition = services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    assert proposition.etat == EtatProposition.ENVOYEE and proposition.rang == 1
    assert proposition.detail_score["parts"][0]["explication"]
    email = mail.outbox[-1]
    assert email.to == [mentor_parfait.email]
    token = re.search(r"/annuaire/reponse/([^/]+)/\?reponse=accepter", email.body).group(1)
    assert "?reponse=decliner" in email.body
    # The file no longer waits for a match while the mentor answers.
    assert not selectors.candidatures_a_apparier(dossier.programme).filter(pk=dossier.pk).exists()
    acc = services.proposition_accept(proposition=services.proposition_from_token(token))
    assert list(acc.mentors.all()) == [mentor_parfait]
    assert (acc.format, acc.demi_journees_prevues) == (dossier.format_retenu, 2)
    assert Proposition.objects.get(pk=proposition.pk).etat == EtatProposition.ACCEPTEE
    with pytest.raises(TransitionRefused):
        services.proposition_accept(proposition=services.proposition_from_token(token))


def test_override_of_the_best_needs_a_justification_kept_on_the_file(db, dossier, mentor_parfait, mentor_moyen, coordinateur):
    with pytest.raises(RuleViolation) as exc:
        services.proposition_send(candidature=dossier, personne_ressource=mentor_moyen, by=coordinateur)
    assert exc.value.field == "justification"
    services.proposition_send(
        candidature=dossier, personne_ressource=mentor_moyen, by=coordinateur, justification="Connaît déjà l’équipe."
    )
    event = CandidatureEvenement.objects.filter(candidature=dossier).last()
    assert event.reason == "Connaît déjà l’équipe."
    assert event.details["action"] == "proposition_envoyee"


def test_excluded_mentor_cannot_be_proposed(db, dossier, mentor_parfait, coordinateur):
    collegue = PersonneRessourceFactory(structure=dossier.structure)
    with pytest.raises(RuleViolation, match="structure"):
        services.proposition_send(candidature=dossier, personne_ressource=collegue, by=coordinateur, justification="x")


def test_decline_returns_the_file_to_matching_with_the_next_best(db, dossier, mentor_parfait, mentor_moyen, coordinateur):
    proposition = services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    with pytest.raises(TransitionRefused):
        services.proposition_decline(proposition=proposition, motif="")
    suivante = services.proposition_decline(proposition=proposition, motif="Pas disponible ce trimestre")
    assert Proposition.objects.get(pk=proposition.pk).motif_refus == "Pas disponible ce trimestre"
    assert suivante.personne_ressource == mentor_moyen and suivante.etat == EtatProposition.BROUILLON
    assert selectors.candidatures_a_apparier(dossier.programme).filter(pk=dossier.pk).exists()
    classement = selectors.classement(dossier)
    assert mentor_parfait.pk not in [s.mentor.id for s in classement.scores]


def test_token_is_bound_to_proposition_and_mentor(db, dossier, mentor_parfait, coordinateur):
    proposition = services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    forged = signing.dumps({"p": proposition.pk, "m": mentor_parfait.pk + 1}, salt=services.TOKEN_SALT)
    with pytest.raises(Proposition.DoesNotExist):
        services.proposition_from_token(forged)
    with pytest.raises(signing.BadSignature):
        services.proposition_from_token(services.proposition_token(proposition) + "x")


def test_batch_respects_the_cap_and_confirm_sends_everything(db, programme, competences, coordinateur):
    programme.missions_max_par_mentor = 2
    programme.save()
    files = [dossier_retenu(programme, besoins=[(competences[0], 3)]) for _ in range(5)]
    star = PersonneRessourceFactory(competences=[(competences[0], 3)], disponibilite_demi_journees=20)
    other = PersonneRessourceFactory(competences=[(competences[0], 1)], disponibilite_demi_journees=20)
    lot = services.propositions_batch_draft(programme=programme, by=coordinateur)
    assert (lot.propositions, lot.dossiers) == (4, 5)
    drafts = Proposition.objects.filter(etat=EtatProposition.BROUILLON)
    assert drafts.filter(personne_ressource=star).count() == 2
    assert drafts.filter(personne_ressource=other).count() == 2
    # Changing a line to over-fill the star mentor is refused at confirmation.
    line = drafts.filter(personne_ressource=other).first()
    with pytest.raises(RuleViolation):
        services.proposition_change(proposition=line, personne_ressource=star, by=coordinateur, justification="")
    services.proposition_change(proposition=line, personne_ressource=star, by=coordinateur, justification="Souhait exprimé")
    with pytest.raises(RuleViolation, match="plafond"):
        services.propositions_batch_confirm(programme=programme, by=coordinateur)
    services.proposition_change(proposition=line, personne_ressource=other, by=coordinateur, justification="")
    mail.outbox.clear()
    assert services.propositions_batch_confirm(programme=programme, by=coordinateur) == 4
    assert len(mail.outbox) == 4
    assert selectors.candidatures_a_apparier(programme).count() == 1
    assert files


def test_weights_are_settings_of_the_programme(db, programme, coordinateur):
    with pytest.raises(DomainError):
        services.programme_set_matching(
            programme=programme, by=coordinateur, missions_max_par_mentor=2, **dict.fromkeys(services.POIDS_FIELDS, 0)
        )
    services.programme_set_matching(
        programme=programme, by=coordinateur, missions_max_par_mentor=3, **dict.fromkeys(services.POIDS_FIELDS, 5)
    )
    programme.refresh_from_db()
    assert (programme.poids_geographie, programme.missions_max_par_mentor) == (5, 3)


def test_accepted_mission_holds_capacity(db, programme, dossier, mentor_parfait, coordinateur):
    services.proposition_send(candidature=dossier, personne_ressource=mentor_parfait, by=coordinateur)
    profil = next(m for m in selectors.mentors(programme) if m.id == mentor_parfait.pk)
    assert profil.missions == 1 and profil.reste == 8
    assert Accompagnement.objects.count() == 0
    assert UserFactory


def test_suggested_person_who_applies_completes_the_suggested_profile(db, competences, membre_comite):
    suggested = services.personne_ressource_suggest(
        by=membre_comite,
        prenom="Inès",
        nom="Martin",
        email="ines@exemple.test",
        structure=services.StructureData(siret=StructureFactory().siret),
        departement="34",
        motif="Experte",
    )
    pr = _apply(competences={competences[0].pk: 3})
    assert pr.pk == suggested.pk and pr.etat == "candidate"
    with pytest.raises(RuleViolation, match="existe déjà"):
        _apply(competences={competences[0].pk: 3})
