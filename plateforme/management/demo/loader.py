"""Loads the fictitious programme « TSF Occitanie 2026 » (see `manage.py load_demo`).

The story is told through the application's own services, as the people of the demo would have
lived it: the applicant fills the questionnaire and deposits it (receipt rendered), the
coordination decides, holds the diagnostic and proposes a mentor who accepts, both write and
validate the objectives grid, the convention is rendered and signed by each party through
`convention_sign` (engagement, signed PDF), sessions are planned, held or cancelled and reported,
evaluations answered, the committee consulted. Each event happens at its scripted date: the clock
is moved there with time-machine (the services take "now" from `timezone.now()`), relative to
today so that the demo looks current. The background jobs the services put in the outbox
(`core.jobs`: receipts, convention PDFs, e-mails) are run right after the step that enqueued them,
at the same story date, through `core.jobs.job_run`; the e-mails go to a discarding backend (the
addresses are fictitious and the console would print hundreds of them).

Written directly, because no service writes them and they are reference data: the programme and
its formats, the demo structures (with their SIRET), the accounts (the model's manager, the shared
demo password, allauth's verified address).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import time_machine
from allauth.account.models import EmailAddress
from dateutil.relativedelta import relativedelta  # type: ignore[import-untyped]  # types-python-dateutil not installed
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import CommandError
from django.test.utils import override_settings
from django.utils import timezone
from django.utils.text import slugify

from accompagnements import calendar as seance_dates
from accompagnements import services as accompagnements
from accompagnements.models import Accompagnement, EtatSeance, Indicateur, Objectif, Seance, ServiceFait, TypeIndicateur
from accounts import roles
from accounts.models import User
from accounts.services import roles_sync, user_set_roles
from annuaire import selectors as annuaire_selectors
from annuaire import services as annuaire
from annuaire.models import Competence, EtatProposition, PersonneRessource, Proposition
from ateliers import services as ateliers
from budget.models import CategorieDepense, Financeur, Paiement, RegleRepartition
from budget.services import (
    TermesContribution,
    autre_depense_create,
    contribution_create,
    enveloppe_set,
    facture_approuver,
    facture_deposer,
    facture_payer,
    financeur_create,
    paiement_create,
    regle_repartition_set,
)
from candidatures import services as candidatures
from candidatures.models import Candidature
from comite import services as comite
from comite.models import ReunionComite
from conventions.models import Convention, EtatConvention
from conventions.services import convention_sign
from core.jobs import job_run
from core.models import TacheDifferee
from core.uploads import check_upload
from evaluations import services as evaluations
from evaluations.models import Atteinte, Evaluation, Moment, Repondant
from programmes.models import Format, Programme, Structure
from programmes.rules import montant_demi_journees
from relances import selectors as relances_selectors
from relances import services as relances

from . import data, peer_culture
from .structures import candidature_personne_ressource, structure_demo

VISIO = "https://visio.demo.tsf-occitanie.example/"
# The demo's e-mails are delivered nowhere: fictitious addresses, and hundreds of them on the console.
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


# A minimal PDF: the demo's invoices go through the same upload checks as any other.
DEMO_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def programme_period(today: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Twelve months ending with the month after today's (for a load in November 2026: the year 2026).

    The story runs from about ten months ago to the coming weeks, relative to today; a fixed
    period would soon leave its sessions outside the programme, which the services refuse.
    """
    fin = (today.replace(day=1) + relativedelta(months=2)) - datetime.timedelta(days=1)
    return fin + datetime.timedelta(days=1) - relativedelta(years=1), fin


def _oui_non(value: bool) -> str:
    return "oui" if value else "non"


