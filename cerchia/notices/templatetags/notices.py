"""The unread count in the navigation: one small query, for signed-in people only."""

from __future__ import annotations

from typing import Any

from django import template

from cerchia.notices.models import Notice

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notice_count(context: dict[str, Any]) -> int:
    user = context.get("user")
    if user is None or not user.is_authenticated:
        return 0
    return Notice.objects.filter(user=user, read_at__isnull=True).count()
