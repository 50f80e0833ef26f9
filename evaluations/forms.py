"""The questionnaires: exit (beneficiary, mentor) and six months, built from the objectives grid; end of
programme (beneficiary, mentor), made of the programme's own questions."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from accompagnements.models import Accompagnement, TypeIndicateur
from programmes.models import Format
from questionnaires.forms import champ_question, vers_json
from questionnaires.models import Nature, Public
from questionnaires.selectors import questions_evaluation, version_courante

from .models import Atteinte, Evaluation, MesureIndicateur, Moment, Repondant
from .services import format_suite_propose

# Which of the programme's questionnaires (questionnaires app) adds its questions to each evaluation.
NATURES = {
    Moment.SORTIE: Nature.EVALUATION_SORTIE,
    Moment.SIX_MOIS: Nature.EVALUATION_6MOIS,
    Moment.FIN_PROGRAMME: Nature.EVALUATION_FIN,
}
PUBLICS = {Repondant.BENEFICIAIRE: Public.BENEFICIAIRE, Repondant.MENTOR: Public.PERSONNE_RESSOURCE}
PREFIXE = "programme_"


def version_programme(evaluation: Evaluation) -> Any:
    """The version of the programme's questionnaire for this evaluation: the one answered with, else the current one."""
    if evaluation.questionnaire_version_id:
        return evaluation.questionnaire_version
    nature = NATURES.get(Moment(evaluation.moment))
    if nature is None:
        return None
    programme = evaluation.accompagnement.programme
    return version_courante(
        programme=programme,
        nature=nature,
        public=PUBLICS[Repondant(evaluation.repondant)],
    ) or version_courante(programme=programme, nature=nature, public=Public.TOUS)


NOTES = [(i, str(i)) for i in range(1, 6)]
NOTE_AIDE = _("1 : pas du tout satisfait·e – 5 : très satisfait·e")
NIVEAU_AIDE = _("1 : pas du tout – 5 : pleinement")


def note_field(label: Any, help_text: Any = NOTE_AIDE, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label, choices=NOTES, coerce=int, widget=forms.RadioSelect, help_text=help_text, required=required
    )