class DemoLoader:
    def __init__(self, *, now: datetime.datetime, warn: Any, say: Callable[[str], None] = lambda text: None) -> None:
        self.now = now
        self.say = say
        self.today = timezone.localdate(now)
        self.debut, self.fin = programme_period(self.today)
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
        self.traveller: Any = None
        self.first_job = 0

    # --- clock and outbox -----------------------------------------------------------------
    def at(self, day: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
        """An aware datetime `day` days from today at hour:minute (local time)."""
        date = self.today + datetime.timedelta(days=day)
        return timezone.make_aware(datetime.datetime.combine(date, datetime.time(hour, minute)))

    def near(self, day: int, hour: int) -> datetime.datetime:
        return self.at(day, hour, self.rng.randint(0, 59))

    def in_period(self, day: int) -> datetime.date:
        """A date `day` days from today, kept inside the programme's period."""
        date = self.today + datetime.timedelta(days=day)
        return min(max(date, self.debut), self.fin)

    def move_to(self, when: datetime.datetime) -> datetime.datetime:
        """Set the clock at `when` (never past the real now: the story's future has not happened)."""
        when = min(when, self.now - datetime.timedelta(minutes=1))
        self.traveller.move_to(when)
        return when

    def act(self, when: datetime.datetime, service: Callable[..., Any], /, **kwargs: Any) -> Any:
        """Call a service at the story date `when`, then run the jobs it put in the outbox."""
        self.move_to(when)
        result = service(**kwargs)
        self.run_jobs()
        return result

    def run_jobs(self) -> None:
        """Run the demo's waiting outbox jobs now (and those they enqueue), as the worker would have."""
        while True:
            ids = list(
                TacheDifferee.objects.filter(pk__gt=self.first_job, etat=TacheDifferee.Etat.EN_ATTENTE)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if not ids:
                return
            for job_id in ids:
                if job_run(job_id=job_id) != "faite":
                    job = TacheDifferee.objects.get(pk=job_id)
                    raise CommandError(f"Tâche « {job.tache} » de la démonstration en échec : {job.derniere_erreur}")

    # --- helpers --------------------------------------------------------------------------
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
                "date_debut": self.debut,
                "date_fin": self.fin,
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

    def load_sieges_comite(self, programme: Programme) -> None:
        """The comité technique's accounts sit on the TSF's committee only (PEER CULTURE has its own)."""
        for compte in data.COMPTES:
            if roles.COMITE in compte.roles:
                comite.membre_comite_set(
                    programme=programme, user=self.users[compte.key], by=self.coordination, qualite=compte.libelle
                )

    def load_structures(self) -> None:
        for spec in data.STRUCTURES:
            self.structures[spec.key] = structure_demo(spec, by=self.coordination)

    def load_personnes_ressources(self) -> None:
        """Each mentor applies to the directory; the coordination validates most of them a few days later."""
        for index, spec in enumerate(data.PERSONNES_RESSOURCES, start=1):
            email = spec.email or f"{slugify(spec.prenom)}.{slugify(spec.nom)}@{data.DOMAINE}"
            user = None
            if spec.compte:
                user = self.user(
                    key=f"pr:{spec.key}", email=email, prenom=spec.prenom, nom=spec.nom, role_names=(roles.PERSONNE_RESSOURCE,)
                )
            structure = self.structures[spec.structure]
            joined = self.near(-330 + 12 * index, 11)
            pr = self.act(
                joined,
                annuaire.personne_ressource_apply,
                **candidature_personne_ressource(
                    spec,
                    structure=structure,
                    user=user,
                    email=email,
                    telephone=f"06 39 98 {index // 100:02d} {index % 100:02d}",
                    competences={self.competence(nom).pk: niveau for nom, niveau in spec.competences},
                ),
            )
            if spec.etat == "validee":
                pr = self.act(
                    joined + datetime.timedelta(days=5),
                    annuaire.personne_ressource_validate,
                    personne_ressource=pr,
                    by=self.coordination,
                    reason="Profil vérifié lors d’un échange téléphonique ; structure employeuse en règle.",
                )
            self.prs[spec.key] = pr

    def load_budget(self, programme: Programme) -> None:
        enveloppe_set(programme=programme, montant=Decimal("0.00"))
        # The three funders' contributions make the envelope; each line is shared pro rata.
        for ordre, spec in enumerate(data.FINANCEURS, start=1):
            financeur = Financeur.objects.filter(nom=spec["nom"]).first() or financeur_create(
                nom=spec["nom"], ordre=ordre, by=self.coordination
            )
            contribution_create(
                programme=programme,
                financeur=financeur,
                termes=TermesContribution(
                    montant=spec["montant"],
                    date_debut=programme.date_debut,
                    date_fin=programme.date_fin,
                    reference_convention=spec["reference"],
                    finance_essaimage=spec["essaimage"],
                    priorite=ordre,
                ),
                by=self.coordination,
            )
        regle_repartition_set(programme=programme, regle=RegleRepartition.PRORATA, by=self.coordination)
        spec = data.ESSAIMAGE
        self.act(
            self.near(spec["jour"], 16),
            autre_depense_create,
            programme=programme,
            categorie=CategorieDepense.ESSAIMAGE,
            libelle=spec["libelle"],
            date_depense=self.in_period(spec["jour"]),
            montant=spec["montant"],
            by=self.coordination,
            note=spec["note"],
        )

    # --- candidatures ---------------------------------------------------------------------
    def step(self, when: datetime.datetime, service: Callable[..., Any], candidature: Candidature, **kwargs: Any) -> None:
        """A service on the file at `when`; the loader's copy is read again afterwards."""
        self.act(when, service, candidature=candidature, **kwargs)
        candidature.refresh_from_db()

    def questionnaire(self, spec: data.CandidatureDemo) -> list[tuple[str, dict[str, Any]]]:
        """The questionnaire's steps as the applicant answers them (the forms' cleaned values)."""
        structure = self.structures[spec.structure]
        steps: list[tuple[str, dict[str, Any]]] = [
            (
                "demandeur",
                {
                    "prenom": spec.prenom,
                    "nom": spec.nom,
                    "telephone": "",
                    "statut_demandeur": spec.statut,
                    "fonction": spec.fonction,
                    "presentation": spec.presentation,
                },
            ),
            (
                "structure",
                {
                    "raison_sociale": structure.raison_sociale,
                    "siret": structure.siret,
                    "forme_juridique": structure.forme_juridique,
                    "type_structure": structure.type_structure,
                    "code_postal": structure.code_postal,
                    "commune": structure.commune,
                    "departement": structure.departement,
                    "part_musiques_actuelles": structure.part_musiques_actuelles,
                    "employeuse": _oui_non(structure.employeuse),
                    "projet_premier_emploi": _oui_non(structure.projet_premier_emploi),
                    "nombre_salaries": structure.nombre_salaries,
                    "tranche_budget": structure.tranche_budget,
                    "site_web": structure.site_web,
                },
            ),
        ]
        for etape in ("situation", "problematique", "objectifs"):
            if getattr(spec, etape):
                steps.append((etape, {etape: getattr(spec, etape)}))
        if spec.competences:
            steps.append(
                ("besoins", {"competences": [self.competence(nom) for nom in spec.competences], "besoins_precisions": ""})
            )
        if spec.pressentie or spec.pressentie_texte:
            steps.append(
                (
                    "personne_ressource",
                    {
                        "personne_ressource_pressentie": self.prs[spec.pressentie] if spec.pressentie else None,
                        "personne_ressource_pressentie_texte": spec.pressentie_texte,
                    },
                )
            )
        return steps

    @staticmethod
    def saisie(donnees: dict[str, Any]) -> dict[str, list[str]]:
        """What the form posted for these answers (the draft keeps it to show the step again)."""
        typed: dict[str, list[str]] = {}
        for name, value in donnees.items():
            values = value if isinstance(value, list) else [value]
            typed[name] = [str(getattr(v, "pk", v)) for v in values if v is not None]
        return typed

    def load_candidature(self, programme: Programme, spec: data.CandidatureDemo) -> Candidature:
        coord = self.coordination
        email = spec.email or f"{slugify(spec.prenom)}.{slugify(spec.nom)}@{data.DOMAINE}"
        user = self.user(key=spec.key, email=email, prenom=spec.prenom, nom=spec.nom, role_names=(roles.CANDIDAT,))

        created = self.near(spec.cree, 20)
        candidature = self.act(created, candidatures.candidature_start, programme=programme, candidat=user)
        for minutes, (etape, donnees) in enumerate(self.questionnaire(spec), start=1):
            self.step(
                created + datetime.timedelta(minutes=4 * minutes),
                candidatures.candidature_save_step,
                candidature,
                by=user,
                etape=etape,
                saisie=self.saisie(donnees),
                donnees=donnees,
            )
        last = created
        if spec.soumise is not None:
            last = self.near(spec.soumise, 21)
            donnees = {"consentement_donnees": True}
            self.step(
                last - datetime.timedelta(minutes=2),
                candidatures.candidature_save_step,
                candidature,
                by=user,
                etape="consentement",
                saisie=self.saisie(donnees),
                donnees=donnees,
            )
            self.step(last, candidatures.candidature_deposit, candidature, by=user)
        if spec.retour is not None:
            last = self.near(spec.retour, 10)
            self.step(last, candidatures.candidature_return_for_correction, candidature, by=coord, reason=spec.motif)
            if spec.demande_piece:
                last += datetime.timedelta(minutes=5)
                self.step(
                    last,
                    candidatures.demande_piece_create,
                    candidature,
                    by=coord,
                    type_piece=spec.demande_piece[0],
                    message=spec.demande_piece[1],
                )
        if spec.etat == "irrecevable":
            assert spec.decision is not None  # nosec B101 # type narrowing for mypy on demo data
            last = self.near(spec.decision, 11)
            self.step(last, candidatures.candidature_reject, candidature, by=coord, reason=spec.motif)
        if spec.recevable is not None:
            last = self.near(spec.recevable, 10)
            self.step(last, candidatures.candidature_declare_eligible, candidature, by=coord)
        if spec.diagnostic is not None:
            last = self.load_diagnostic(candidature, spec.diagnostic)
        if spec.attente is not None:
            last = self.near(spec.attente, 15)
            reason = spec.motif if spec.etat == "en_attente_decision" else "Avis du comité technique sollicité avant décision."
            self.step(last, candidatures.candidature_await_decision, candidature, by=coord, reason=reason)
        self.load_saisines(candidature, spec.key)
        if spec.decision is not None and spec.etat != "irrecevable":
            last = self.near(spec.decision, 11)
            self.decide(candidature, spec, when=last, candidat=user)
        if candidature.etat != spec.etat:
            raise CommandError(f"{spec.key} : la candidature est « {candidature.etat} » au lieu de « {spec.etat} ».")
        self.candidatures[spec.key] = candidature

        for pr_key, etat, day in spec.propositions:
            self.propose(
                candidature, self.prs[pr_key], etat=etat, when=max(self.near(day, 11), last + datetime.timedelta(hours=1))
            )
        if spec.accompagnement is not None:
            self.load_accompagnement(candidature, spec.accompagnement, beneficiaire=user, decided=last)
        for de_la_coordination, texte, day in spec.messages:
            auteur, lecteur = (coord, user) if de_la_coordination else (user, coord)
            self.act(self.near(day, 17), candidatures.message_send, candidature=candidature, auteur=auteur, texte=texte)
            self.act(self.near(day + 1, 9), candidatures.messages_mark_read, candidature=candidature, reader=lecteur)
        if spec.note_interne:
            self.act(
                self.near((spec.attente or spec.cree) + 1, 9),
                candidatures.note_interne_add,
                candidature=candidature,
                by=coord,
                texte=spec.note_interne,
            )
        return candidature

    def load_diagnostic(self, candidature: Candidature, spec: data.DiagnosticDemo) -> datetime.datetime:
        coord = self.coordination
        structure = candidature.structure
        assert structure is not None  # nosec B101 # type narrowing for mypy on demo data
        presentiel = spec.modalite == "presentiel"
        debut = self.at(spec.entretien, 10 if presentiel else 14)
        duree = 90 if presentiel else 60
        planned = self.near(spec.planifie, 9)
        self.step(
            planned,
            candidatures.entretien_diagnostic_schedule,
            candidature,
            by=coord,
            debut=debut,
            duree_minutes=duree,
            modalite=spec.modalite,
            lieu=f"{structure.raison_sociale}, {structure.commune}" if presentiel else "",
            lien_visio=f"{VISIO}diagnostic-{candidature.pk}" if not presentiel else "",
        )
        if not spec.realise:
            return planned
        done = debut + datetime.timedelta(minutes=duree)
        self.step(
            done,
            candidatures.entretien_diagnostic_record,
            candidature,
            by=coord,
            besoins=[(self.competence(nom), priorite, "") for nom, priorite in spec.besoins],
            format_recommande=self.formats[spec.format],
            demi_journees=spec.demi_journees,
            format_suite=self.formats.get(spec.format_suite),
            demi_journees_suite=spec.demi_journees_suite,
            notes=spec.notes
            or f"Entretien avec {candidature.candidat.first_name} ({candidature.fonction.lower()}). Besoin confirmé : {candidature.objectifs}",
        )
        return done

    def decide(self, candidature: Candidature, spec: data.CandidatureDemo, *, when: datetime.datetime, candidat: User) -> None:
        coord = self.coordination
        if spec.etat == "selectionnee":
            diagnostic = spec.diagnostic
            assert diagnostic is not None and diagnostic.format and diagnostic.demi_journees  # nosec B101 # type narrowing for mypy on demo data
            suite = self.formats.get(diagnostic.format_suite)
            self.step(
                when,
                candidatures.candidature_select,
                candidature,
                by=coord,
                format=self.formats[diagnostic.format],
                demi_journees=diagnostic.demi_journees,
                format_suite=suite,
                demi_journees_suite=diagnostic.demi_journees_suite if suite else None,
                reason="TSF puis mentorat, selon la recommandation du diagnostic." if suite else "",
            )
        elif spec.etat == "refusee":
            self.step(when, candidatures.candidature_refuse, candidature, by=coord, reason=spec.motif)
        elif spec.etat == "reorientee":
            self.step(when, candidatures.candidature_redirect, candidature, by=coord, reason=spec.motif)
        elif spec.etat == "retiree":
            self.step(when, candidatures.candidature_withdraw, candidature, by=candidat, reason=spec.motif)
        else:
            raise CommandError(f"Décision inconnue pour {spec.key} : {spec.etat}")

    # --- matching -------------------------------------------------------------------------
    def propose(
        self, candidature: Candidature, pr: PersonneRessource, *, etat: str, when: datetime.datetime, by: User | None = None
    ) -> Proposition:
        """The coordination (`by`, TSF's by default) proposes `pr`: sent to them, or left as a draft of the batch
        matching. Another programme's loader passes its own coordination (it may be loaded alone)."""
        coord = by or self.coordination
        self.move_to(when)
        classement = annuaire_selectors.classement(candidature)
        best = classement.scores[0].mentor.id if classement.scores else None
        justification = "" if best == pr.pk else f"{pr} connaît bien ce type de structure et ce besoin."
        if etat == EtatProposition.BROUILLON:
            self.act(when, annuaire.propositions_batch_draft, programme=candidature.programme, by=coord)
            draft = Proposition.objects.get(candidature=candidature, etat=EtatProposition.BROUILLON)
            if draft.personne_ressource_id == pr.pk:
                return draft
            return self.act(
                when + datetime.timedelta(minutes=5),
                annuaire.proposition_change,
                proposition=draft,
                personne_ressource=pr,
                by=coord,
                justification=justification or f"{pr} connaît bien ce type de structure et ce besoin.",
            )
        return self.act(
            when, annuaire.proposition_send, candidature=candidature, personne_ressource=pr, by=coord, justification=justification
        )

    # --- accompagnements ------------------------------------------------------------------
    def load_accompagnement(
        self,
        candidature: Candidature,
        spec: data.AccompagnementDemo,
        *,
        beneficiaire: User,
        decided: datetime.datetime,
        suite_de: Accompagnement | None = None,
    ) -> None:
        coord = self.coordination
        mentor = self.prs[spec.mentor]
        if mentor.user is None:
            raise CommandError(f"{mentor} doit avoir un compte pour suivre un accompagnement.")
        created = self.near(spec.cree, 10)
        if suite_de is None:
            # The mentor is proposed, then accepts: the accompagnement is opened with the file's decision.
            sent = max(self.near(spec.cree - 4, 11), decided + datetime.timedelta(hours=1))
            proposition = self.propose(candidature, mentor, etat=EtatProposition.ENVOYEE, when=sent)
            accompagnement = self.act(created, annuaire.proposition_accept, proposition=proposition)
        else:
            # The continuation the diagnostic recommended, with another mentor chosen by the coordination.
            accompagnement = self.act(
                created,
                accompagnements.accompagnement_create,
                candidature=candidature,
                format=self.formats[spec.format],
                demi_journees=spec.demi_journees,
                mentors=[mentor],
                by=coord,
                suite_de=suite_de,
            )

        objectifs = self.load_objectifs(accompagnement, spec.objectifs, writer=mentor.user, when=self.near(spec.cree + 3, 14))
        benef_ok, mentor_ok = spec.grille
        validations = []
        if benef_ok is not None:
            validations.append((self.near(benef_ok, 19), beneficiaire))
        if mentor_ok is not None:
            validations.append((self.near(mentor_ok, 12), mentor.user))
        for when, by in sorted(validations, key=lambda v: v[0]):
            self.act(when, accompagnements.objectifs_valider, accompagnement=accompagnement, by=by)

        started = None
        if spec.signatures:
            started = self.sign_convention(accompagnement, spec.signatures, beneficiaire=beneficiaire, mentor=mentor)

        # From the start on, every event of the action in the order of the story.
        timeline: list[tuple[datetime.datetime, Callable[[], Any]]] = []
        if started is not None:
            self.plan_seances(
                timeline, accompagnement, spec, objectifs, started=started, beneficiaire=beneficiaire, mentor=mentor
            )
        if spec.fin is not None:
            timeline.append(
                (
                    self.near(spec.fin, 18),
                    lambda: evaluations.accompagnement_terminer(accompagnement=accompagnement, by=coord),
                )
            )
        for evaluation_spec in spec.evaluations:
            self.plan_evaluation(timeline, accompagnement, evaluation_spec, objectifs)
        if spec.paiement is not None:
            day, facture = spec.paiement
            timeline.append(
                (
                    self.near(day, 15),
                    lambda: paiement_create(
                        accompagnement=accompagnement,
                        structure=mentor.structure,
                        date_paiement=self.in_period(day),
                        montant=montant_demi_journees(programme=accompagnement.programme, demi_journees=spec.demi_journees),
                        reference_facture=facture,
                        by=coord,
                        note="Facture fictive de la structure employeuse de la personne-ressource.",
                    ),
                )
            )
        if spec.cloture is not None:
            timeline.append(
                (
                    self.near(spec.cloture, 11),
                    lambda: accompagnements.accompagnement_clore(
                        accompagnement=accompagnement, by=coord, reason="Évaluations recueillies et personne-ressource payée."
                    ),
                )
            )
        for when, event in sorted(timeline, key=lambda item: item[0]):
            # The services check the state of the object they are given: read it again before each event.
            accompagnement.refresh_from_db()
            self.act(when, event)
        accompagnement.refresh_from_db()
        if accompagnement.etat != spec.etat:
            raise CommandError(
                f"{accompagnement.reference} : l’accompagnement est « {accompagnement.etat} » au lieu de « {spec.etat} »."
            )
        if spec.suite is not None:
            self.load_accompagnement(candidature, spec.suite, beneficiaire=beneficiaire, decided=decided, suite_de=accompagnement)

    def load_objectifs(
        self, accompagnement: Accompagnement, specs: Sequence[data.ObjectifDemo], *, writer: User, when: datetime.datetime
    ) -> list[tuple[Objectif, data.ObjectifDemo]]:
        """The mentor writes the grid: each objective with a qualitative and a quantitative indicator."""
        rows = []
        for rang, objectif_spec in enumerate(specs):
            moment = when + datetime.timedelta(minutes=10 * rang)
            objectif = self.act(
                moment,
                accompagnements.objectif_create,
                accompagnement=accompagnement,
                intitule=objectif_spec.intitule,
                critere_reussite=objectif_spec.critere,
                by=writer,
            )
            self.act(
                moment + datetime.timedelta(minutes=3),
                accompagnements.indicateur_create,
                objectif=objectif,
                type_indicateur=TypeIndicateur.QUALITATIF,
                libelle=objectif_spec.qualitatif,
                by=writer,
            )
            libelle, unite, initiale, cible = objectif_spec.quantitatif
            self.act(
                moment + datetime.timedelta(minutes=6),
                accompagnements.indicateur_create,
                objectif=objectif,
                type_indicateur=TypeIndicateur.QUANTITATIF,
                libelle=libelle,
                unite=unite,
                valeur_initiale=initiale,
                cible=cible,
                by=writer,
            )
            rows.append((objectif, objectif_spec))
        return rows

    def sign_convention(
        self,
        accompagnement: Accompagnement,
        signatures: Sequence[int],
        *,
        beneficiaire: User,
        mentor: PersonneRessource,
        coordination: User | None = None,
    ) -> datetime.datetime | None:
        """Each party signs the rendered PDF it was shown, on its day of `signatures` (structure pilote,
        beneficiary, mentor); returns when the last one signed (None: still in signature)."""
        signataires = [coordination or self.coordination, beneficiaire, mentor.user]
        when = None
        for i, (day, signataire) in enumerate(zip(signatures, signataires, strict=False)):
            convention = Convention.objects.get(accompagnement=accompagnement, etat=EtatConvention.EN_SIGNATURE)
            when = self.near(day, 9 + 3 * i)
            self.act(
                when,
                convention_sign,
                convention=convention,
                by=signataire,
                adresse_ip=f"192.0.2.{10 + 10 * i + self.rng.randint(0, 9)}",  # documentation range (RFC 5737)
                sha256_document=convention.pdf_sha256,
            )
        return when if len(signatures) == len(signataires) else None

    def plan_seances(
        self,
        timeline: list[tuple[datetime.datetime, Callable[[], Any]]],
        accompagnement: Accompagnement,
        spec: data.AccompagnementDemo,
        objectifs: list[tuple[Objectif, data.ObjectifDemo]],
        *,
        started: datetime.datetime,
        beneficiaire: User,
        mentor: PersonneRessource,
    ) -> None:
        """Put each session's events (planned, question, held or cancelled, record, report, comment) on the timeline."""
        coord, mentor_user = self.coordination, mentor.user
        seances: dict[int, Seance] = {}
        held_days = sorted(s.jour for s in spec.seances if s.etat == "realisee")
        for index, seance_spec in enumerate(spec.seances):
            debut = self.at(seance_spec.jour, seance_spec.heure)
            planned = max(self.at(seance_spec.jour - 12, 11), started + datetime.timedelta(hours=2))

            def plan(index: int = index, s: data.SeanceDemo = seance_spec, debut: datetime.datetime = debut) -> None:
                seances[index] = accompagnements.seance_plan(
                    accompagnement=accompagnement,
                    debut=debut,
                    demi_journees=s.demi_journees,
                    modalite=s.modalite,
                    lieu=s.lieu,
                    lien_visio=f"{VISIO}{accompagnement.reference.lower()}-{s.jour + 1000}" if s.modalite == "distance" else "",
                    sujet=s.sujet,
                    by=mentor_user,
                )

            timeline.append((planned, plan))

            def on_seance(service: Callable[..., Any], /, index: int = index, **kwargs: Any) -> Callable[[], Any]:
                """The service called on this session (planned earlier in the timeline) with `kwargs`."""
                return lambda: service(seance=seances[index], **kwargs)

            if seance_spec.question:
                asked = max(planned + datetime.timedelta(hours=1), debut - datetime.timedelta(hours=72))
                timeline.append(
                    (asked, on_seance(accompagnements.question_seance_add, texte=seance_spec.question, by=beneficiaire))
                )
            fin = debut + seance_dates.DUREES[seance_spec.demi_journees]
            if seance_spec.etat == "realisee":
                timeline.append((fin, on_seance(accompagnements.seance_mark_held, by=mentor_user)))
            if seance_spec.annulation is not None:
                motif, valable, heures_avant = seance_spec.annulation
                cancelled = debut - datetime.timedelta(hours=heures_avant)
                # A valid reason is the coordination's to accept; a last-minute cancellation comes from the beneficiary.
                timeline.append(
                    (
                        cancelled,
                        on_seance(
                            accompagnements.seance_cancel,
                            motif=motif,
                            by=coord if valable else beneficiaire,
                            motif_valable=valable,
                        ),
                    )
                )
                if not valable and heures_avant < 48:
                    timeline.append(
                        (
                            cancelled + datetime.timedelta(days=1),
                            on_seance(
                                accompagnements.seance_cancellation_overrule,
                                comptee=True,
                                note="Annulation tardive sans motif valable : la demi-journée est comptée comme consommée.",
                                by=coord,
                            ),
                        )
                    )
            if seance_spec.support:
                grille = dict(
                    zip(
                        ["Posture de l’artiste", "Participation des élèves", "Lien avec l’équipe enseignante"],
                        ["Bonne écoute", "Forte dans les moments de création", "À renforcer"],
                        strict=True,
                    )
                )
                timeline.append(
                    (
                        fin + datetime.timedelta(minutes=30),
                        on_seance(accompagnements.support_add_grille, titre=seance_spec.support, grille=grille, by=mentor_user),
                    )
                )
            if seance_spec.compte_rendu is not None:
                cr = seance_spec.compte_rendu
                soumis = debut + datetime.timedelta(days=cr.delai_jours, hours=3)
                rang = held_days.index(seance_spec.jour) if seance_spec.jour in held_days else 0
                progres = {str(objectif.pk): data.PROGRESSION[min(rang, len(data.PROGRESSION) - 1)] for objectif, _ in objectifs}
                timeline.append(
                    (
                        soumis,
                        on_seance(
                            accompagnements.compte_rendu_submit,
                            travaux=cr.travaux,
                            outils=cr.outils,
                            progres=progres,
                            prochaines_etapes=cr.prochaines_etapes,
                            by=mentor_user,
                        ),
                    )
                )
                if cr.commentaire:

                    def comment(index: int = index, texte: str = cr.commentaire) -> None:
                        compte_rendu = Seance.objects.get(pk=seances[index].pk).compte_rendu
                        accompagnements.compte_rendu_comment(compte_rendu=compte_rendu, commentaire=texte, by=beneficiaire)

                    timeline.append((soumis + datetime.timedelta(days=1), comment))

    def plan_evaluation(
        self,
        timeline: list[tuple[datetime.datetime, Callable[[], Any]]],
        accompagnement: Accompagnement,
        spec: data.EvaluationDemo,
        objectifs: list[tuple[Objectif, data.ObjectifDemo]],
    ) -> None:
        """Exit questionnaires open when the action ends; the six-month one opens on its day. Answers on theirs."""
        if spec.ouverture > 0:
            return  # not due yet: the platform opens it on its day
        if spec.moment == Moment.SIX_MOIS:
            timeline.append(
                (self.near(spec.ouverture, 8), lambda: evaluations.evaluation_six_mois_ouvrir(accompagnement=accompagnement))
            )
        if spec.reponse is None:
            return

        def answer() -> None:
            evaluation = Evaluation.objects.get(accompagnement=accompagnement, moment=spec.moment, repondant=spec.repondant)
            kwargs: dict[str, Any] = {}
            if spec.repondant == Repondant.BENEFICIAIRE:
                kwargs = self.measures(objectifs, spec.moment)
            evaluations.evaluation_repondre(
                evaluation=evaluation,
                by=evaluation.personne,
                reponses=spec.reponses,
                satisfaction_format=spec.satisfaction[0],
                satisfaction_personne=spec.satisfaction[1],
                recommande_suite=spec.recommande_suite,
                **kwargs,
            )

        timeline.append((self.near(spec.reponse, 20), answer))

    @staticmethod
    def measures(objectifs: list[tuple[Objectif, data.ObjectifDemo]], moment: str) -> dict[str, Any]:
        """The beneficiary's scores of the grid at exit or six months, from the scripted values."""
        index = 1 if moment == Moment.SORTIE else 2
        indicateurs: dict[int, dict[str, Any]] = {}
        atteintes: dict[int, str] = {}
        departs: dict[int, int] = {}
        for objectif, spec in objectifs:
            for indicateur in Indicateur.objects.filter(objectif=objectif):
                if indicateur.type_indicateur == TypeIndicateur.QUALITATIF:
                    departs[indicateur.pk] = spec.niveaux[0]
                    if index < len(spec.niveaux):
                        niveau = spec.niveaux[index]
                        indicateurs[indicateur.pk] = {"niveau": niveau}
                        atteintes.setdefault(
                            objectif.pk,
                            Atteinte.ATTEINT if niveau >= 4 else Atteinte.PARTIEL if niveau == 3 else Atteinte.NON_ATTEINT,
                        )
                elif index - 1 < len(spec.valeurs):
                    valeur = spec.valeurs[index - 1]
                    indicateurs[indicateur.pk] = {"valeur": valeur}
                    # The measured value decides over the self-assessment.
                    atteintes[objectif.pk] = (
                        Atteinte.ATTEINT
                        if valeur >= (indicateur.cible or 0)
                        else Atteinte.PARTIEL
                        if valeur > (indicateur.valeur_initiale or 0)
                        else Atteinte.NON_ATTEINT
                    )
        return {
            "indicateurs": indicateurs,
            "atteintes": atteintes if moment == Moment.SORTIE else {},
            "departs": departs if moment == Moment.SORTIE else {},
        }

    # --- comité ---------------------------------------------------------------------------
    def load_reunions(self, programme: Programme) -> None:
        """The comité's meetings of the year, planned three weeks ahead (before any file is put to them)."""
        coord = self.coordination
        self.reunions: list[ReunionComite] = []
        for day, hour, lieu, ordre_du_jour, _compte_rendu in data.REUNIONS_COMITE:
            reunion = self.act(
                self.at(day - 21, 10),
                comite.reunion_comite_save,
                programme=programme,
                by=coord,
                date=self.at(day, hour),
                lieu=lieu,
                ordre_du_jour=ordre_du_jour,
            )
            self.reunions.append(reunion)

    def load_saisines(self, candidature: Candidature, key: str) -> None:
        """The file is put to the comité and its members give their opinions, before the decision (a closed
        file cannot be put to the comité)."""
        for saisine_key, reunion_index, question, day, avis_list in data.SAISINES:
            if saisine_key != key:
                continue
            saisine = self.act(
                self.near(day, 16),
                comite.saisine_create,
                candidature=candidature,
                by=self.coordination,
                question=question,
                reunion=self.reunions[reunion_index],
            )
            for membre_key, sens, commentaire, avis_day in avis_list:
                self.act(
                    self.near(avis_day, 15),
                    comite.avis_give,
                    saisine=saisine,
                    membre=self.users[membre_key],
                    sens=sens,
                    commentaire=commentaire,
                )

    def load_comptes_rendus(self) -> None:
        for reunion, (day, hour, _lieu, _ordre, compte_rendu) in zip(self.reunions, data.REUNIONS_COMITE, strict=True):
            if compte_rendu:
                self.act(
                    self.at(day + 1, hour),
                    comite.reunion_comite_record_minutes,
                    reunion=reunion,
                    by=self.coordination,
                    compte_rendu=compte_rendu,
                )

    def load_messages_groupe(self, programme: Programme) -> None:
        """The coordination writes to the programme's personnes-ressources (issue 15): preview, then send."""
        filtres = {"role": "personne_ressource", "programme": programme.pk, "evaluation_6mois_manquante": False}
        sujet = "Réunion d’échange des personnes-ressources – {programme}"
        corps = (
            "Bonjour {prenom},\n\nLa coordination réunit les personnes-ressources du programme pour un temps "
            "d’échange sur les accompagnements en cours (dont {reference}). Votre prochaine séance : {prochaine_seance}.\n\n"
            "À bientôt !"
        )
        self.move_to(self.at(-2, 11))
        apercu = relances_selectors.apercu_groupe(filtres, sujet, corps)
        if apercu["nombre"]:
            self.act(
                self.at(-2, 11),
                relances.message_groupe_envoyer,
                filtres=filtres,
                sujet=sujet,
                corps=corps,
                nombre_annonce=apercu["nombre"],
                empreinte_annoncee=apercu["empreinte"],
                by=self.coordination,
            )

    def load_creneaux(self) -> None:
        """A few availability slots of the coming weeks, published by their mentor today."""
        self.move_to(self.now)
        for spec in data.CRENEAUX:
            mentor = self.prs[spec.mentor]
            accompagnements.creneaux_publish(
                mentor=mentor,
                debut=self.at(spec.jour, spec.heure, spec.minute),
                demi_journees=spec.demi_journees,
                modalite=spec.modalite,
                lieu=spec.lieu,
                lien_visio=f"{VISIO}disponibilite-{spec.jour}" if spec.modalite == "distance" else "",
                semaines=spec.semaines,
                by=mentor.user,
            )

    def load_service_fait(self, programme: Programme) -> None:
        """Service fait and invoices (issue 17), through the services: on one accompagnement the
        beneficiary confirms every reported session and its mentor's structure is paid on invoice; on
        another, one session is confirmed and invoiced (the invoice waits for the coordination's check)
        and one is disputed; the other held sessions wait for the beneficiary's confirmation."""
        held: dict[int, list[Seance]] = {}
        for seance in (
            Seance.objects.filter(
                accompagnement__programme=programme,
                etat=EtatSeance.REALISEE,
                service_fait=ServiceFait.A_CONFIRMER,
                compte_rendu__soumis_le__isnull=False,
            )
            .select_related("accompagnement__beneficiaire")
            .order_by("debut", "pk")
        ):
            held.setdefault(seance.accompagnement_id, []).append(seance)
        payes = set(Paiement.objects.filter(accompagnement__programme=programme).values_list("accompagnement_id", flat=True))
        # The demo's mentor login first, so that the invoices are seen from their space.
        login = self.prs.get(data.LOGIN_PERSONNE_RESSOURCE)
        avec_login = set(
            Accompagnement.mentors.through.objects.filter(personneressource=login).values_list("accompagnement_id", flat=True)
        )
        candidats = sorted(
            (seances for acc_id, seances in held.items() if acc_id not in payes and len(seances) >= 2),
            key=lambda seances: seances[0].accompagnement_id not in avec_login,
        )[:2]
        if len(candidats) < 2:
            self.warn("Démonstration : pas assez de séances réalisées pour illustrer le service fait et les factures.")
            return
        when = self.now - datetime.timedelta(days=2)
        coord = self.coordination
        for rang, seances in enumerate(candidats):
            acc = seances[0].accompagnement
            mentor = acc.mentors.select_related("user", "structure").first()
            if mentor is None or mentor.user is None:
                continue
            a_facturer = seances if rang == 0 else seances[:1]
            for seance in a_facturer:
                self.act(when, accompagnements.seance_confirmer, seance=seance, tenue=True, by=acc.beneficiaire)
            if rang == 1:
                self.act(
                    when,
                    accompagnements.seance_confirmer,
                    seance=seances[-1],
                    tenue=False,
                    commentaire="La séance a été écourtée à une heure : je ne la compte pas comme une demi-journée.",
                    by=acc.beneficiaire,
                )
            pdf = check_upload(SimpleUploadedFile("facture.pdf", DEMO_PDF))
            facture = self.act(
                when + datetime.timedelta(hours=2),
                facture_deposer,
                structure=mentor.structure,
                seances=a_facturer,
                numero=f"FAC-{timezone.localdate(self.now):%Y}-{acc.pk:03d}",
                montant=sum((programme.montant_pour(s.demi_journees) for s in a_facturer), start=programme.montant_pour(0)),
                checked=pdf,
                by=mentor.user,
            )
            if rang == 0:
                self.act(when + datetime.timedelta(hours=20), facture_approuver, facture=facture, by=coord)
                self.act(
                    when + datetime.timedelta(hours=26),
                    facture_payer,
                    facture=facture,
                    date_paiement=timezone.localdate(when + datetime.timedelta(hours=26)),
                    reference=f"VIR-{acc.pk:05d}",
                    mode="virement",
                    by=coord,
                )

    def load_ateliers(self, programme: Programme) -> None:
        """A collective format and its workshops: one held (attendance recorded), one full with a waiting
        list that moved up after a withdrawal, one with places left; a few candidates are members."""
        spec = data.FORMAT_ATELIER
        fmt, _ = Format.objects.get_or_create(
            programme=programme, code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"}
        )
        self.move_to(self.now - datetime.timedelta(days=40))
        for key in data.MEMBRES_ATELIERS:
            ateliers.adhesion_record(programme=programme, personne=self.users[key], by=self.coordination, note="Membre (fictif)")
        candidats = [self.users[c.key] for c in sorted(data.CANDIDATURES, key=lambda c: c.key) if c.key in self.users]
        candidats.sort(key=lambda u: (u.email != self.users[data.LOGIN_CANDIDAT].email, u.pk))
        for a in data.ATELIERS:
            debut = self.at(a.jour, a.heure)
            annonce = self.at(min(a.jour, 0) - 20, 9)
            atelier = self.act(
                annonce,
                ateliers.atelier_create,
                programme=programme,
                format=fmt,
                titre=a.titre,
                theme=a.theme,
                debut=debut,
                duree=1,
                lieu=a.lieu,
                lien_visio=a.lien_visio,
                personne_ressource=self.prs[a.animateur],
                capacite=a.capacite,
                by=self.coordination,
            )
            inscriptions = [
                self.act(
                    annonce + datetime.timedelta(hours=2 + i), ateliers.inscription_create, atelier=atelier, participant=u, by=u
                )
                for i, u in enumerate(candidats[: a.inscrits])
            ]
            # The last confirmed withdraw (the login candidate, registered first, keeps their place).
            confirmees = [i for i in inscriptions if i.etat == "inscrite"]
            for i, inscription in enumerate(confirmees[len(confirmees) - a.desistements :]):
                self.act(
                    annonce + datetime.timedelta(days=2, hours=i),
                    ateliers.inscription_withdraw,
                    inscription=inscription,
                    by=inscription.participant,
                    reason="Empêchement (fictif)",
                )
            if a.jour < 0:
                pointage = debut + datetime.timedelta(days=1)
                for i, inscription in enumerate(inscriptions):
                    self.act(
                        pointage,
                        ateliers.presence_record,
                        inscription=inscription,
                        presente=i % 4 != 3,
                        by=self.prs[a.animateur].user,
                    )
                    if inscription.participation_due:
                        self.act(pointage, ateliers.participation_mark_paid, inscription=inscription, by=self.coordination)
                # The coordination closes the attendance list: held, its animation committed on the envelope.
                self.act(pointage + datetime.timedelta(hours=1), ateliers.atelier_clore, atelier=atelier, by=self.coordination)

    # --- entry point ----------------------------------------------------------------------
    def run(self) -> tuple[Programme, bool]:
        roles_sync()
        programme = self.load_programme()
        self.load_formats(programme)
        self.load_accounts()
        self.load_sieges_comite(programme)
        if programme.candidatures.exists():
            self.load_logins()
            return programme, False
        if not Competence.objects.filter(active=True).exists():
            raise CommandError("Le référentiel de compétences est vide : lancez d’abord « manage.py migrate ».")
        self.load_structures()
        # The PDFs make the first load last a while: say so before the console goes quiet.
        self.say("Les dossiers de démonstration sont rejoués par les services, PDF compris (environ 15 secondes)…")
        self.first_job = TacheDifferee.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        # tick: the clock runs on from each story date, so that the rows of one step keep their order.
        with override_settings(EMAIL_BACKEND=EMAIL_BACKEND), time_machine.travel(self.now, tick=True) as traveller:
            self.traveller = traveller
            self.load_personnes_ressources()
            self.load_budget(programme)
            self.load_reunions(programme)
            for spec in sorted(data.CANDIDATURES, key=lambda c: (c.soumise if c.soumise is not None else c.cree, c.key)):
                self.load_candidature(programme, spec)
            self.load_comptes_rendus()
            self.load_messages_groupe(programme)
            self.load_creneaux()
            self.load_service_fait(programme)
            self.load_ateliers(programme)
            peer_culture.load(self)
            self.run_jobs()
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
