"""Payments: partial and full, refused overpayments, and what a paid dues invoice does to the
membership's term and standing."""

from __future__ import annotations

import datetime as dt

import pytest

from cerchia.conftest import make_user
from cerchia.daily import run_daily
from cerchia.dues.models import Invoice, Payment
from cerchia.dues.services import DuesError, bill_fee, record_payment, renew, void_invoice
from cerchia.dues.tests.conftest import EXPIRES, dues_audit, notices, on, snapshot
from cerchia.groups.models import Membership
from cerchia.groups.services import join_group

DAY = dt.timedelta(days=1)
JOINED = dt.date(2026, 3, 10)


def _membership(pk: int) -> Membership:
    return Membership.objects.get(pk=pk)


@pytest.fixture
def newcomer(chamber):
    """A member who just joined on the yearly tier: a joining fee and a first period to pay."""
    user = make_user("newcomer@example.org", "Nina Newcomer")
    with on(JOINED):
        membership = join_group(chamber.group, user, tier_id=chamber.yearly.pk)
    fee, dues = Invoice.objects.filter(membership=membership).order_by("number")
    return membership, fee, dues


def test_a_partial_then_a_full_payment(chamber, newcomer):
    membership, _fee, dues = newcomer
    day = JOINED + 3 * DAY

    with on(day):
        first = record_payment(
            dues, actor=chamber.treasurer, amount_minor=10000, method="bank_transfer"
        )
    dues.refresh_from_db()
    assert (dues.status, dues.paid_on, dues.paid_minor()) == ("issued", None, 10000)
    assert dues.balance_display == "140.00 EUR"
    assert _membership(membership.pk).expires_on is None
    assert _membership(membership.pk).standing == "pending"

    with on(day + DAY):
        second = record_payment(
            dues,
            actor=chamber.treasurer,
            amount_minor=14000,
            method="cash",
            reference="  receipt 17  ",
        )

    dues.refresh_from_db()
    assert (dues.status, dues.paid_on, dues.paid_minor()) == ("paid", day + DAY, 24000)
    assert (first.received_on, second.received_on) == (day, day + DAY)
    assert (second.reference, second.recorded_by) == ("receipt 17", chamber.treasurer)
    paid = _membership(membership.pk)
    assert paid.expires_on == dt.date(2027, 3, 9)
    assert paid.standing == "active"
    [reinstated] = notices(membership.user, "dues.reinstated")
    assert reinstated.params["date"] == "2027-03-09"
    assert [n.params["amount"] for n in notices(membership.user, "dues.payment_recorded")] == [
        "100.00 EUR",
        "140.00 EUR",
    ]
    assert dues_audit("dues.payment.recorded").count() == 2
    change = dues_audit("dues.membership.standing_changed").filter(actor=chamber.treasurer).get()
    assert change.data == {"from": "pending", "to": "active", "day": "2026-03-14"}


def test_paying_the_joining_fee_does_not_start_the_term(chamber, newcomer):
    membership, fee, _dues = newcomer

    with on(JOINED):
        record_payment(fee, actor=chamber.treasurer, amount_minor=5000, method="cash")

    fee.refresh_from_db()
    assert fee.status == "paid"
    assert _membership(membership.pk).expires_on is None
    assert _membership(membership.pk).standing == "pending"
    assert not notices(membership.user, "dues.reinstated")


def test_an_overpayment_is_refused_and_nothing_is_saved(chamber, newcomer):
    membership, _fee, dues = newcomer
    with on(JOINED):
        record_payment(dues, actor=chamber.treasurer, amount_minor=20000, method="cash")
    before = snapshot()

    with on(JOINED), pytest.raises(DuesError) as refused:
        record_payment(dues, actor=chamber.treasurer, amount_minor=4001, method="cash")

    assert str(refused.value) == (
        f"Invoice {dues.number} has 40.00 EUR left to pay; 40.01 EUR is more."
    )
    assert snapshot() == before
    dues.refresh_from_db()
    assert (dues.status, dues.paid_minor()) == ("issued", 20000)
    assert _membership(membership.pk).expires_on is None


BAD_PAYMENTS = [
    (0, "cash", "positive whole number"),
    (-100, "cash", "positive whole number"),
    (True, "cash", "positive whole number"),
    (100.0, "cash", "positive whole number"),
    (100, "bitcoin", "Unknown payment method: bitcoin"),
    (100, "", "Unknown payment method"),
]


def test_bad_payments_are_refused(chamber, newcomer):
    _membership_, _fee, dues = newcomer
    before = snapshot()

    for amount, method, message in BAD_PAYMENTS:
        with on(JOINED), pytest.raises(DuesError, match=message):
            record_payment(dues, actor=chamber.treasurer, amount_minor=amount, method=method)
        assert snapshot() == before, (amount, method)


def test_a_payment_cannot_be_received_in_the_future(chamber, newcomer):
    _membership_, _fee, dues = newcomer
    before = snapshot()

    with on(JOINED), pytest.raises(DuesError, match="cannot be received in the future"):
        record_payment(
            dues,
            actor=chamber.treasurer,
            amount_minor=24000,
            method="cash",
            received_on=JOINED + DAY,
        )

    assert snapshot() == before
    dues.refresh_from_db()
    assert dues.status == "issued"


def test_a_payment_received_earlier_is_dated_so(chamber, newcomer):
    _membership_, _fee, dues = newcomer

    with on(JOINED + 5 * DAY):
        payment = record_payment(
            dues,
            actor=chamber.treasurer,
            amount_minor=24000,
            method="bank_transfer",
            received_on=JOINED + DAY,
        )

    dues.refresh_from_db()
    assert payment.received_on == dues.paid_on == JOINED + DAY


