"""Every URL × every role: the answer each role gets, with real objects.

The test walks Django's URL resolver and fails on any route that has no entry in MATRIX (so a new
view cannot ship without stating who may open it), then asks every route as every role and compares:
anonymous → login redirect; someone else's object → 404 (existence does not leak); missing role →
403; own → 200/302. Admin routes follow one rule (staff only), checked on every admin route.

Observe the current answers (to fill a new entry): MATRIX_OBSERVE=1 pytest tests/security/test_permission_matrix.py -s
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from .matrix_scene import ROLES, build_scene
from .test_headers import assert_secure_html

pytestmark = pytest.mark.django_db

# Expected answers. "login": redirect to the login page; "ok": 200 or a redirect inside the site
# (a form that sends elsewhere given the object's state); "admin_login": the admin's login (→ allauth).
LOGIN, OK, DENIED, NOT_FOUND, GONE = "login", "ok", 403, 404, 405
# Access granted, the empty form refused (400): the empty POST of the walk is not valid data.
INVALID = 400


def row(
    anonymous=LOGIN,
    a=OK,
    b=NOT_FOUND,
    mentor=NOT_FOUND,
    mentor_other=NOT_FOUND,
    comite=NOT_FOUND,
    coordination=OK,
    comite_autre=None,
):
    """`comite_autre` (a member of another programme's committee) answers as `comite` unless told."""
    comite_autre = comite if comite_autre is None else comite_autre
    return dict(
        zip(ROLES, [anonymous, a, b, mentor, mentor_other, comite, comite_autre, coordination], strict=True),
    )


def public(status=OK):
    return dict.fromkeys(ROLES, status)


def logged_in(status=OK):
    return {**public(status), "anonymous": LOGIN}


def coordination_only(coordination=OK):
    return row(a=DENIED, b=DENIED, mentor=DENIED, mentor_other=DENIED, comite=DENIED, coordination=coordination)


def comite_or_coordination(comite=OK, comite_autre=None):
    return row(a=DENIED, b=DENIED, mentor=DENIED, mentor_other=DENIED, comite=comite, coordination=OK, comite_autre=comite_autre)


def comite_du_programme():
    """The committee pages of the scene's programme: its members and the coordination; a member of another
    programme's committee does not find them (404)."""
    return comite_or_coordination(comite_autre=NOT_FOUND)


# URL arguments of each route with parameters, from the scene's objects.
ARGS = {
    "account_confirm_email": lambda o: {"key": "cle-inconnue"},
    "account_reset_password_from_key": lambda o: {"uidb36": "zz", "key": "cle-inconnue"},
    "accounts:export_mes_donnees": lambda o: {"fmt": "json"},
    "accounts:export_personne": lambda o: {"pk": o["user_a"].pk, "fmt": "json"},
    "plateforme:email_retablir": lambda o: {"pk": o["user_a"].pk},
    "email_tracking_webhook": lambda o: {"esp": "brevo"},
    "candidatures:questionnaire": lambda o: {"pk": o["brouillon"].pk, "etape": "demandeur"},
    "candidatures:recapitulatif": lambda o: {"pk": o["brouillon"].pk},
    "candidatures:demande_piece": lambda o: {"pk": o["dossier"].pk, "demande_pk": o["demande"].pk},
    "candidatures:piece_telecharger": lambda o: {"pk": o["dossier"].pk, "piece_pk": o["piece"].pk},
    "candidatures:piece_supprimer": lambda o: {"pk": o["dossier"].pk, "piece_pk": o["piece"].pk},
    "candidatures:coordination_piece": lambda o: {"pk": o["dossier"].pk, "piece_pk": o["piece"].pk},
    "candidatures:coordination_decision": lambda o: {"pk": o["dossier"].pk, "decision": "recevable"},
    "comite:saisine_create": lambda o: {"pk": o["dossier"].pk},
    "comite:saisine_detail": lambda o: {"pk": o["saisine"].pk},
    "comite:saisine_piece": lambda o: {"pk": o["saisine"].pk, "piece_pk": o["piece"].pk},
    "accompagnements:detail": lambda o: {"pk": o["accompagnement"].pk},
    "budget:accompagnement_ligne": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:seance_create": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:personne_ressource_ajouter": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:personne_ressource_terminer": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:support_ajouter": lambda o: {"pk": o["seance"].pk, "type_support": "fichier"},
    "accompagnements:support_telecharger": lambda o: {"pk": o["support"].pk},
    "accompagnements:flux_calendrier": lambda o: {"token": o["flux"].token},
    "accompagnements:creneau_retirer": lambda o: {"pk": o["creneau"].pk},
    "accompagnements:creneaux_accompagnement": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:creneau_reserver": lambda o: {"pk": o["accompagnement"].pk, "creneau_pk": o["creneau"].pk},
    "annuaire:proposition_reponse": lambda o: {"token": o["token"]},
    "annuaire:personne_ressource_detail": lambda o: {"pk": o["mentor"].pk},
    "annuaire:personne_ressource_validate": lambda o: {"pk": o["mentor"].pk},
    "annuaire:personne_ressource_refuse": lambda o: {"pk": o["mentor"].pk},
    "annuaire:appariement_candidature": lambda o: {"pk": o["retenu"].pk},
    "annuaire:proposition_modifier": lambda o: {"pk": o["proposition"].pk},
    "annuaire:reglages": lambda o: {"pk": o["programme"].pk},
    "accompagnements:objectif_create": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:objectifs_valider": lambda o: {"pk": o["accompagnement"].pk},
    "accompagnements:objectif_update": lambda o: {"objectif_pk": o["objectif"].pk},
    "accompagnements:objectif_delete": lambda o: {"objectif_pk": o["objectif"].pk},
    "accompagnements:objectif_commenter": lambda o: {"objectif_pk": o["objectif"].pk},
    "accompagnements:indicateur_create": lambda o: {"objectif_pk": o["objectif"].pk},
    "accompagnements:indicateur_update": lambda o: {"indicateur_pk": o["indicateur"].pk},
    "accompagnements:indicateur_delete": lambda o: {"indicateur_pk": o["indicateur"].pk},
    "conventions:generer": lambda o: {"accompagnement_pk": o["accompagnement"].pk},
    "conventions:prolonger": lambda o: {"accompagnement_pk": o["accompagnement"].pk},
    "evaluations:remplir": lambda o: {"pk": o["evaluation"].pk},
    "evaluations:lien": lambda o: {"token": o["evaluation_token"]},
    "evaluations:terminer": lambda o: {"pk": o["accompagnement"].pk},
    "evaluations:suite": lambda o: {"pk": o["accompagnement"].pk},
    "evaluations:resultats_programme": lambda o: {"programme_pk": o["programme"].pk},
    "relances:programme": lambda o: {"programme_pk": o["programme"].pk},
    "relances:message_groupe_detail": lambda o: {"pk": o["message_groupe"].pk},
    "relances:mon_message": lambda o: {"pk": o["copie_message_groupe"].pk},
    "budget:grand_livre": lambda o: {"pk": o["programme"].pk},
    "budget:autre_depense_create": lambda o: {"pk": o["programme"].pk},
    "budget:export_request": lambda o: {"pk": o["programme"].pk},
    "budget:regle_repartition": lambda o: {"pk": o["programme"].pk},
    "budget:documents": lambda o: {"pk": o["programme"].pk},
    "budget:dossier_controle_request": lambda o: {"pk": o["programme"].pk},
    "budget:paiement_create": lambda o: {"pk": o["accompagnement"].pk},
    "budget:engagement_correct": lambda o: {"pk": o["engagement"].pk},
    "budget:paiement_correct": lambda o: {"pk": o["paiement"].pk},
    "budget:autre_depense_correct": lambda o: {"pk": o["depense"].pk},
    "budget:justificatif_download": lambda o: {"pk": o["depense"].pk},
    "budget:export_detail": lambda o: {"pk": o["export"].pk},
    "budget:export_download": lambda o: {"pk": o["export"].pk},
    "accompagnements:service_fait_lien": lambda o: {"token": o["service_fait_token"]},
    "ateliers:desister": lambda o: {"pk": o["inscription"].pk},
    "ateliers:presence": lambda o: {"pk": o["inscription"].pk},
    "ateliers:payee": lambda o: {"pk": o["inscription"].pk},
    "ateliers:evaluer": lambda o: {"pk": o["inscription"].pk},
    "ateliers:groupe_detail": lambda o: {"pk": o["groupe_codev"].pk},
    "ateliers:groupe_seance_planifier": lambda o: {"pk": o["groupe_codev"].pk},
    "ateliers:groupe_presences": lambda o: {"pk": o["seance_groupe"].pk},
    "ateliers:immersion_detail": lambda o: {"pk": o["immersion"].pk},
    "ateliers:immersion_objectifs": lambda o: {"pk": o["immersion"].pk},
    "ateliers:immersion_rapport": lambda o: {"pk": o["immersion"].pk},
}
# Routes whose only parameter is `pk` of one object of the scene.
PK_OF = {
    "candidatures:": "dossier",
    "accompagnements:seance": "seance",
    "accompagnements:compte_rendu": "seance",
    "comite:reunion": "reunion",
    "conventions:": "convention",
    "accompagnements:service_fait": "seance",
    "budget:facture": "facture",
    "ateliers:": "atelier",
}

MATRIX: dict[str, dict[str, Any]] = {
    # allauth (the pages that need no account answer everyone; 404 where the person has no such authenticator).
    "account_login": public(),
    "account_logout": public(),
    "account_inactive": public(),
    "account_signup": public(),
    "account_reauthenticate": logged_in(),
    "account_email": logged_in(),
    "account_email_verification_sent": public(),
    "account_change_password": logged_in(),
    "account_set_password": logged_in(),
    "account_reset_password": public(),
    "account_confirm_login_code": logged_in(),
    "account_confirm_email": public(),
    "account_reset_password_from_key_done": public(),
    "account_reset_password_from_key": public(),
    "account_reset_password_done": public(),
    "mfa_index": logged_in(),
    "mfa_authenticate": logged_in(),
    "mfa_reauthenticate": logged_in(),
    "mfa_activate_totp": logged_in(),
    "mfa_deactivate_totp": row(a=NOT_FOUND, coordination=NOT_FOUND),
    "mfa_view_recovery_codes": row(a=NOT_FOUND, coordination=NOT_FOUND),
    "mfa_generate_recovery_codes": logged_in(),
    "mfa_download_recovery_codes": row(a=NOT_FOUND, coordination=NOT_FOUND),
    "accounts:home": logged_in(),
    "accounts:export_mes_donnees": logged_in(),
    "accounts:export_personne": coordination_only(),
    "candidatures:coordination_dashboard": coordination_only(),
    "candidatures:coordination_coherence": coordination_only(),
    "candidatures:coordination_detail": coordination_only(),
    "candidatures:coordination_decision": coordination_only(),
    "candidatures:coordination_revert": coordination_only(),
    "candidatures:coordination_await": coordination_only(),
    "candidatures:coordination_demande_piece": coordination_only(),
    "candidatures:coordination_note": coordination_only(),
    "candidatures:coordination_etiquettes": coordination_only(),
    "candidatures:coordination_diagnostic_plan": coordination_only(),
    "candidatures:coordination_diagnostic_record": coordination_only(),
    "candidatures:diagnostic_ics": row(mentor=DENIED, mentor_other=DENIED, comite=DENIED),
    "candidatures:coordination_piece": coordination_only(),
    "candidatures:deposer": logged_in(),
    "candidatures:questionnaire": row(coordination=NOT_FOUND),
    "candidatures:recapitulatif": row(coordination=NOT_FOUND),
    "candidatures:dossier": row(coordination=NOT_FOUND),
    "candidatures:message_envoyer": row(coordination=NOT_FOUND),
    "candidatures:retirer": row(coordination=NOT_FOUND),
    "candidatures:demande_piece": row(coordination=NOT_FOUND),
    "candidatures:piece_telecharger": row(coordination=NOT_FOUND),
    "candidatures:piece_supprimer": row(coordination=NOT_FOUND),
    "candidatures:recu": row(coordination=NOT_FOUND),
    "annuaire:candidature_mentor": public(),
    "annuaire:candidature_mentor_merci": public(),
    "annuaire:suggestion": comite_or_coordination(),
    "annuaire:personne_ressource_list": coordination_only(),
    "annuaire:personne_ressource_detail": row(a=NOT_FOUND, mentor=OK),
    "annuaire:personne_ressource_validate": coordination_only(),
    "annuaire:personne_ressource_refuse": coordination_only(),
    "annuaire:referentiel": coordination_only(),
    "annuaire:cartographie": comite_or_coordination(),
    "annuaire:cartographie_csv": comite_or_coordination(),
    "annuaire:appariement_list": coordination_only(),
    "annuaire:appariement_calculer": coordination_only(),
    "annuaire:appariement_confirmer": coordination_only(),
    "annuaire:appariement_candidature": coordination_only(),
    "annuaire:proposition_modifier": coordination_only(),
    "annuaire:reglages": coordination_only(),
    "annuaire:proposition_reponse": public(),
    "accompagnements:detail": row(mentor=OK),
    "accompagnements:seance_create": row(a=DENIED, mentor=OK),
    # The coordination brings a next personne-ressource in; the pair is refused, others do not find it.
    "accompagnements:personne_ressource_ajouter": row(a=DENIED, mentor=DENIED, coordination=OK),
    "accompagnements:personne_ressource_terminer": row(a=DENIED, mentor=DENIED, coordination=OK),
    "accompagnements:seance_detail": row(mentor=OK),
    "accompagnements:seance_update": row(a=DENIED, mentor=OK),
    "accompagnements:seance_realiser": row(a=DENIED, mentor=OK),
    "accompagnements:seance_annuler": row(mentor=OK),
    "accompagnements:seance_arbitrer": row(a=DENIED, mentor=DENIED, coordination=INVALID),
    "accompagnements:seance_question": row(a=INVALID, mentor=INVALID, coordination=DENIED),
    # Service fait (issue 17): the pair answers (the empty POST is refused as a form), the coordination settles.
    "accompagnements:seance_confirmer": row(a=INVALID, mentor=INVALID, coordination=DENIED),
    "accompagnements:service_fait_arbitrer": row(a=DENIED, mentor=DENIED, coordination=INVALID),
    "accompagnements:service_fait_a_traiter": coordination_only(),
    # The e-mail's signed link: no login, the token is the access (like evaluations:lien).
    "accompagnements:service_fait_lien": public(),
    "accompagnements:compte_rendu_edit": row(a=DENIED, mentor=OK, coordination=DENIED),
    "accompagnements:compte_rendu_commenter": row(a=NOT_FOUND, mentor=DENIED, coordination=DENIED),
    "accompagnements:support_ajouter": row(a=INVALID, mentor=INVALID, coordination=INVALID),
    "accompagnements:support_telecharger": row(mentor=OK),
    "accompagnements:seance_ics": row(mentor=OK),
    "accompagnements:agenda": logged_in(),
    "accompagnements:flux_regenerer": logged_in(),
    "accompagnements:flux_revoquer": logged_in(),
    "accompagnements:flux_calendrier": public(),
    # Availability slots: each mentor their own; the beneficiary or the coordination books (the mentor plans).
    "accompagnements:mes_creneaux": row(a=DENIED, b=DENIED, mentor=OK, mentor_other=OK, comite=DENIED, coordination=DENIED),
    "accompagnements:creneau_retirer": row(a=NOT_FOUND, mentor=OK, coordination=NOT_FOUND),
    "accompagnements:creneaux_accompagnement": row(mentor=DENIED),
    "accompagnements:creneau_reserver": row(mentor=DENIED),
    # Ateliers: the calendar for beneficiaries, personnes-ressources and the coordination; a registration
    # is its participant's (A), the coordination's, and for attendance the leader's (the assigned mentor).
    "ateliers:liste": row(b=OK, mentor=OK, mentor_other=OK, comite=DENIED),
    "ateliers:detail": row(b=OK, mentor=OK, mentor_other=OK, comite=DENIED),
    "ateliers:inscrire": row(a=INVALID, b=OK, mentor=DENIED, mentor_other=DENIED, comite=DENIED, coordination=DENIED),
    "ateliers:inscrire_personne": coordination_only(coordination=INVALID),
    "ateliers:desister": row(mentor=DENIED),
    "ateliers:presence": row(a=DENIED, mentor=OK),
    "ateliers:payee": row(a=DENIED, mentor=DENIED),
    # A registration's evaluation is its participant's alone; the scene's workshop is not held: nothing to evaluate yet.
    "ateliers:evaluer": row(a=NOT_FOUND, coordination=NOT_FOUND),
    "ateliers:groupes": logged_in(),
    "ateliers:groupe_detail": row(mentor=OK),
    "ateliers:groupe_seance_planifier": row(a=DENIED, mentor=INVALID, coordination=INVALID),
    "ateliers:groupe_presences": row(a=DENIED, mentor=OK),
    "ateliers:immersion_detail": row(mentor=OK),
    # Objectives to fill: the mentee (or the coordination) is asked for them, the empty form refused.
    "ateliers:immersion_objectifs": row(a=INVALID, mentor=DENIED, coordination=INVALID),
    "ateliers:immersion_rapport": row(a=INVALID, mentor=INVALID, coordination=DENIED),
    # Held (the coming workshop of the scene: not yet, said on the page) or cancelled: the coordination only.
    "ateliers:clore": coordination_only(coordination=INVALID),
    "ateliers:annuler": coordination_only(),
    # The objectives grid is written by the pair (beneficiary + mentor); the coordination reads it and comments.
    "accompagnements:objectif_create": row(mentor=OK, coordination=DENIED),
    "accompagnements:objectifs_valider": row(mentor=OK, coordination=DENIED),
    "accompagnements:objectif_update": row(mentor=OK, coordination=DENIED),
    "accompagnements:objectif_delete": row(mentor=OK, coordination=DENIED),
    "accompagnements:objectif_commenter": row(a=DENIED, mentor=DENIED),
    "accompagnements:indicateur_create": row(mentor=OK, coordination=DENIED),
    "accompagnements:indicateur_update": row(mentor=OK, coordination=DENIED),
    "accompagnements:indicateur_delete": row(mentor=OK, coordination=DENIED),
    # The convention: the parties read and sign it; the coordination generates it, files a scan, writes an avenant.
    "conventions:generer": row(a=DENIED, mentor=DENIED),
    "conventions:prolonger": row(a=DENIED, mentor=DENIED, coordination=OK),
    "conventions:signer": row(mentor=OK),
    "conventions:document": row(mentor=OK),
    "conventions:document_signe": row(mentor=OK),
    "conventions:integrite": row(mentor=OK),
    "conventions:scan": row(a=DENIED, mentor=DENIED),
    "conventions:avenant": row(a=DENIED, mentor=DENIED),
    # A questionnaire is its respondent's only (the coordination reads the results, never fills one in).
    "evaluations:remplir": row(coordination=NOT_FOUND),
    "evaluations:lien": public(),  # the signed token is the key (a bad token: 404, see below)
    "evaluations:terminer": coordination_only(),
    "evaluations:suite": coordination_only(),
    "evaluations:resultats": comite_or_coordination(),
    "evaluations:resultats_programme": comite_du_programme(),
    "relances:programme": coordination_only(),
    # Group messages: the coordination writes them and reads their record; each person reads their own copy
    # (another person's copy, even for the coordination, is not found) and sets their own notifications.
    "relances:message_groupe_list": coordination_only(),
    "relances:message_groupe_nouveau": coordination_only(),
    "relances:message_groupe_detail": coordination_only(),
    "relances:mes_messages": logged_in(),
    "relances:mon_message": row(coordination=NOT_FOUND),
    "relances:mes_notifications": logged_in(),
    "relances:courant": coordination_only(),
    # The budget: the committee reads (dashboard, ledger, receipts) and asks for follow-up documents (its own
    # exports only; the coordination's export is not found for it); every write is the coordination's.
    "budget:tableau_de_bord": comite_or_coordination(),
    "budget:comparaison": comite_or_coordination(),
    "budget:grand_livre": comite_du_programme(),
    "budget:autre_depense_create": coordination_only(),
    "budget:export_request": comite_du_programme(),
    # The funders' sharing rule (issue 17) is the coordination's choice; the committee reads the shares.
    "budget:regle_repartition": coordination_only(),
    "budget:documents": comite_du_programme(),
    # The audit file gathers the accompagnements' reports and records: the committee sees figures, not files.
    "budget:dossier_controle_request": coordination_only(),
    "budget:paiement_create": coordination_only(),
    "budget:accompagnement_ligne": comite_du_programme(),
    "budget:engagement_correct": coordination_only(),
    "budget:paiement_correct": coordination_only(),
    "budget:autre_depense_correct": coordination_only(),
    "budget:justificatif_download": comite_du_programme(),
    "budget:export_detail": comite_or_coordination(comite=NOT_FOUND),
    "budget:export_download": comite_or_coordination(comite=NOT_FOUND),
    # Invoices (issue 17): a mentor sees their structure's only (another one's is a 404); the coordination checks
    # and pays them; the comité and the beneficiaries have no part in them.
    "budget:factures": row(a=DENIED, b=DENIED, mentor=OK, mentor_other=OK, comite=DENIED),
    "budget:facture_deposer": row(a=DENIED, b=DENIED, mentor=OK, mentor_other=OK, comite=DENIED, coordination=DENIED),
    "budget:facture_detail": row(a=NOT_FOUND, mentor=OK),
    "budget:facture_corriger": row(a=NOT_FOUND, mentor=OK, coordination=DENIED),
    "budget:facture_approuver": row(a=NOT_FOUND, mentor=DENIED),
    "budget:facture_retourner": row(a=NOT_FOUND, mentor=DENIED, coordination=INVALID),
    "budget:facture_payer": row(a=NOT_FOUND, mentor=DENIED, coordination=INVALID),
    "budget:facture_telecharger": row(a=NOT_FOUND, mentor=OK),
    "budget:paiements_csv": coordination_only(),
    "comite:saisine_create": coordination_only(),
    "comite:saisine_list": comite_or_coordination(),
    "comite:saisine_detail": comite_du_programme(),
    "comite:saisine_piece": comite_du_programme(),
    "comite:reunion_list": comite_or_coordination(),
    "comite:reunion_create": coordination_only(),
    "comite:reunion_detail": comite_du_programme(),
    "comite:reunion_update": coordination_only(),
    "comite:reunion_minutes": coordination_only(),
    "comite:reunion_minutes_file": comite_du_programme(),
    "core:home": public(),
    "core:faq": public(),
    "core:devenir_personne_ressource": public(),
    "core:mentions_legales": public(),
    "core:donnees_personnelles": public(),
    "core:accessibilite": public(),
    # No worker heartbeat in the test database: the health check says so to everyone, and nothing else.
    "plateforme:sante": public(503),
    "plateforme:etat_plateforme": coordination_only(),
    "plateforme:emails_en_echec": coordination_only(),
    "plateforme:email_retablir": coordination_only(),
    # The coordination's desk (issue 15): the queue and the accompagnements list; the search answers
    # everyone signed in, each within what they may open.
    "plateforme:a_traiter": coordination_only(),
    "plateforme:recherche": logged_in(),
    "accompagnements:list": coordination_only(),
    # The mail provider's webhook: no session, HTTP basic auth only; refused while WEBHOOK_SECRET is unset.
    "email_tracking_webhook": public(DENIED),
}


def all_routes() -> list[tuple[str, URLPattern]]:
    """(namespaced name, pattern) of every named route of the project."""
    found: list[tuple[str, URLPattern]] = []

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = namespace
                if entry.namespace:
                    inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                walk(entry, inner)
            elif entry.name:
                found.append((f"{namespace}:{entry.name}" if namespace else entry.name, entry))

    walk(get_resolver(), None)
    return found


def _kwargs(name: str, pattern: URLPattern, objects: dict[str, Any]) -> dict[str, Any]:
    if name in ARGS:
        return ARGS[name](objects)
    params = set(pattern.pattern.regex.groupindex)
    if not params:
        return {}
    if params == {"pk"}:
        for prefix, key in PK_OF.items():
            if name.startswith(prefix):
                return {"pk": objects[key].pk}
    raise AssertionError(f"no URL arguments for {name}: add it to ARGS")


def _answer(response) -> str | int:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith("/admin/login/"):
            return "admin_login"
        return OK
    if response.status_code == 200:
        return OK
    return response.status_code


class HeaderCheck:
    """Every HTML page a role reaches while the matrix is walked gets the checks of test_headers."""

    def __init__(self) -> None:
        self.pages = 0
        self.problems: list[str] = []

    def __call__(self, response, url: str) -> None:
        if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
            self.pages += 1
            try:
                assert_secure_html(response, url)
            except (AssertionError, KeyError) as problem:
                self.problems.append(f"{url}: {problem!r}")


def _ask(client: Client, url: str, check: HeaderCheck | None = None) -> str | int:
    """GET the route; a POST-only route (405) is asked again by an empty POST. Nothing is kept."""
    with transaction.atomic():
        response = client.get(url)
        if check is not None:
            check(response, url)
        answer = _answer(response)
        if answer == GONE:
            answer = _answer(client.post(url, {}))
        transaction.set_rollback(True)
    return answer


def test_every_route_has_an_entry_and_every_role_gets_the_expected_answer(figure):
    scene = build_scene()
    observe = bool(os.environ.get("MATRIX_OBSERVE"))
    routes = [(name, pattern) for name, pattern in all_routes() if not name.startswith("admin:")]
    missing = [name for name, _ in routes if name not in MATRIX]
    stale = sorted(set(MATRIX) - {name for name, _ in routes})
    if not observe:
        assert not missing, f"routes without an entry in the permission matrix: {missing}"
        assert not stale, f"entries of the permission matrix for routes that no longer exist: {stale}"

    clients = {role: Client(raise_request_exception=False) for role in ROLES}
    for role, user in scene.users.items():
        clients[role].force_login(user)

    cases, unexpected, observed = 0, [], {}
    check = HeaderCheck()
    for name, pattern in routes:
        url = reverse(name, kwargs=_kwargs(name, pattern, scene.objects))
        observed[name] = {}
        for role in ROLES:
            answer = _ask(clients[role], url, check)
            observed[name][role] = answer
            cases += 1
            expected = MATRIX.get(name, {}).get(role)
            if answer != expected:
                unexpected.append(f"{name} as {role}: got {answer}, expected {expected} ({url})")
    if observe:
        for name, answers in observed.items():
            print(f'    "{name}": {answers},')
    figure(
        f"{cases} cases, {len(unexpected)} unexpected; {check.pages} HTML pages served, "
        f"{len(check.problems)} without the CSP and security headers"
    )
    assert not unexpected, "\n".join(unexpected)
    assert not check.problems, "\n".join(check.problems)


def test_role_gated_routes_agree_with_the_permission_module(figure):
    """Routes guarded by `core.permissions.action_required` name their rule: its answer for each role's
    user must be the matrix's (refused → 403; allowed → the page, a form error or a redirect)."""
    from django.contrib.auth.models import AnonymousUser

    from core.permissions import may

    scene = build_scene()
    users = {**scene.users, "anonymous": AnonymousUser()}
    checked, disagreements = 0, []
    for name, pattern in all_routes():
        action = getattr(pattern.callback, "permission_action", None)
        if action is None or name.startswith("admin:"):
            continue
        checked += 1
        for role in ROLES:
            allowed = may(users[role], action).allowed
            expected = MATRIX[name][role]
            if role == "anonymous":
                ok = not allowed and expected == LOGIN
            else:
                ok = (expected != DENIED) if allowed else (expected == DENIED)
            if not ok:
                disagreements.append(f"{name} ({action}) as {role}: rule says {allowed}, matrix says {expected}")
    figure(f"{checked} role-gated routes read their rule from core.permissions, {len(disagreements)} disagreements")
    assert checked > 30
    assert not disagreements, "\n".join(disagreements)


def test_evaluation_link_with_a_bad_token_is_not_found():
    scene = build_scene()
    token = scene.objects["evaluation_token"]
    client = Client(raise_request_exception=False)
    assert client.get(reverse("evaluations:lien", kwargs={"token": token})).status_code == 200
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "pas-un-jeton"):
        assert client.get(reverse("evaluations:lien", kwargs={"token": bad})).status_code == 404


