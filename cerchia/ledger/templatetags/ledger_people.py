"""On a meeting's page: "People I met" for those who were checked in, and the follow-up
rate for the group's leaders (``{% ledger_meeting_links meeting rights %}``)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from cerchia.groups.access import Rights
from cerchia.ledger.services import attended

register = template.Library()


@register.inclusion_tag("ledger/people/_meeting_links.html", takes_context=True)
def ledger_meeting_links(context: dict[str, Any], meeting: Any, rights: Rights) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    started = meeting.starts_at <= timezone.now()
    if user is None or not user.is_authenticated or not started:
        return {"meeting": meeting, "attended": False, "leader": False}
    return {"meeting": meeting, "attended": attended(user, meeting), "leader": rights.manager}