def test_a_void_invoice_takes_no_payments(chamber, newcomer):
    _membership_, _fee, dues = newcomer
    void_invoice(dues, actor=chamber.treasurer, reason="Wrong tier")
    before = snapshot()

    with on(JOINED), pytest.raises(DuesError, match=f"Invoice {dues.number} is void"):
        record_payment(dues, actor=chamber.treasurer, amount_minor=100, method="cash")

    assert snapshot() == before


def test_a_paid_invoice_takes_no_more_payments(chamber, newcomer):
    _membership_, _fee, dues = newcomer
    with on(JOINED):
        record_payment(dues, actor=chamber.treasurer, amount_minor=24000, method="cash")
    before = snapshot()

    with on(JOINED), pytest.raises(DuesError, match=f"Invoice {dues.number} is paid"):
        # The object in hand still says "issued": the service reads the invoice afresh.
        record_payment(dues, actor=chamber.treasurer, amount_minor=1, method="cash")

    assert snapshot() == before


def test_a_paid_renewal_extends_the_term_to_the_periods_end(chamber):
    invoice = renew(chamber.membership, actor=chamber.member, today=EXPIRES - 10 * DAY)

    with on(EXPIRES - 5 * DAY):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=24000, method="cash")

    membership = _membership(chamber.membership.pk)
    assert membership.expires_on == dt.date(2027, 6, 30)
    assert membership.standing == "active"
    assert not notices(chamber.member, "dues.reinstated")  # never stopped being active


def test_paying_an_older_period_never_shortens_the_term(chamber):
    older = Invoice.objects.create(
        group=chamber.group,
        membership=chamber.membership,
        tier=chamber.yearly,
        number="2025-0001",
        kind="dues",
        description="Old dues",
        amount_minor=24000,
        currency="EUR",
        period_start=dt.date(2025, 7, 1),
        period_end=dt.date(2026, 6, 29),
        issued_on=dt.date(2025, 6, 1),
        due_on=dt.date(2025, 6, 30),
    )

    with on(EXPIRES - DAY):
        record_payment(older, actor=chamber.treasurer, amount_minor=24000, method="cash")

    assert _membership(chamber.membership.pk).expires_on == EXPIRES


def test_paying_in_grace_brings_the_member_back(chamber):
    day = EXPIRES + 10 * DAY
    with on(day):
        run_daily(day)
    assert _membership(chamber.membership.pk).standing == "grace"
    invoice = renew(chamber.membership, actor=chamber.member, today=day)

    with on(day):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=24000, method="cash")

    membership = _membership(chamber.membership.pk)
    assert (membership.expires_on, membership.standing) == (dt.date(2027, 6, 30), "active")
    [notice] = notices(chamber.member, "dues.reinstated")
    assert notice.params == {"group": "Bologna Chamber", "tier": "Standard", "date": "2027-06-30"}
    assert notice.key == f"dues.active:{membership.pk}:2027-06-30"


def test_paying_after_the_lapse_reinstates_from_the_day_of_renewal(chamber):
    day = EXPIRES + 45 * DAY
    with on(day):
        run_daily(day)
    assert _membership(chamber.membership.pk).standing == "lapsed"
    invoice = renew(chamber.membership, actor=chamber.member, today=day)

    with on(day + 2 * DAY):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=24000, method="cash")

    membership = _membership(chamber.membership.pk)
    assert membership.expires_on == dt.date(2027, 8, 13)  # a year from the renewal
    assert membership.standing == "active"
    assert membership.in_good_standing_on(day + 2 * DAY)
    assert len(notices(chamber.member, "dues.reinstated")) == 1


def test_a_partial_payment_leaves_a_member_in_grace(chamber):
    day = EXPIRES + 10 * DAY
    with on(day):
        run_daily(day)
    invoice = renew(chamber.membership, actor=chamber.member, today=day)

    with on(day):
        record_payment(invoice, actor=chamber.treasurer, amount_minor=12000, method="cash")

    membership = _membership(chamber.membership.pk)
    assert (membership.expires_on, membership.standing) == (EXPIRES, "grace")
    assert not notices(chamber.member, "dues.reinstated")


def test_paying_a_fee_settles_it_without_touching_the_term(chamber):
    day = dt.date(2026, 5, 1)
    fee = bill_fee(
        chamber.membership,
        actor=chamber.treasurer,
        amount_minor=4500,
        description="Gala dinner",
        due_on=day + 10 * DAY,
        today=day,
    )

    with on(day):
        record_payment(fee, actor=chamber.treasurer, amount_minor=4500, method="card_elsewhere")

    fee.refresh_from_db()
    assert (fee.status, fee.paid_on) == ("paid", day)
    assert _membership(chamber.membership.pk).expires_on == EXPIRES
    assert Payment.objects.get(invoice=fee).method == "card_elsewhere"


def test_payment_emails_go_out_with_their_subject(
    chamber, newcomer, mailoutbox, django_capture_on_commit_callbacks
):
    membership, _fee, dues = newcomer
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True), on(JOINED):
        record_payment(dues, actor=chamber.treasurer, amount_minor=24000, method="cash")

    assert [(m.subject, m.to) for m in mailoutbox] == [
        ("Payment received by Bologna Chamber", ["newcomer@example.org"]),
        ("Your membership of Bologna Chamber is active", ["newcomer@example.org"]),
    ]
    assert "240.00 EUR" in mailoutbox[0].body
    assert f"/groups/{chamber.group.slug}/dues/" in mailoutbox[0].body
    assert "2027-03-09" in mailoutbox[1].body