# --- The admin: one rule for its ~280 routes -----------------------------------------------

ADMIN_APP_LABEL = "accounts"


def _admin_kwargs(pattern: URLPattern) -> dict[str, str]:
    return {group: ADMIN_APP_LABEL if group == "app_label" else "1" for group in pattern.pattern.regex.groupindex}


def test_every_admin_route_is_staff_only(figure):
    """Anonymous and non-staff roles are sent to the admin's login (then allauth's, which refuses
    non-staff with a 403); the coordination opens every admin page without parameters."""
    scene = build_scene()
    clients = {role: Client(raise_request_exception=False) for role in ROLES}
    for role, user in scene.users.items():
        clients[role].force_login(user)
    routes = [(name, pattern) for name, pattern in all_routes() if name.startswith("admin:")]
    assert len(routes) > 100
    cases, unexpected, denied_for_coordination, admin_pages = 0, [], [], 0
    for name, pattern in routes:
        if name in ("admin:login", "admin:logout"):
            continue
        url = reverse(name, kwargs=_admin_kwargs(pattern))
        for role in ROLES:
            if role == "coordination" and pattern.pattern.regex.groupindex:
                continue  # object pages need the object: covered by tests/admin/
            response = clients[role].get(url)
            cases += 1
            answer = _answer(response)
            if response.status_code == 200 and response.get("Content-Type", "").startswith("text/html"):
                admin_pages += 1
                script_src = response.get("Content-Security-Policy", "").split("script-src", 1)[-1].split(";")[0]
                if "Content-Security-Policy" not in response or "'unsafe-inline'" in script_src:
                    unexpected.append(f"{name}: no strict Content-Security-Policy ({url})")
            expected = "admin_login"
            if role == "coordination":
                # Staff: the page, or a deliberate 403 where the admin grants no right (history and budget
                # lines are never added by hand; allauth's and Django's own tables are the superuser's).
                expected = answer if answer in (OK, DENIED) else "200 or 403"
                if answer == DENIED:
                    denied_for_coordination.append(name)
            if answer != expected:
                unexpected.append(f"{name} as {role}: got {answer}, expected {expected} ({url})")
    # The admin's login page itself: allauth's form for anonymous; 403 for a logged-in non-staff.
    for role in ROLES:
        cases += 1
        answer = _answer(clients[role].get(reverse("admin:login")))
        expected = {"anonymous": LOGIN, "coordination": OK}.get(role, DENIED)
        if answer != expected:
            unexpected.append(f"admin:login as {role}: got {answer}, expected {expected}")
    figure(
        f"admin: {cases} cases, {len(unexpected)} unexpected, {admin_pages} HTML pages with the CSP; "
        f"403 for the coordination on: {denied_for_coordination}"
    )
    assert not unexpected, "\n".join(unexpected)


