"""The demo's safety stories in the online community: a post flagged by three members waiting
in the moderation queue, a newcomer at trust level 0, and a blocked pair (Maria blocked a
member who kept pestering her)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from cerchia.accounts.blocking import block_member
from cerchia.accounts.models import User
from cerchia.community.models import Post, Topic, Trust
from cerchia.community.moderation import flag_post
from cerchia.groups.models import Group, Membership
from cerchia.ledger.models import ClosedBusiness, OneToOne, Referral

SPAM_TITLE = "Grow your followers fast"
SPAM_BODY = (
    "10,000 followers in a week, guaranteed! Write to me at growth-hacks.example "
    "and https://followers.example/offer — only today."
)


def build_safety(*, community: Group, personas: dict[str, User]) -> None:
    maria = personas["maria"]
    members = list(
        User.objects.filter(
            memberships__group=community, memberships__status=Membership.Status.ACTIVE
        )
        .exclude(pk__in=[u.pk for u in personas.values()])
        .order_by("pk")
    )
    # The newcomer "just joined": someone with no ledger history in the community yet, so
    # moving their joining date to today leaves no referral from before they were a member.
    history: set[int] = set()
    for model, sides in (
        (Referral, ("giver_id", "receiver_id")),
        (ClosedBusiness, ("giver_id", "receiver_id")),
        (OneToOne, ("proposer_id", "partner_id")),
    ):
        for side in sides:
            history |= set(model.objects.filter(group=community).values_list(side, flat=True))
    fresh = [u for u in members if u.pk not in history]
    newcomer = fresh[-1] if fresh else members[-3]
    members = [u for u in members if u.pk != newcomer.pk]
    spammer, pest = members[-1], members[-2]
    flaggers = members[:3]
    # The demo has no year of reading behind it: everyone who has been around for a while and
    # has no level yet (the board's regulars have theirs) is basic, the three flaggers are at
    # least members (level 2); only the one who just joined is new.
    Trust.objects.bulk_create(
        [Trust(group=community, user=u, level=1) for u in members if u.pk != newcomer.pk],
        ignore_conflicts=True,
    )
    Trust.objects.filter(group=community, user__in=flaggers, level__lt=2).update(level=2)
    if newcomer.pk not in history:
        Membership.objects.filter(group=community, user=newcomer).update(joined_at=timezone.now())
    Trust.objects.update_or_create(
        group=community, user=newcomer, defaults={"level": 0, "locked": False}
    )

    now = timezone.now()
    topic = Topic.objects.create(
        group=community,
        author=spammer,
        title=SPAM_TITLE,
        last_posted_at=now - datetime.timedelta(hours=3),
    )
    post = Post.objects.create(topic=topic, author=spammer, number=1, body=SPAM_BODY)
    reasons = ("spam", "spam", "inappropriate")
    notes = ("", "Same message in three topics.", "Selling followers is against our rules.")
    for user, reason, note in zip(flaggers, reasons, notes, strict=True):
        flag_post(post, flagger=user, reason=reason, note=note)

    block_member(maria, blocked=pest)
