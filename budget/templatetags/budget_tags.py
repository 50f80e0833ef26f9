from decimal import Decimal

from django import template

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
