"""Board helpers for templates: a post's words with links and @mentions marked
(``{{ post.body|post_body }}``), and on a meeting's page the board topics about it
(``{% community_meeting_topics meeting rights %}``)."""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.utils.html import escape, urlize
from django.utils.safestring import SafeString, mark_safe

from cerchia.community.access import Board, can_read_board, has_board
from cerchia.community.mentions import MENTION_RE
from cerchia.community.selectors import meeting_topics
from cerchia.groups.access import Rights

register = template.Library()
TAG_RE = re.compile(r"(<[^>]*>)")


@register.filter
def post_body(text: str) -> SafeString:
    """Escaped, links made clickable (rel="nofollow"), mentions marked, lines kept."""
    html = urlize(escape(text), nofollow=True, autoescape=False)
    # Mentions are marked in the text between tags only, never inside a link's address.
    parts = TAG_RE.split(html)
    marked = r'<strong class="mention">@\1</strong>'
    html = "".join(part if part.startswith("<") else MENTION_RE.sub(marked, part) for part in parts)
    return mark_safe(html.replace("\n", "<br>"))  # noqa: S308 (escaped above)


@register.inclusion_tag("community/_meeting_topics.html", takes_context=True)
def community_meeting_topics(
    context: dict[str, Any], meeting: Any, rights: Rights
) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    group = rights.group
    if user is None or not has_board(group) or not can_read_board(rights, user):
        return {"topics": [], "show": False}
    board = Board(rights=rights, user=user)
    return {
        "topics": meeting_topics(board, meeting.pk),
        "show": True,
        "group": group,
        "can_post": board.can_post,
        "meeting": meeting,
    }
