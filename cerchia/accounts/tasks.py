from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from cerchia.accounts.models import User


@task()
def send_welcome_email(user_id: int, language: str = "en") -> bool:
    """Greet a new member and point them at their business card. Returns False if gone."""
    user = User.objects.filter(pk=user_id, is_active=True).select_related("profile").first()
    if user is None:
        return False
    with translation.override(language):
        context = {"user": user, "site_url": settings.SITE_URL}
        send_mail(
            subject=_("Welcome to Cerchia"),
            message=render_to_string("accounts/email/welcome.txt", context),
            from_email=None,
            recipient_list=[user.email],
        )
    return True
