"""The form of a step's free questions, built from the version's data, and the answers as JSON."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import ACCEPT_ATTRIBUTE

from .models import Question, TypeQuestion

REQUIRED = {"required": _("Ce champ est obligatoire.")}


def champ_question(question: Question) -> forms.Field:
    common: dict[str, Any] = {
        "label": question.libelle,
        "help_text": question.aide,
        "required": question.obligatoire,
    }
    choices = [(c, c) for c in question.liste_choix()]
    kind = question.type
    if kind == TypeQuestion.TEXTE_LONG:
        return forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), max_length=20000, error_messages=REQUIRED, **common)
    if kind == TypeQuestion.CHOIX:
        return forms.ChoiceField(
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={**REQUIRED, "invalid_choice": _("Choisissez l’une des réponses proposées.")},
            **common,
        )
    if kind == TypeQuestion.CHOIX_MULTIPLE:
        return forms.MultipleChoiceField(
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={**REQUIRED, "invalid_choice": _("Choisissez parmi les réponses proposées.")},
            **common,
        )
    if kind == TypeQuestion.NOMBRE:
        return forms.DecimalField(
            localize=True,
            max_digits=14,
            decimal_places=2,
            error_messages={**REQUIRED, "invalid": _("Indiquez un nombre.")},
            widget=forms.TextInput(attrs={"inputmode": "decimal"}),
            **common,
        )
    if kind == TypeQuestion.DATE:
        return forms.DateField(
            input_formats=["%Y-%m-%d", "%d/%m/%Y"],
            error_messages={**REQUIRED, "invalid": _("Indiquez une date (jj/mm/aaaa).")},
            widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            **common,
        )
    if kind == TypeQuestion.FICHIER:
        return forms.FileField(
            error_messages={**REQUIRED, "invalid": _("Le fichier n’a pas pu être lu.")},
            widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
            **common,
        )
    return forms.CharField(max_length=2000, error_messages=REQUIRED, **common)


def questions_form_class(questions: list[Question]) -> type[forms.Form]:
    """A Form class whose fields are `questions`, named by their codes, in order."""
    fields = {question.code: champ_question(question) for question in questions}
    return type("QuestionsForm", (forms.Form,), fields)


def vers_json(value: Any) -> Any:
    """A cleaned value as stored in the answers (JSON)."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, (list, tuple)):
        return [vers_json(v) for v in value]
    return value


def valeur_affichee(question_type: str, value: Any) -> str:
    """How an answer reads in a file (list joined, date in French, file by its name)."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return str(value.get("nom", "—"))
    if question_type == TypeQuestion.DATE:
        try:
            return datetime.date.fromisoformat(value).strftime("%d/%m/%Y")
        except (TypeError, ValueError):
            return str(value)
    if question_type == TypeQuestion.NOMBRE:
        return str(value).replace(".", ",")
    return str(value)
