"""Money is integer minor units with its currency; these helpers only show it."""

from __future__ import annotations

from decimal import Decimal

# ISO 4217 currencies without cents; every other currency has two decimals here.
ZERO_DECIMAL = {"JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "HUF"}


def exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def to_major(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-exponent(currency))


def format_money(amount_minor: int, currency: str) -> str:
    """``12050, "EUR"`` → ``"120.50 EUR"``: unambiguous in every language."""
    places = exponent(currency)
    return f"{to_major(amount_minor, currency):,.{places}f} {currency.upper()}"


def parse_major(text: str, currency: str) -> int:
    """``"120,50"`` or ``"120.50"`` → 12050 minor units; ValueError on anything else."""
    cleaned = text.strip().replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    value = Decimal(cleaned)
    minor = value.scaleb(exponent(currency))
    if minor != minor.to_integral_value() or minor < 0:
        raise ValueError(text)
    return int(minor)