# --- Several pilot structures (issue 16) ----------------------------------------------------------------
# A coordinator of a second pilot opens none of the first pilot's files: every route about an object of the
# scene that the scene's coordinator opens answers them 404. These objects are no programme's: the directory
# of personnes-ressources, people and their own links are shared by the instance, whoever pilots.
SHARED_BETWEEN_PILOTS: dict[str, Any] = {
    "accounts:export_mes_donnees": OK,  # their own data
    "plateforme:email_retablir": OK,  # an address reported failing: the person's, not a programme's
    "annuaire:personne_ressource_detail": OK,  # the directory is the instance's
    "annuaire:personne_ressource_validate": OK,
    "annuaire:personne_ressource_refuse": OK,
    "accompagnements:flux_calendrier": OK,  # a signed feed: the token is the access
    "annuaire:proposition_reponse": OK,  # a signed link: the token is the access
    "evaluations:lien": OK,
    "accompagnements:service_fait_lien": OK,
}


def test_a_coordinator_of_another_pilot_gets_404_on_every_file_of_this_pilot_and_opens_their_own(figure):
    from .matrix_scene import build_second_pilot

    scene = build_scene()
    autre = build_second_pilot()
    client = Client(raise_request_exception=False)
    client.force_login(autre["coordinateur"])
    cases, unexpected = 0, []
    for name, pattern in all_routes():
        if name.startswith("admin:") or MATRIX[name]["coordination"] not in (OK, INVALID):
            continue
        kwargs = _kwargs(name, pattern, scene.objects)
        if not kwargs or name.startswith("account_"):
            continue  # a page with no object (a list, a dashboard): scoped by its queryset, checked below
        expected = SHARED_BETWEEN_PILOTS.get(name, NOT_FOUND)
        answer = _ask(client, reverse(name, kwargs=kwargs))
        cases += 1
        if answer != expected:
            unexpected.append(f"{name}: got {answer}, expected {expected}")
    figure(
        f"{cases} routes about the first pilot's objects asked by the second pilot's coordinator, {len(unexpected)} unexpected"
    )
    assert not unexpected, "\n".join(unexpected)

    # Their own programme's files open; the lists and dashboards show theirs, not the first pilot's.
    own = {
        "candidatures:coordination_detail": {"pk": autre["dossier"].pk},
        "accompagnements:detail": {"pk": autre["accompagnement"].pk},
        "budget:accompagnement_ligne": {"pk": autre["accompagnement"].pk},
        "conventions:document": {"pk": autre["convention"].pk},
        "conventions:integrite": {"pk": autre["convention"].pk},
        "budget:export_detail": {"pk": autre["export"].pk},
        "budget:export_download": {"pk": autre["export"].pk},
        "budget:grand_livre": {"pk": autre["programme"].pk},
        "evaluations:resultats_programme": {"programme_pk": autre["programme"].pk},
    }
    for name, kwargs in own.items():
        assert _ask(client, reverse(name, kwargs=kwargs)) == OK, name
    accompagnements = client.get(reverse("accompagnements:list")).content.decode()
    assert autre["accompagnement"].reference in accompagnements
    assert scene.objects["accompagnement"].reference not in accompagnements
    budget = client.get(reverse("budget:tableau_de_bord")).content.decode()
    assert autre["programme"].nom in budget and scene.objects["programme"].nom not in budget
    dossiers = client.get(reverse("candidatures:coordination_dashboard")).content.decode()
    assert autre["programme"].nom in dossiers and scene.objects["programme"].nom not in dossiers
    # The first pilot's coordinator, for their part, does not find the second pilot's files.
    premier = Client(raise_request_exception=False)
    premier.force_login(scene.users["coordination"])
    for name, kwargs in own.items():
        assert _ask(premier, reverse(name, kwargs=kwargs)) == NOT_FOUND, name
