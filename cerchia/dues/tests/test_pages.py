"""The dues pages: tiers, a group's dues (mine; everyone's for the treasurer), my invoices,
and choosing a tier on joining. Who may see and do what, bad input, and query counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.conftest import make_user
from cerchia.dues.models import Invoice, Payment, Tier
from cerchia.dues.services import bill_fee, record_payment, start_dues
from cerchia.dues.tests.conftest import EXPIRES, dues_audit, on, paid_member, snapshot
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group, ensure_informal_network
from cerchia.groups.tests.helpers import make_people, messages_of, page_client

TODAY = dt.date(2026, 3, 10)


def tiers_url(group):
    return f"/groups/{group.slug}/tiers/"


def dues_url(group, tail=""):
    return f"/groups/{group.slug}/dues/{tail}"


def tier_post(**changes):
    data = {
        "name": "Premium",
        "dues": "120,50",
        "period": "year",
        "joining_fee": "",
        "term": "rolling",
        "benefits": "A seat at every dinner",
        "listing": "enhanced",
        "offered": "on",
        "position": "3",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def first_invoices(chamber, user, tier=None):
    """An active member of the chamber just admitted: joining fee and first dues billed."""
    membership = paid_member(chamber.group, user, tier or chamber.yearly, None)
    with on(TODAY):
        return membership, start_dues(membership, actor=chamber.owner, today=TODAY)


# --- Tiers -------------------------------------------------------------------------------


def test_anyone_who_may_see_the_group_sees_its_offered_tiers(chamber):
    chamber.monthly.offered = False
    chamber.monthly.save()

    for client in (Client(), page_client(chamber.outsider), page_client(chamber.member)):
        page = client.get(tiers_url(chamber.group))
        assert page.status_code == 200
        html = page.content.decode()
        assert "Standard" in html
        assert "240.00 EUR per year" in html
        assert "joining fee 50.00 EUR" in html
        assert "Monthly" not in html  # not offered: hidden from all but administrators
        assert page.context["form"] is None

    owner_page = page_client(chamber.owner).get(tiers_url(chamber.group))
    assert "Monthly" in owner_page.content.decode()
    assert owner_page.context["form"] is not None


def test_tiers_of_a_group_one_may_not_see_are_not_found(cast):
    Tier.objects.create(group=cast.group, name="Chapter", dues_minor=100, period="year")

    assert cast.client("outsider").get(tiers_url(cast.group)).status_code == 404
    assert Client().get(tiers_url(cast.group)).status_code == 404
    assert cast.client("member").get(tiers_url(cast.group)).status_code == 200


def test_an_administrator_adds_a_tier_typed_in_major_units(chamber):
    response = page_client(chamber.owner).post(tiers_url(chamber.group), tier_post())

    assert response.status_code == 302
    tier = Tier.objects.get(group=chamber.group, name="Premium")
    assert (tier.dues_minor, tier.joining_fee_minor, tier.period) == (12050, 0, "year")
    assert (tier.listing, tier.offered, tier.position) == ("enhanced", True, 3)
    assert dues_audit("dues.tier.created").count() == 1


@pytest.mark.parametrize("amount", ["12,,5", "abc", "-5", "1e3", "10.001", "NaN", ""])
def test_a_malformed_amount_adds_no_tier(chamber, amount):
    before = snapshot()

    response = page_client(chamber.owner).post(tiers_url(chamber.group), tier_post(dues=amount))

    assert response.status_code == 200
    assert response.context["form"].errors["dues"]
    assert snapshot() == before


def test_a_duplicate_tier_name_is_refused_on_the_form(chamber):
    response = page_client(chamber.owner).post(tiers_url(chamber.group), tier_post(name="Standard"))

    assert response.status_code == 200
    assert "already has a tier called Standard" in response.content.decode()
    assert Tier.objects.filter(group=chamber.group).count() == 2


@pytest.mark.parametrize("who", ["treasurer", "member", "outsider"])
def test_only_administrators_add_tiers(chamber, who):
    response = page_client(getattr(chamber, who)).post(tiers_url(chamber.group), tier_post())

    assert response.status_code == 403
    assert not Tier.objects.filter(name="Premium").exists()


def test_an_administrator_edits_a_tier(chamber):
    client = page_client(chamber.owner)
    url = f"{tiers_url(chamber.group)}{chamber.yearly.pk}/"

    form = client.get(url)
    assert form.status_code == 200
    assert 'value="240.00"' in form.content.decode()

    response = client.post(url, tier_post(name="Standard", dues="260", joining_fee="50,00"))

    assert response.status_code == 302
    chamber.yearly.refresh_from_db()
    assert (chamber.yearly.dues_minor, chamber.yearly.joining_fee_minor) == (26000, 5000)


def test_tiers_are_edited_by_their_own_groups_administrators_only(chamber, cast):
    url = f"{tiers_url(chamber.group)}{chamber.yearly.pk}/"
    other = Tier.objects.create(group=cast.public_group, name="Other", dues_minor=1, period="year")

    assert page_client(chamber.treasurer).post(url, tier_post(dues="1")).status_code == 403
    assert page_client(chamber.member).get(url).status_code == 403
    # Another group's tier under this group's address: not found.
    wrong = f"{tiers_url(chamber.group)}{other.pk}/"
    assert page_client(chamber.owner).get(wrong).status_code == 404
    chamber.yearly.refresh_from_db()
    assert chamber.yearly.dues_minor == 24000


# --- The dues page: a member ---------------------------------------------------------------


def test_a_member_sees_their_tier_standing_dates_and_own_invoices(chamber):
    other, _ = first_invoices(chamber, make_user("other@example.org"))
    with on(dt.date(2026, 6, 1)):
        mine = bill_fee(
            chamber.membership,
            actor=chamber.treasurer,
            amount_minor=3000,
            description="Gala dinner",
            due_on=dt.date(2026, 6, 20),
        )
        record_payment(mine, actor=chamber.treasurer, amount_minor=1000, method="cash")
        page = page_client(chamber.member).get(dues_url(chamber.group))

    assert page.status_code == 200
    summary = page.context["summary"]
    assert (summary.standing, summary.expires_on) == ("active", EXPIRES)
    assert summary.grace_until == dt.date(2026, 7, 30)
    assert summary.renewal_opens_on == dt.date(2026, 5, 31)
    assert summary.can_renew
    html = page.content.decode()
    assert "Standard" in html
    assert 'id="renew-button"' in html
    assert "Gala dinner" in html
    assert "20.00 EUR" in html  # the balance after 10.00 paid
    assert "Paid 10.00 EUR (Cash)" in html
    # Nobody else's invoices, and none of the treasurer's tools.
    assert [i.pk for i in page.context["own_invoices"]] == [mine.pk]
    for invoice in Invoice.objects.filter(membership=other):
        assert invoice.number not in html
    assert "member_rows" not in page.context
    assert 'id="group-invoices"' not in html
    assert "Record a payment" not in html


def test_a_member_before_the_renewal_window_has_no_renew_button(chamber):
    with on(dt.date(2026, 3, 1)):
        page = page_client(chamber.member).get(dues_url(chamber.group))

    assert not page.context["summary"].can_renew
    assert 'id="renew-button"' not in page.content.decode()


def test_a_member_in_grace_is_told_until_when(chamber):
    with on(dt.date(2026, 7, 10)):
        page = page_client(chamber.member).get(dues_url(chamber.group))

    assert page.context["summary"].standing == "grace"
    assert "Renew before" in page.content.decode()


def test_a_member_renews_from_the_page(chamber):
    with on(dt.date(2026, 6, 1)):
        response = page_client(chamber.member).post(dues_url(chamber.group, "renew/"))
        page = page_client(chamber.member).get(dues_url(chamber.group))

    assert response.status_code == 302
    invoice = Invoice.objects.get(membership=chamber.membership, kind="dues")
    assert (invoice.period_start, invoice.amount_minor) == (dt.date(2026, 7, 1), 24000)
    assert invoice.number in messages_of(response)[0]
    assert page.context["summary"].renewal_billed
    assert 'id="renew-button"' not in page.content.decode()


def test_renewing_before_the_window_opens_bills_nothing(chamber):
    before = snapshot()
    with on(dt.date(2026, 3, 1)):
        response = page_client(chamber.member).post(dues_url(chamber.group, "renew/"))

    assert messages_of(response) == ["Renewal opens on 2026-05-31."]
    assert snapshot() == before


def test_a_member_turns_automatic_renewal_off_and_on(chamber):
    client = page_client(chamber.member)

    client.post(dues_url(chamber.group, "auto-renew/"), {"on": "0"})
    chamber.membership.refresh_from_db()
    assert chamber.membership.auto_renew is False

    page = client.get(dues_url(chamber.group))
    assert "Automatic renewal is off." in page.content.decode()

    client.post(dues_url(chamber.group, "auto-renew/"), {"on": "1"})
    chamber.membership.refresh_from_db()
    assert chamber.membership.auto_renew is True
    assert dues_audit("dues.membership.auto_renew").count() == 2


# --- Who may open the dues page ---------------------------------------------------------------


def test_outsiders_and_non_members_are_refused(chamber, cast):
    # A group they may not see: not found, whoever asks.
    assert cast.client("outsider").get(dues_url(cast.group)).status_code == 404
    # A group they may see but do not belong to: forbidden.
    assert page_client(chamber.outsider).get(dues_url(chamber.group)).status_code == 403
    # An applicant waiting for a decision is no member yet.
    assert cast.client("visitor").get(dues_url(cast.group)).status_code == 403
    # Anonymous people are asked to log in.
    response = Client().get(dues_url(chamber.group))
    assert response.status_code == 302
    assert "/account/login/" in response["Location"]


def test_a_group_without_members_has_no_dues_pages(cast):
    informal = ensure_informal_network(cast.owner)

    client = cast.client("owner")
    assert client.get(dues_url(informal)).status_code == 404
    assert client.get(tiers_url(informal)).status_code == 404


@pytest.mark.parametrize(
    "tail",
    ["renew/", "auto-renew/"],
)
def test_outsiders_cannot_act_on_anyones_dues(chamber, tail):
    before = snapshot()
    response = page_client(chamber.outsider).post(dues_url(chamber.group, tail), {"on": "0"})

    assert response.status_code == 403
    assert snapshot() == before
    chamber.membership.refresh_from_db()
    assert chamber.membership.auto_renew is True


# --- The treasurer ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["treasurer", "owner"])
def test_the_treasurer_and_administrators_see_every_invoice_and_standing(chamber, who):
    newcomer, invoices = first_invoices(chamber, make_user("new@example.org", "Nina New"))
    with on(TODAY):
        page = page_client(getattr(chamber, who)).get(dues_url(chamber.group))

    assert page.status_code == 200
    listed = {i.pk for i in page.context["invoices"].object_list}
    assert listed == {i.pk for i in invoices}
    rows = {r["membership"].pk: r for r in page.context["member_rows"]}
    assert rows[chamber.membership.pk]["standing"] == "active"
    assert rows[newcomer.pk]["standing"] == "pending"
    assert rows[newcomer.pk]["membership"].owed == 29000
    assert rows[newcomer.pk]["membership"].good_standing is False
    assert rows[chamber.membership.pk]["membership"].good_standing is True
    html = page.content.decode()
    assert "Nina New" in html
    assert "290.00 EUR" in html
    assert "Record a payment" in html


def test_the_invoice_list_filters_by_status(chamber):
    _newcomer, (fee, dues) = first_invoices(chamber, make_user("new@example.org"))
    with on(TODAY):
        record_payment(fee, actor=chamber.treasurer, amount_minor=5000, method="cash")
    client = page_client(chamber.treasurer)

    def listed(status):
        with on(dt.date(2026, 4, 1)):  # the first invoices fell due on 24 March
            page = client.get(dues_url(chamber.group), {"status": status})
        return [i.pk for i in page.context["invoices"].object_list]

    assert listed("paid") == [fee.pk]
    assert listed("issued") == [dues.pk]
    assert listed("overdue") == [dues.pk]
    assert listed("void") == []
    assert sorted(listed("nonsense")) == sorted([fee.pk, dues.pk])


def test_the_treasurer_records_a_payment(chamber):
    newcomer, (fee, dues) = first_invoices(chamber, make_user("new@example.org"))
    with on(dt.date(2026, 3, 12)):
        response = page_client(chamber.treasurer).post(
            dues_url(chamber.group, f"invoices/{dues.pk}/payments/"),
            {"amount": "240,00", "method": "bank_transfer", "reference": "CRO 1234"},
        )

    assert response.status_code == 302
    payment = Payment.objects.get(invoice=dues)
    assert (payment.amount_minor, payment.method, payment.reference) == (
        24000,
        "bank_transfer",
        "CRO 1234",
    )
    assert payment.received_on == dt.date(2026, 3, 12)
    dues.refresh_from_db()
    newcomer.refresh_from_db()
    assert dues.status == "paid"
    assert newcomer.expires_on == dt.date(2027, 3, 9)


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("240,01", "left to pay"),  # more than the balance
        ("12,,5", "Enter an amount in EUR"),
        ("-10", "Enter an amount in EUR"),
        ("0", "positive whole number"),
    ],
)
def test_a_bad_payment_is_refused_and_changes_nothing(chamber, amount, message):
    _newcomer, (_fee, dues) = first_invoices(chamber, make_user("new@example.org"))
    before = snapshot()

    with on(dt.date(2026, 3, 12)):
        response = page_client(chamber.treasurer).post(
            dues_url(chamber.group, f"invoices/{dues.pk}/payments/"),
            {"amount": amount, "method": "cash"},
        )

    assert response.status_code == 302
    assert message in messages_of(response)[0]
    assert snapshot() == before
    dues.refresh_from_db()
    assert dues.status == "issued"


def test_a_payment_on_an_unknown_invoice_is_not_found(chamber, cast):
    foreign = Invoice.objects.create(
        group=cast.public_group,
        membership=Membership.objects.get(group=cast.public_group, user=cast.owner),
        number="2026-0001",
        kind="fee",
        description="Elsewhere",
        amount_minor=100,
        currency="EUR",
        issued_on=TODAY,
        due_on=TODAY,
    )
    client = page_client(chamber.treasurer)
    before = snapshot()

    for invoice_id in (999999, foreign.pk):
        response = client.post(
            dues_url(chamber.group, f"invoices/{invoice_id}/payments/"),
            {"amount": "1", "method": "cash"},
        )
        assert response.status_code == 404
    assert snapshot() == before


def test_members_cannot_record_payments_or_void(chamber):
    own_membership, (fee, _dues) = first_invoices(chamber, make_user("new@example.org"))
    with on(TODAY):
        others = bill_fee(
            chamber.membership,
            actor=chamber.treasurer,
            amount_minor=1000,
            description="Dinner",
            due_on=TODAY,
        )
    newcomer = page_client(own_membership.user)
    before = snapshot()

    # Their own invoice: they may see it, not act on it.
    pay = newcomer.post(
        dues_url(chamber.group, f"invoices/{fee.pk}/payments/"), {"amount": "50", "method": "cash"}
    )
    void = newcomer.post(dues_url(chamber.group, f"invoices/{fee.pk}/void/"), {"reason": "x"})
    # Someone else's: not even found.
    other = newcomer.post(
        dues_url(chamber.group, f"invoices/{others.pk}/payments/"),
        {"amount": "10", "method": "cash"},
    )
    committee = page_client(chamber.committee).post(
        dues_url(chamber.group, f"invoices/{others.pk}/void/"), {"reason": "x"}
    )

    assert (pay.status_code, void.status_code, other.status_code) == (403, 403, 404)
    assert committee.status_code == 404
    assert snapshot() == before


def test_the_treasurer_voids_an_invoice_with_a_reason(chamber):
    _newcomer, (fee, _dues) = first_invoices(chamber, make_user("new@example.org"))
    client = page_client(chamber.treasurer)
    url = dues_url(chamber.group, f"invoices/{fee.pk}/void/")

    refused = client.post(url, {"reason": "  "})
    fee.refresh_from_db()
    assert fee.status == "issued"
    assert messages_of(refused) == ["Say why the invoice is void."]

    client.post(url, {"reason": "Waived by the board"})
    fee.refresh_from_db()
    assert (fee.status, fee.void_reason) == ("void", "Waived by the board")


def test_the_treasurer_bills_a_fee_and_changes_a_tier(chamber):
    client = page_client(chamber.treasurer)
    membership = chamber.membership

    with on(TODAY):
        billed = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/fee/"),
            {"amount": "35,50", "description": "Gala dinner", "due_on": "2026-04-01"},
        )
        moved = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/tier/"),
            {"tier": str(chamber.monthly.pk)},
        )

    assert billed.status_code == moved.status_code == 302
    fee = Invoice.objects.get(membership=membership, kind="fee")
    assert (fee.amount_minor, fee.description, fee.due_on) == (
        3550,
        "Gala dinner",
        dt.date(2026, 4, 1),
    )
    membership.refresh_from_db()
    assert membership.tier == chamber.monthly


def test_bad_fees_and_tiers_change_nothing(chamber, cast):
    client = page_client(chamber.treasurer)
    membership = chamber.membership
    foreign_tier = Tier.objects.create(
        group=cast.public_group, name="X", dues_minor=1, period="year"
    )
    before = snapshot()

    with on(TODAY):
        malformed = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/fee/"),
            {"amount": "lots", "description": "Dinner", "due_on": "2026-04-01"},
        )
        past = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/fee/"),
            {"amount": "10", "description": "Dinner", "due_on": "2026-01-01"},
        )
        foreign = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/tier/"), {"tier": foreign_tier.pk}
        )
        garbage = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/tier/"), {"tier": "cheap"}
        )
        nobody = client.post(dues_url(chamber.group, "members/999999/tier/"), {"tier": ""})

    assert "Enter an amount in EUR" in messages_of(malformed)[0]
    assert messages_of(past)[-1] == "The due date cannot be in the past."
    assert foreign.status_code == 404
    assert messages_of(garbage)[-1] == "Choose a tier from the list."
    assert nobody.status_code == 404
    assert snapshot() == before
    membership.refresh_from_db()
    assert membership.tier == chamber.yearly


@pytest.mark.parametrize("who", ["member", "committee"])
def test_members_cannot_bill_fees_or_change_tiers(chamber, who):
    client = page_client(getattr(chamber, who))
    membership = chamber.membership
    before = snapshot()

    with on(TODAY):
        fee = client.post(
            dues_url(chamber.group, f"members/{membership.pk}/fee/"),
            {"amount": "10", "description": "Dinner", "due_on": "2026-04-01"},
        )
        tier = client.post(dues_url(chamber.group, f"members/{membership.pk}/tier/"), {"tier": ""})

    assert fee.status_code == tier.status_code == 403
    assert snapshot() == before
    membership.refresh_from_db()
    assert membership.tier == chamber.yearly


# --- My invoices ------------------------------------------------------------------------------


def test_my_invoices_lists_mine_in_every_group_and_nobody_elses(chamber, cast):
    other_chamber = create_group(cast.owner, name="Modena Chamber", kind="chamber")
    tier = Tier.objects.create(group=other_chamber, name="Base", dues_minor=9900, period="year")
    mine_here, _ = first_invoices(chamber, make_user("me@example.org"))
    mine_there = paid_member(other_chamber, mine_here.user, tier, None)
    first_invoices(chamber, make_user("someone@example.org"))
    with on(TODAY):
        start_dues(mine_there, actor=cast.owner, today=TODAY)
        page = page_client(mine_here.user).get("/me/invoices/")

    assert page.status_code == 200
    shown = list(page.context["page"].object_list)
    assert {i.membership.user_id for i in shown} == {mine_here.user_id}
    assert {i.group.name for i in shown} == {"Bologna Chamber", "Modena Chamber"}
    assert len(shown) == 3
    assert "99.00 EUR" in page.content.decode()
    assert Client().get("/me/invoices/").status_code == 302


# --- Joining with a tier ----------------------------------------------------------------------


def test_the_join_form_shows_the_tiers_to_choose(chamber):
    html = page_client(chamber.outsider).get(chamber.group.get_absolute_url()).content.decode()

    assert 'id="join-tiers"' in html
    assert f'name="tier" value="{chamber.yearly.pk}"' in html
    assert f'name="tier" value="{chamber.monthly.pk}"' in html
    assert "25.00 EUR per month" in html
    # Members see no tier choice, but the way to their dues.
    member_html = page_client(chamber.member).get(chamber.group.get_absolute_url())
    assert 'id="join-tiers"' not in member_html.content.decode()
    assert dues_url(chamber.group) in member_html.content.decode()


def test_joining_on_the_page_with_a_tier_bills_the_first_invoices(chamber):
    with on(TODAY):
        response = page_client(chamber.outsider).post(
            f"/groups/{chamber.group.slug}/join/", {"tier": str(chamber.monthly.pk)}
        )

    assert response.status_code == 302
    membership = Membership.objects.get(group=chamber.group, user=chamber.outsider)
    assert (membership.status, membership.tier, membership.standing) == (
        "active",
        chamber.monthly,
        "pending",
    )
    invoice = Invoice.objects.get(membership=membership)
    assert (invoice.kind, invoice.amount_minor) == ("dues", 2500)
    assert (invoice.period_start, invoice.period_end) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))


@pytest.mark.parametrize("tier", ["", "999999", "cheap"])
def test_joining_without_a_valid_tier_joins_nobody(chamber, tier):
    before = snapshot()
    with on(TODAY):
        response = page_client(chamber.outsider).post(
            f"/groups/{chamber.group.slug}/join/", {"tier": tier}
        )

    assert response.status_code == 302
    assert messages_of(response)[0] in (
        "Choose a membership tier of Bologna Chamber.",
        "Bologna Chamber offers no such tier.",
        "Choose a membership tier from the list.",
    )
    assert not Membership.objects.filter(group=chamber.group, user=chamber.outsider).exists()
    assert snapshot() == before


# --- Query counts -----------------------------------------------------------------------------


def grow(chamber, count, prefix):
    """``count`` more members, each with a joining fee and first dues, one of them part-paid."""
    for person in make_people(count, prefix=prefix):
        _membership, (fee, _dues) = first_invoices(chamber, person)
        with on(TODAY):
            record_payment(fee, actor=chamber.treasurer, amount_minor=1000, method="cash")


def test_the_treasurers_page_costs_the_same_for_few_or_many(chamber, django_assert_max_num_queries):
    client = page_client(chamber.treasurer)
    url = dues_url(chamber.group)
    grow(chamber, 2, "few")
    with on(TODAY):
        client.get(url)  # warm up the session
        with CaptureQueriesContext(connection) as few:
            response = client.get(url)
    assert len(response.context["invoices"].object_list) == 4

    grow(chamber, 20, "many")

    with on(TODAY), django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert len(response.context["invoices"].object_list) == 44
    assert len(response.context["member_rows"]) == 26  # with the owner, treasurer, committee


def test_my_invoices_costs_the_same_for_few_or_many(chamber, django_assert_max_num_queries):
    client = page_client(chamber.member)
    with on(TODAY):
        for n in range(2):
            bill_fee(
                chamber.membership,
                actor=chamber.treasurer,
                amount_minor=100,
                description=f"Fee {n}",
                due_on=TODAY,
            )
        client.get("/me/invoices/")
        with CaptureQueriesContext(connection) as few:
            client.get("/me/invoices/")
        for n in range(15):
            invoice = bill_fee(
                chamber.membership,
                actor=chamber.treasurer,
                amount_minor=100,
                description=f"More {n}",
                due_on=TODAY,
            )
            record_payment(invoice, actor=chamber.treasurer, amount_minor=50, method="cash")
        with django_assert_max_num_queries(len(few)):
            response = client.get("/me/invoices/")
    assert len(response.context["page"].object_list) == 17
