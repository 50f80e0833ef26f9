"""Server-side SVG charts: coordinates computed here, drawn by templates/budget/includes/chart_*.html.

Charts are readable without colour: each series has its own fill pattern (plain, hatching,
dots…), every bar carries its value as text, and the same figures are in a table next to it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .selectors import Rythme

BAR_WIDTH = 640
LABEL_WIDTH = 200
VALUE_WIDTH = 110
ROW_HEIGHT = 34
BAR_HEIGHT = 22
MOTIFS = ["plein", "hachures", "points", "croisillons", "lignes", "vide"]


@dataclass
class Barre:
    libelle: str
    valeur_affichee: str
    y: int
    largeur: float
    motif: str
    texte_y: int = 0
    valeur_x: float = 0


# Fill patterns: each series is recognisable without colour (plain, hatching, dots, cross-hatching, lines, empty).
_MOTIFS_SVG = (
    '<pattern id="{p}-plein" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#123f5a"/></pattern>\n'
    '<pattern id="{p}-hachures" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#ffffff"/>'
    '<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#a3410b" stroke-width="2.2"/></pattern>\n'
    '<pattern id="{p}-points" width="7" height="7" patternUnits="userSpaceOnUse"><rect width="7" height="7" fill="#ffffff"/>'
    '<circle cx="3.5" cy="3.5" r="1.9" fill="#0b5561"/></pattern>\n'
    '<pattern id="{p}-croisillons" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#ffffff"/>'
    '<path d="M0,0 L8,8 M8,0 L0,8" stroke="#123f5a" stroke-width="1.6"/></pattern>\n'
    '<pattern id="{p}-lignes" width="8" height="6" patternUnits="userSpaceOnUse"><rect width="8" height="6" fill="#ffffff"/>'
    '<path d="M0,3 L8,3" stroke="#7f3208" stroke-width="2"/></pattern>\n'
    '<pattern id="{p}-vide" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#fbf6ee"/></pattern>'
)


@dataclass
class GraphiqueBarres:
    id: str
    titre: str
    description: str
    barres: list[Barre]
    hauteur: int
    largeur: int = BAR_WIDTH
    x0: int = LABEL_WIDTH

    def svg(self) -> SafeString:
        """The chart's markup (templates/budget/includes/chart_barres.html shows it): written here in one
        pass, the dashboard draws seven of these charts and a template paid for every attribute of every bar."""
        e = conditional_escape
        ident = e(self.id)
        parts = [
            '<figure class="tsf-chart mb-2" tabindex="0">\n'
            f'<svg class="tsf-chart-svg" viewBox="0 0 {self.largeur} {self.hauteur}" width="{self.largeur}" '
            f'height="{self.hauteur}" role="img" aria-labelledby="{ident}-titre {ident}-desc" '
            'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">\n'
            f'<title id="{ident}-titre">{e(self.titre)}</title>\n'
            f'<desc id="{ident}-desc">{e(self.description)}</desc>\n'
            f"<defs>{_MOTIFS_SVG.format(p=ident)}</defs>\n"
            f'<line x1="{self.x0}" y1="2" x2="{self.x0}" y2="{self.hauteur - 4}" stroke="#4b5563" stroke-width="1"/>\n'
        ]
        for b in self.barres:
            parts.append(
                f'<text x="{self.x0 - 8}" y="{b.texte_y}" text-anchor="end" font-size="13" fill="#1f2937">'
                f"{e(Truncator(b.libelle).chars(30))}</text>"
            )
            if b.largeur:
                parts.append(
                    f'<rect x="{self.x0}" y="{b.y}" width="{b.largeur}" height="22" fill="url(#{ident}-{e(b.motif)})" '
                    'stroke="#123f5a" stroke-width="1"/>'
                )
            parts.append(
                f'<text x="{b.valeur_x}" y="{b.texte_y}" font-size="13" font-weight="700" fill="#1f2937">'
                f"{e(b.valeur_affichee)}</text>\n"
            )
        parts.append("</svg>\n</figure>")
        return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703 - every value above is escaped


def barres(
    chart_id: str, titre: str, items: list[tuple[str, Any, str]], *, description: str = "", motifs: bool = True
) -> GraphiqueBarres:
    """Horizontal bars; `items` are (label, numeric value, value as displayed)."""
    maximum = max((Decimal(value) for _, value, _ in items), default=Decimal("0"))
    usable = BAR_WIDTH - LABEL_WIDTH - VALUE_WIDTH
    rows = []
    for index, (label, value, shown) in enumerate(items):
        value = Decimal(value)
        width = float(value / maximum * usable) if maximum > 0 and value > 0 else 0.0
        y = 8 + index * ROW_HEIGHT
        rows.append(
            Barre(
                libelle=str(label),
                valeur_affichee=shown,
                y=y,
                largeur=round(max(width, 1.0 if value > 0 else 0.0), 1),
                motif=MOTIFS[index % len(MOTIFS)] if motifs else MOTIFS[1],
                texte_y=y + BAR_HEIGHT // 2 + 5,
                valeur_x=round(LABEL_WIDTH + width + 6, 1),
            )
        )
    return GraphiqueBarres(
        id=chart_id, titre=titre, description=description, barres=rows, hauteur=max(16 + len(items) * ROW_HEIGHT, 40)
    )


@dataclass
class GraphiqueRythme:
    id: str
    titre: str
    description: str
    largeur: int = 680
    hauteur: int = 320
    gauche: int = 48
    droite: int = 24
    haut: int = 24
    bas: int = 44
    points_realises: str = ""
    projection: tuple[float, float, float, float] | None = None
    projection_libelle: str = ""
    y_minimum: float = 0
    minimum_libelle: str = ""
    x_fin: float = 0
    x_aujourdhui: float = 0
    graduations_x: list[tuple[float, str]] = field(default_factory=list)
    graduations_y: list[tuple[float, str]] = field(default_factory=list)

    @property
    def bas_y(self) -> int:
        return self.hauteur - self.bas

    @property
    def droite_x(self) -> int:
        return self.largeur - self.droite


def _fmt(value: Decimal | int) -> str:
    value = Decimal(value)
    text = f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"
    return text.replace(".", ",")


def _pas_graduation(y_max: Decimal) -> int:
    """Days between two horizontal lines: 5 up to 40 days, 10 up to 100, then 50, 100, 500, 1 000…
    whichever draws at most ten lines, so that the chart stays the same size after years of sessions."""
    if y_max <= 40:
        return 5
    if y_max <= 100:
        return 10
    step = 50
    while y_max / step > 10:
        step *= 2 if str(step)[0] == "5" else 5
    return step


def rythme_chart(chart_id: str, rythme: Rythme) -> GraphiqueRythme:
    """Cumulative delivered days, the projection at the current pace, the minimum and the end of the period."""
    chart = GraphiqueRythme(
        id=chart_id,
        titre=_("Jours réalisés et projection au rythme actuel"),
        description=_("%(livres)s jours réalisés sur un minimum de %(minimum)s ; %(projection)s ; fin de la période le %(fin)s.")
        % {
            "livres": _fmt(rythme.jours_livres),
            "minimum": rythme.minimum,
            "projection": (
                _("à ce rythme, minimum atteint le %(date)s") % {"date": date_format(rythme.date_minimum, "SHORT_DATE_FORMAT")}
                if rythme.date_minimum
                else (_("minimum atteint") if rythme.atteint else _("pas encore de rythme mesurable"))
            ),
            "fin": date_format(rythme.fin, "SHORT_DATE_FORMAT"),
        },
    )
    debut = rythme.debut
    fin_axe = rythme.fin
    if rythme.date_minimum and rythme.date_minimum > fin_axe:
        fin_axe = min(rythme.date_minimum, rythme.fin + datetime.timedelta(days=365 * 2))
    span = max((fin_axe - debut).days, 1)
    y_max = max(Decimal(rythme.minimum), rythme.jours_livres, rythme.jours_fin_periode or 0) * Decimal("1.15")
    y_max = max(y_max, Decimal("1"))
    plot_w = chart.droite_x - chart.gauche
    plot_h = chart.bas_y - chart.haut

    def x_of(day: datetime.date) -> float:
        return round(chart.gauche + plot_w * min(max((day - debut).days, 0), span) / span, 1)

    def y_of(days: Decimal) -> float:
        return round(chart.bas_y - plot_h * float(Decimal(days) / y_max), 1)

    points = []
    for day, value in rythme.points:
        points.append(f"{x_of(day)},{y_of(value)}")
    if rythme.commence:
        points.append(f"{x_of(min(rythme.aujourd_hui, rythme.fin))},{y_of(rythme.jours_livres)}")
    chart.points_realises = " ".join(points)
    chart.y_minimum = y_of(Decimal(rythme.minimum))
    chart.minimum_libelle = _("Minimum : %(n)s jours") % {"n": rythme.minimum}
    chart.x_fin = x_of(rythme.fin)
    chart.x_aujourdhui = x_of(min(rythme.aujourd_hui, fin_axe))
    if rythme.date_minimum:
        end = min(rythme.date_minimum, fin_axe)
        reached = rythme.jours_livres + (Decimal(rythme.minimum) - rythme.jours_livres) * (end - rythme.aujourd_hui).days / max(
            (rythme.date_minimum - rythme.aujourd_hui).days, 1
        )
        chart.projection = (x_of(rythme.aujourd_hui), y_of(rythme.jours_livres), x_of(end), y_of(reached))
        chart.projection_libelle = _("Projection : %(date)s") % {"date": date_format(rythme.date_minimum, "SHORT_DATE_FORMAT")}
    # Graduations: about six dates, and days every 5 or 10.
    step_days = max(span // 6, 1)
    chart.graduations_x = [
        (x_of(debut + datetime.timedelta(days=step_days * i)), date_format(debut + datetime.timedelta(days=step_days * i), "M Y"))
        for i in range(0, 7)
        if step_days * i <= span
    ]
    step = _pas_graduation(y_max)
    graduation = 0
    while graduation <= y_max:
        chart.graduations_y.append((y_of(Decimal(graduation)), str(graduation)))
        graduation += step
    return chart
