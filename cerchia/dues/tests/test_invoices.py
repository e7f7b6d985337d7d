"""Invoices: the first bills on admission, numbering, renewals (one live invoice per period),
other fees, voiding."""

from __future__ import annotations

import datetime as dt

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.dues.models import Invoice, Payment, Tier
from cerchia.dues.services import (
    DuesError,
    bill_fee,
    record_payment,
    renew,
    set_tier,
    void_invoice,
)
from cerchia.dues.tests.conftest import EXPIRES, dues_audit, notices, on, paid_member, snapshot
from cerchia.groups.models import Membership
from cerchia.groups.services import approve_membership, create_group, join_group, leave_group

DAY = dt.timedelta(days=1)
JOINED = dt.date(2026, 3, 10)


def test_joining_bills_the_joining_fee_and_the_first_period(chamber):
    newcomer = make_user("newcomer@example.org")

    with on(JOINED):
        membership = join_group(chamber.group, newcomer, tier_id=chamber.yearly.pk)

    fee, dues = Invoice.objects.filter(membership=membership).order_by("number")
    assert (fee.number, fee.kind, fee.amount_minor, fee.currency) == (
        "2026-0001",
        "joining_fee",
        5000,
        "EUR",
    )
    assert (fee.period_start, fee.period_end) == (None, None)
    assert (dues.number, dues.kind, dues.amount_minor) == ("2026-0002", "dues", 24000)
    assert (dues.period_start, dues.period_end) == (JOINED, dt.date(2027, 3, 9))
    for invoice in (fee, dues):
        assert invoice.status == "issued"
        assert invoice.tier == chamber.yearly
        assert invoice.issued_on == JOINED
        assert invoice.due_on == JOINED + 14 * DAY
        assert invoice.created_by == newcomer
    membership.refresh_from_db()
    assert (membership.status, membership.standing) == ("active", "pending")
    assert membership.expires_on is None
    assert not membership.in_good_standing_on(JOINED)
    assert [n.params["number"] for n in notices(newcomer, "dues.invoice_issued")] == [
        "2026-0001",
        "2026-0002",
    ]
    assert dues_audit("dues.invoice.issued").filter(actor=newcomer).count() == 2


