"""Blocking a member: they can no longer message me or ask to connect, and they see only my
public fields everywhere (``cerchia.accounts.selectors.reach_map`` applies it in one place).
Reads are in ``cerchia.accounts.blocks``."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.models import Block, ConnectionRequest, User
from cerchia.accounts.services import AccountError
from cerchia.audit.services import record


@transaction.atomic
def block_member(blocker: User, *, blocked: User) -> Block:
    """``blocker`` blocks ``blocked``; pending connection requests between them are closed."""
    if blocker.pk == blocked.pk:
        raise AccountError(_("You cannot block yourself."))
    if Block.objects.filter(blocker=blocker, blocked=blocked).exists():
        raise AccountError(_("You have already blocked this member."))
    try:
        with transaction.atomic():
            block = Block.objects.create(blocker=blocker, blocked=blocked)
    except IntegrityError:
        raise AccountError(_("You have already blocked this member.")) from None
    now = timezone.now()
    pending = ConnectionRequest.objects.filter(status=ConnectionRequest.Status.PENDING)
    # Their requests to me are declined; mine to them are withdrawn.
    pending.filter(sender=blocked, recipient=blocker).update(
        status=ConnectionRequest.Status.DECLINED, decided_at=now
    )
    pending.filter(sender=blocker, recipient=blocked).update(
        status=ConnectionRequest.Status.WITHDRAWN, decided_at=now
    )
    record(blocker, "accounts.block.created", block, {"blocked": blocked.pk})
    return block


@transaction.atomic
def unblock_member(blocker: User, *, blocked_id: int) -> None:
    block = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).first()
    if block is None:
        raise AccountError(_("You have not blocked this member."))
    record(blocker, "accounts.block.removed", block, {"blocked": blocked_id})
    block.delete()


def blocks_of(user: User) -> QuerySet[Block]:
    """The people ``user`` blocked, newest first, with their cards (one query)."""
    return (
        Block.objects.filter(blocker=user)
        .select_related("blocked__profile")
        .order_by("-created_at", "-pk")
    )


def blockers_of_q(viewer_id: int, *, field: str = "user_id") -> Q:
    """Rows whose ``field`` is someone who blocked ``viewer``."""
    return Q(**{f"{field}__in": Block.objects.filter(blocked_id=viewer_id).values("blocker_id")})
