"""The programme's invariants as code: each is a function that finds its violations in the database.

Every app declares the invariants on the data it owns in `<app>/invariants.py` (imported by its
AppConfig.ready()), so that core never imports an app's models:

    @invariant("budget.paye_engage", _("Payé ≤ engagé, par accompagnement"))
    def paye_au_plus_engage() -> Iterable[Violation]:
        ...

`find_violations()` runs them all (or the codes asked); `verification_lancer()` runs them, stores the
result (`core.VerificationCoherence`) and alerts the coordination by e-mail when something is wrong.
Used by `manage.py verifier_coherence`, the nightly beat task and the coordination's page.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, replace

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from .emails import send_templated_after_commit
from .models import VerificationCoherence

logger = logging.getLogger(__name__)

# Details kept per stored run; the count stays exact beyond it.
DETAILS_MAX = 1000
# The same violations are e-mailed again at most once a day (a little less than 24 h, so that the
# nightly run starting a few seconds earlier than the day before still repeats the alert).
ALERTE_REPETEE_APRES = datetime.timedelta(hours=23)


@dataclass(frozen=True, kw_only=True)
class Violation:
    """One object that breaks an invariant: which rule, why (French), which object, where to look.

    An invariant's check leaves `code` out: `find_violations` writes the code the check is registered
    under, so that the code is named once, in `@invariant(...)`.
    """

    code: str = ""
    message: str
    objet: str
    url: str = ""


@dataclass(frozen=True)
class Invariant:
    code: str
    label: str | Promise  # translated when shown
    check: Callable[[], Iterable[Violation]]


_REGISTRY: dict[str, Invariant] = {}


def invariant(
    code: str, label: str | Promise
) -> Callable[[Callable[[], Iterable[Violation]]], Callable[[], Iterable[Violation]]]:
    """Register `() -> Iterable[Violation]` under `code` (unique); `label` says the rule in French."""

    def register(check: Callable[[], Iterable[Violation]]) -> Callable[[], Iterable[Violation]]:
        existing = _REGISTRY.get(code)
        if existing is not None and existing.check.__qualname__ != check.__qualname__:
            raise ValueError(f"invariant {code!r} is already registered by {existing.check.__module__}")
        _REGISTRY[code] = Invariant(code=code, label=label, check=check)
        return check

    return register


def registered() -> list[Invariant]:
    """Every registered invariant, in code order."""
    return sorted(_REGISTRY.values(), key=lambda inv: inv.code)


def label_of(code: str) -> str:
    found = _REGISTRY.get(code)
    return str(found.label) if found else code


def _selected(codes: Iterable[str] | None) -> list[Invariant]:
    if codes is None:
        return registered()
    codes = list(codes)
    unknown = [c for c in codes if c not in _REGISTRY]
    if unknown:
        raise KeyError(", ".join(unknown))
    return [_REGISTRY[c] for c in codes]


def find_violations(codes: Iterable[str] | None = None) -> list[Violation]:
    """Run the invariants (all, or those of `codes`) and return every violation found.

    An invariant that crashes is itself reported as a violation, so that one broken check does not
    hide the others (and a nightly run never ends without a result).
    """
    found: list[Violation] = []
    for inv in _selected(codes):
        try:
            found.extend(replace(violation, code=inv.code) for violation in inv.check())
        except Exception as error:  # noqa: BLE001 — reported as a violation, logged with its traceback
            logger.exception("invariant %s failed", inv.code)
            found.append(
                Violation(
                    code=inv.code,
                    message=_("La vérification n’a pas pu s’exécuter : %(erreur)s") % {"erreur": repr(error)[:300]},
                    objet=str(inv.label),
                )
            )
    return found


def last_result() -> VerificationCoherence | None:
    """The latest stored run (for the health and coordination pages), or None if none ran yet."""
    return VerificationCoherence.objects.order_by("-ran_at", "-pk").first()


def _signature(details: Iterable[dict[str, str]]) -> set[tuple[str, str, str]]:
    return {(d["code"], d["objet"], d["message"]) for d in details}


@transaction.atomic
def verification_lancer(*, alerter: bool = True) -> VerificationCoherence:
    """Run every invariant, store the result, and e-mail the coordination if violations appeared.

    The e-mail goes when the set of violations differs from the previous run's, or when the last
    alert is more than a day old; never when everything holds.
    """
    precedent = last_result()
    start = time.monotonic()
    violations = find_violations()
    duration = datetime.timedelta(seconds=time.monotonic() - start)
    details = [asdict(v) for v in violations]
    alerte = False
    if alerter and violations:
        derniere_alerte = VerificationCoherence.objects.filter(alerte_envoyee=True).order_by("-ran_at").first()
        change = precedent is None or _signature(precedent.details) != _signature(details[:DETAILS_MAX])
        ancienne = derniere_alerte is None or timezone.now() - derniere_alerte.ran_at >= ALERTE_REPETEE_APRES
        alerte = change or ancienne
    resultat = VerificationCoherence.objects.create(
        violations=len(violations), details=details[:DETAILS_MAX], duration=duration, alerte_envoyee=alerte
    )
    if alerte:
        par_code: dict[str, int] = {}
        for v in violations:
            par_code[v.code] = par_code.get(v.code, 0) + 1
        send_templated_after_commit(
            to=[settings.TSF_PILOT["email"]],
            name="verification_coherence",
            context={
                "resultat": resultat,
                "par_code": [(code, label_of(code), n) for code, n in sorted(par_code.items())],
                "exemples": violations[:20],
            },
        )
    return resultat
