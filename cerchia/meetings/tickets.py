"""Tickets: the QR code on a ticket carries the meeting's check-in address with the code, so a
leader's phone camera opens the check-in page ready to confirm, and a USB or phone scanner
typing into the check-in field sends the same text (the check-in reads the code out of it)."""

from __future__ import annotations

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from cerchia.meetings.models import Registration


def check_in_url(registration: Registration) -> str:
    """The full check-in address for this ticket (the site's address from SITE_URL)."""
    path = reverse("registrations:check_in", args=[registration.meeting_id])
    return f"{settings.SITE_URL.rstrip('/')}{path}?{urlencode({'code': registration.code})}"


def qr_svg(registration: Registration, *, scale: int = 5) -> str:
    """The ticket's QR code as inline SVG (dark on a white quiet zone, readable in dark mode
    too). Safe to mark safe: segno writes only its own markup and escapes the title."""
    code = segno.make(check_in_url(registration), error="m")
    return code.svg_inline(
        scale=scale,
        dark="#000",
        light="#fff",
        title=_("Ticket %(code)s") % {"code": registration.code},
        svgclass="ticket-qr",
    )
