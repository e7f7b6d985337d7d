"""Emails about a registration to an attendee without an account (a visitor who registered on
the public page, a guest with an address): the notice's own words, and the ticket's link."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from cerchia.meetings.models import Registration
from cerchia.notices.kinds import render_notice


@task()
def send_registration_email(
    registration_id: int, kind: str, params: dict[str, Any], language: str = ""
) -> bool:
    """Returns False when the registration is gone or has no address."""
    registration = Registration.objects.filter(pk=registration_id).first()
    if registration is None or not registration.email:
        return False
    with translation.override(language or settings.LANGUAGE_CODE):
        subject, body = render_notice(kind, params)
        link = reverse("registrations:ticket", args=[registration.code])
        send_mail(
            subject=subject,
            message=f"{body}\n\n{settings.SITE_URL}{link}",
            from_email=None,
            recipient_list=[registration.email],
        )
    return True
