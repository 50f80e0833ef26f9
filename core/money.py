"""Money is Decimal euros with cents, rounded half up as in French accounting."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def euros(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def format_euros(value: Decimal) -> str:
    """12 500,00 € — the French way, with a narrow no-break space between thousands."""
    return f"{euros(value):,.2f}".replace(",", "\u202f").replace(".", ",") + "\u00a0€"
