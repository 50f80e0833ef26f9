"""The dashboard's table and bar charts, now written once per row and per chart in Python, show the
markup the former templates drew (kept here verbatim): same cells, links, labels and escaping."""

import datetime
import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.template.loader import render_to_string

from budget import charts, selectors, services
from tests.factories import AccompagnementFactory

from .conftest import engager, seance_livree

# templates/budget/includes/accompagnements_table.html before its cells were computed in budget.selectors.lignes_tableau.
TABLEAU_AVANT = """{% load i18n budget_tags %}{# Context: rows (accompagnements_suivi rows with montant_livre), peut_modifier. #}
<div class="table-responsive">
  <table class="table table-sm table-striped align-middle">
    <caption class="visually-hidden">{% translate "Accompagnements du programme" %}</caption>
    <thead><tr>
      <th scope="col">{% translate "Référence" %}</th>
      <th scope="col">{% translate "Structure bénéficiaire" %}</th>
      <th scope="col">{% translate "Format" %}</th>
      <th scope="col">{% translate "État" %}</th>
      <th scope="col" class="text-end">{% translate "Demi-journées prévues" %}</th>
      <th scope="col" class="text-end">{% translate "Planifiées" %}</th>
      <th scope="col" class="text-end">{% translate "Réalisées" %}</th>
      <th scope="col" class="text-end">{% translate "Engagé" %}</th>
      <th scope="col" class="text-end">{% translate "Réalisé" %}</th>
      <th scope="col" class="text-end">{% translate "Payé" %}</th>
      {% if peut_modifier %}<th scope="col"><span class="visually-hidden">{% translate "Actions" %}</span></th>{% endif %}
    </tr></thead>
    <tbody>
      {% for a in rows %}
        <tr>
          <th scope="row" class="fw-normal text-nowrap">{% if peut_modifier %}<a href="{% url 'accompagnements:detail' a.pk %}">{{ a.reference }}</a>{% else %}{{ a.reference }}{% endif %}</th>
          <td>{{ a.structure_beneficiaire.raison_sociale }}</td>
          <td>{{ a.format.libelle }}</td>
          <td>{{ a.get_etat_display }}</td>
          <td class="text-end">{{ a.demi_journees_prevues }}</td>
          <td class="text-end">{{ a.hj_planifiees }}</td>
          <td class="text-end">{{ a.hj_livrees }}</td>
          <td class="text-end text-nowrap">{{ a.montant_engage|euros }}</td>
          <td class="text-end text-nowrap">{{ a.montant_livre|euros }}</td>
          <td class="text-end text-nowrap">{{ a.montant_paye|euros }}</td>
          {% if peut_modifier %}<td><a class="btn btn-sm btn-outline-primary text-nowrap" href="{% url 'budget:paiement_create' a.pk %}">{% translate "Paiement" %}<span class="visually-hidden"> {{ a.reference }}</span></a></td>{% endif %}
        </tr>
      {% empty %}
        <tr><td colspan="11">{% translate "Aucun accompagnement pour l’instant." %}</td></tr>
      {% endfor %}
    </tbody>
  </table>
</div>
"""

