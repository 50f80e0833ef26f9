"""Reads of questionnaires: a version's steps, and answers shown with the labels they were given with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .forms import valeur_affichee
from .models import Eligibilite, Etape, Question, QuestionnaireVersion, TypeQuestion


@dataclass
class ReponseAffichee:
    code: str
    libelle: str
    valeur: str


@dataclass
class EtapeAffichee:
    titre: str
    reponses: list[ReponseAffichee] = field(default_factory=list)


def etapes(version: QuestionnaireVersion) -> list[Etape]:
    """The version's steps in order, with their questions prefetched."""
    return list(version.etapes.prefetch_related("questions").order_by("ordre", "pk"))


def reponses_affichees(version: QuestionnaireVersion | None, reponses: dict[str, Any] | None) -> list[EtapeAffichee]:
    """The free questions of `version` with the answers given (labels of that version)."""
    if version is None:
        return []
    reponses = reponses or {}
    result = []
    for etape in etapes(version):
        questions = sorted(etape.questions.all(), key=lambda q: (q.ordre, q.pk))
        if not questions:
            continue
        result.append(
            EtapeAffichee(
                titre=etape.titre,
                reponses=[ReponseAffichee(q.code, q.libelle, valeur_affichee(q.type, reponses.get(q.code))) for q in questions],
            )
        )
    return result


def eligibilite(programme: Any) -> Eligibilite:
    """The programme's eligibility rules; the defaults (unsaved) when the coordination has set none."""
    regles = Eligibilite.objects.filter(programme=programme).first() if programme is not None else None
    return regles or Eligibilite(programme=programme)


def version_courante(*, programme: Any, nature: str, public: str) -> QuestionnaireVersion | None:
    """The current version of a programme's questionnaire, if the coordination has made one (no write)."""
    return (
        QuestionnaireVersion.objects.filter(
            questionnaire__programme=programme, questionnaire__nature=nature, questionnaire__public=public
        )
        .order_by("-numero")
        .first()
    )


def questions(version: QuestionnaireVersion | None) -> list[Question]:
    """Every question of `version`, step after step."""
    if version is None:
        return []
    return list(Question.objects.filter(etape__version=version).order_by("etape__ordre", "etape__pk", "ordre", "pk"))


def questions_evaluation(version: QuestionnaireVersion | None) -> list[Question]:
    """The questions of `version` asked in an evaluation (a workshop's, an accompaniment's): every one but
    the file questions, which these forms do not ask. The form and the service read this one list, so a
    required file question never blocks an answer the form could not give."""
    return [q for q in questions(version) if q.type != TypeQuestion.FICHIER]


def reponses_affichees_en_lot(lot: list[tuple[int | None, dict[str, Any] | None]]) -> list[list[EtapeAffichee]]:
    """`reponses_affichees` for many answers at once (version id, answers), in one query for all their
    versions' questions: a list of answers costs the same whatever its length."""
    ids = {version_id for version_id, _reponses in lot if version_id}
    par_version: dict[int, list[Question]] = {}
    for question in (
        Question.objects.filter(etape__version_id__in=ids)
        .select_related("etape")
        .order_by("etape__ordre", "etape__pk", "ordre", "pk")
    ):
        par_version.setdefault(question.etape.version_id, []).append(question)
    result = []
    for version_id, reponses in lot:
        reponses = reponses or {}
        etapes_lues: list[EtapeAffichee] = []
        etape_courante = None
        for question in par_version.get(version_id or 0, []):
            if question.etape_id != etape_courante:
                etape_courante = question.etape_id
                etapes_lues.append(EtapeAffichee(titre=question.etape.titre))
            etapes_lues[-1].reponses.append(
                ReponseAffichee(question.code, question.libelle, valeur_affichee(question.type, reponses.get(question.code)))
            )
        result.append(etapes_lues)
    return result
