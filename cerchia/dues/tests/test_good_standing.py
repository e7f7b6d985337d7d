"""Good standing: the model method and the SQL filter agree on every boundary; it is checked
person by person."""

from __future__ import annotations

import datetime as dt

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.dues.models import Invoice
from cerchia.dues.selectors import good_standing_map, good_standing_q, with_good_standing
from cerchia.dues.services import bill_fee, record_payment, void_invoice
from cerchia.dues.tests.conftest import EXPIRES, on, paid_member
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group

DAY = dt.timedelta(days=1)
FEE_DUE = dt.date(2026, 6, 15)

# Who is in good standing on each day around the boundaries (grace: 30 days).
EXPECTED = {
    # paid up to 30 June: in good standing through the grace period, to 30 July
    "paid": {
        EXPIRES - DAY: True,
        EXPIRES: True,
        EXPIRES + DAY: True,
        FEE_DUE + 30 * DAY: True,
        FEE_DUE + 31 * DAY: True,
        EXPIRES + 30 * DAY: True,
        EXPIRES + 31 * DAY: False,
    },
    # paid up to the end of 2027, but a fee fell due on 15 June and is still unpaid
    "fee_debtor": {
        EXPIRES - DAY: True,
        EXPIRES: True,
        EXPIRES + DAY: True,
        FEE_DUE + 30 * DAY: True,
        FEE_DUE + 31 * DAY: False,
        EXPIRES + 30 * DAY: False,
        EXPIRES + 31 * DAY: False,
    },
    # no dues at all, but the same unpaid fee
    "free_debtor": {
        EXPIRES - DAY: True,
        EXPIRES: True,
        EXPIRES + DAY: True,
        FEE_DUE + 30 * DAY: True,
        FEE_DUE + 31 * DAY: False,
        EXPIRES + 30 * DAY: False,
        EXPIRES + 31 * DAY: False,
    },
    "free": dict.fromkeys((EXPIRES - DAY, EXPIRES + 31 * DAY), True),
    "pending": dict.fromkeys((EXPIRES - DAY, EXPIRES, EXPIRES + 31 * DAY), False),
    "left": dict.fromkeys((EXPIRES - DAY, EXPIRES), False),
    "terminated": dict.fromkeys((EXPIRES - DAY, EXPIRES), False),
    "applied": dict.fromkeys((EXPIRES - DAY, EXPIRES), False),
}
BOUNDARIES = sorted({day for row in EXPECTED.values() for day in row})


def _fee(membership, actor):
    return bill_fee(
        membership,
        actor=actor,
        amount_minor=3000,
        description="Gala dinner",
        due_on=FEE_DUE,
        today=FEE_DUE - 20 * DAY,
    )


@pytest.fixture
def people(chamber):
    """One membership of the chamber in each situation of EXPECTED."""
    far = dt.date(2027, 12, 31)
    rows = {
        "paid": chamber.membership,
        "fee_debtor": paid_member(
            chamber.group, make_user("debtor@example.org"), chamber.yearly, far
        ),
        "free_debtor": paid_member(chamber.group, make_user("free-debtor@example.org"), None, None),
        "free": Membership.objects.get(group=chamber.group, user=chamber.treasurer),
        "pending": paid_member(
            chamber.group, make_user("pending@example.org"), chamber.yearly, None
        ),
    }
    for status in ("left", "terminated", "applied"):
        membership = add_member(chamber.group, make_user(f"{status}@example.org"), status=status)
        membership.tier = chamber.yearly
        membership.expires_on = far  # dates alone never make anyone a member
        membership.save()
        rows[status] = membership
    _fee(rows["fee_debtor"], chamber.treasurer)
    _fee(rows["free_debtor"], chamber.treasurer)
    # Settled and voided fees weigh nothing, however old.
    settled = _fee(rows["paid"], chamber.treasurer)
    with on(FEE_DUE):
        record_payment(settled, actor=chamber.treasurer, amount_minor=3000, method="cash")
    void_invoice(_fee(rows["paid"], chamber.treasurer), actor=chamber.treasurer, reason="Oops")
    return rows


def test_the_model_and_the_sql_filter_agree_on_every_boundary(chamber, people):
    for day in BOUNDARIES:
        in_sql = set(
            Membership.objects.filter(group=chamber.group)
            .filter(good_standing_q(chamber.group, day))
            .values_list("pk", flat=True)
        )
        annotated = dict(
            with_good_standing(
                Membership.objects.filter(group=chamber.group), chamber.group, day
            ).values_list("pk", "good_standing")
        )

        for name, membership in people.items():
            by_model = membership.in_good_standing_on(day)
            assert by_model == (membership.pk in in_sql), (name, day)
            assert annotated[membership.pk] is by_model, (name, day)
            if day in EXPECTED[name]:
                assert by_model is EXPECTED[name][day], (name, day)


