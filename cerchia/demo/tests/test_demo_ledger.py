"""The demo's year of ledger activity: realistic, by the ledger's rules, private, and the story
of Maria's year in numbers."""

from __future__ import annotations

import datetime
import io
import json
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.audit.models import AuditEntry
from cerchia.demo import builder
from cerchia.dues.models import Payment
from cerchia.groups.models import Membership
from cerchia.ledger import automatic, rollups
from cerchia.ledger.models import (
    ClosedBusiness,
    Connection,
    Investment,
    OneToOne,
    Referral,
    Rollup,
    WeekClose,
)
from cerchia.ledger.services import follow_up_days, record_referral
from cerchia.meetings.models import Attendance
from cerchia.notices.models import Notice

# Like test_builder: every test uses the database, so these run ahead of the transactional
# tests (whose flush would empty the profession table the builder needs).
pytestmark = pytest.mark.django_db

CHAPTER = "referral-bologna-centro"
CHAMBER = "camera-commercio-bologna"


def windows() -> dict[tuple[int, int], tuple[datetime.date, datetime.date | None]]:
    """(group, user) → the first day as a member and the day they left (None: still in)."""
    return {
        (m.group_id, m.user_id): (
            timezone.localdate(m.joined_at),
            timezone.localdate(m.left_at) if m.left_at else None,
        )
        for m in Membership.objects.filter(
            status__in=["active", "left"], joined_at__isnull=False
        ).exclude(group__kind="informal")
    }


def member_on(window, group_id: int, user_id: int, day: datetime.date) -> bool:
    found = window.get((group_id, user_id))
    if found is None:
        return False
    joined, left = found
    return joined <= day and (left is None or day < left)


def closed_received(user: User, **filters) -> int:
    total = ClosedBusiness.objects.filter(receiver=user, **filters).aggregate(s=Sum("amount_minor"))
    return total["s"] or 0


def test_a_year_of_activity_in_every_group(world):
    today = timezone.localdate()
    by_group = Counter(Referral.objects.values_list("group__kind", flat=True))

    assert by_group["lead_group"] >= 500
    for kind in ("chamber", "association", "event_network", "online_community", None):
        assert by_group[kind] >= 5, kind
    oldest = Referral.objects.order_by("given_on").first()
    assert oldest.given_on <= today - datetime.timedelta(days=300)
    assert Referral.objects.filter(given_on__gte=today - datetime.timedelta(days=14)).exists()
    assert ClosedBusiness.objects.count() >= 150
    assert OneToOne.objects.filter(status="held").count() >= 300
    assert Connection.objects.count() >= 300
    # Referrals to people without an account, kinds, temperatures, confidential marks.
    assert Referral.objects.filter(receiver__isnull=True).exclude(receiver_name="").count() >= 5
    assert set(Referral.objects.values_list("kind", flat=True)) == {"inside", "outside", "overflow"}
    assert set(Referral.objects.values_list("temperature", flat=True)) == {1, 2, 3, 4, 5}
    assert 0 < Referral.objects.filter(confidential=True).count() < Referral.objects.count() / 5


def test_the_rollup_matches_the_ledger(world):
    built = rollups.snapshot()

    rollups.rebuild()

    assert built and rollups.snapshot() == built
    totals = Rollup.objects.aggregate(
        given=Sum("referrals_given"), connections=Sum("connections"), hours=Sum("hours")
    )
    assert totals["given"] == Referral.objects.count()
    assert totals["connections"] == Connection.objects.count()
    assert totals["hours"] == Investment.objects.aggregate(h=Sum("hours"))["h"] > Decimal(1000)
    # A referral logged today through the service keeps the demo's rollup in step.
    seats = Membership.objects.active().filter(group__slug=CHAPTER).select_related("user", "group")
    giver, receiver = seats[0], seats[1]
    record_referral(
        giver.user, receiver=receiver.user, group=giver.group, prospect_name="Ada Prospetto"
    )
    after = rollups.snapshot()
    assert after != built
    rollups.rebuild()
    assert rollups.snapshot() == after


