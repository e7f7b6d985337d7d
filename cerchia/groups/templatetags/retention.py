"""Showing report numbers: ``{{ row.renewal_rate|percent }}`` → "28.6%" (or "—" for none)."""

from __future__ import annotations

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(fraction: float | None) -> str:
    if fraction is None:
        return "—"
    return f"{number_format(round(fraction * 100, 1), 1)}%"
