"""The daily digest of follow-ups: one notice a day to each person who owes follow-ups due
today or overdue, until they are done."""

from __future__ import annotations

import datetime

from cerchia.accounts.models import User
from cerchia.ledger.selectors_people import follow_ups_due
from cerchia.notices.services import notify

# The digest names this many people, then "…".
NAMES_SHOWN = 5


def digest_names(names: list[str]) -> str:
    shown = ", ".join(names[:NAMES_SHOWN])
    return shown + ", …" if len(names) > NAMES_SHOWN else shown


def send_follow_up_digest(today: datetime.date) -> dict[str, int]:
    """The daily step: idempotent (the notice's key holds the person and the day), so a
    second run on the same day sends nothing."""
    due = follow_ups_due(today)
    people = User.objects.filter(pk__in=list(due), is_active=True).in_bulk()
    sent = 0
    for user_id, names in due.items():
        user = people.get(user_id)
        if user is None:
            continue
        notice = notify(
            user,
            "ledger.follow_ups_due",
            {"count": len(names), "names": digest_names(names)},
            url="/ledger/connections/#follow-ups",
            key=f"followups:{user_id}:{today.isoformat()}",
        )
        sent += notice is not None
    return {"follow_up_digests": sent}
