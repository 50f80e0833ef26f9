"""Invariants of the evaluations (core/invariants.py)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accompagnements.invariants import sur_accompagnement
from accompagnements.models import Accompagnement, EtatAccompagnement
from core.invariants import Violation, invariant

from .models import EtatEvaluation, Evaluation, Moment, Repondant
from .services import a_eu_lieu_q


@invariant(
    "evaluations.sortie_ouverte",
    gettext_lazy("Un accompagnement terminé a sa date de fin et ses évaluations de sortie (bénéficiaire et personne-ressource)"),
)
def sortie_ouverte() -> Iterable[Violation]:
    sortie = Q(evaluations__moment=Moment.SORTIE)
    rows = (
        Accompagnement.objects.filter(etat__in=[EtatAccompagnement.TERMINE, EtatAccompagnement.CLOS])
        .annotate(
            benef=Count("evaluations", filter=sortie & Q(evaluations__repondant=Repondant.BENEFICIAIRE)),
            mentor=Count("evaluations", filter=sortie & Q(evaluations__repondant=Repondant.MENTOR)),
        )
        .filter(Q(benef=0) | Q(mentor=0) | Q(termine_le__isnull=True))
        .values("pk", "reference", "benef", "mentor", "termine_le")
        .order_by("pk")
    )
    for row in rows.iterator():
        manque = []
        if row["termine_le"] is None:
            manque.append(_("la date de fin"))
        if not row["benef"]:
            manque.append(_("l’évaluation de sortie du·de la bénéficiaire"))
        if not row["mentor"]:
            manque.append(_("l’évaluation de sortie de la personne-ressource"))
        yield Violation(
            message=_("Terminé sans %(manque)s.") % {"manque": ", ".join(str(m) for m in manque)},
            **sur_accompagnement(row["pk"], row["reference"]),
        )


@invariant(
    "evaluations.dates_etat",
    gettext_lazy("Une évaluation ouverte a sa date d’ouverture, une évaluation remplie sa date de réponse"),
)
def dates_etat() -> Iterable[Violation]:
    rows = (
        Evaluation.objects.filter(
            Q(etat=EtatEvaluation.REPONDUE, repondue_le__isnull=True)
            | Q(etat__in=[EtatEvaluation.OUVERTE, EtatEvaluation.REPONDUE, EtatEvaluation.EXPIREE], ouverte_le__isnull=True)
        )
        .select_related("accompagnement")
        .order_by("pk")
    )
    for evaluation in rows.iterator():
        yield Violation(
            message=_("État « %(etat)s » sans sa date.") % {"etat": evaluation.get_etat_display()},
            objet=_("Évaluation %(moment)s (%(repondant)s) de %(ref)s")
            % {
                "moment": evaluation.get_moment_display(),
                "repondant": evaluation.get_repondant_display(),
                "ref": evaluation.accompagnement.reference,
            },
            url=reverse("accompagnements:detail", args=[evaluation.accompagnement_id]),
        )


@invariant(
    "evaluations.fin_programme",
    gettext_lazy(
        "Une évaluation de fin de programme s’ouvre une fois la période du programme finie, pour un accompagnement qui a eu lieu"
    ),
)
def fin_programme() -> Iterable[Violation]:
    # The opening date read in Europe/Paris (the __date lookup uses the current time zone), like the period.
    avant_la_fin = Q(ouverte_le__date__lt=F("accompagnement__programme__date_fin"))
    rows = (
        Evaluation.objects.filter(moment=Moment.FIN_PROGRAMME)
        .filter(avant_la_fin | ~a_eu_lieu_q("accompagnement__"))
        .annotate(trop_tot=ExpressionWrapper(avant_la_fin, output_field=BooleanField()))
        .select_related("accompagnement__programme")
        .order_by("pk")
    )
    for evaluation in rows.iterator():
        programme = evaluation.accompagnement.programme
        message = (
            _("Ouverte avant la fin de la période du programme (%(date)s).") % {"date": programme.date_fin.strftime("%d/%m/%Y")}
            if evaluation.trop_tot  # type: ignore[attr-defined]
            else _("L’accompagnement n’a pas eu lieu (état « %(etat)s »).")
            % {"etat": evaluation.accompagnement.get_etat_display()}
        )
        yield Violation(
            message=message,
            objet=_("Évaluation de fin de programme (%(repondant)s) de %(ref)s")
            % {"repondant": evaluation.get_repondant_display(), "ref": evaluation.accompagnement.reference},
            url=reverse("accompagnements:detail", args=[evaluation.accompagnement_id]),
        )
