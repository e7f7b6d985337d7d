from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django_tasks import task

from cerchia.notices.models import Notice


@task()
def send_notice_email(notice_id: int, language: str = "") -> bool:
    """Email one notice to its person. Returns False when the notice or person is gone."""
    notice = Notice.objects.filter(pk=notice_id, user__is_active=True).select_related("user")
    found = notice.first()
    if found is None:
        return False
    with translation.override(language or settings.LANGUAGE_CODE):
        link = f"\n\n{settings.SITE_URL}{found.url}" if found.url else ""
        send_mail(
            subject=found.subject,
            message=found.body + link,
            from_email=None,
            recipient_list=[found.user.email],
        )
    return True