def texte(label: Any, required: bool = True, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label, required=required, help_text=help_text, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class QuestionnaireForm(forms.Form):
    """Base: adds one field per objective and indicator of the grid, then the questions of `QUESTIONS`."""

    objectifs_atteinte = False  # ask reached / partly / not for each objective
    mesurer_indicateurs = False  # score each indicator (same scale as the baseline)
    demander_depart = False  # qualitative indicators without a baseline: ask where they stood at the start

    def __init__(self, *args: Any, evaluation: Evaluation, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.evaluation = evaluation
        self.objectifs = list(evaluation.accompagnement.objectifs.prefetch_related("indicateurs"))
        avec_depart = set()
        if self.demander_depart:
            avec_depart = set(
                MesureIndicateur.objects.filter(
                    indicateur__objectif__accompagnement=evaluation.accompagnement, moment=Moment.DEBUT, niveau__isnull=False
                ).values_list("indicateur_id", flat=True)
            )
        grille: dict[str, forms.Field] = {}
        for objectif in self.objectifs:
            if self.objectifs_atteinte:
                grille[f"objectif_{objectif.pk}"] = forms.ChoiceField(
                    label=_("Objectif « %(intitule)s » : est-il atteint ?") % {"intitule": objectif.intitule},
                    choices=Atteinte.choices,
                    widget=forms.RadioSelect,
                    help_text=objectif.critere_reussite,
                )
            if not self.mesurer_indicateurs:
                continue
            for indicateur in objectif.indicateurs.all():
                if indicateur.type_indicateur == TypeIndicateur.QUANTITATIF:
                    grille[f"indicateur_{indicateur.pk}"] = forms.DecimalField(
                        label=_("%(libelle)s : valeur aujourd’hui (en %(unite)s)")
                        % {"libelle": indicateur.libelle, "unite": indicateur.unite},
                        help_text=_("Au départ : %(depart)s – cible : %(cible)s")
                        % {
                            "depart": number_format(indicateur.valeur_initiale)
                            if indicateur.valeur_initiale is not None
                            else "–",
                            "cible": number_format(indicateur.cible) if indicateur.cible is not None else "–",
                        },
                        max_digits=12,
                        decimal_places=2,
                        required=False,
                        localize=True,
                    )
                else:
                    if self.demander_depart and indicateur.pk not in avec_depart:
                        grille[f"depart_{indicateur.pk}"] = note_field(
                            _("%(libelle)s : où en étiez-vous au démarrage ?") % {"libelle": indicateur.libelle},
                            help_text=NIVEAU_AIDE,
                            required=False,
                        )
                    grille[f"indicateur_{indicateur.pk}"] = note_field(
                        _("%(libelle)s : où en êtes-vous ?") % {"libelle": indicateur.libelle}, help_text=NIVEAU_AIDE
                    )
        self.fields = {**grille, **self.fields}
        # Then the programme's own questions, edited by its coordination (files are not asked here).
        self.version = version_programme(evaluation)
        self.questions_programme = questions_evaluation(self.version)
        for question in self.questions_programme:
            self.fields[PREFIXE + question.code] = champ_question(question)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        atteintes = {o.pk: data[f"objectif_{o.pk}"] for o in self.objectifs if f"objectif_{o.pk}" in data}
        indicateurs = {}
        for objectif in self.objectifs:
            for indicateur in objectif.indicateurs.all():
                key = f"indicateur_{indicateur.pk}"
                if key in data:
                    champ = "valeur" if indicateur.type_indicateur == TypeIndicateur.QUANTITATIF else "niveau"
                    indicateurs[indicateur.pk] = {champ: data[key]}
        departs = {int(name.removeprefix("depart_")): data[name] for name in data if name.startswith("depart_") and data[name]}
        reponses = {
            name: data[name]
            for name in data
            if not name.startswith(("objectif_", "indicateur_", "depart_", PREFIXE))
            and name not in ("satisfaction_format", "satisfaction_personne", "recommande_suite")
        }
        return {
            "reponses": reponses,
            "atteintes": atteintes,
            "indicateurs": indicateurs,
            "departs": departs,
            "satisfaction_format": data.get("satisfaction_format"),
            "satisfaction_personne": data.get("satisfaction_personne"),
            "recommande_suite": bool(data.get("recommande_suite")),
            "questionnaire_version": self.version,
            "reponses_programme": {
                q.code: vers_json(data.get(PREFIXE + q.code)) for q in self.questions_programme if PREFIXE + q.code in data
            },
        }


class SortieBeneficiaireForm(QuestionnaireForm):
    objectifs_atteinte = True
    mesurer_indicateurs = True
    demander_depart = True

    competences = texte(_("Quelles compétences avez-vous acquises ?"))
    changements = texte(_("Qu’est-ce qui a changé dans votre structure ou votre projet ?"))
    satisfaction_format = note_field(_("Votre satisfaction sur le format de l’accompagnement"))
    satisfaction_personne = note_field(_("Votre satisfaction sur la personne-ressource"))
    recommande_suite = forms.BooleanField(label=_("Je souhaite poursuivre avec un mentorat (ou une autre suite)"), required=False)
    commentaire = texte(_("Autre chose à nous dire ?"), required=False)


class SortieMentorForm(QuestionnaireForm):
    transmis = texte(_("Qu’avez-vous transmis ?"))
    appris = texte(_("Qu’avez-vous appris vous-même ?"), help_text=_("La progression mutuelle est un objectif du programme."))
    recommandation = texte(_("Vos recommandations pour la suite du·de la bénéficiaire"), required=False)
    satisfaction_format = note_field(_("Votre satisfaction sur le format de l’accompagnement"))
    recommande_suite = forms.BooleanField(label=_("Je recommande une suite (mentorat)"), required=False)


class SixMoisForm(QuestionnaireForm):
    mesurer_indicateurs = True

    outils_utilises = forms.ChoiceField(
        label=_("Utilisez-vous encore les outils et méthodes travaillés pendant l’accompagnement ?"),
        choices=[("oui", _("Oui")), ("en_partie", _("En partie")), ("non", _("Non"))],
        widget=forms.RadioSelect,
    )
    outils_detail = texte(_("Lesquels ?"), required=False)
    avancee_projet = texte(_("Où en est votre projet ?"))
    emploi = forms.ChoiceField(
        label=_("Côté emploi, l’accompagnement a-t-il contribué à…"),
        choices=[
            ("maintenu", _("maintenir un emploi")),
            ("cree", _("créer un emploi")),
            ("aucun", _("ni l’un ni l’autre")),
            ("sans_objet", _("sans objet pour ma structure")),
        ],
        widget=forms.RadioSelect,
    )
    personne_ressource = forms.ChoiceField(
        label=_("Seriez-vous prêt·e à devenir personne-ressource à votre tour ?"),
        choices=[("oui", _("Oui, c’est déjà le cas ou je le souhaite")), ("envisage", _("Je l’envisage")), ("non", _("Non"))],
        widget=forms.RadioSelect,
    )
    commentaire = texte(_("Autre chose à nous dire ?"), required=False)


class FinProgrammeForm(QuestionnaireForm):
    """End of programme: the programme's questions (EVALUATION_FIN questionnaire, default content in
    questionnaires/defaults.py), then a free comment."""

    commentaire = texte(_("Autre chose à nous dire ?"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The programme's questions first: the comment closes the questionnaire.
        self.fields["commentaire"] = self.fields.pop("commentaire")


def questionnaire_form_class(evaluation: Evaluation) -> type[QuestionnaireForm]:
    if evaluation.moment == Moment.FIN_PROGRAMME:
        return FinProgrammeForm
    if evaluation.moment == Moment.SIX_MOIS:
        return SixMoisForm
    if evaluation.repondant == Repondant.MENTOR:
        return SortieMentorForm
    return SortieBeneficiaireForm


def questionnaire_form(evaluation: Evaluation, data: Any = None) -> QuestionnaireForm:
    return questionnaire_form_class(evaluation)(data, evaluation=evaluation)


class SuiteForm(forms.Form):
    format = forms.ModelChoiceField(label=_("Format de la suite"), queryset=Format.objects.none(), empty_label=None)
    demi_journees = forms.IntegerField(label=_("Demi-journées"), min_value=1, max_value=40)

    def __init__(self, *args: Any, accompagnement: Accompagnement, **kwargs: Any) -> None:
        fmt, demi = format_suite_propose(accompagnement)
        kwargs.setdefault("initial", {"format": fmt, "demi_journees": demi})
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["format"]).queryset = Format.objects.filter(
            programme_id=accompagnement.programme_id
        )
        self.auto_id = "suite_%s"