def test_a_tier_without_joining_fee_bills_the_calendar_month_only(chamber):
    newcomer = make_user("newcomer@example.org")

    with on(JOINED):
        membership = join_group(chamber.group, newcomer, tier_id=chamber.monthly.pk)

    [dues] = Invoice.objects.filter(membership=membership)
    assert (dues.kind, dues.amount_minor) == ("dues", 2500)
    assert (dues.period_start, dues.period_end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert dues.due_on == JOINED + 14 * DAY


def test_approval_bills_the_applicant_and_leaves_them_pending(chamber):
    chamber.group.join_policy = "application"
    chamber.group.save()
    applicant = make_user("applicant@example.org")
    with on(JOINED):
        membership = join_group(
            chamber.group,
            applicant,
            tier_id=chamber.monthly.pk,
            answers={"years_in_business": "4"},
        )
    assert not Invoice.objects.filter(membership=membership).exists()  # not admitted yet

    with on(dt.date(2026, 4, 2)):
        approve_membership(membership, actor=chamber.committee)

    [dues] = Invoice.objects.filter(membership=membership)
    assert (dues.period_start, dues.period_end) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert dues.due_on == dt.date(2026, 4, 16)
    membership.refresh_from_db()
    assert (membership.status, membership.standing, membership.expires_on) == (
        "active",
        "pending",
        None,
    )


def test_joining_a_group_without_tiers_owes_nothing(cast):
    with on(JOINED):
        membership = join_group(cast.public_group, cast.member)

    assert not Invoice.objects.filter(membership=membership).exists()
    membership.refresh_from_db()
    assert (membership.tier, membership.standing) == (None, "active")


# Numbering.


def _fee(membership, actor, day, amount=1000):
    return bill_fee(
        membership,
        actor=actor,
        amount_minor=amount,
        description="Gala dinner",
        due_on=day + 30 * DAY,
        today=day,
    )


def test_invoice_numbers_run_per_group_and_per_year(chamber, cast):
    other = create_group(cast.owner, name="Other Chamber", kind="chamber", join_policy="open")
    elsewhere = paid_member(other, chamber.member, None, None)
    day = dt.date(2026, 12, 30)

    first = _fee(chamber.membership, chamber.owner, day)
    second = _fee(chamber.membership, chamber.owner, day)
    other_first = _fee(elsewhere, chamber.owner, day)
    next_year = _fee(chamber.membership, chamber.owner, dt.date(2027, 1, 2))
    next_year_second = _fee(chamber.membership, chamber.owner, dt.date(2027, 1, 2))
    late_for_last_year = _fee(chamber.membership, chamber.owner, dt.date(2026, 12, 31))

    assert [first.number, second.number, late_for_last_year.number] == [
        "2026-0001",
        "2026-0002",
        "2026-0003",
    ]
    assert other_first.number == "2026-0001"
    void_invoice(second, actor=chamber.owner, reason="Billed twice")
    assert _fee(chamber.membership, chamber.owner, day).number == "2026-0004"  # never reused
    assert [next_year.number, next_year_second.number] == ["2027-0001", "2027-0002"]


# Renewals: one live invoice per period.


def test_renewing_twice_returns_the_same_invoice(chamber):
    day = EXPIRES - 10 * DAY

    first = renew(chamber.membership, actor=chamber.member, today=day)
    again = renew(chamber.membership, actor=chamber.member, today=day + DAY)
    by_treasurer = renew(chamber.membership, actor=chamber.treasurer, today=day + 2 * DAY)

    assert first.pk == again.pk == by_treasurer.pk
    assert (first.period_start, first.period_end) == (EXPIRES + DAY, dt.date(2027, 6, 30))
    assert first.due_on == EXPIRES
    assert first.amount_minor == 24000
    assert Invoice.objects.filter(membership=chamber.membership).count() == 1
    assert notices(chamber.member, "dues.invoice_issued")[0].params["number"] == first.number
    assert len(notices(chamber.member, "dues.invoice_issued")) == 1
    assert dues_audit("dues.membership.renewal_billed").count() == 3


def test_after_voiding_a_renewal_the_period_can_be_billed_again(chamber):
    day = EXPIRES - 10 * DAY
    first = renew(chamber.membership, actor=chamber.member, today=day)
    void_invoice(first, actor=chamber.treasurer, reason="Wrong tier")

    second = renew(chamber.membership, actor=chamber.member, today=day)

    assert second.pk != first.pk
    assert second.number != first.number
    assert (second.period_start, second.status) == (first.period_start, "issued")


def test_a_member_cannot_renew_before_the_window_opens(chamber):
    opens = EXPIRES - 30 * DAY  # the chamber's renewal window: 30 days
    before = snapshot()

    with pytest.raises(DuesError, match="Renewal opens on 2026-05-31"):
        renew(chamber.membership, actor=chamber.member, today=opens - DAY)

    assert snapshot() == before
    invoice = renew(chamber.membership, actor=chamber.member, today=opens)
    assert invoice.period_start == EXPIRES + DAY


def test_a_treasurer_may_renew_any_time(chamber):
    invoice = renew(chamber.membership, actor=chamber.treasurer, today=EXPIRES - 200 * DAY)

    assert (invoice.period_start, invoice.period_end) == (EXPIRES + DAY, dt.date(2027, 6, 30))
    assert invoice.due_on == EXPIRES
    assert invoice.created_by == chamber.treasurer


def test_renewing_in_grace_continues_the_paid_up_term(chamber):
    day = EXPIRES + 10 * DAY

    invoice = renew(chamber.membership, actor=chamber.member, today=day)

    assert (invoice.period_start, invoice.period_end) == (EXPIRES + DAY, dt.date(2027, 6, 30))
    assert invoice.due_on == day


def test_a_lapsed_member_renewing_is_billed_a_fresh_period_from_today(chamber):
    day = EXPIRES + 31 * DAY
    assert chamber.membership.standing_on(day) == "lapsed"

    invoice = renew(chamber.membership, actor=chamber.member, today=day)

    assert (invoice.period_start, invoice.period_end) == (day, dt.date(2027, 7, 30))
    assert invoice.due_on == day


def test_a_lapsed_member_reinstated_owes_nothing_for_the_lapsed_term(chamber):
    """A renewal billed before the lapse and never paid is superseded by the reinstatement:
    paying the fresh period puts the member back in good standing."""
    stale = renew(chamber.membership, actor=chamber.member, today=EXPIRES - 5 * DAY)
    day = EXPIRES + 40 * DAY

    fresh = renew(chamber.membership, actor=chamber.member, today=day)
    with on(day):
        record_payment(fresh, actor=chamber.treasurer, amount_minor=24000, method="cash")

    stale.refresh_from_db()
    assert stale.status == "void"
    assert stale.void_reason
    membership = Membership.objects.get(pk=chamber.membership.pk)
    assert membership.expires_on == fresh.period_end
    assert membership.in_good_standing_on(day + 60 * DAY)


def test_a_reinstatement_keeps_invoices_that_were_partly_paid(chamber):
    stale = renew(chamber.membership, actor=chamber.member, today=EXPIRES - 5 * DAY)
    with on(EXPIRES):
        record_payment(stale, actor=chamber.treasurer, amount_minor=1000, method="cash")

    renew(chamber.membership, actor=chamber.member, today=EXPIRES + 40 * DAY)

    stale.refresh_from_db()
    assert stale.status == "issued"  # money was paid against it: a treasurer decides


def test_a_fixed_monthly_member_renews_the_next_calendar_month(chamber):
    membership = paid_member(
        chamber.group, make_user("monthly@example.org"), chamber.monthly, dt.date(2026, 3, 31)
    )

    invoice = renew(membership, actor=membership.user, today=dt.date(2026, 3, 15))

    assert (invoice.period_start, invoice.period_end) == (dt.date(2026, 4, 1), dt.date(2026, 4, 30))
    assert invoice.amount_minor == 2500


def test_renewal_uses_the_tiers_current_dues(chamber):
    Tier.objects.filter(pk=chamber.yearly.pk).update(dues_minor=30000)
    chamber.membership.refresh_from_db()

    invoice = renew(chamber.membership, actor=chamber.member, today=EXPIRES - DAY)

    assert invoice.amount_minor == 30000


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tier": None}, "no dues to renew"),
        ({"expires_on": None}, "Pay the first invoice before renewing"),
        ({"status": "left"}, "Only an active membership can be renewed"),
        ({"status": "terminated"}, "Only an active membership can be renewed"),
    ],
)
def test_renewals_that_make_no_sense_are_refused(chamber, change, message):
    membership = chamber.membership
    for field, value in change.items():
        setattr(membership, field, value)
    membership.save()
    before = snapshot()

    with pytest.raises(DuesError, match=message):
        renew(membership, actor=chamber.treasurer, today=EXPIRES - DAY)

    assert snapshot() == before