def test_automatic_investments_come_from_every_payment_and_attendance(world):
    assert not Payment.objects.filter(investment__isnull=True).exists()
    attended = Attendance.objects.filter(status__in=["present", "late"])
    assert attended.count() > 1000
    assert not attended.filter(investment__isnull=True).exists()
    assert Investment.objects.filter(kind="ticket", automatic=True).exists()

    assert automatic.backfill() == {"payments": 0, "tickets": 0, "hours": 0}


def test_some_members_receive_far_more_than_they_give(world):
    given = Counter(Referral.objects.values_list("giver_id", flat=True))
    received = Counter(
        Referral.objects.filter(receiver__isnull=False).values_list("receiver_id", flat=True)
    )

    takers = [u for u, n in received.items() if n >= 10 and n >= 3 * max(given[u], 1)]
    assert len(takers) >= 2
    # ... and most do not: the imbalance is the exception.
    assert len(takers) < len(received) / 5


def test_a_few_members_give_only_to_one_partner(world):
    loyal = (
        Referral.objects.values("giver_id")
        .annotate(
            n=Count("pk"),
            partners=Count("receiver_id", distinct=True),
            outsiders=Count("pk", filter=Q(receiver__isnull=True)),
        )
        .filter(n__gte=4, partners=1, outsiders=0)
    )

    assert 2 <= loyal.count() <= 10


def test_chapter_referrals_stay_mostly_within_contact_spheres(world):
    sphere = dict(
        User.objects.filter(profile__profession__isnull=False).values_list(
            "pk", "profile__profession__sphere_id"
        )
    )
    seats = defaultdict(set)
    for group_id, user_id in Membership.objects.filter(group__kind="lead_group").values_list(
        "group_id", "user_id"
    ):
        seats[group_id].add(user_id)
    same = total = 0
    for giver, receiver, group_id in Referral.objects.filter(
        group__kind="lead_group", receiver__isnull=False
    ).values_list("giver_id", "receiver_id", "group_id"):
        # Only givers who have someone of their sphere in the chapter can keep it there.
        partners = [u for u in seats[group_id] if u != giver and sphere[u] == sphere[giver]]
        if partners:
            total += 1
            same += sphere[receiver] == sphere[giver]

    assert total > 100
    assert same / total > 0.5


def test_every_referral_passed_between_active_members_of_its_group(world):
    window = windows()
    referrals = Referral.objects.filter(group__isnull=False).values_list(
        "group_id", "giver_id", "receiver_id", "given_on"
    )

    assert referrals.count() > 500
    for group_id, giver, receiver, day in referrals:
        assert member_on(window, group_id, giver, day), (group_id, giver, day)
        if receiver is not None:
            assert member_on(window, group_id, receiver, day), (group_id, receiver, day)
    thanks = ClosedBusiness.objects.filter(referral__isnull=True, group__isnull=False)
    assert thanks.exists()
    for group_id, giver, receiver, day in thanks.values_list(
        "group_id", "giver_id", "receiver_id", "closed_on"
    ):
        assert member_on(window, group_id, giver, day)
        assert member_on(window, group_id, receiver, day)
    for group_id, a, b, day in OneToOne.objects.filter(
        group__isnull=False, status="held"
    ).values_list("group_id", "proposer_id", "partner_id", "held_on"):
        assert member_on(window, group_id, a, day) and member_on(window, group_id, b, day)


def test_statuses_follow_the_age_of_the_referral(world):
    today = timezone.localdate()
    old = Referral.objects.filter(given_on__lt=today - datetime.timedelta(days=120))
    recent = Referral.objects.filter(given_on__gt=today - datetime.timedelta(days=21))

    assert old.filter(status__in=["won", "lost"]).count() >= 0.7 * old.count()
    assert recent.filter(status__in=["given", "contacted", "meeting"]).count() >= (
        0.8 * recent.count()
    )
    statuses = Counter(Referral.objects.values_list("status", flat=True))
    assert all(statuses[s] > 10 for s in ("given", "contacted", "meeting", "proposal"))
    assert statuses["won"] > 100 and statuses["lost"] > 100
    # Lost ones say why; every step is in the history.
    assert not Referral.objects.filter(status="lost", lost_reason="").exists()
    assert not Referral.objects.exclude(status="lost").exclude(lost_reason="").exists()
    for referral in Referral.objects.prefetch_related("steps")[:200]:
        steps = list(referral.steps.all())
        assert steps[0].status == "given" and steps[-1].status == referral.status
        assert [s.at for s in steps] == sorted(s.at for s in steps)
        assert timezone.localdate(steps[0].at) == referral.given_on