# templates/budget/includes/chart_barres.html (with chart_motifs.html inlined) before GraphiqueBarres.svg().
BARRES_AVANT = """{% load l10n %}{# Horizontal bar chart drawn on the server. Context: g (budget.charts.GraphiqueBarres). The figures are also in the table that follows. #}
{% localize off %}<figure class="tsf-chart mb-2" tabindex="0">
  <svg class="tsf-chart-svg" viewBox="0 0 {{ g.largeur }} {{ g.hauteur }}" width="{{ g.largeur }}" height="{{ g.hauteur }}" role="img" aria-labelledby="{{ g.id }}-titre {{ g.id }}-desc" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">
    <title id="{{ g.id }}-titre">{{ g.titre }}</title>
    <desc id="{{ g.id }}-desc">{{ g.description }}</desc>
    <defs>{% with prefix=g.id %}<pattern id="{{ prefix }}-plein" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#123f5a"/></pattern>
<pattern id="{{ prefix }}-hachures" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#ffffff"/><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="#a3410b" stroke-width="2.2"/></pattern>
<pattern id="{{ prefix }}-points" width="7" height="7" patternUnits="userSpaceOnUse"><rect width="7" height="7" fill="#ffffff"/><circle cx="3.5" cy="3.5" r="1.9" fill="#0b5561"/></pattern>
<pattern id="{{ prefix }}-croisillons" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#ffffff"/><path d="M0,0 L8,8 M8,0 L0,8" stroke="#123f5a" stroke-width="1.6"/></pattern>
<pattern id="{{ prefix }}-lignes" width="8" height="6" patternUnits="userSpaceOnUse"><rect width="8" height="6" fill="#ffffff"/><path d="M0,3 L8,3" stroke="#7f3208" stroke-width="2"/></pattern>
<pattern id="{{ prefix }}-vide" width="8" height="8" patternUnits="userSpaceOnUse"><rect width="8" height="8" fill="#fbf6ee"/></pattern>{% endwith %}</defs>
    <line x1="{{ g.x0 }}" y1="2" x2="{{ g.x0 }}" y2="{{ g.hauteur|add:-4 }}" stroke="#4b5563" stroke-width="1"/>
    {% for b in g.barres %}
      <text x="{{ g.x0|add:-8 }}" y="{{ b.texte_y }}" text-anchor="end" font-size="13" fill="#1f2937">{{ b.libelle|truncatechars:30 }}</text>
      {% if b.largeur %}<rect x="{{ g.x0 }}" y="{{ b.y }}" width="{{ b.largeur }}" height="22" fill="url(#{{ g.id }}-{{ b.motif }})" stroke="#123f5a" stroke-width="1"/>{% endif %}
      <text x="{{ b.valeur_x }}" y="{{ b.texte_y }}" font-size="13" font-weight="700" fill="#1f2937">{{ b.valeur_affichee }}</text>
    {% endfor %}
  </svg>
</figure>{% endlocalize %}
"""


def _sans_blancs(html: str) -> str:
    """The markup without the whitespace between tags (which neither a browser nor a reader sees)."""
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


@pytest.mark.django_db
@pytest.mark.parametrize("peut_modifier", [True, False])
def test_the_table_rows_are_the_cells_the_former_template_drew(programme, coordinateur, peut_modifier):
    paye = AccompagnementFactory(candidature__programme=programme, demi_journees_prevues=4)
    engager(paye, by=coordinateur)
    seance_livree(paye, 3)
    services.paiement_create(
        accompagnement=paye,
        structure=paye.mentors.get().structure,
        date_paiement=datetime.date(2026, 4, 2),
        montant=Decimal("234.50"),
        reference_facture="F-1",
        by=coordinateur,
    )
    AccompagnementFactory(candidature__programme=programme, etat="abandonne", reference="ACC-<&>")

    avant = selectors.avec_montant_livre(selectors.accompagnements_suivi(programme))
    apres = selectors.lignes_tableau(selectors.accompagnements_tableau(programme), liens=peut_modifier)
    attendu = Template(TABLEAU_AVANT).render(Context({"rows": avant, "peut_modifier": peut_modifier}))
    obtenu = render_to_string("budget/includes/accompagnements_table.html", {"rows": apres, "peut_modifier": peut_modifier})

    assert _sans_blancs(obtenu) == _sans_blancs(attendu)
    assert ("/paiement/" in obtenu) is peut_modifier and "ACC-&lt;&amp;&gt;" in obtenu and "234,50\u00a0€" in obtenu


def test_the_bar_chart_is_the_markup_the_former_template_drew():
    graphique = charts.barres(
        "graphique-<essai>",
        "Titre & « guillemets »",
        [
            ("Un libellé bien plus long que trente caractères, tronqué", Decimal("1500.50"), "1 500,50 €"),
            ("<script>", 0, "0"),
            ("Reste", 3, "3"),
        ],
        description="Une description <b>échappée</b>.",
    )

    attendu = Template(BARRES_AVANT).render(Context({"g": graphique}))

    assert _sans_blancs(render_to_string("budget/includes/chart_barres.html", {"g": graphique})) == _sans_blancs(attendu)
    assert "&lt;script&gt;" in attendu and "…" in attendu
