"""Who may handle money, at the service level: refusals change nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.dues.models import Invoice, Payment, Tier
from cerchia.dues.services import (
    DuesError,
    bill_fee,
    create_tier,
    record_payment,
    renew,
    set_auto_renew,
    set_tier,
    update_tier,
    void_invoice,
)
from cerchia.dues.tests.conftest import EXPIRES, dues_audit, on, paid_member, snapshot
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group, leave_group

DAY = dt.timedelta(days=1)
TODAY = EXPIRES - 10 * DAY

# Each action a treasurer or an administrator may take on someone's dues.
ACTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "record_payment": lambda c, actor: record_payment(
        c.invoice, actor=actor, amount_minor=24000, method="cash"
    ),
    "void_invoice": lambda c, actor: void_invoice(c.invoice, actor=actor, reason="Wrong"),
    "bill_fee": lambda c, actor: bill_fee(
        c.membership,
        actor=actor,
        amount_minor=1000,
        description="Gala dinner",
        due_on=TODAY + 30 * DAY,
        today=TODAY,
    ),
    "set_tier": lambda c, actor: set_tier(c.membership, actor=actor, tier=c.monthly),
    "renew": lambda c, actor: renew(c.membership, actor=actor, today=TODAY),
}
# Tiers: the administrators' business only.
TIER_ACTIONS: dict[str, Callable[[Any, Any], Any]] = {
    "create_tier": lambda c, actor: create_tier(
        c.group, actor=actor, name="Gold", dues_minor=50000, period="year"
    ),
    "update_tier": lambda c, actor: update_tier(c.yearly, actor=actor, changes={"dues_minor": 1}),
}


@pytest.fixture
def billed(chamber):
    """The member's renewal invoice is open (billed by the treasurer ahead of the window)."""
    chamber.invoice = renew(chamber.membership, actor=chamber.treasurer, today=EXPIRES - 60 * DAY)
    return chamber


def _state(chamber) -> dict[str, Any]:
    membership = Membership.objects.get(pk=chamber.membership.pk)
    invoice = Invoice.objects.get(pk=chamber.invoice.pk)
    yearly = Tier.objects.get(pk=chamber.yearly.pk)
    return {
        **snapshot(),
        "tier": membership.tier_id,
        "expires_on": membership.expires_on,
        "standing": membership.standing,
        "invoice": (invoice.status, invoice.void_reason),
        "yearly_dues": yearly.dues_minor,
    }


def _actor(chamber, who: str):
    if who == "peer":
        return paid_member(chamber.group, make_user("peer@example.org"), None, None).user
    if who == "applicant":
        user = make_user("applicant@example.org")
        add_member(chamber.group, user, status="applied")
        return user
    if who == "former_treasurer":
        membership = Membership.objects.get(group=chamber.group, user=chamber.treasurer)
        Membership.objects.filter(pk=membership.pk).update(status="left")
        return chamber.treasurer
    return getattr(chamber, who)


@pytest.mark.parametrize(
    "who", ["peer", "outsider", "committee", "applicant", "former_treasurer", "member"]
)
def test_people_who_do_not_handle_money_are_refused(billed, who):
    actor = _actor(billed, who)
    before = _state(billed)
    # Members renew their own membership (test_a_member_renews_their_own_membership).
    refused = {**ACTIONS, **TIER_ACTIONS}
    if who == "member":
        del refused["renew"]

    for name, action in refused.items():
        with on(TODAY), pytest.raises(DuesError, match="Only the group's"):
            action(billed, actor)
        assert _state(billed) == before, name


# What each action leaves in the audit trail.
AUDITED = {
    "record_payment": "dues.payment.recorded",
    "void_invoice": "dues.invoice.voided",
    "bill_fee": "dues.invoice.issued",
    "set_tier": "dues.membership.tier_changed",
    "renew": "dues.membership.renewal_billed",
    "create_tier": "dues.tier.created",
    "update_tier": "dues.tier.updated",
}


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_treasurer_handles_dues(billed, action):
    audited = dues_audit(AUDITED[action]).filter(actor=billed.treasurer)
    before = audited.count()

    with on(TODAY):
        ACTIONS[action](billed, billed.treasurer)

    assert audited.count() == before + 1


@pytest.mark.parametrize("action", list(TIER_ACTIONS))
def test_the_treasurer_cannot_change_tiers(billed, action):
    before = _state(billed)

    with pytest.raises(DuesError, match="Only the group's administrators may change its tiers"):
        TIER_ACTIONS[action](billed, billed.treasurer)

    assert _state(billed) == before


@pytest.mark.parametrize("action", [*ACTIONS, *TIER_ACTIONS])
def test_the_administrator_does_everything(billed, action):
    audited = dues_audit(AUDITED[action]).filter(actor=billed.owner)
    before = audited.count()

    with on(TODAY):
        {**ACTIONS, **TIER_ACTIONS}[action](billed, billed.owner)

    assert audited.count() == before + 1


def test_a_member_renews_their_own_membership(chamber):
    invoice = renew(chamber.membership, actor=chamber.member, today=TODAY)

    assert invoice.membership == chamber.membership
    assert invoice.created_by == chamber.member


