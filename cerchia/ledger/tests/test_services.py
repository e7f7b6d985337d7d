"""The ledger's write rules, service by service: who may pass what to whom, the pipeline,
follow-ups answered by any interaction, and the rollup moving with each write."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine

from cerchia.accounts.models import Connection as CardConnection
from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.models import Group, Kind
from cerchia.ledger import services
from cerchia.ledger.models import Connection, OneToOne, Referral, Rollup
from cerchia.ledger.services import LedgerError
from cerchia.notices.models import Notice

TODAY = datetime.date(2026, 6, 10)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def _row(user: Any, group: Group, month: datetime.date) -> Rollup:
    return Rollup.objects.get(user=user, group=group, month=month, currency=group.currency)


def test_referral_in_a_group_counts_for_both_and_tells_the_receiver(cast: Cast) -> None:
    referral = services.record_referral(
        cast.member, receiver=cast.leader, group=cast.group, prospect_name="Anna Bianchi"
    )
    assert referral.status == Referral.Status.GIVEN
    assert referral.steps.count() == 1
    june = datetime.date(2026, 6, 1)
    assert _row(cast.member, cast.group, june).referrals_given == 1
    assert _row(cast.leader, cast.group, june).referrals_received == 1
    notice = Notice.objects.get(user=cast.leader, kind="ledger.referral_received")
    assert notice.url == f"/ledger/referrals/{referral.pk}/"
    assert AuditEntry.objects.filter(action="ledger.referral.created").count() == 1


def test_referral_to_someone_outside_the_group_is_refused_and_nothing_saved(cast: Cast) -> None:
    with pytest.raises(LedgerError, match="not an active member"):
        services.record_referral(
            cast.member, receiver=cast.outsider, group=cast.group, prospect_name="X"
        )
    # An applicant is not an active member either.
    with pytest.raises(LedgerError, match="not an active member"):
        services.record_referral(
            cast.member, receiver=cast.visitor, group=cast.group, prospect_name="X"
        )
    assert not Referral.objects.exists()
    assert not Rollup.objects.exists()


def test_outside_any_group_only_people_one_knows_or_by_name(cast: Cast) -> None:
    with pytest.raises(LedgerError, match="share no group, connection or meeting"):
        services.record_referral(cast.member, receiver=cast.outsider, prospect_name="X")
    known = services.record_referral(cast.member, receiver=cast.leader, prospect_name="Y")
    external = services.record_referral(
        cast.member,
        receiver_name="Enzo Esterno",
        receiver_email="enzo@example.org",
        prospect_name="Z",
    )
    assert known.group is None and external.receiver is None
    # Outside any group both count in their own informal networks.
    informal = Group.objects.get(kind=Kind.INFORMAL, owner=cast.member)
    assert _row(cast.member, informal, datetime.date(2026, 6, 1)).referrals_given == 2
    theirs = Group.objects.get(kind=Kind.INFORMAL, owner=cast.leader)
    assert _row(cast.leader, theirs, datetime.date(2026, 6, 1)).referrals_received == 1


def test_bad_slips_are_refused(cast: Cast) -> None:
    base = {"receiver": cast.leader, "group": cast.group, "prospect_name": "P"}
    for extra, message in (
        ({"temperature": 7}, "1 to 5"),
        ({"kind": "sideways"}, "Unknown kind"),
        ({"prospect_name": "  "}, "Name the prospect"),
        ({"given_on": TODAY + datetime.timedelta(days=1)}, "future"),
        ({"receiver": cast.member}, "That is you"),
    ):
        with pytest.raises(LedgerError, match=message):
            services.record_referral(cast.member, **{**base, **extra})
    assert not Referral.objects.exists()


def test_pipeline_moves_forward_only_and_lost_needs_a_reason(cast: Cast) -> None:
    referral = services.record_referral(
        cast.member, receiver=cast.leader, group=cast.group, prospect_name="P"
    )
    with pytest.raises(LedgerError, match="Only the receiver"):
        services.advance_referral(referral, actor=cast.outsider, status="contacted")
    services.advance_referral(referral, actor=cast.leader, status="meeting")
    with pytest.raises(LedgerError, match="only moves forward"):
        services.advance_referral(referral, actor=cast.leader, status="contacted")
    with pytest.raises(LedgerError, match="Say why"):
        services.advance_referral(referral, actor=cast.leader, status="lost")
    services.advance_referral(referral, actor=cast.leader, status="lost", lost_reason="Budget")
    referral.refresh_from_db()
    assert (referral.status, referral.lost_reason) == ("lost", "Budget")
    with pytest.raises(LedgerError, match="moves no further"):
        services.advance_referral(referral, actor=cast.leader, status="won")
    # Both were told of each step: 2 steps × 2 people.
    assert Notice.objects.filter(kind="ledger.referral_step").count() == 4


def test_closed_business_marks_the_referral_won_and_counts_money(cast: Cast) -> None:
    referral = services.record_referral(
        cast.member, receiver=cast.leader, group=cast.group, prospect_name="P"
    )
    with pytest.raises(LedgerError, match="Only the receiver"):
        services.record_closed_business(cast.member, referral=referral, amount_minor=1000)
    closed = services.record_closed_business(cast.leader, referral=referral, amount_minor=125000)
    referral.refresh_from_db()
    assert referral.status == "won"
    assert (closed.giver, closed.currency) == (cast.member, "EUR")
    june = datetime.date(2026, 6, 1)
    assert _row(cast.leader, cast.group, june).closed_received_minor == 125000
    assert _row(cast.member, cast.group, june).closed_given_minor == 125000
    assert Notice.objects.filter(user=cast.member, kind="ledger.closed_business").exists()


def test_closed_business_in_another_currency_gets_its_own_row(cast: Cast) -> None:
    services.record_closed_business(
        cast.leader, giver=cast.member, group=cast.group, amount_minor=5000, currency="CHF"
    )
    rows = Rollup.objects.filter(user=cast.leader, group=cast.group)
    assert {(r.currency, r.closed_received_minor) for r in rows} == {("CHF", 5000)}
    with pytest.raises(LedgerError, match="Unknown currency"):
        services.record_closed_business(
            cast.leader, giver=cast.member, group=cast.group, amount_minor=1, currency="E1R"
        )
    with pytest.raises(LedgerError, match="positive whole number"):
        services.record_closed_business(
            cast.leader, giver=cast.member, group=cast.group, amount_minor=-5
        )


def test_week_close_locks_slips_for_the_giver_not_for_leaders(cast: Cast) -> None:
    referral = services.record_referral(
        cast.member, receiver=cast.leader, group=cast.group, prospect_name="P"
    )
    with pytest.raises(LedgerError, match="leaders close"):
        services.close_week(cast.group, actor=cast.member, day=TODAY)
    services.close_week(cast.group, actor=cast.leader, day=TODAY)
    with pytest.raises(LedgerError, match="already closed"):
        services.close_week(cast.group, actor=cast.leader, day=TODAY)
    with pytest.raises(LedgerError, match="closed"):
        services.update_referral(referral, actor=cast.member, changes={"temperature": 5})
    with pytest.raises(LedgerError, match="closed"):
        services.record_referral(
            cast.member, receiver=cast.leader, group=cast.group, prospect_name="Late"
        )
    services.update_referral(referral, actor=cast.leader, changes={"temperature": 5})
    referral.refresh_from_db()
    assert referral.temperature == 5
    entry = AuditEntry.objects.get(action="ledger.referral.updated")
    assert entry.data == {"fields": ["temperature"], "by_leader": True}
    # The receiver still carries it forward after the close.
    services.advance_referral(referral, actor=cast.leader, status="contacted")


def test_follow_up_due_from_the_group_rule_and_completed_by_any_interaction(cast: Cast) -> None:
    events = cast.public_group
    add_member(events, cast.member)
    add_member(events, cast.leader)
    met = services.record_connection(
        cast.member, where="elsewhere", person=cast.leader, group=events
    )
    assert met.follow_up_due == TODAY + datetime.timedelta(days=3)
    in_chapter = services.record_connection(
        cast.member, where="elsewhere", person=cast.leader, group=cast.group
    )
    assert in_chapter.follow_up_due == TODAY + datetime.timedelta(days=7)
    other = services.record_connection(cast.member, where="elsewhere", name="Somebody Else")
    # The leader proposing a one-to-one is not yet an interaction; holding one is.
    one = services.propose_one_to_one(cast.leader, partner=cast.member, group=cast.group)
    assert Connection.objects.filter(followed_up_on__isnull=True).count() == 3
    services.hold_one_to_one(one, actor=cast.member, notes="Coffee")
    done = Connection.objects.filter(followed_up_on=TODAY).order_by("pk")
    assert [(c.pk, c.followed_up_via) for c in done] == [
        (met.pk, "one_to_one"),
        (in_chapter.pk, "one_to_one"),
    ]
    other.refresh_from_db()
    assert other.followed_up_on is None
    assert _row(cast.member, events, datetime.date(2026, 6, 1)).follow_ups_done == 1
    assert _row(cast.member, cast.group, datetime.date(2026, 6, 1)).one_to_ones == 1
    assert _row(cast.leader, cast.group, datetime.date(2026, 6, 1)).one_to_ones == 1


def test_one_to_one_rules(cast: Cast) -> None:
    with pytest.raises(LedgerError, match="not an active member"):
        services.propose_one_to_one(cast.member, partner=cast.outsider, group=cast.group)
    one = services.propose_one_to_one(cast.member, partner=cast.leader, group=cast.group)
    with pytest.raises(LedgerError, match="Only the two people"):
        services.hold_one_to_one(one, actor=cast.outsider)
    services.cancel_one_to_one(one, actor=cast.leader)
    with pytest.raises(LedgerError, match="cancelled already"):
        services.hold_one_to_one(one, actor=cast.member)
    assert not Rollup.objects.filter(one_to_ones__gt=0).exists()
    held = services.propose_one_to_one(
        cast.member, partner=cast.leader, group=cast.group, held_on=TODAY
    )
    assert held.status == OneToOne.Status.HELD


def test_investment_rules(cast: Cast) -> None:
    for kwargs, message in (
        ({"kind": "dues", "amount_minor": 100}, "automatically"),
        ({"kind": "travel"}, "amount, hours or both"),
        ({"kind": "travel", "hours": "1.234"}, "hundredths"),
        ({"kind": "travel", "hours": "-1"}, "0 to 999.99"),
        ({"kind": "travel", "amount_minor": 100}, "currency"),
        ({"kind": "travel", "amount_minor": 100, "currency": "EU"}, "Unknown currency"),
        ({"kind": "travel", "amount_minor": 1, "group": cast.public_group}, "not a member"),
    ):
        with pytest.raises(LedgerError, match=message):
            services.record_investment(cast.member, **kwargs)
    investment = services.record_investment(
        cast.member, kind="travel", group=cast.group, amount_minor=2500, hours="1.5"
    )
    row = _row(cast.member, cast.group, datetime.date(2026, 6, 1))
    assert (row.money_minor, row.hours) == (2500, 1.5)
    with pytest.raises(LedgerError, match="Only its owner"):
        services.delete_investment(investment, actor=cast.leader)
    services.delete_investment(investment, actor=cast.member)
    # The emptied rollup row goes with it.
    assert not Rollup.objects.filter(user=cast.member).exists()


def test_knows_through_groups_cards_and_meetings(cast: Cast) -> None:
    stranger = make_user("s@example.org")
    assert services.knows(cast.member, cast.leader)
    assert not services.knows(cast.member, stranger)
    # Someone without a group in common cannot be linked by hand to claim acquaintance...
    with pytest.raises(LedgerError, match="share no group"):
        services.record_connection(stranger, where="elsewhere", person=cast.member)
    assert not services.knows(cast.member, stranger)
    # ...but a card connection (either way) is knowing them.
    CardConnection.objects.create(owner=stranger, other=cast.member)
    assert services.knows(cast.member, stranger)
