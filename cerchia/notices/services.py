"""Telling people things: one call creates the in-app notice and queues its email."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language

from cerchia.notices.kinds import NOTICE_TEXTS
from cerchia.notices.models import Notice
from cerchia.notices.tasks import send_notice_email


def notify(
    user: Any, kind: str, params: dict[str, Any], *, url: str = "", key: str | None = None
) -> Notice | None:
    """Tell ``user``. With a ``key`` the notice happens at most once: a second call with the
    same key does nothing and returns None."""
    if kind not in NOTICE_TEXTS:
        raise ValueError(f"unknown notice kind: {kind}")
    clean = {k: str(v) for k, v in params.items()}
    try:
        with transaction.atomic():
            notice = Notice.objects.create(user=user, kind=kind, params=clean, url=url, key=key)
    except IntegrityError:
        if key is not None and Notice.objects.filter(key=key).exists():
            return None
        raise
    language = get_language() or ""
    transaction.on_commit(lambda: send_notice_email.enqueue(notice.pk, language))
    return notice


def mark_all_read(user: Any) -> int:
    return Notice.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())