def test_the_payment_recorded_says_who_recorded_it(billed):
    with on(TODAY):
        payment = record_payment(
            billed.invoice, actor=billed.treasurer, amount_minor=100, method="cash"
        )

    assert payment.recorded_by == billed.treasurer
    entry = dues_audit("dues.payment.recorded").get()
    assert entry.actor == billed.treasurer
    assert entry.data == {"invoice": billed.invoice.pk, "amount_minor": 100, "method": "cash"}


def test_a_treasurer_of_another_group_is_a_stranger_here(billed, cast):
    other = create_group(cast.owner, name="Other Chamber", kind="chamber", join_policy="open")
    stranger = make_user("stranger@example.org")
    paid_member(other, stranger, None, None, role="secretary_treasurer")
    before = _state(billed)

    with on(TODAY), pytest.raises(DuesError):
        record_payment(billed.invoice, actor=stranger, amount_minor=100, method="cash")

    assert _state(billed) == before


def test_a_tier_of_another_group_cannot_be_given(billed, cast):
    other = create_group(cast.owner, name="Other Chamber", kind="chamber", join_policy="open")
    foreign = Tier.objects.create(group=other, name="Cheap", dues_minor=1, period="year")
    before = _state(billed)

    with pytest.raises(DuesError, match="belongs to another group"):
        set_tier(billed.membership, actor=billed.treasurer, tier=foreign)

    assert _state(billed) == before


@pytest.mark.parametrize("who", ["treasurer", "owner"])
def test_only_the_member_changes_their_automatic_renewal(chamber, who):
    with pytest.raises(DuesError, match="Only the member"):
        set_auto_renew(chamber.membership, actor=getattr(chamber, who), on=False)

    assert Membership.objects.get(pk=chamber.membership.pk).auto_renew is True
    set_auto_renew(chamber.membership, actor=chamber.member, on=False)
    assert Membership.objects.get(pk=chamber.membership.pk).auto_renew is False


def test_a_member_who_left_cannot_renew(chamber):
    with on(TODAY):
        leave_group(chamber.group, chamber.member)
    membership = Membership.objects.get(pk=chamber.membership.pk)

    with pytest.raises(DuesError, match="Only an active membership"):
        renew(membership, actor=chamber.member, today=TODAY)

    assert not Invoice.objects.filter(membership=membership).exists()


# Organisations and their chapters.


@pytest.fixture
def org_admin(cast):
    """An administrator of the organisation only, not of the chapter."""
    user = make_user("org-admin@example.org")
    add_member(cast.organisation, user, role="administrator")
    return user


def test_organisation_administrators_run_the_dues_of_their_chapters(cast, org_admin):
    chapter = cast.group
    assert not Membership.objects.filter(group=chapter, user=org_admin).exists()
    membership = Membership.objects.get(group=chapter, user=cast.member)

    tier = create_tier(
        chapter, actor=org_admin, name="Chapter dues", dues_minor=36000, period="year"
    )
    set_tier(membership, actor=org_admin, tier=tier)
    Membership.objects.filter(pk=membership.pk).update(expires_on=EXPIRES)
    membership.refresh_from_db()
    invoice = renew(membership, actor=org_admin, today=TODAY)
    with on(TODAY):
        record_payment(invoice, actor=org_admin, amount_minor=36000, method="bank_transfer")
    fee = bill_fee(
        membership,
        actor=org_admin,
        amount_minor=1500,
        description="Breakfast",
        due_on=TODAY + DAY,
        today=TODAY,
    )
    void_invoice(fee, actor=org_admin, reason="Breakfast was free")

    membership.refresh_from_db()
    assert membership.tier == tier
    assert membership.expires_on == dt.date(2027, 6, 30)
    assert Payment.objects.get(invoice=invoice).recorded_by == org_admin
    assert Invoice.objects.get(pk=fee.pk).status == "void"


def test_chapter_leaders_do_not_run_the_organisations_dues(cast):
    """Authority reaches down the tree, never up: the chapter's president is nobody above."""
    before = snapshot()

    with pytest.raises(DuesError, match="Only the group's administrators"):
        create_tier(cast.organisation, actor=cast.leader, name="Org", dues_minor=1, period="year")

    assert snapshot() == before


def test_a_chapter_treasurer_handles_only_their_chapter(cast):
    treasurer = make_user("chapter-treasurer@example.org")
    add_member(cast.group, treasurer, role="secretary_treasurer")
    sister = create_group(
        cast.owner, name="Chapter Two", kind="lead_group", parent=cast.organisation
    )
    there = add_member(sister, make_user("sister@example.org"))
    here = Membership.objects.get(group=cast.group, user=cast.member)

    fee = bill_fee(
        here,
        actor=treasurer,
        amount_minor=500,
        description="Coffee",
        due_on=TODAY + DAY,
        today=TODAY,
    )
    with pytest.raises(DuesError):
        bill_fee(
            there,
            actor=treasurer,
            amount_minor=500,
            description="Coffee",
            due_on=TODAY + DAY,
            today=TODAY,
        )

    assert list(Invoice.objects.values_list("pk", flat=True)) == [fee.pk]
