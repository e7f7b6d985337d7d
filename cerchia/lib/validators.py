"""Field validators shared by models (kept here so migrations import no app code)."""

from __future__ import annotations

import functools
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


@functools.cache
def _time_zones() -> frozenset[str]:
    # available_timezones() walks the tz database on disk each call (~40 ms).
    return frozenset(zoneinfo.available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(_("Unknown time zone: %(tz)s") % {"tz": value})


def validate_currency(value: str) -> None:
    if len(value) != 3 or not value.isalpha() or not value.isupper():
        raise ValidationError(_("Use a three-letter ISO currency code, such as EUR."))
