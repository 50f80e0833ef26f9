from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siret(value: str) -> None:
    """A SIRET is 14 digits passing the Luhn checksum."""
    cleaned = (value or "").replace(" ", "")
    if not cleaned:
        return
    if len(cleaned) != 14 or not cleaned.isdigit():
        raise ValidationError(_("Le SIRET doit comporter exactement 14 chiffres."), code="siret_format")
    if luhn_ok(cleaned):
        return
    raise ValidationError(
        _("Ce numéro SIRET n’est pas valide (la clé de contrôle ne correspond pas). Vérifiez les 14 chiffres."),
        code="siret_checksum",
    )