def test_grace_counts_as_good_standing(chamber):
    day = EXPIRES + 15 * DAY

    assert chamber.membership.standing_on(day) == "grace"
    assert chamber.membership.in_good_standing_on(day)
    assert good_standing_map(chamber.group, [chamber.member.pk], day) == {chamber.member.pk: True}


def test_an_unpaid_fee_within_the_grace_days_does_not_count_yet(chamber):
    _fee(chamber.membership, chamber.treasurer)

    assert chamber.membership.in_good_standing_on(FEE_DUE + 30 * DAY)
    assert not chamber.membership.in_good_standing_on(FEE_DUE + 31 * DAY)


def test_paying_the_overdue_fee_restores_good_standing(chamber):
    fee = _fee(chamber.membership, chamber.treasurer)
    day = FEE_DUE + 40 * DAY  # also past the dues' grace: move the term on first
    Membership.objects.filter(pk=chamber.membership.pk).update(expires_on=dt.date(2027, 6, 30))
    chamber.membership.refresh_from_db()
    assert not chamber.membership.in_good_standing_on(day)

    with on(day):
        record_payment(fee, actor=chamber.treasurer, amount_minor=3000, method="cash")

    assert chamber.membership.in_good_standing_on(day)
    assert good_standing_map(chamber.group, [chamber.member.pk], day)[chamber.member.pk]


def test_the_grace_days_of_the_group_apply_to_overdue_fees(cast):
    group = create_group(
        cast.owner,
        name="Strict Chamber",
        kind="chamber",
        join_policy="open",
        rule_overrides={"grace_days": 0},
    )
    membership = paid_member(group, cast.member, None, None)
    _fee(membership, cast.owner)

    for day, good in ((FEE_DUE, True), (FEE_DUE + DAY, False)):
        assert membership.in_good_standing_on(day) is good
        assert good_standing_map(group, [cast.member.pk], day) == {cast.member.pk: good}


def test_an_invoice_of_another_group_does_not_count(chamber, cast):
    other = create_group(cast.owner, name="Other Chamber", kind="chamber", join_policy="open")
    elsewhere = paid_member(other, chamber.member, None, None)
    _fee(elsewhere, cast.owner)
    day = FEE_DUE + 31 * DAY

    assert not elsewhere.in_good_standing_on(day)
    assert chamber.membership.in_good_standing_on(day)
    assert good_standing_map(chamber.group, [chamber.member.pk], day)[chamber.member.pk]
    assert not good_standing_map(other, [chamber.member.pk], day)[chamber.member.pk]


def test_good_standing_map_is_per_person(chamber, people, django_assert_num_queries):
    guest = make_user("guest@example.org")  # no membership: brought along by a member
    lapsed = people["paid"].user
    day = EXPIRES + 31 * DAY
    good = people["free"].user
    ids = [good.pk, guest.pk, lapsed.pk, 987654, good.pk, people["pending"].user.pk]

    with django_assert_num_queries(1):
        standing = good_standing_map(chamber.group, ids, day)

    assert standing == {
        good.pk: True,
        guest.pk: False,  # the member buying for them does not make them count
        lapsed.pk: False,
        987654: False,  # nobody at all
        people["pending"].user.pk: False,
    }


def test_good_standing_map_of_nobody_is_empty(chamber, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        assert good_standing_map(chamber.group, [], EXPIRES) == {}


def test_good_standing_is_of_this_group_only(chamber, cast):
    """A member in good standing elsewhere is not one here."""
    day = EXPIRES

    assert good_standing_map(cast.public_group, [chamber.member.pk], day) == {
        chamber.member.pk: False
    }


def test_with_good_standing_is_one_query_however_many_members(
    chamber, people, django_assert_num_queries
):
    for n in range(10):
        member = paid_member(chamber.group, make_user(f"more{n}@example.org"), None, None)
        _fee(member, chamber.treasurer)

    with django_assert_num_queries(1):
        rows = list(
            with_good_standing(
                Membership.objects.filter(group=chamber.group), chamber.group, EXPIRES
            )
        )

    assert len(rows) == Membership.objects.filter(group=chamber.group).count()
    assert {row.good_standing for row in rows} == {True, False}
    # Booleans, never NULL: "not in good standing" finds the pending member too.
    not_good = with_good_standing(
        Membership.objects.filter(group=chamber.group), chamber.group, EXPIRES
    ).filter(good_standing=False)
    assert people["pending"] in not_good
    assert people["paid"] not in not_good


def test_overdue_beyond_counts_only_open_invoices_due_before_the_grace(chamber):
    fee = _fee(chamber.membership, chamber.treasurer)
    qs = Invoice.objects.filter(pk=fee.pk)

    assert not qs.overdue_beyond(FEE_DUE + 30 * DAY, 30).exists()
    assert qs.overdue_beyond(FEE_DUE + 31 * DAY, 30).exists()
    assert qs.overdue_beyond(FEE_DUE + DAY, 0).exists()
    assert not qs.overdue_beyond(FEE_DUE, 0).exists()
