"""My notices in the API: the list, newest first, and marking them all read."""

from __future__ import annotations

import datetime
from typing import Any

from ninja import Router, Schema

from cerchia.api.pagination import page
from cerchia.lib.http import ApiRequest
from cerchia.notices.models import Notice
from cerchia.notices.services import mark_all_read

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    params: dict[str, str]
    url: str
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NoticePage(Schema):
    items: list[NoticeOut]
    count: int
    unread: int


class ReadOut(Schema):
    marked: int


@router.get("/notices", response=NoticePage, summary="My notices, newest first")
def list_notices(
    request: ApiRequest, unread: bool = False, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    mine = Notice.objects.filter(user=request.auth)
    unread_count = mine.filter(read_at__isnull=True).count()
    items, count = page(mine.filter(read_at__isnull=True) if unread else mine, limit, offset)
    return {"items": items, "count": count, "unread": unread_count}


@router.post("/notices/read", response=ReadOut, summary="Mark all my notices read")
def read_notices(request: ApiRequest) -> dict[str, int]:
    return {"marked": mark_all_read(request.auth)}
