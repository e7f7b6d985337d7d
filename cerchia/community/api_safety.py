"""Safety in the API: trust levels, flags and moderation, silencing, blocks, drop-out, and
community hours (the timer and logged hours)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.accounts.blocking import block_member, blocks_of, unblock_member
from cerchia.accounts.models import User
from cerchia.accounts.selectors import card_for
from cerchia.community import hours, moderation, trust
from cerchia.community.access import access_board, access_post
from cerchia.community.dropout import dropout_report
from cerchia.community.models import Post
from cerchia.groups.access import access_group, rights_in
from cerchia.lib.http import ApiRequest

router = Router(tags=["safety"])


class RequirementOut(Schema):
    key: str
    label: str
    have: int
    need: int
    at_most: bool
    met: bool


class TrustOut(Schema):
    group: int
    level: int
    name: str
    next_level: int | None
    requirements: list[RequirementOut]
    silenced_until: datetime.datetime | None


class MemberLevelOut(Schema):
    user_id: int
    name: str
    level: int
    level_name: str
    locked: bool
    silenced_until: datetime.datetime | None


class LevelIn(Schema):
    level: int | None
    locked: bool = True


class FlagIn(Schema):
    reason: str
    note: str = ""


class FlagOut(Schema):
    id: int
    post: int
    reason: str
    note: str
    created_at: datetime.datetime


class QueueFlagOut(Schema):
    reason: str
    note: str
    flagger_id: int
    created_at: datetime.datetime


class QueueItemOut(Schema):
    post: int
    topic: int
    topic_title: str
    author_id: int | None
    body: str
    hidden: str
    open_flags: int
    flags: list[QueueFlagOut]


class ModerationIn(Schema):
    action: str  # agree, disagree, defer, hide, unhide


class PostStateOut(Schema):
    post: int
    hidden: str
    open_flags: int


class SilenceIn(Schema):
    user_id: int
    until: datetime.datetime
    reason: str


class SilenceOut(Schema):
    user_id: int
    group: int
    silenced_until: datetime.datetime | None
    reason: str


class BlockIn(Schema):
    user_id: int


class BlockOut(Schema):
    user_id: int
    created_at: datetime.datetime


class DropoutPersonOut(Schema):
    user_id: int
    name: str
    why: str
    joined_at: datetime.datetime | None
    left_at: datetime.datetime | None


class DropoutOut(Schema):
    group: int
    days: int
    cohort: int
    left: int
    silent: int
    left_rate: float | None
    silent_rate: float | None
    dropout_rate: float | None
    people: list[DropoutPersonOut]


class TimerOut(Schema):
    running: bool
    group: int | None = None
    started_at: datetime.datetime | None = None


class HoursIn(Schema):
    hours: Decimal
    spent_on: datetime.date | None = None
    notes: str = ""


class HoursOut(Schema):
    investment: int
    group: int
    hours: Decimal
    spent_on: datetime.date


def _trust_group(request: ApiRequest, group_id: int) -> Any:
    group = access_group(request.auth, group_id)
    if not group.rules.trust_levels:
        raise Http404(_("This group has no trust levels."))
    return group


@router.get("/groups/{group_id}/trust/me", response=TrustOut)
def my_trust(request: ApiRequest, group_id: int) -> dict[str, Any]:
    """My trust level in a group with trust levels, and my progress to the next one."""
    group = _trust_group(request, group_id)
    if not rights_in(request.auth, group).active_member:
        raise Http404(_("You are not a member of this group."))
    data = trust.progress(request.auth, group)
    return {
        **data,
        "group": group.pk,
        "requirements": [
            {
                "key": r.key,
                "label": str(r.label),
                "have": r.have,
                "need": r.need,
                "at_most": r.at_most,
                "met": r.met,
            }
            for r in data["requirements"]
        ],
    }


@router.get("/groups/{group_id}/trust", response=list[MemberLevelOut])
def member_levels(request: ApiRequest, group_id: int) -> list[dict[str, Any]]:
    """Every member's level, for the group's moderators."""
    group = _trust_group(request, group_id)
    moderation.access_moderation(request.auth, group.pk)
    return [
        {**row, "user_id": row["user"].pk, "name": row["name"]}
        for row in trust.member_levels(group, request.auth)
    ]


@router.put("/groups/{group_id}/trust/{user_id}", response=MemberLevelOut)
def set_level(request: ApiRequest, group_id: int, user_id: int, payload: LevelIn) -> dict[str, Any]:
    """Set a member's level by hand (and keep it), or ``level: null`` to let activity decide."""
    group = _trust_group(request, group_id)
    moderation.access_moderation(request.auth, group.pk)
    user = get_object_or_404(User, pk=user_id)
    trust.set_level_by_hand(
        user, group, actor=request.auth, level=payload.level, locked=payload.locked
    )
    row = next(r for r in trust.member_levels(group, request.auth) if r["user"].pk == user.pk)
    return {**row, "user_id": user.pk}


