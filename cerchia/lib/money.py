"""Money is integer minor units with its currency; these helpers only show it."""

from __future__ import annotations

import re
from decimal import Decimal

_AMOUNT = re.compile(r"\d+(\.\d*)?|\.\d+")
# ISO 4217 currencies without cents; every other currency has two decimals here.
ZERO_DECIMAL = {"JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "HUF"}


# The largest amount anything in Cerchia bills or prices, in minor units (10 million EUR).
MAX_MINOR = 10**9


def is_minor_amount(value: object, *, positive: bool = False) -> bool:
    """Whether ``value`` is an amount in minor units: a whole number (not a bool) from 0 — or
    from 1 when ``positive`` — up to ``MAX_MINOR``."""
    if isinstance(value, bool) or not isinstance(value, int):
        return False
    return (1 if positive else 0) <= value <= MAX_MINOR


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
    # Plain digits only: Decimal would also take "NaN", "Infinity", "1e9" and "-5".
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(text)
    minor = Decimal(cleaned).scaleb(exponent(currency))
    if minor != minor.to_integral_value():
        raise ValueError(text)
    return int(minor)
