"""Writes on questionnaires: the current version (created from the defaults when missing), freezing,
and every edit of steps and questions made copy-on-write — a frozen version never changes: the edit
lands on a new version, which becomes the current one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import RuleViolation
from programmes.models import Programme

from .defaults import creer_defaut, creer_defaut_evaluation_atelier, creer_defaut_evaluation_fin
from .models import Bloc, Eligibilite, Etape, Nature, Public, Question, Questionnaire, QuestionnaireVersion, TypeQuestion

ETAPE_CHAMPS = ("ordre", "slug", "titre", "intro", "bloc")
QUESTION_CHAMPS = ("ordre", "code", "libelle", "aide", "type", "obligatoire", "choix", "champ")
# A programme's eligibility rules, as the coordination sets them (eligibilite_enregistrer, the admin's form).
ELIGIBILITE_CHAMPS = (
    "territoire",
    "departements",
    "communes",
    "types_structure",
    "part_activite_min",
    "champ_activite",
    "adhesion_requise",
)


def _defaut_candidature(version: QuestionnaireVersion) -> None:
    creer_defaut(version=version, etape_model=Etape)


def _defaut_evaluation_fin(version: QuestionnaireVersion) -> None:
    creer_defaut_evaluation_fin(version=version, etape_model=Etape, question_model=Question)


def _defaut_evaluation_atelier(version: QuestionnaireVersion) -> None:
    creer_defaut_evaluation_atelier(version=version, etape_model=Etape, question_model=Question)


# The questionnaires a programme always has: created from their default content (questionnaires/defaults.py)
# the first time they are needed. The others exist only once the coordination makes them.
DEFAUTS: dict[str, Callable[[QuestionnaireVersion], None]] = {
    Nature.CANDIDATURE: _defaut_candidature,
    Nature.EVALUATION_FIN: _defaut_evaluation_fin,
    Nature.EVALUATION_ATELIER: _defaut_evaluation_atelier,
}


@transaction.atomic
def questionnaire_version_courante(
    *, programme: Programme, nature: str = Nature.CANDIDATURE, public: str = Public.TOUS
) -> QuestionnaireVersion | None:
    """The version new answers use. A programme without an application (or end-of-programme) questionnaire
    gets the default one (DEFAUTS)."""
    defaut = DEFAUTS.get(nature)
    questionnaire = Questionnaire.objects.filter(programme=programme, nature=nature, public=public).first()
    if questionnaire is None:
        if defaut is None:
            return None
        questionnaire = Questionnaire.objects.create(programme=programme, nature=nature, public=public)
    version = questionnaire.version_courante()
    if version is None and defaut is not None:
        version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, numero=1)
        defaut(version)
    return version


@transaction.atomic
def version_geler(*, version: QuestionnaireVersion) -> QuestionnaireVersion:
    """An answer now references `version`: from now on it never changes."""
    if version.gelee_le is None:
        QuestionnaireVersion.objects.filter(pk=version.pk, gelee_le__isnull=True).update(gelee_le=timezone.now())
        version.refresh_from_db(fields=["gelee_le"])
    return version


def _cloner(source: QuestionnaireVersion, *, questionnaire: Questionnaire, numero: int) -> QuestionnaireVersion:
    cible = QuestionnaireVersion.objects.create(questionnaire=questionnaire, numero=numero)
    for etape in source.etapes.prefetch_related("questions").order_by("ordre", "pk"):
        copie = Etape.objects.create(version=cible, **{name: getattr(etape, name) for name in ETAPE_CHAMPS})
        Question.objects.bulk_create(
            [
                Question(etape=copie, **{name: getattr(question, name) for name in QUESTION_CHAMPS})
                for question in etape.questions.order_by("ordre", "pk")
            ]
        )
    return cible


def _version_ecrivable(version: QuestionnaireVersion) -> QuestionnaireVersion:
    """Where an edit of `version` lands: itself while no answer references it, else the current
    version if still open, else a new copy of the current version (which becomes current)."""
    version = QuestionnaireVersion.objects.select_for_update().get(pk=version.pk)
    if version.gelee_le is None:
        return version
    questionnaire = Questionnaire.objects.select_for_update().get(pk=version.questionnaire_id)
    courante = questionnaire.version_courante()
    if courante is not None and courante.gelee_le is None:
        return courante
    numero = (questionnaire.versions.aggregate(m=Max("numero"))["m"] or 0) + 1
    return _cloner(courante or version, questionnaire=questionnaire, numero=numero)


def _etape_dans(etape: Etape, version: QuestionnaireVersion) -> Etape:
    if etape.version_id == version.pk:
        return etape
    homologue = version.etapes.filter(slug=etape.slug).first()
    if homologue is None:
        raise RuleViolation(_("Cette étape n’existe plus dans la version courante du questionnaire."))
    return homologue


def _question_dans(question: Question, version: QuestionnaireVersion) -> Question:
    if question.etape.version_id == version.pk:
        return question
    homologue = Question.objects.filter(etape__version=version, etape__slug=question.etape.slug, code=question.code).first()
    if homologue is None:
        raise RuleViolation(_("Cette question n’existe plus dans la version courante du questionnaire."))
    return homologue


def _check_etape(etape: Etape) -> None:
    if not etape.slug:
        raise RuleViolation(_("Donnez un identifiant à l’étape."), field="slug")
    if etape.bloc and etape.version.questionnaire.nature != Nature.CANDIDATURE:
        raise RuleViolation(_("Les blocs intégrés n’existent que dans le questionnaire de candidature."), field="bloc")
    if Etape.objects.filter(version=etape.version_id, slug=etape.slug).exclude(pk=etape.pk).exists():
        raise RuleViolation(_("Une autre étape de cette version a déjà cet identifiant."), field="slug")
    if etape.bloc and Etape.objects.filter(version=etape.version_id, bloc=etape.bloc).exclude(pk=etape.pk).exists():
        raise RuleViolation(_("Ce bloc intégré est déjà une étape de cette version."), field="bloc")


def _check_question(question: Question) -> None:
    if question.etape.bloc:
        raise RuleViolation(
            _("Une étape intégrée a son propre formulaire : ajoutez les questions libres dans une autre étape."),
            field="etape",
        )
    if not question.code:
        raise RuleViolation(_("Donnez un code à la question."), field="code")
    if question.type in (TypeQuestion.CHOIX, TypeQuestion.CHOIX_MULTIPLE) and not question.liste_choix():
        raise RuleViolation(_("Une question à choix propose au moins un choix."), field="choix")
    if question.champ and question.type not in (TypeQuestion.TEXTE, TypeQuestion.TEXTE_LONG):
        raise RuleViolation(_("Seule une réponse en texte peut être écrite dans un champ du dossier."), field="champ")
    doublon = Question.objects.filter(etape__version=question.etape.version_id, code=question.code).exclude(pk=question.pk)
    if doublon.exists():
        raise RuleViolation(_("Une autre question de cette version a déjà ce code."), field="code")


def _inchange(obj: Any, donnees: dict[str, Any], champs: tuple[str, ...]) -> bool:
    """True when `donnees` changes nothing on `obj` (saving a page as it is makes no new version)."""
    return all(getattr(obj, name) == value for name, value in donnees.items() if name in champs)


# A step or a question: both are written the same way.
T = TypeVar("T", Etape, Question)


def _ecrire(obj: T, donnees: dict[str, Any], champs: tuple[str, ...], check: Callable[[T], None]) -> T:
    """Write `donnees` (its editable `champs` only) on the step or question, check it, save it."""
    for name, value in donnees.items():
        if name in champs:
            setattr(obj, name, value)
    check(obj)
    obj.save()
    return obj


@transaction.atomic
def etape_creer(*, version: QuestionnaireVersion, donnees: dict[str, Any]) -> Etape:
    cible = _version_ecrivable(version)
    return _ecrire(Etape(version=cible), donnees, ETAPE_CHAMPS, _check_etape)


@transaction.atomic
def etape_modifier(*, etape: Etape, donnees: dict[str, Any]) -> Etape:
    """Change a step; on a frozen version, the change is made on the new current version."""
    original = Etape.objects.get(pk=etape.pk)
    if _inchange(original, donnees, ETAPE_CHAMPS):
        return original
    return _ecrire(_etape_dans(original, _version_ecrivable(original.version)), donnees, ETAPE_CHAMPS, _check_etape)


@transaction.atomic
def etape_supprimer(*, etape: Etape) -> None:
    original = Etape.objects.get(pk=etape.pk)
    _etape_dans(original, _version_ecrivable(original.version)).delete()


@transaction.atomic
def question_creer(*, etape: Etape, donnees: dict[str, Any]) -> Question:
    original = Etape.objects.get(pk=etape.pk)
    question = Question(etape=_etape_dans(original, _version_ecrivable(original.version)))
    return _ecrire(question, donnees, QUESTION_CHAMPS, _check_question)


@transaction.atomic
def question_modifier(*, question: Question, donnees: dict[str, Any]) -> Question:
    """Change a question; on a frozen version, the change is made on the new current version."""
    original = Question.objects.select_related("etape__version").get(pk=question.pk)
    if _inchange(original, donnees, QUESTION_CHAMPS):
        return original
    cible = _question_dans(original, _version_ecrivable(original.etape.version))
    return _ecrire(cible, donnees, QUESTION_CHAMPS, _check_question)


@transaction.atomic
def question_supprimer(*, question: Question) -> None:
    original = Question.objects.select_related("etape__version").get(pk=question.pk)
    _question_dans(original, _version_ecrivable(original.etape.version)).delete()


@transaction.atomic
def questionnaire_creer(*, programme: Programme, nature: str, public: str = Public.TOUS) -> Questionnaire:
    """A new questionnaire with an empty first version (those of DEFAUTS start from their default content)."""
    if Questionnaire.objects.filter(programme=programme, nature=nature, public=public).exists():
        raise RuleViolation(_("Ce programme a déjà ce questionnaire."), field="nature")
    questionnaire = Questionnaire.objects.create(programme=programme, nature=nature, public=public)
    version = QuestionnaireVersion.objects.create(questionnaire=questionnaire, numero=1)
    defaut = DEFAUTS.get(nature)
    if defaut is not None:
        defaut(version)
    return questionnaire


@transaction.atomic
def questionnaires_copier(*, source: Programme, cible: Programme) -> None:
    """“Copy this programme”: each questionnaire's current version becomes version 1 of the new programme's."""
    for questionnaire in Questionnaire.objects.filter(programme=source):
        courante = questionnaire.version_courante()
        if (
            courante is None
            or Questionnaire.objects.filter(programme=cible, nature=questionnaire.nature, public=questionnaire.public).exists()
        ):
            continue
        nouveau = Questionnaire.objects.create(programme=cible, nature=questionnaire.nature, public=questionnaire.public)
        _cloner(courante, questionnaire=nouveau, numero=1)
    regles = Eligibilite.objects.filter(programme=source).first()
    if regles is not None and not Eligibilite.objects.filter(programme=cible).exists():
        Eligibilite.objects.create(
            programme=cible,
            **{
                name: getattr(regles, name)
                for name in ("territoire", "departements", "communes", "types_structure", "part_activite_min")
            },
        )


__all__ = [
    "Bloc",
    "questionnaire_version_courante",
    "version_geler",
    "etape_creer",
    "etape_modifier",
    "etape_supprimer",
    "question_creer",
    "question_modifier",
    "question_supprimer",
    "questionnaire_creer",
    "questionnaires_copier",
    "eligibilite_enregistrer",
]


@transaction.atomic
def eligibilite_enregistrer(*, programme: Programme, donnees: dict[str, Any]) -> Eligibilite:
    """Set a programme's eligibility rules (its territory, structure types, field and share of activity,
    whether membership is required)."""
    regles = Eligibilite.objects.select_for_update().filter(programme=programme).first() or Eligibilite(programme=programme)
    for name in ELIGIBILITE_CHAMPS:
        if name in donnees:
            setattr(regles, name, donnees[name])
    if not regles.departements:
        raise RuleViolation(_("Acceptez au moins un département."), field="departements")
    regles.champ_activite = regles.champ_activite.strip()
    if not regles.champ_activite:
        raise RuleViolation(_("Indiquez le champ d’activité du programme."), field="champ_activite")
    if regles.part_activite_min > 100:
        raise RuleViolation(_("Une part d’activité s’exprime entre 0 et 100 %."), field="part_activite_min")
    regles.save()
    return regles
