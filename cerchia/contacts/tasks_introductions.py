"""Emails to an introduction's contact side (someone without an account): the notice's words
and the side's answer link — never anything about the other side."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from cerchia.contacts.models import Introduction
from cerchia.notices.kinds import render_notice


@task()
def send_introduction_email(introduction_id: int, side: str, kind: str, language: str = "") -> bool:
    """Returns False when the introduction, or the side's contact or address, is gone."""
    introduction = (
        Introduction.objects.filter(pk=introduction_id)
        .select_related("owner__profile", "a_contact", "b_contact")
        .first()
    )
    if introduction is None or side not in ("a", "b"):
        return False
    contact = introduction.a_contact if side == "a" else introduction.b_contact
    if contact is None or not contact.primary_email:
        return False
    token = introduction.a_token if side == "a" else introduction.b_token
    profile = getattr(introduction.owner, "profile", None)
    with translation.override(language or settings.LANGUAGE_CODE):
        introducer = (profile.display_name if profile is not None else "") or _("Someone")
        subject, body = render_notice(kind, {"introducer": introducer})
        send_mail(
            subject=subject,
            message=f"{body}\n\n{settings.SITE_URL}/introductions/answer/{token}/",
            from_email=None,
            recipient_list=[contact.primary_email],
        )
    return True
