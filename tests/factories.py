"""factory_boy factories shared by every test. Objects are valid by default."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
import time_machine
from django.utils import timezone

from accompagnements.models import Accompagnement, Indicateur, Objectif, Seance
from accounts.models import User
from accounts.services import user_set_roles
from annuaire.models import Competence, CompetencePersonneRessource, Domaine, PersonneRessource
from budget.models import Enveloppe, ResumeProgramme
from candidatures.models import Candidature, Etat, StatutDemandeur
from conventions.models import Convention
from conventions.services import convention_finalize, convention_render_pdf, convention_sign
from programmes.models import Departement, Format, Programme, Structure, TypeStructure
from programmes.validators import luhn_ok

DEFAULT_PASSWORD = "mot-de-passe-de-test-42"


def valid_siret(n: int) -> str:
    base = f"{800000000 + n:09d}{n % 10000:04d}"
    for check in range(10):
        candidate = f"{base}{check}"
        if luhn_ok(candidate):
            return candidate
    raise AssertionError("unreachable")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"personne{n}@exemple.test")
    first_name = factory.Sequence(lambda n: f"Prénom{n}")
    last_name = "Testeur"
    password = factory.PostGenerationMethodCall("set_password", DEFAULT_PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        if extracted:
            user_set_roles(user=self, role_names=list(extracted))


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme
        skip_postgeneration_save = True

    nom = factory.Sequence(lambda n: f"Programme de test {n}")
    slug = factory.Sequence(lambda n: f"programme-test-{n}")
    date_debut = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=60))
    date_fin = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=300))
    taux_journalier = Decimal("500.00")

    @factory.post_generation
    def setup(self, create, extracted, **kwargs):
        if not create:
            return
        Format.objects.create(
            programme=self, code="tsf", libelle="Transfert de savoir-faire", demi_journees_min=1, demi_journees_max=4
        )
        Format.objects.create(
            programme=self, code="mentorat", libelle="Mentorat", demi_journees_min=1, demi_journees_max=8, ordre=1
        )
        Enveloppe.objects.create(programme=self, montant=kwargs.get("enveloppe", Decimal("30000.00")))
        ResumeProgramme.objects.create(programme=self)  # a new programme's dashboard summary: all zeros

    @staticmethod
    def tsf(programme: Programme) -> Format:
        return programme.formats.get(code="tsf")

    @staticmethod
    def mentorat(programme: Programme) -> Format:
        return programme.formats.get(code="mentorat")


def resume_a_jour(*objects) -> None:
    """Data made by factories (not services): the programmes' dashboard summaries are dropped, to be
    recomputed on their next read (recomputing at every factory call would be quadratic)."""
    ids = {obj.programme_id if hasattr(obj, "programme_id") else obj.accompagnement.programme_id for obj in objects}
    ResumeProgramme.objects.filter(programme_id__in=ids).delete()


class StructureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Structure

    raison_sociale = factory.Sequence(lambda n: f"Structure musicale {n}")
    siret = factory.Sequence(valid_siret)
    commune = "Toulouse"
    code_postal = "31000"
    departement = Departement.HAUTE_GARONNE
    type_structure = TypeStructure.SCENE
    part_musiques_actuelles = 80
    employeuse = True
    nombre_salaries = 4


class CompetenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Competence

    domaine = factory.LazyFunction(lambda: Domaine.objects.order_by("ordre").first())
    nom = factory.Sequence(lambda n: f"Compétence {n}")


class PersonneRessourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonneRessource
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, roles=["personne_ressource"])
    prenom = factory.Sequence(lambda n: f"Mentor{n}")
    nom = "Exemple"
    email = factory.LazyAttribute(lambda o: o.user.email if o.user else "mentor@exemple.test")
    structure = factory.SubFactory(StructureFactory)
    departement = Departement.HAUTE_GARONNE
    etat = "validee"

    @factory.post_generation
    def competences(self, create, extracted, **kwargs):
        for competence, niveau in extracted or []:
            CompetencePersonneRessource.objects.create(personne_ressource=self, competence=competence, niveau=niveau)


class CandidatureFactory(factory.django.DjangoModelFactory):
    """A draft with every answer filled in; pass etat=… for a later stage."""

    class Meta:
        model = Candidature

    programme = factory.SubFactory(ProgrammeFactory)
    candidat = factory.SubFactory(UserFactory, roles=["candidat"])
    structure = factory.SubFactory(StructureFactory)
    statut_demandeur = StatutDemandeur.SALARIE
    fonction = "Chargée de développement"
    presentation = "Je coordonne les projets d’action culturelle de la structure."
    situation = "Une salle de 300 places qui développe un pôle d’accompagnement d’artistes."
    problematique = "Nous manquons de méthode pour chercher des financements privés."
    objectifs = "Construire une stratégie de mécénat et un premier dossier."
    consentement_donnees = True
    consentement_le = factory.LazyFunction(timezone.now)
    etat = Etat.BROUILLON
    reference = factory.LazyAttribute(
        lambda o: "" if o.etat == Etat.BROUILLON else f"TSF-TEST-{Candidature.objects.count() + 1:05d}"
    )
    soumise_le = factory.LazyAttribute(lambda o: None if o.etat == Etat.BROUILLON else timezone.now())


class AccompagnementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Accompagnement
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"ACC-TEST-{n:05d}")
    candidature = factory.SubFactory(CandidatureFactory, etat=Etat.SELECTIONNEE)
    programme = factory.LazyAttribute(lambda o: o.candidature.programme)
    beneficiaire = factory.LazyAttribute(lambda o: o.candidature.candidat)
    structure_beneficiaire = factory.LazyAttribute(lambda o: o.candidature.structure)
    format = factory.LazyAttribute(lambda o: o.candidature.programme.formats.get(code="tsf"))
    demi_journees_prevues = 2
    etat = "en_cours"

    @factory.post_generation
    def mentors(self, create, extracted, **kwargs):
        if not create:
            return
        mentors = extracted if extracted is not None else [PersonneRessourceFactory()]
        self.mentors.set(mentors)
        resume_a_jour(self)  # as accompagnement_create does


class ObjectifFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Objectif

    accompagnement = factory.SubFactory(AccompagnementFactory)
    intitule = factory.Sequence(lambda n: f"Objectif {n}")
    critere_reussite = "Un plan d’action écrit et partagé avec l’équipe."


class IndicateurFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicateur

    objectif = factory.SubFactory(ObjectifFactory)
    type_indicateur = "quantitatif"
    libelle = "Dossiers de mécénat déposés"
    unite = "dossiers"
    valeur_initiale = Decimal("0")
    cible = Decimal("3")


class ConventionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Convention

    accompagnement = factory.SubFactory(AccompagnementFactory)
    version = 1
    reference = factory.Sequence(lambda n: f"CONV-TEST-{n:05d}")
    demi_journees = factory.LazyAttribute(lambda o: o.accompagnement.demi_journees_prevues)
    montant = factory.LazyAttribute(lambda o: o.accompagnement.format.montant_pour(o.demi_journees))


class SeanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Seance
        skip_postgeneration_save = True

    accompagnement = factory.SubFactory(AccompagnementFactory)
    debut = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=7))
    demi_journees = 1
    lieu = "Salle de réunion de la structure"
    sujet = "Stratégie de mécénat"

    @factory.post_generation
    def resume(self, create, extracted, **kwargs):
        if create:
            resume_a_jour(self)  # as the session services do


def convention_signee(accompagnement: Accompagnement, *, coordinateur: User, le: datetime.datetime | None = None) -> Convention:
    """The accompagnement's convention rendered, signed by the three parties and finalised, through the
    services, as on `le` (default now): PDF and fingerprint, signatures, commitment, start."""
    convention = ConventionFactory(accompagnement=accompagnement)
    with time_machine.travel(le or timezone.now(), tick=True):
        convention = convention_render_pdf(convention_id=convention.pk)
        mentor = accompagnement.mentors.select_related("user").first()
        for by in (coordinateur, mentor.user, accompagnement.beneficiaire):
            convention_sign(convention=convention, by=by, adresse_ip=None, sha256_document=convention.pdf_sha256)
        convention_finalize(convention_id=convention.pk)  # what the worker does after the commit
    convention.refresh_from_db()
    return convention
