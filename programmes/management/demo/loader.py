"""Loads the fictitious programme « TSF Occitanie 2026 » (see `manage.py load_demo`).

States are driven through the services, so that every file has its history; rows for which no
service exists yet (objectives, conventions, sessions, evaluations, committee) are created with
the ORM, consistently with those states. Timestamps are then moved back to the scripted dates,
relative to today, so that the demo looks current.
"""

from __future__ import annotations

import datetime
import hashlib
import random
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from accompagnements.models import (
    Accompagnement,
    AccompagnementEvenement,
    CompteRendu,
    Indicateur,
    Objectif,
    QuestionSeance,
    Seance,
    SupportTemoin,
    TypeIndicateur,
)
from accompagnements.services import accompagnement_create, accompagnement_transition
from accounts import roles
from accounts.models import User
from accounts.services import roles_sync, user_set_roles
from annuaire.models import (
    Competence,
    CompetencePersonneRessource,
    EtatProposition,
    PersonneRessource,
    PersonneRessourceEvenement,
    Proposition,
)
from budget.models import CategorieDepense, Paiement
from budget.services import autre_depense_create, engagement_create, enveloppe_set
from candidatures import services as candidatures
from candidatures.models import (
    Besoin,
    Candidature,
    CandidatureEvenement,
    DemandePiece,
    EntretienDiagnostic,
    Message,
    NoteInterne,
)
from comite.models import Avis, ReunionComite, Saisine
from conventions.models import Convention, EtatConvention, Partie, Signature
from core.models import EventKind
from evaluations.models import Atteinte, EtatEvaluation, Evaluation, MesureIndicateur
from programmes.models import Format, Programme, Structure
from programmes.rules import montant_demi_journees
from programmes.validators import luhn_ok

from . import data

PROGRAMME_DEBUT = datetime.date(2026, 1, 1)
PROGRAMME_FIN = datetime.date(2026, 12, 31)
VISIO = "https://visio.demo.tsf-occitanie.example/"


def luhn_digit(payload: str) -> str:
    """The digit that makes `payload` + digit pass the Luhn checksum."""
    for digit in "0123456789":
        if luhn_ok(payload + digit):
            return digit
    raise AssertionError("unreachable")


def siret_for(key: str) -> str:
    """A made-up but valid SIRET, always the same for a structure key (SIREN and SIRET pass Luhn)."""
    rng = random.Random(f"siret:{key}")  # noqa: S311 (deterministic demo data, not a secret)  # nosec B311 # deterministic demo data
    siren8 = str(rng.randint(4, 9)) + "".join(str(rng.randint(0, 9)) for _ in range(7))
    siren = siren8 + luhn_digit(siren8)
    nic4 = f"{rng.randint(1, 99):04d}"
    return siren + nic4 + luhn_digit(siren + nic4)


def _backdate(obj: models.Model, **fields: Any) -> None:
    type(obj)._default_manager.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


def _stamp_last(model: type[models.Model], when: datetime.datetime, **lookup: Any) -> None:
    """Move the latest history row of an object to the scripted date."""
    last = model._default_manager.filter(**lookup).order_by("-id").first()
    if last is not None:
        model._default_manager.filter(pk=last.pk).update(created_at=when)