def _post_for(request: ApiRequest, post_id: int) -> Post:
    group_id = Post.objects.filter(pk=post_id).values_list("topic__group_id", flat=True).first()
    if group_id is None:
        raise Http404(_("No such post"))
    # Flagging is for the group's active members: 403 for anyone else who may read the board.
    board = access_board(request.auth, group_id, post=True)
    return access_post(board, post_id)


@router.post("/posts/{post_id}/flags", response={201: FlagOut})
def flag(request: ApiRequest, post_id: int, payload: FlagIn) -> Status[Any]:
    post = _post_for(request, post_id)
    made = moderation.flag_post(
        post, flagger=request.auth, reason=payload.reason, note=payload.note
    )
    return Status(
        201,
        {
            "id": made.pk,
            "post": post.pk,
            "reason": made.reason,
            "note": made.note,
            "created_at": made.created_at,
        },
    )


def _queue_item(post: Post) -> dict[str, Any]:
    return {
        "post": post.pk,
        "topic": post.topic_id,
        "topic_title": post.topic.title,
        "author_id": post.author_id,
        "body": post.body,
        "hidden": post.hidden,
        "open_flags": post.open_flags,  # type: ignore[attr-defined]
        "flags": [
            {
                "reason": f.reason,
                "note": f.note,
                "flagger_id": f.flagger_id,
                "created_at": f.created_at,
            }
            for f in post.open_flag_list  # type: ignore[attr-defined]
        ],
    }


@router.get("/groups/{group_id}/moderation", response=list[QueueItemOut])
def queue(request: ApiRequest, group_id: int) -> list[dict[str, Any]]:
    """Posts with flags waiting for a moderator, most flagged first."""
    group = moderation.access_moderation(request.auth, group_id)
    return [_queue_item(post) for post in moderation.moderation_queue(group)]


@router.post("/posts/{post_id}/moderation", response=PostStateOut)
def moderate(request: ApiRequest, post_id: int, payload: ModerationIn) -> dict[str, Any]:
    """Decide on a post's flags (agree, disagree, defer) or hide or show it."""
    group_id = Post.objects.filter(pk=post_id).values_list("topic__group_id", flat=True).first()
    if group_id is None:
        raise Http404(_("No such post"))
    group = moderation.access_moderation(request.auth, group_id)
    post = Post.objects.select_related("topic").get(pk=post_id)
    post.topic.group = group
    moderation.moderate_post(post, actor=request.auth, action=payload.action)
    post.refresh_from_db()
    return {
        "post": post.pk,
        "hidden": post.hidden,
        "open_flags": post.flags.filter(decision="").count(),
    }


@router.post("/groups/{group_id}/silences", response={201: SilenceOut})
def silence(request: ApiRequest, group_id: int, payload: SilenceIn) -> Status[Any]:
    group = moderation.access_moderation(request.auth, group_id)
    user = get_object_or_404(User, pk=payload.user_id)
    row = moderation.silence_member(
        user, group, actor=request.auth, until=payload.until, reason=payload.reason
    )
    return Status(
        201,
        {
            "user_id": user.pk,
            "group": group.pk,
            "silenced_until": row.silenced_until,
            "reason": row.silenced_reason,
        },
    )