def test_closed_business_follows_won_referrals_and_the_rules(world):
    today = timezone.localdate()
    on_slips = ClosedBusiness.objects.filter(referral__isnull=False).select_related("referral")

    assert on_slips.count() >= 150
    for closed in on_slips:
        referral = closed.referral
        assert referral.status == "won"
        assert (closed.giver_id, closed.receiver_id) == (referral.giver_id, referral.receiver_id)
        assert closed.group_id == referral.group_id
        assert referral.given_on <= closed.closed_on <= today
    amounts = ClosedBusiness.objects.values_list("amount_minor", flat=True)
    assert min(amounts) >= 300_00 and max(amounts) <= 25_000_00
    assert set(ClosedBusiness.objects.values_list("currency", flat=True)) == {"EUR"}
    assert ClosedBusiness.objects.filter(kind="repeat").exists()
    assert 5 <= ClosedBusiness.objects.filter(referral__isnull=True).count() <= 40
    won = Referral.objects.filter(status="won", receiver__isnull=False)
    assert won.filter(closed_business__isnull=False).distinct().count() > 0.7 * won.count()


def test_one_to_ones_held_proposed_and_cancelled(world):
    today = timezone.localdate()
    statuses = Counter(OneToOne.objects.values_list("status", flat=True))

    assert statuses["held"] > 10 * statuses["cancelled"] > 0
    assert statuses["proposed"] >= 5
    assert not OneToOne.objects.filter(status="held", held_on__isnull=True).exists()
    assert not OneToOne.objects.filter(held_on__gt=today).exists()
    upcoming = OneToOne.objects.filter(status="proposed")
    assert all(one.scheduled_for > timezone.now() for one in upcoming)
    assert not OneToOne.objects.filter(proposer=F("partner")).exists()


def test_connections_are_due_after_their_groups_window(world):
    today = timezone.localdate()
    connections = Connection.objects.select_related("group")

    for connection in connections:
        window = follow_up_days(connection.group)
        assert connection.follow_up_due == connection.met_on + datetime.timedelta(days=window)
        assert connection.met_on <= today
        if connection.followed_up_on is not None:
            assert connection.met_on <= connection.followed_up_on <= today
            assert connection.followed_up_via
    assert set(connections.values_list("where", flat=True)) == {
        "meeting",
        "online",
        "introduction",
    }


def test_trade_show_connections_some_followed_up_most_not(world):
    show = Connection.objects.filter(meeting__kind="trade_show")
    done = show.filter(followed_up_on__isnull=False)
    in_time = [c for c in done if c.followed_up_in_time]

    assert show.count() >= 200
    assert 0 < len(in_time) < done.count() < show.count() / 2
    assert {c.follow_up_due - c.met_on for c in show} == {datetime.timedelta(days=3)}
    # Everyone who noted someone there was checked in at the show.
    owners = set(show.values_list("owner_id", flat=True))
    checked = set(
        show.first()
        .meeting.registrations.filter(checked_in_at__isnull=False)
        .values_list("user_id", flat=True)
    )
    assert owners <= checked


def test_a_later_interaction_completes_the_follow_up(world):
    """As the services do: a referral, one-to-one or deal between the two completes it."""
    completed = Connection.objects.filter(
        followed_up_via__in=["referral", "one_to_one", "closed_business"]
    )
    assert completed.exists()
    for connection in completed[:20]:
        a, b, day = connection.owner_id, connection.person_id, connection.followed_up_on
        pair = Q(giver_id=a, receiver_id=b) | Q(giver_id=b, receiver_id=a)
        met = Q(proposer_id=a, partner_id=b) | Q(proposer_id=b, partner_id=a)
        assert (
            Referral.objects.filter(pair, given_on=day).exists()
            or ClosedBusiness.objects.filter(pair, closed_on=day).exists()
            or OneToOne.objects.filter(met, held_on=day).exists()
        )