# Other fees.


def test_a_treasurer_bills_a_fee(chamber):
    day = dt.date(2026, 5, 1)

    invoice = bill_fee(
        chamber.membership,
        actor=chamber.treasurer,
        amount_minor=4500,
        description="  Gala dinner  ",
        due_on=day + 10 * DAY,
        today=day,
    )

    assert (invoice.kind, invoice.amount_minor, invoice.description) == ("fee", 4500, "Gala dinner")
    assert (invoice.tier, invoice.period_start, invoice.period_end) == (None, None, None)
    assert (invoice.issued_on, invoice.due_on, invoice.status) == (day, day + 10 * DAY, "issued")
    [notice] = notices(chamber.member, "dues.invoice_issued")
    assert notice.params["amount"] == "45.00 EUR"
    assert notice.params["date"] == "2026-05-11"
    chamber.membership.refresh_from_db()
    assert chamber.membership.expires_on == EXPIRES  # a fee pays for no term


def test_a_fee_may_fall_due_today(chamber):
    day = dt.date(2026, 5, 1)

    invoice = bill_fee(
        chamber.membership,
        actor=chamber.treasurer,
        amount_minor=100,
        description="Coffee",
        due_on=day,
        today=day,
    )

    assert invoice.due_on == day


BAD_FEES = [
    (0, "Dinner", 10, "positive whole number"),
    (-500, "Dinner", 10, "positive whole number"),
    (True, "Dinner", 10, "positive whole number"),
    (12.5, "Dinner", 10, "positive whole number"),
    ("1000", "Dinner", 10, "positive whole number"),
    (1000, "   ", 10, "Say what the fee is for"),
    (1000, "", 10, "Say what the fee is for"),
    (1000, "Dinner", -1, "cannot be in the past"),
]


