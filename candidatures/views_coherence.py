"""The coordination's page of the invariants checked on the data (core/invariants.py): last run, run now."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core import invariants

from .views_coordination import coordination_required

PAR_PAGE = 50


@coordination_required
def coherence(request: HttpRequest) -> HttpResponse:
    """GET: the last stored run, its violations grouped by rule and paginated. POST: run it now."""
    if request.method == "POST":
        nouveau = invariants.verification_lancer(alerter=False)
        if nouveau.violations:
            messages.warning(
                request,
                ngettext(
                    "Vérification faite : %(n)s anomalie trouvée.",
                    "Vérification faite : %(n)s anomalies trouvées.",
                    nouveau.violations,
                )
                % {"n": nouveau.violations},
            )
        else:
            messages.success(request, _("Vérification faite : toutes les règles sont respectées."))
        return redirect("candidatures:coordination_coherence")
    resultat = invariants.last_result()
    details = list(resultat.details) if resultat else []
    code = request.GET.get("code", "")
    counts = Counter(d["code"] for d in details)
    regles = [{"code": inv.code, "label": str(inv.label), "n": counts.get(inv.code, 0)} for inv in invariants.registered()]
    if code:
        details = [d for d in details if d["code"] == code]
    for d in details:
        d["label"] = invariants.label_of(d["code"])
    page_obj = Paginator(details, PAR_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "candidatures/coordination/coherence.html",
        {
            "resultat": resultat,
            "regles": regles,
            "page_obj": page_obj,
            "code": code,
            "tronque": bool(resultat and resultat.violations > len(resultat.details)),
        },
    )