@router.delete("/groups/{group_id}/silences/{user_id}", response={204: None})
def unsilence(request: ApiRequest, group_id: int, user_id: int) -> Status[None]:
    group = moderation.access_moderation(request.auth, group_id)
    user = get_object_or_404(User, pk=user_id)
    moderation.unsilence_member(user, group, actor=request.auth)
    return Status(204, None)


@router.get("/blocks", response=list[BlockOut])
def list_blocks(request: ApiRequest) -> list[dict[str, Any]]:
    """The people I blocked (only their ids: I may no longer see more of them than anyone)."""
    return [{"user_id": b.blocked_id, "created_at": b.created_at} for b in blocks_of(request.auth)]


@router.post("/blocks", response={201: BlockOut})
def create_block(request: ApiRequest, payload: BlockIn) -> Status[Any]:
    profile, _card = card_for(request.auth, payload.user_id)
    block = block_member(request.auth, blocked=profile.user)
    return Status(201, {"user_id": block.blocked_id, "created_at": block.created_at})


@router.delete("/blocks/{user_id}", response={204: None})
def delete_block(request: ApiRequest, user_id: int) -> Status[None]:
    unblock_member(request.auth, blocked_id=user_id)
    return Status(204, None)


@router.get("/groups/{group_id}/dropout", response=DropoutOut)
def dropout(request: ApiRequest, group_id: int) -> dict[str, Any]:
    """Members who left or went silent within their first days, for the group's organisers."""
    group = moderation.access_organiser(request.auth, group_id)
    report = dropout_report(group, request.auth)
    return {
        "group": group.pk,
        "days": report.days,
        "cohort": report.cohort,
        "left": report.left,
        "silent": report.silent,
        "left_rate": report.left_rate,
        "silent_rate": report.silent_rate,
        "dropout_rate": report.dropout_rate,
        "people": [
            {
                "user_id": row["membership"].user_id,
                "name": row["name"],
                "why": row["why"],
                "joined_at": row["joined_at"],
                "left_at": row["left_at"],
            }
            for row in report.rows
        ],
    }


def _timer_out(user: Any) -> dict[str, Any]:
    timer = hours.running_timer(user)
    if timer is None:
        return {"running": False}
    return {"running": True, "group": timer.group_id, "started_at": timer.started_at}


@router.get("/timer", response=TimerOut)
def get_timer(request: ApiRequest) -> dict[str, Any]:
    return _timer_out(request.auth)


@router.post("/groups/{group_id}/timer", response={201: TimerOut})
def start_timer(request: ApiRequest, group_id: int) -> Status[Any]:
    group = access_group(request.auth, group_id)
    hours.start_timer(request.auth, group)
    return Status(201, _timer_out(request.auth))


@router.post("/timer/stop", response=HoursOut)
def stop_timer(request: ApiRequest) -> dict[str, Any]:
    """Stop my timer: its hours become an "online hours" investment in its group."""
    investment = hours.stop_timer(request.auth)
    return _hours_out(investment)


@router.delete("/timer", response={204: None})
def cancel_timer(request: ApiRequest) -> Status[None]:
    hours.cancel_timer(request.auth)
    return Status(204, None)


@router.post("/groups/{group_id}/hours", response={201: HoursOut})
def log_hours(request: ApiRequest, group_id: int, payload: HoursIn) -> Status[Any]:
    group = access_group(request.auth, group_id)
    investment = hours.log_hours(
        request.auth, group, hours=payload.hours, spent_on=payload.spent_on, notes=payload.notes
    )
    return Status(201, _hours_out(investment))


def _hours_out(investment: Any) -> dict[str, Any]:
    return {
        "investment": investment.pk,
        "group": investment.group_id,
        "hours": investment.hours,
        "spent_on": investment.spent_on,
    }
