"""Money under concurrent requests (PostgreSQL): one renewal invoice per period, one payment
settles an invoice once, invoice numbers never repeat."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.conftest import make_user
from cerchia.dues.models import Invoice, Payment
from cerchia.dues.services import DuesError, bill_fee, create_tier, record_payment, renew
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group, join_group
from cerchia.groups.tests.test_concurrency import run_together

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def _paid_up_member() -> tuple[User, Membership]:
    owner = make_user("owner@example.org")
    group = create_group(owner, name="Chamber", kind="chamber", join_policy="open")
    tier = create_tier(group, actor=owner, name="Basic", dues_minor=10000, period="year")
    membership = join_group(group, make_user("m@example.org"), tier_id=tier.pk)
    invoice = membership.invoices.get(kind="dues")
    record_payment(invoice, actor=owner, amount_minor=10000, method="cash")
    membership.refresh_from_db()
    return owner, membership


def test_two_renewals_at_once_bill_the_period_once() -> None:
    owner, membership = _paid_up_member()
    day = membership.expires_on - datetime.timedelta(days=5)

    results = run_together(
        lambda: renew(
            Membership.objects.get(pk=membership.pk),
            actor=User.objects.get(pk=owner.pk),
            today=day,
        ),
        3,
    )

    renewals = Invoice.objects.filter(
        membership=membership,
        kind="dues",
        period_start=membership.expires_on + datetime.timedelta(days=1),
    )
    assert renewals.count() == 1, results
    assert {r.pk for r in results if isinstance(r, Invoice)} == {renewals.get().pk}


def test_two_full_payments_at_once_settle_the_invoice_once() -> None:
    owner, membership = _paid_up_member()
    invoice = bill_fee(
        membership,
        actor=owner,
        amount_minor=5000,
        description="Gala dinner",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )

    results = run_together(
        lambda: record_payment(
            Invoice.objects.get(pk=invoice.pk),
            actor=User.objects.get(pk=owner.pk),
            amount_minor=5000,
            method="bank_transfer",
        )
    )

    assert Payment.objects.filter(invoice=invoice).count() == 1
    invoice.refresh_from_db()
    assert invoice.status == "paid"
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1 and isinstance(errors[0], DuesError), results


def test_invoices_billed_at_once_get_distinct_numbers() -> None:
    owner, membership = _paid_up_member()
    due = timezone.localdate() + datetime.timedelta(days=10)

    results = run_together(
        lambda: bill_fee(
            Membership.objects.get(pk=membership.pk),
            actor=User.objects.get(pk=owner.pk),
            amount_minor=1000,
            description="Workshop",
            due_on=due,
        ),
        4,
    )

    assert all(isinstance(r, Invoice) for r in results), results
    numbers = list(Invoice.objects.filter(group=membership.group).values_list("number", flat=True))
    # The first dues invoice and the four fees, each with its own number.
    assert len(numbers) == len(set(numbers)) == 5
