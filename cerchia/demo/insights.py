"""What the demo adds for the insights: the education units and testimonials chapter members log
(the traffic lights count them), spread so that chapter one shows every colour, and Maria's
business profile (the advisor's prior for her recommendations).

The education units follow each member's diligence from the ledger year: the diligent log one
or two a month, the careless none. Its own random generator, so the rest of the demo's year
stays as it was."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence

from cerchia.groups.models import Group
from cerchia.insights.models import BusinessProfile
from cerchia.ledger.models import Credit

COURSES = (
    "Givers Gain — podcast episode",
    "Member Success Program",
    "Presenting in 60 seconds — workshop",
    "Referral marketing — book chapter",
    "One-to-ones that work — webinar",
    "Networking Like a Pro — book chapter",
)
TESTIMONIALS = (
    "For the wedding album delivered early",
    "For a quick and fair quote",
    "For the introduction to a new client",
    "For the help with a difficult customer",
)


def build_credits(
    chapters: Sequence[Group],
    windows: dict[int, dict[int, tuple[datetime.date, datetime.date]]],
    diligence: dict[int, float],
    today: datetime.date,
    seed: int,
) -> int:
    """Credits for every chapter member over the last six months; returns how many."""
    rng = random.Random(seed)
    rows: list[Credit] = []
    start = today - datetime.timedelta(days=182)
    for chapter in chapters:
        for user_id, (first, last) in sorted(windows[chapter.pk].items()):
            if last < today:
                continue
            care = diligence.get(user_id, 0.5)
            days = (today - max(first, start)).days
            if days <= 0:
                continue
            # Up to ~2 a month for the most diligent; nothing for the least.
            units = round(care * care * days / 15)
            praise = round(care * days / 60) if care > 0.4 else 0
            for kind, count, titles in (
                (Credit.Kind.EDUCATION, units, COURSES),
                (Credit.Kind.TESTIMONIAL, praise, TESTIMONIALS),
            ):
                rows.extend(
                    Credit(
                        user_id=user_id,
                        group=chapter,
                        kind=kind,
                        title=rng.choice(titles),
                        earned_on=today - datetime.timedelta(days=rng.randrange(days)),
                    )
                    for _n in range(count)
                )
    Credit.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def build_maria_profile(maria_id: int) -> BusinessProfile:
    """A wedding photographer in Bologna: clients from the region, a modest budget, Tuesday
    breakfasts possible, at ease online, deals of a few thousand euros to couples."""
    profile, _created = BusinessProfile.objects.get_or_create(
        user_id=maria_id,
        defaults={
            "clientele": BusinessProfile.Clientele.REGIONAL,
            "budget_per_year_minor": 250_000,
            "currency": "EUR",
            "hours_per_week": 5,
            "weekly_meetings_ok": True,
            "online_comfort": 4,
            "deal_size": BusinessProfile.DealSize.MEDIUM,
            "b2b": False,
            "competitors_for_overflow": True,
            "career_goals": False,
            "privacy_sensitivity": 3,
        },
    )
    return profile