def test_bill_fee_validation(chamber):
    day = dt.date(2026, 5, 1)
    before = snapshot()

    for amount, description, due_in_days, message in BAD_FEES:
        with pytest.raises(DuesError, match=message):
            bill_fee(
                chamber.membership,
                actor=chamber.treasurer,
                amount_minor=amount,
                description=description,
                due_on=day + due_in_days * DAY,
                today=day,
            )
        assert snapshot() == before, (amount, description)


@pytest.mark.parametrize("status", ["left", "applied", "terminated"])
def test_only_active_members_are_billed_fees(chamber, status):
    membership = add_member(chamber.group, make_user("former@example.org"), status=status)
    before = snapshot()

    with pytest.raises(DuesError, match="Only active members can be billed"):
        bill_fee(
            membership,
            actor=chamber.treasurer,
            amount_minor=1000,
            description="Dinner",
            due_on=dt.date(2026, 6, 1),
            today=dt.date(2026, 5, 1),
        )

    assert snapshot() == before


# Voiding.


def _renewal(chamber):
    return renew(chamber.membership, actor=chamber.member, today=EXPIRES - DAY)


def test_a_treasurer_voids_an_unpaid_invoice_with_a_reason(chamber):
    invoice = _renewal(chamber)

    void_invoice(invoice, actor=chamber.treasurer, reason="  Billed twice  ")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == ("void", "Billed twice")
    entry = dues_audit("dues.invoice.voided").get()
    assert entry.actor == chamber.treasurer
    assert entry.data == {"reason": "Billed twice"}
    assert not invoice.__class__.objects.open().filter(pk=invoice.pk).exists()


@pytest.mark.parametrize("reason", ["", "   "])
def test_voiding_needs_a_reason(chamber, reason):
    invoice = _renewal(chamber)

    with pytest.raises(DuesError, match="Say why the invoice is void"):
        void_invoice(invoice, actor=chamber.treasurer, reason=reason)

    invoice.refresh_from_db()
    assert invoice.status == "issued"
    assert not dues_audit("dues.invoice.voided").exists()


def test_a_paid_invoice_cannot_be_voided(chamber):
    invoice = _renewal(chamber)
    with on(EXPIRES):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=24000, method="cash")
    invoice.refresh_from_db()

    with pytest.raises(DuesError, match="Only an unpaid invoice can be voided"):
        void_invoice(invoice, actor=chamber.treasurer, reason="Changed my mind")

    invoice.refresh_from_db()
    assert invoice.status == "paid"


