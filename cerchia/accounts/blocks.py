"""Reads about blocks between two people (writes are in ``cerchia.accounts.services``)."""

from __future__ import annotations

from django.db.models import Q

from cerchia.accounts.models import Block


def blocked_between(a_id: int, b_id: int) -> bool:
    """Whether either of the two has blocked the other (messages and requests stop both ways)."""
    return Block.objects.filter(
        Q(blocker_id=a_id, blocked_id=b_id) | Q(blocker_id=b_id, blocked_id=a_id)
    ).exists()


def has_blocked(blocker_id: int, blocked_id: int) -> bool:
    """Whether ``blocker`` blocked ``blocked`` (restricted fields are hidden from the blocked)."""
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()
