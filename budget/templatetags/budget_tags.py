from decimal import Decimal

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext as _

from core.money import format_euros

register = template.Library()


@register.filter
def euros(value):
    """12 500,00 € (French format); empty for None."""
    if value is None or value == "":
        return ""
    return format_euros(Decimal(value))


@register.filter
def jours(value):
    """A number of days, French style: 12 or 12,5."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    if value == value.to_integral():
        return f"{int(value)}"
    return f"{value:.1f}".replace(".", ",")


@register.filter
def demi_en_jours(value):
    """Half-days shown as days: 5 → 2,5."""
    if value is None or value == "":
        return ""
    return jours(Decimal(value) / 2)


@register.filter
def montant_seance(seance):
    """What a payable session is worth: its half-days at its programme's rate."""
    return seance.accompagnement.format.montant_pour(seance.demi_journees)


@register.simple_tag
def ligne_accompagnement(a, peut_modifier):
    """One row of the dashboard's accompagnements table (templates/budget/includes/accompagnements_table.html),
    from a row of budget.selectors.lignes_tableau: written in one pass, fifty rows a page cost the template
    a dozen lookups each. The coordination's rows link to the accompagnement and to its payment page."""
    if peut_modifier:
        reference = format_html('<a href="{}">{}</a>', a.url_detail, a.reference)
        paiement = format_html(
            '<td><a class="btn btn-sm btn-outline-primary text-nowrap" href="{}">{}<span class="visually-hidden"> {}</span></a></td>',
            a.url_paiement,
            _("Paiement"),
            a.reference,
        )
    else:
        reference, paiement = conditional_escape(a.reference), ""
    return format_html(
        '<tr><th scope="row" class="fw-normal text-nowrap">{}</th><td>{}</td><td>{}</td><td>{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end text-nowrap">{}</td><td class="text-end text-nowrap">{}</td><td class="text-end text-nowrap">{}</td>'
        "{}</tr>",
        reference,
        a.structure_beneficiaire.raison_sociale,
        a.format.libelle,
        a.etat_libelle,
        a.demi_journees_prevues,
        a.hj_planifiees,
        a.hj_livrees,
        a.engage_affiche,
        a.livre_affiche,
        a.paye_affiche,
        paiement,
    )