def test_a_partly_paid_invoice_cannot_be_voided(chamber):
    invoice = _renewal(chamber)
    with on(EXPIRES):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=100, method="cash")

    with pytest.raises(DuesError, match="has payments"):
        void_invoice(invoice, actor=chamber.treasurer, reason="Changed my mind")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == ("issued", "")
    assert Payment.objects.filter(invoice=invoice).count() == 1


def test_a_void_invoice_cannot_be_voided_again(chamber):
    invoice = _renewal(chamber)
    void_invoice(invoice, actor=chamber.treasurer, reason="Billed twice")

    with pytest.raises(DuesError, match="Only an unpaid invoice can be voided"):
        void_invoice(invoice, actor=chamber.treasurer, reason="Another reason")

    invoice.refresh_from_db()
    assert invoice.void_reason == "Billed twice"
    assert dues_audit("dues.invoice.voided").count() == 1


def test_leaving_voids_dues_billed_for_periods_not_begun(chamber):
    invoice = renew(chamber.membership, actor=chamber.member, today=EXPIRES - DAY)

    with on(EXPIRES - DAY):
        leave_group(chamber.group, chamber.member, reason="moved")

    invoice.refresh_from_db()
    assert (invoice.status, invoice.void_reason) == ("void", "resigned")


# Tier changes.


def test_a_member_without_dues_moved_to_a_tier_is_billed_the_first_period(chamber):
    """Without a bill they would stand pending with nothing to pay and nothing to renew."""
    membership = Membership.objects.get(group=chamber.group, user=chamber.committee)
    day = dt.date(2026, 5, 20)

    with on(day):
        set_tier(membership, actor=chamber.treasurer, tier=chamber.monthly)

    [invoice] = Invoice.objects.filter(membership=membership)
    assert (invoice.kind, invoice.amount_minor) == ("dues", 2500)  # no joining fee: a member
    assert (invoice.period_start, invoice.period_end) == (dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert invoice.due_on == day + 14 * DAY
    membership.refresh_from_db()
    assert (membership.standing, membership.expires_on) == ("pending", None)
    with on(day):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=2500, method="cash")
    membership.refresh_from_db()
    assert (membership.standing, membership.expires_on) == ("active", dt.date(2026, 5, 31))


def test_moving_a_paid_up_member_to_another_tier_bills_nothing_now(chamber):
    with on(EXPIRES - 100 * DAY):
        set_tier(chamber.membership, actor=chamber.treasurer, tier=chamber.monthly)

    assert not Invoice.objects.filter(membership=chamber.membership).exists()
    chamber.membership.refresh_from_db()
    assert (chamber.membership.standing, chamber.membership.expires_on) == ("active", EXPIRES)
    invoice = renew(chamber.membership, actor=chamber.member, today=EXPIRES - DAY)
    assert (invoice.amount_minor, invoice.period_start) == (2500, EXPIRES + DAY)


def test_a_pending_member_moved_to_another_tier_keeps_the_invoice_they_have(chamber):
    newcomer = make_user("newcomer@example.org")
    with on(JOINED):
        membership = join_group(chamber.group, newcomer, tier_id=chamber.yearly.pk)
        set_tier(membership, actor=chamber.treasurer, tier=chamber.monthly)

    assert Invoice.objects.filter(membership=membership, kind="dues").count() == 1


def test_taking_a_pending_member_off_dues_drops_their_unpaid_dues_bill(chamber):
    newcomer = make_user("honorary@example.org")
    with on(JOINED):
        membership = join_group(chamber.group, newcomer, tier_id=chamber.monthly.pk)
        [dues] = Invoice.objects.filter(membership=membership)
        assert not membership.in_good_standing_on(JOINED)

        set_tier(membership, actor=chamber.treasurer, tier=None)

    dues.refresh_from_db()
    assert (dues.status, dues.void_reason) == ("void", "no dues")
    membership.refresh_from_db()
    assert membership.standing == "active"
    # Nothing overdue is left behind to cost them their good standing later.
    assert membership.in_good_standing_on(JOINED + 60 * DAY)
