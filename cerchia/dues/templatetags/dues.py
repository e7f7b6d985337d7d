"""Showing money in templates: ``{{ invoice.balance|money:invoice.currency }}``."""

from __future__ import annotations

from django import template

from cerchia.lib.money import format_money, to_major

register = template.Library()


@register.filter
def money(amount_minor: int | None, currency: str) -> str:
    return format_money(amount_minor or 0, currency)


@register.filter
def major(amount_minor: int | None, currency: str) -> str:
    """Minor units as a form field shows them: 12000 EUR → "120.00"."""
    return str(to_major(amount_minor or 0, currency))