class DemoLoader:
    def __init__(self, *, now: datetime.datetime, warn: Any) -> None:
        self.now = now
        self.today = timezone.localdate(now)
        self.rng = random.Random(2026)  # noqa: S311 (deterministic variety, not a secret)  # nosec B311 # deterministic demo data
        self.warn = warn
        # One hash for every demo account: hashing forty times would only slow the command down.
        self.password_hash = make_password(data.MOT_DE_PASSE)
        self.users: dict[str, User] = {}
        self.structures: dict[str, Structure] = {}
        self.prs: dict[str, PersonneRessource] = {}
        self.candidatures: dict[str, Candidature] = {}
        self.formats: dict[str, Format] = {}
        self.competences: dict[str, Competence] = {}

    # --- helpers --------------------------------------------------------------------------
    def at(self, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """An aware datetime `day` days from today at hour:minute (local time)."""
        date = self.today + datetime.timedelta(days=day)
        return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))

    def near(self, day: int, hour: int) -> datetime.datetime:
        return self.at(day, hour, self.rng.randint(0, 59))

    def in_period(self, day: int) -> datetime.date:
        """A date `day` days from today, kept inside the programme's period."""
        date = self.today + datetime.timedelta(days=day)
        return min(max(date, PROGRAMME_DEBUT), PROGRAMME_FIN)

    def competence(self, nom: str) -> Competence:
        if nom not in self.competences:
            found = Competence.objects.filter(nom=nom).first()
            if found is None:
                # The référentiel may have been edited: fall back on a stable, existing competence.
                pool = list(Competence.objects.filter(active=True).order_by("pk"))
                found = pool[sum(map(ord, nom)) % len(pool)]
                self.warn(f"Compétence « {nom} » absente du référentiel : remplacée par « {found.nom} ».")
            self.competences[nom] = found
        return self.competences[nom]

    @property
    def coordination(self) -> User:
        return self.users["coordination"]

    def user(
        self, *, key: str, email: str, prenom: str, nom: str, role_names: tuple[str, ...] = (), superuser: bool = False
    ) -> User:
        """Find or create a demo account with the demo password, its roles and a verified e-mail."""
        email = email.lower()
        user = User.objects.filter(email=email).first()
        if user is None:
            manager = User.objects.create_superuser if superuser else User.objects.create_user
            user = manager(email=email, password=None, first_name=prenom, last_name=nom)
            user.password = self.password_hash
            user.save(update_fields=["password"])
            if not superuser:
                user_set_roles(user=user, role_names=list(role_names))
        EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
        self.users[key] = user
        return user

    # --- reference data -------------------------------------------------------------------
    def load_programme(self) -> Programme:
        spec = data.PROGRAMME
        programme, _ = Programme.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "nom": spec["nom"],
                "description": spec["description"],
                "date_debut": PROGRAMME_DEBUT,
                "date_fin": PROGRAMME_FIN,
                "taux_journalier": spec["taux_journalier"],
                "jours_minimum": spec["jours_minimum"],
                "appel_ouvert": True,
            },
        )
        return programme

    def load_formats(self, programme: Programme) -> None:
        for code, libelle, description, minimum, maximum, ordre in data.FORMATS:
            self.formats[code], _ = Format.objects.get_or_create(
                programme=programme,
                code=code,
                defaults={
                    "libelle": libelle,
                    "description": description,
                    "demi_journees_min": minimum,
                    "demi_journees_max": maximum,
                    "ordre": ordre,
                },
            )

    def load_accounts(self) -> None:
        for compte in data.COMPTES:
            self.user(
                key=compte.key,
                email=compte.email,
                prenom=compte.prenom,
                nom=compte.nom,
                role_names=compte.roles,
                superuser=compte.superuser,
            )

    def load_structures(self) -> None:
        for spec in data.STRUCTURES:
            siret = siret_for(spec.key)
            structure = Structure.objects.filter(siret=siret).first()
            if structure is None:
                structure = Structure(
                    raison_sociale=spec.raison_sociale,
                    siret=siret,
                    forme_juridique=spec.forme_juridique,
                    adresse=spec.adresse,
                    code_postal=spec.code_postal,
                    commune=spec.commune,
                    departement=spec.departement,
                    type_structure=spec.type_structure,
                    part_musiques_actuelles=spec.part_musiques_actuelles,
                    employeuse=spec.employeuse,
                    projet_premier_emploi=spec.projet_premier_emploi,
                    nombre_salaries=spec.nombre_salaries,
                    tranche_budget=spec.tranche_budget,
                    site_web=f"https://{slugify(spec.raison_sociale.removesuffix(' (fictif)'))}.example",
                )
                structure.full_clean()
                structure.save()
            self.structures[spec.key] = structure

    def load_personnes_ressources(self) -> None:
        for index, spec in enumerate(data.PERSONNES_RESSOURCES, start=1):
            email = spec.email or f"{slugify(spec.prenom)}.{slugify(spec.nom)}@{data.DOMAINE}"
            user = None
            if spec.compte:
                user = self.user(
                    key=f"pr:{spec.key}", email=email, prenom=spec.prenom, nom=spec.nom, role_names=(roles.PERSONNE_RESSOURCE,)
                )
            pr = PersonneRessource.objects.filter(email=email).first()
            if pr is None:
                structure = self.structures[spec.structure]
                pr = PersonneRessource.objects.create(
                    user=user,
                    prenom=spec.prenom,
                    nom=spec.nom,
                    email=email,
                    telephone=f"06 39 98 {index // 100:02d} {index % 100:02d}",
                    structure=structure,
                    fonction=spec.fonction,
                    presentation=spec.presentation,
                    departement=structure.departement,
                    mobilite=spec.mobilite,
                    types_projets=list(spec.types_projets),
                    tailles_projets=list(spec.tailles_projets),
                    disponibilite_demi_journees=spec.disponibilite,
                    etat=spec.etat,
                    ancien_beneficiaire=spec.ancien_beneficiaire,
                )
                for nom, niveau in spec.competences:
                    CompetencePersonneRessource.objects.get_or_create(
                        personne_ressource=pr, competence=self.competence(nom), defaults={"niveau": niveau}
                    )
                joined = self.near(-330 + 12 * index, 11)
                _backdate(pr, created_at=joined, updated_at=joined)
                if spec.etat == "validee":
                    event = PersonneRessourceEvenement.objects.create(
                        personne_ressource=pr,
                        transition="valider",
                        from_state="candidate",
                        to_state="validee",
                        actor=self.coordination,
                        reason="Profil vérifié lors d’un échange téléphonique ; structure employeuse en règle.",
                    )
                    _backdate(event, created_at=joined + datetime.timedelta(days=5))
            self.prs[spec.key] = pr

    def load_budget(self, programme: Programme) -> None:
        enveloppe_set(programme=programme, montant=data.ENVELOPPE)
        spec = data.ESSAIMAGE
        depense = autre_depense_create(
            programme=programme,
            categorie=CategorieDepense.ESSAIMAGE,
            libelle=spec["libelle"],
            date_depense=self.in_period(spec["jour"]),
            montant=spec["montant"],
            by=self.coordination,
            note=spec["note"],
        )
        _backdate(depense, created_at=self.near(spec["jour"], 16))

    # --- candidatures ---------------------------------------------------------------------
    def step(self, service: Any, when: datetime.datetime, candidature: Candidature, **kwargs: Any) -> None:
        service(candidature=candidature, **kwargs)
        _stamp_last(CandidatureEvenement, when, candidature=candidature)

    def load_candidature(self, programme: Programme, spec: data.CandidatureDemo) -> Candidature:
        coord = self.coordination
        email = spec.email or f"{slugify(spec.prenom)}.{slugify(spec.nom)}@{data.DOMAINE}"
        user = self.user(key=spec.key, email=email, prenom=spec.prenom, nom=spec.nom, role_names=(roles.CANDIDAT,))

        candidature = candidatures.candidature_create_draft(programme=programme, candidat=user)
        candidature.structure = self.structures[spec.structure]
        candidature.statut_demandeur = spec.statut
        candidature.fonction = spec.fonction
        candidature.presentation = spec.presentation
        candidature.situation = spec.situation
        candidature.problematique = spec.problematique
        candidature.objectifs = spec.objectifs
        if spec.pressentie:
            candidature.personne_ressource_pressentie = self.prs[spec.pressentie]
        candidature.personne_ressource_pressentie_texte = spec.pressentie_texte
        submitted = self.near(spec.soumise, 21) if spec.soumise is not None else None
        if submitted is not None:
            candidature.consentement_donnees = True
            candidature.consentement_le = submitted
        candidature.save()
        candidature.competences_souhaitees.set([self.competence(nom) for nom in spec.competences])
        created = self.near(spec.cree, 20)
        _backdate(candidature, created_at=created, updated_at=created)
        last = created

        if submitted is not None:
            last = submitted
            self.step(candidatures.candidature_submit, last, candidature, by=user)
            _backdate(candidature, soumise_le=last)
        if spec.retour is not None:
            last = self.near(spec.retour, 10)
            self.step(candidatures.candidature_return_for_correction, last, candidature, by=coord, reason=spec.motif)
            if spec.demande_piece:
                demande = DemandePiece.objects.create(
                    candidature=candidature, type_piece=spec.demande_piece[0], message=spec.demande_piece[1], demandee_par=coord
                )
                _backdate(demande, created_at=last)
        if spec.etat == "irrecevable":
            assert spec.decision is not None  # nosec B101 # type narrowing for mypy on demo data
            last = self.near(spec.decision, 11)
            self.step(candidatures.candidature_reject, last, candidature, by=coord, reason=spec.motif)
        if spec.recevable is not None:
            last = self.near(spec.recevable, 10)
            self.step(candidatures.candidature_declare_eligible, last, candidature, by=coord)
        if spec.diagnostic is not None:
            last = self.load_diagnostic(candidature, spec.diagnostic) or last
        if spec.attente is not None:
            last = self.near(spec.attente, 15)
            reason = spec.motif if spec.etat == "en_attente_decision" else "Avis du comité technique sollicité avant décision."
            self.step(candidatures.candidature_await_decision, last, candidature, by=coord, reason=reason)
        if spec.decision is not None and spec.etat != "irrecevable":
            last = self.near(spec.decision, 11)
            self.decide(candidature, spec, when=last, candidat=user)
        self.candidatures[spec.key] = candidature

        for pr_key, etat, day in spec.propositions:
            self.propose(candidature, self.prs[pr_key], etat=etat, day=day)
        if spec.accompagnement is not None:
            last = max(last, self.load_accompagnement(candidature, spec.accompagnement, beneficiaire=user))
        for de_la_coordination, texte, day in spec.messages:
            message = Message.objects.create(
                candidature=candidature,
                auteur=coord if de_la_coordination else user,
                de_la_coordination=de_la_coordination,
                texte=texte,
                lu_le=self.near(day + 1, 9),
            )
            _backdate(message, created_at=self.near(day, 17))
        if spec.note_interne:
            note = NoteInterne.objects.create(candidature=candidature, auteur=coord, texte=spec.note_interne)
            _backdate(note, created_at=self.near((spec.attente or spec.cree) + 1, 9))
        _backdate(candidature, updated_at=min(last, self.now))
        return candidature

    def load_diagnostic(self, candidature: Candidature, spec: data.DiagnosticDemo) -> datetime.datetime:
        coord = self.coordination
        structure = candidature.structure
        assert structure is not None  # nosec B101 # type narrowing for mypy on demo data
        debut = self.at(spec.entretien, 10 if spec.modalite == "presentiel" else 14)
        diagnostic = EntretienDiagnostic.objects.create(
            candidature=candidature,
            debut=debut,
            duree_minutes=90 if spec.modalite == "presentiel" else 60,
            modalite=spec.modalite,
            lieu=f"{structure.raison_sociale}, {structure.commune}" if spec.modalite == "presentiel" else "",
            lien_visio=f"{VISIO}diagnostic-{candidature.pk}" if spec.modalite == "distance" else "",
            conduit_par=coord,
        )
        planned = self.near(spec.planifie, 9)
        _backdate(diagnostic, created_at=planned, updated_at=planned)
        self.step(candidatures.candidature_plan_diagnostic, planned, candidature, by=coord)
        if not spec.realise:
            return planned
        done = debut + datetime.timedelta(minutes=diagnostic.duree_minutes)
        EntretienDiagnostic.objects.filter(pk=diagnostic.pk).update(
            realise_le=done,
            format_recommande=self.formats.get(spec.format),
            demi_journees=spec.demi_journees,
            format_suite=self.formats.get(spec.format_suite),
            demi_journees_suite=spec.demi_journees_suite,
            notes=spec.notes
            or f"Entretien avec {candidature.candidat.first_name} ({candidature.fonction.lower()}). Besoin confirmé : {candidature.objectifs}",
            updated_at=done,
        )
        for nom, priorite in spec.besoins:
            Besoin.objects.get_or_create(diagnostic=diagnostic, competence=self.competence(nom), defaults={"priorite": priorite})
        self.step(candidatures.candidature_complete_diagnostic, done, candidature, by=coord)
        return done

    def decide(self, candidature: Candidature, spec: data.CandidatureDemo, *, when: datetime.datetime, candidat: User) -> None:
        coord = self.coordination
        if spec.etat == "selectionnee":
            diagnostic = spec.diagnostic
            assert diagnostic is not None and diagnostic.format and diagnostic.demi_journees  # nosec B101 # type narrowing for mypy on demo data
            suite = self.formats.get(diagnostic.format_suite)
            self.step(
                candidatures.candidature_select,
                when,
                candidature,
                by=coord,
                format=self.formats[diagnostic.format],
                demi_journees=diagnostic.demi_journees,
                format_suite=suite,
                demi_journees_suite=diagnostic.demi_journees_suite if suite else None,
                reason="TSF puis mentorat, selon la recommandation du diagnostic." if suite else "",
            )
        elif spec.etat == "refusee":
            self.step(candidatures.candidature_refuse, when, candidature, by=coord, reason=spec.motif)
        elif spec.etat == "reorientee":
            self.step(candidatures.candidature_redirect, when, candidature, by=coord, reason=spec.motif)
        elif spec.etat == "retiree":
            self.step(candidatures.candidature_withdraw, when, candidature, by=candidat, reason=spec.motif)
        else:
            raise CommandError(f"Décision inconnue pour {spec.key} : {spec.etat}")

    def propose(
        self, candidature: Candidature, pr: PersonneRessource, *, etat: str, day: int, reponse: int | None = None
    ) -> Proposition:
        weights = [
            ("competences", 40),
            ("experience", 20),
            ("geographie", 10),
            ("disponibilite", 10),
            ("nouveaute", 10),
            ("pressenti", 10),
        ]
        detail = {name: round(poids * self.rng.uniform(0.45, 1.0), 1) for name, poids in weights}
        if candidature.personne_ressource_pressentie_id != pr.pk:
            detail["pressenti"] = 0.0
        rang = candidature.propositions.count() + 1
        proposition, _ = Proposition.objects.get_or_create(
            candidature=candidature,
            personne_ressource=pr,
            defaults={
                "etat": etat,
                "score": Decimal(str(round(sum(detail.values()), 2))),
                "detail_score": detail,
                "rang": rang,
                "proposee_par": self.coordination,
            },
        )
        created = self.near(day, 11)
        fields: dict[str, Any] = {"created_at": created, "updated_at": created}
        if etat != EtatProposition.BROUILLON:
            fields["envoyee_le"] = created
        if reponse is not None:
            fields["repondue_le"] = self.near(reponse, 18)
            fields["updated_at"] = fields["repondue_le"]
        _backdate(proposition, **fields)
        return proposition

    # --- accompagnements ------------------------------------------------------------------
    def transition(self, accompagnement: Accompagnement, name: str, when: datetime.datetime, reason: str = "") -> None:
        accompagnement_transition(accompagnement=accompagnement, name=name, by=self.coordination, reason=reason)
        _stamp_last(AccompagnementEvenement, when, accompagnement=accompagnement)
        _backdate(accompagnement, updated_at=when)

    def load_accompagnement(
        self,
        candidature: Candidature,
        spec: data.AccompagnementDemo,
        *,
        beneficiaire: User,
        suite_de: Accompagnement | None = None,
    ) -> datetime.datetime:
        coord = self.coordination
        mentor = self.prs[spec.mentor]
        self.propose(candidature, mentor, etat=EtatProposition.ACCEPTEE, day=spec.cree - 4, reponse=spec.cree - 1)
        accompagnement = accompagnement_create(
            candidature=candidature,
            format=self.formats[spec.format],
            demi_journees=spec.demi_journees,
            mentors=[mentor],
            by=coord,
            suite_de=suite_de,
        )
        last = self.near(spec.cree, 10)
        _stamp_last(AccompagnementEvenement, last, accompagnement=accompagnement)
        _backdate(accompagnement, created_at=last, updated_at=last)

        objectifs = self.load_objectifs(accompagnement, spec, created=self.near(spec.cree + 3, 14))
        benef_ok, mentor_ok = spec.grille
        grille: dict[str, Any] = {}
        if benef_ok is not None:
            grille["grille_validee_beneficiaire_le"] = self.near(benef_ok, 19)
        if mentor_ok is not None:
            grille["grille_validee_mentor_le"] = self.near(mentor_ok, 12)
        if grille:
            _backdate(accompagnement, **grille)
        if spec.etat != "objectifs":
            last = self.near(max(benef_ok or spec.cree, mentor_ok or spec.cree), 16)
            self.transition(accompagnement, "valider_objectifs", last)
        if spec.signatures:
            last = max(last, self.load_convention(accompagnement, spec, beneficiaire=beneficiaire, mentor=mentor))
        if spec.demarrage is not None:
            last = self.near(spec.demarrage, 17)
            self.transition(accompagnement, "demarrer", last)
            self.measure(objectifs, "debut", None)
        for seance_spec in spec.seances:
            self.load_seance(accompagnement, seance_spec, objectifs, beneficiaire=beneficiaire, mentor=mentor)
        if spec.fin is not None:
            last = self.near(spec.fin, 18)
            self.transition(accompagnement, "terminer", last)
            _backdate(accompagnement, termine_le=last)
        for evaluation_spec in spec.evaluations:
            evaluation = self.load_evaluation(accompagnement, evaluation_spec, beneficiaire=beneficiaire, mentor=mentor)
            if evaluation.repondant == "beneficiaire" and evaluation.etat == EtatEvaluation.REPONDUE:
                self.measure(objectifs, evaluation.moment, evaluation)
        if spec.cloture is not None:
            last = self.near(spec.cloture, 11)
            self.transition(accompagnement, "clore", last)
        if spec.paiement is not None:
            day, facture = spec.paiement
            paiement = Paiement.objects.create(
                accompagnement=accompagnement,
                structure=mentor.structure,
                date_paiement=self.in_period(day),
                montant=montant_demi_journees(programme=accompagnement.programme, demi_journees=spec.demi_journees),
                reference_facture=facture,
                created_by=coord,
                note="Facture fictive de la structure employeuse de la personne-ressource.",
            )
            _backdate(paiement, created_at=self.near(day, 15))
        if spec.suite is not None:
            self.load_accompagnement(candidature, spec.suite, beneficiaire=beneficiaire, suite_de=accompagnement)
        return min(last, self.now)

    def load_objectifs(
        self, accompagnement: Accompagnement, spec: data.AccompagnementDemo, *, created: datetime.datetime
    ) -> list[tuple[Objectif, data.ObjectifDemo]]:
        rows = []
        for ordre, objectif_spec in enumerate(spec.objectifs, start=1):
            objectif = Objectif.objects.create(
                accompagnement=accompagnement,
                ordre=ordre,
                intitule=objectif_spec.intitule,
                critere_reussite=objectif_spec.critere,
            )
            _backdate(objectif, created_at=created, updated_at=created)
            Indicateur.objects.create(
                objectif=objectif, type_indicateur=TypeIndicateur.QUALITATIF, libelle=objectif_spec.qualitatif
            )
            libelle, unite, initiale, cible = objectif_spec.quantitatif
            Indicateur.objects.create(
                objectif=objectif,
                type_indicateur=TypeIndicateur.QUANTITATIF,
                libelle=libelle,
                unite=unite,
                valeur_initiale=initiale,
                cible=cible,
            )
            rows.append((objectif, objectif_spec))
        return rows

    def measure(self, objectifs: list[tuple[Objectif, data.ObjectifDemo]], moment: str, evaluation: Evaluation | None) -> None:
        """Score the objectives grid at a moment (start, exit, six months) from the scripted values."""
        index = {"debut": 0, "sortie": 1, "six_mois": 2}[moment]
        for objectif, spec in objectifs:
            for indicateur in objectif.indicateurs.all():
                fields: dict[str, Any] = {}
                if indicateur.type_indicateur == TypeIndicateur.QUALITATIF:
                    if index >= len(spec.niveaux):
                        continue
                    niveau = spec.niveaux[index]
                    fields["niveau"] = niveau
                    if index:
                        fields["atteinte"] = (
                            Atteinte.ATTEINT if niveau >= 4 else Atteinte.PARTIEL if niveau == 3 else Atteinte.NON_ATTEINT
                        )
                elif index == 0:
                    fields["valeur"] = indicateur.valeur_initiale
                else:
                    if index - 1 >= len(spec.valeurs):
                        continue
                    valeur = spec.valeurs[index - 1]
                    fields["valeur"] = valeur
                    fields["atteinte"] = (
                        Atteinte.ATTEINT
                        if valeur >= (indicateur.cible or 0)
                        else Atteinte.PARTIEL
                        if valeur > (indicateur.valeur_initiale or 0)
                        else Atteinte.NON_ATTEINT
                    )
                MesureIndicateur.objects.get_or_create(
                    indicateur=indicateur, moment=moment, defaults={**fields, "evaluation": evaluation}
                )

    def load_convention(
        self, accompagnement: Accompagnement, spec: data.AccompagnementDemo, *, beneficiaire: User, mentor: PersonneRessource
    ) -> datetime.datetime:
        if mentor.user is None:
            raise CommandError(f"{mentor} doit avoir un compte pour signer la convention.")
        montant = montant_demi_journees(programme=accompagnement.programme, demi_journees=spec.demi_journees)
        reference = accompagnement.reference.replace("ACC-", "CONV-", 1) + "-v1"
        empreinte = hashlib.sha256(
            f"{reference}|{accompagnement.reference}|{spec.format}|{spec.demi_journees}|{montant}".encode()
        ).hexdigest()
        parties = [
            (Partie.STRUCTURE_PILOTE, self.coordination, f"{self.coordination.get_full_name()} (structure pilote)"),
            (Partie.BENEFICIAIRE, beneficiaire, beneficiaire.get_full_name()),
            (Partie.PERSONNE_RESSOURCE, mentor.user, str(mentor)),
        ]
        signees = [self.near(day, 9 + 3 * i) for i, day in enumerate(spec.signatures)]
        complete = len(signees) == len(parties)
        convention = Convention.objects.create(
            accompagnement=accompagnement,
            version=1,
            reference=reference,
            etat=EtatConvention.SIGNEE if complete else EtatConvention.EN_SIGNATURE,
            demi_journees=spec.demi_journees,
            montant=montant,
            pdf_sha256=empreinte,
            signee_le=signees[-1] if complete else None,
        )
        generated = signees[0] - datetime.timedelta(days=2)
        _backdate(convention, created_at=generated, updated_at=signees[-1])
        for i, ((partie, signataire, nom), when) in enumerate(zip(parties, signees, strict=False)):
            Signature.objects.create(
                convention=convention,
                partie=partie,
                signataire=signataire,
                nom_signataire=nom,
                signee_le=when,
                adresse_ip=f"192.0.2.{10 + 10 * i + self.rng.randint(0, 9)}",  # documentation range (RFC 5737)
                sha256_document=empreinte,
            )
        if complete:
            engagement = engagement_create(
                accompagnement=accompagnement,
                montant=montant,
                libelle=f"Convention {reference} – {accompagnement.format.libelle}, {spec.demi_journees} demi-journées",
                by=self.coordination,
                convention=convention,
            )
            _backdate(engagement, created_at=signees[-1])
        return signees[-1]

    def load_seance(
        self,
        accompagnement: Accompagnement,
        spec: data.SeanceDemo,
        objectifs: list[tuple[Objectif, data.ObjectifDemo]],
        *,
        beneficiaire: User,
        mentor: PersonneRessource,
    ) -> Seance:
        debut = self.at(spec.jour, spec.heure)
        fin = debut + datetime.timedelta(hours=4 * spec.demi_journees + (1 if spec.demi_journees == 2 else 0))
        seance = Seance(
            accompagnement=accompagnement,
            debut=debut,
            demi_journees=spec.demi_journees,
            modalite=spec.modalite,
            lieu=spec.lieu,
            lien_visio=f"{VISIO}{accompagnement.reference.lower()}-{spec.jour + 1000}" if spec.modalite == "distance" else "",
            sujet=spec.sujet,
            etat=spec.etat,
            planifiee_par=mentor.user,
        )
        if spec.etat == "realisee":
            seance.realisee_le = fin
        if spec.annulation is not None:
            motif, valable, heures_avant = spec.annulation
            seance.annulee_le = debut - datetime.timedelta(hours=heures_avant)
            seance.motif_annulation = motif
            seance.motif_valable = valable
            # Cancelled less than 48 h before without a valid reason: counted as consumed (SPEC §3.7).
            seance.comptee = not valable and heures_avant < 48
            if seance.comptee:
                seance.note_coordination = "Annulation tardive sans motif valable : la demi-journée est comptée comme consommée."
        seance.save()
        planned = min(self.at(spec.jour - 12, 11), self.now)
        _backdate(seance, created_at=planned, updated_at=seance.annulee_le or seance.realisee_le or planned)
        if spec.question:
            question = QuestionSeance.objects.create(seance=seance, auteur=beneficiaire, texte=spec.question)
            _backdate(question, created_at=min(debut - datetime.timedelta(hours=40), self.now))
        if spec.support:
            support = SupportTemoin.objects.create(
                seance=seance,
                type_support="grille",
                titre=spec.support,
                grille={
                    "criteres": ["Posture de l’artiste", "Participation des élèves", "Lien avec l’équipe enseignante"],
                    "observations": ["Bonne écoute", "Forte dans les moments de création", "À renforcer"],
                },
                ajoute_par=mentor.user,
            )
            _backdate(support, created_at=fin)
        if spec.compte_rendu is not None:
            cr = spec.compte_rendu
            soumis = debut + datetime.timedelta(days=cr.delai_jours, hours=3)
            progression = ["Démarré", "En bonne voie", "Bien avancé", "Atteint"]
            rang = sum(1 for s in accompagnement.seances.all() if s.debut <= debut and s.etat == "realisee")
            compte_rendu = CompteRendu.objects.create(
                seance=seance,
                redige_par=mentor.user,
                travaux=cr.travaux,
                outils=cr.outils,
                progres={str(objectif.pk): progression[min(rang, len(progression)) - 1] for objectif, _ in objectifs},
                prochaines_etapes=cr.prochaines_etapes,
                soumis_le=soumis,
                commentaire_beneficiaire=cr.commentaire,
                commente_le=soumis + datetime.timedelta(days=1) if cr.commentaire else None,
            )
            _backdate(compte_rendu, created_at=soumis - datetime.timedelta(days=1), updated_at=soumis)
        return seance

    def load_evaluation(
        self, accompagnement: Accompagnement, spec: data.EvaluationDemo, *, beneficiaire: User, mentor: PersonneRessource
    ) -> Evaluation:
        ouverte = spec.ouverture <= 0
        if spec.reponse is not None:
            etat = EtatEvaluation.REPONDUE
        elif ouverte:
            etat = EtatEvaluation.OUVERTE
        else:
            etat = EtatEvaluation.A_VENIR
        evaluation = Evaluation.objects.create(
            accompagnement=accompagnement,
            moment=spec.moment,
            repondant=spec.repondant,
            personne=beneficiaire if spec.repondant == "beneficiaire" else mentor.user,
            etat=etat,
            ouverte_le=self.near(spec.ouverture, 8) if ouverte else None,
            echeance=self.today + datetime.timedelta(days=spec.ouverture + 30),
            repondue_le=self.near(spec.reponse, 20) if spec.reponse is not None else None,
            satisfaction_format=spec.satisfaction[0] if spec.reponse is not None else None,
            satisfaction_personne=spec.satisfaction[1] if spec.reponse is not None else None,
            recommande_suite=spec.recommande_suite,
            reponses=spec.reponses,
        )
        created = min(self.at(spec.ouverture, 8), self.now)
        _backdate(evaluation, created_at=created, updated_at=evaluation.repondue_le or created)
        return evaluation

    # --- comité ---------------------------------------------------------------------------
    def load_comite(self, programme: Programme) -> None:
        reunions = []
        for day, hour, lieu, ordre_du_jour, compte_rendu in data.REUNIONS_COMITE:
            reunion = ReunionComite.objects.create(
                programme=programme, date=self.at(day, hour), lieu=lieu, ordre_du_jour=ordre_du_jour, compte_rendu=compte_rendu
            )
            created = min(self.at(day - 21, 10), self.now)
            _backdate(reunion, created_at=created, updated_at=created)
            reunions.append(reunion)
        for key, reunion_index, question, day, avis_list in data.SAISINES:
            candidature = self.candidatures[key]
            saisine = Saisine.objects.create(
                candidature=candidature, reunion=reunions[reunion_index], question=question, saisi_par=self.coordination
            )
            _backdate(saisine, created_at=self.near(day, 16))
            candidatures.candidature_event(
                candidature=candidature,
                kind=EventKind.NOTE,
                by=self.coordination,
                reason=f"Dossier soumis au comité technique : {question}",
            )
            _stamp_last(CandidatureEvenement, saisine.created_at, candidature=candidature)
            for membre_key, sens, commentaire, avis_day in avis_list:
                membre = self.users[membre_key]
                avis = Avis.objects.create(saisine=saisine, membre=membre, sens=sens, commentaire=commentaire)
                when = self.near(avis_day, 15)
                _backdate(avis, created_at=when)
                candidatures.candidature_event(
                    candidature=candidature,
                    kind=EventKind.AVIS,
                    by=membre,
                    reason=commentaire,
                    details={"sens": sens, "saisine": saisine.pk},
                )
                _stamp_last(CandidatureEvenement, when, candidature=candidature)

    # --- entry point ----------------------------------------------------------------------
    def run(self) -> tuple[Programme, bool]:
        roles_sync()
        programme = self.load_programme()
        self.load_formats(programme)
        self.load_accounts()
        if programme.candidatures.exists():
            self.load_logins()
            return programme, False
        if not Competence.objects.filter(active=True).exists():
            raise CommandError("Le référentiel de compétences est vide : lancez d’abord « manage.py migrate ».")
        self.load_structures()
        self.load_personnes_ressources()
        self.load_budget(programme)
        for spec in sorted(data.CANDIDATURES, key=lambda c: (c.soumise if c.soumise is not None else c.cree, c.key)):
            self.load_candidature(programme, spec)
        self.load_comite(programme)
        self.load_logins()
        return programme, True

    def load_logins(self) -> None:
        """The personne-ressource and candidat logins are people of the data; find them again."""
        pr = next(p for p in data.PERSONNES_RESSOURCES if p.key == data.LOGIN_PERSONNE_RESSOURCE)
        candidat = next(c for c in data.CANDIDATURES if c.key == data.LOGIN_CANDIDAT)
        for key, email in ((f"pr:{pr.key}", pr.email), (candidat.key, candidat.email)):
            found = User.objects.filter(email=email).first()
            if found is not None:
                self.users[key] = found