def test_chapters_close_their_past_weeks(world):
    today = timezone.localdate()
    closed = WeekClose.objects.filter(group__slug=CHAPTER)

    assert closed.count() >= 45
    assert not closed.filter(week_start__gte=today - datetime.timedelta(days=7)).exists()
    assert WeekClose.objects.filter(group__slug="referral-bologna-fiera").exists()


def test_no_prospect_details_leak_into_notices_or_audit(world):
    secrets = set()
    for email, phone in Referral.objects.values_list("prospect_email", "prospect_phone"):
        secrets.update([email, phone])
    secrets.discard("")
    stored = [json.dumps(data) for data in AuditEntry.objects.values_list("data", flat=True)]
    stored += [
        json.dumps([params, url]) for params, url in Notice.objects.values_list("params", "url")
    ]
    text = "\n".join(stored)

    assert len(secrets) > 1000
    assert not [secret for secret in secrets if secret in text]
    assert not AuditEntry.objects.filter(action__startswith="ledger.").exists()
    assert not Notice.objects.filter(kind__startswith="ledger.").exists()


def test_marias_chapter_brings_most_of_her_closed_business(maria):
    chapter = closed_received(maria, group__slug=CHAPTER)
    chamber = closed_received(maria, group__slug=CHAMBER)
    informal = closed_received(maria, group__isnull=True)
    total = closed_received(maria)

    assert chapter > chamber > 0
    assert chapter > total / 2
    assert chamber < chapter / 10
    # Her informal network: few referrals, but the biggest ones.
    deals = ClosedBusiness.objects.filter(receiver=maria)
    assert deals.filter(group__isnull=True).count() == 2
    assert informal / 2 > chapter / deals.filter(group__slug=CHAPTER).count()
    # She gives back in the chapter.
    assert Referral.objects.filter(giver=maria, group__slug=CHAPTER).count() >= 20
    # In the association she passes overflow, and meets Giulia, her mentor.
    assert Referral.objects.filter(
        giver=maria, group__slug="donne-imprenditrici-bologna", kind="overflow"
    ).exists()
    assert OneToOne.objects.filter(
        proposer=maria, partner__email="giulia@demo.cerchia.org", status="held"
    ).exists()


def test_maria_pays_for_the_chamber_and_puts_hours_into_the_chapter(maria):
    spent = {
        row["group__slug"]: row
        for row in Investment.objects.filter(user=maria)
        .values("group__slug")
        .annotate(money=Sum("amount_minor"), hours=Sum("hours"))
    }

    # The chamber costs her more than it brought her.
    assert spent[CHAMBER]["money"] > closed_received(maria, group__slug=CHAMBER)
    assert spent[CHAPTER]["hours"] > 60
    assert spent["bologna-business-events"]["money"] > spent["bologna-business-events"]["hours"]
    assert spent["bologna-digital-makers"]["hours"] >= 50
    assert Investment.objects.filter(user=maria, automatic=True, kind="meeting_hours").exists()


def test_maria_rarely_follows_up_the_people_she_meets_at_events(maria):
    met = Connection.objects.filter(owner=maria, meeting__kind="trade_show")
    followed = met.filter(followed_up_on__isnull=False)

    assert met.count() >= 20
    assert 1 <= followed.count() <= met.count() / 4
    # One she called back at once passed her a wedding.
    called_back = [c.person_id for c in followed if c.followed_up_in_time]
    assert ClosedBusiness.objects.filter(
        giver_id__in=called_back, receiver=maria, group__slug="bologna-business-events"
    ).exists()


def test_building_again_adds_no_ledger_rows(world):
    def counts() -> dict[str, int]:
        return {
            model.__name__: model.objects.count()
            for model in (Referral, ClosedBusiness, OneToOne, Connection, Investment, Rollup)
        }

    before = counts()

    assert builder.build(out=io.StringIO()) is False

    assert counts() == before
