"""Dues in the API: tiers, invoices, payments, renewal, automatic renewal and standing —
for the right people only, with clear errors that change nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.conftest import make_user
from cerchia.dues.models import Invoice, Tier
from cerchia.dues.services import bill_fee, record_payment, start_dues
from cerchia.dues.tests.conftest import EXPIRES, on, paid_member, snapshot
from cerchia.groups.models import Membership
from cerchia.groups.tests.helpers import api_client, make_people, send_json

API = "/api/v1"
TODAY = dt.date(2026, 3, 10)


def group_api(chamber, tail=""):
    return f"{API}/groups/{chamber.group.pk}/{tail}"


def admitted(chamber, user, tier=None):
    membership = paid_member(chamber.group, user, tier or chamber.yearly, None)
    with on(TODAY):
        return membership, start_dues(membership, actor=chamber.owner, today=TODAY)


# --- Tiers ---------------------------------------------------------------------------------


def test_tiers_are_listed_to_anyone_who_may_see_the_group(chamber, cast):
    chamber.monthly.offered = False
    chamber.monthly.save()

    anonymous = Client().get(group_api(chamber, "tiers")).json()
    owner = api_client(chamber.owner).get(group_api(chamber, "tiers")).json()

    assert [t["name"] for t in anonymous["items"]] == ["Standard"]
    assert anonymous["items"][0] | {"id": 0, "group": 0} == {
        "id": 0,
        "group": 0,
        "name": "Standard",
        "dues_minor": 24000,
        "joining_fee_minor": 5000,
        "currency": "EUR",
        "period": "year",
        "term": "rolling",
        "benefits": "",
        "listing": "basic",
        "offered": True,
        "position": 1,
    }
    assert owner["count"] == 2
    hidden = Client().get(f"{API}/groups/{cast.group.pk}/tiers")
    assert hidden.status_code == 404
    assert cast.api("outsider").get(f"{API}/groups/{cast.group.pk}/tiers").status_code == 404


def test_an_administrator_creates_and_changes_a_tier(chamber):
    client = api_client(chamber.owner)

    created = send_json(
        client,
        "post",
        group_api(chamber, "tiers"),
        {"name": "Gold", "dues_minor": 50000, "period": "year", "listing": "enhanced"},
    )
    assert created.status_code == 201
    tier_id = created.json()["id"]
    assert created.json()["joining_fee_minor"] == 0

    patched = send_json(
        client, "patch", group_api(chamber, f"tiers/{tier_id}"), {"dues_minor": 55000}
    )
    assert patched.status_code == 200
    assert (patched.json()["name"], patched.json()["dues_minor"]) == ("Gold", 55000)
    assert Tier.objects.get(pk=tier_id).dues_minor == 55000


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"name": "Bad", "dues_minor": -1, "period": "year"}, 400, "minor units"),
        ({"name": "Bad", "dues_minor": 100, "period": "decade"}, 400, "period must be one of"),
        ({"name": "Standard", "dues_minor": 100, "period": "year"}, 400, "already has a tier"),
        ({"name": "Bad", "dues_minor": "ten", "period": "year"}, 422, None),
    ],
)
def test_bad_tiers_are_refused_clearly(chamber, body, status, detail):
    client = api_client(chamber.owner)
    before = snapshot()  # after the token: making one is audited

    response = send_json(client, "post", group_api(chamber, "tiers"), body)

    assert response.status_code == status
    assert "detail" in response.json()
    if detail:
        assert detail in response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["treasurer", "member", "outsider"])
def test_only_administrators_create_or_change_tiers(chamber, who):
    client = api_client(getattr(chamber, who))
    before = snapshot()

    created = send_json(
        client,
        "post",
        group_api(chamber, "tiers"),
        {"name": "X", "dues_minor": 1, "period": "year"},
    )
    patched = send_json(
        client, "patch", group_api(chamber, f"tiers/{chamber.yearly.pk}"), {"dues_minor": 1}
    )

    assert created.status_code == patched.status_code == 403
    assert snapshot() == before


def test_a_tier_of_another_group_is_not_found(chamber, cast):
    other = Tier.objects.create(group=cast.public_group, name="Other", dues_minor=1, period="year")

    response = send_json(
        api_client(chamber.owner), "patch", group_api(chamber, f"tiers/{other.pk}"), {"name": "Y"}
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Other"


# --- Invoices -------------------------------------------------------------------------------


def test_my_invoices_in_every_group_paginated(chamber):
    membership, (fee, dues) = admitted(chamber, make_user("me@example.org"))
    admitted(chamber, make_user("someone@example.org"))
    with on(TODAY):
        record_payment(fee, actor=chamber.treasurer, amount_minor=2000, method="cash")
    client = api_client(membership.user)

    body = client.get(f"{API}/invoices").json()
    assert body["count"] == 2
    by_kind = {i["kind"]: i for i in body["items"]}
    assert by_kind["joining_fee"]["paid_minor"] == 2000
    assert by_kind["joining_fee"]["balance_minor"] == 3000
    assert by_kind["joining_fee"]["payments"][0]["amount_minor"] == 2000
    assert by_kind["dues"]["member"] == membership.user_id
    assert by_kind["dues"]["currency"] == "EUR"

    assert client.get(f"{API}/invoices?limit=1").json()["count"] == 2
    assert len(client.get(f"{API}/invoices?limit=1").json()["items"]) == 1
    issued = client.get(f"{API}/invoices?status=issued").json()["items"]
    assert [i["id"] for i in issued] == [dues.pk, fee.pk]  # newest first
    assert client.get(f"{API}/invoices?status=paid").json() == {"items": [], "count": 0}
    assert client.get(f"{API}/invoices?status=bogus").status_code == 422
    assert Client().get(f"{API}/invoices").status_code == 401


def test_group_invoices_all_for_the_treasurer_own_for_a_member(chamber, cast):
    newcomer, (fee, dues) = admitted(chamber, make_user("new@example.org"))
    with on(TODAY):
        other = bill_fee(
            chamber.membership,
            actor=chamber.treasurer,
            amount_minor=1000,
            description="Dinner",
            due_on=TODAY,
        )

    treasurer = api_client(chamber.treasurer).get(group_api(chamber, "invoices")).json()
    member = api_client(newcomer.user).get(group_api(chamber, "invoices")).json()

    assert {i["id"] for i in treasurer["items"]} == {fee.pk, dues.pk, other.pk}
    assert {i["id"] for i in member["items"]} == {fee.pk, dues.pk}
    paid = api_client(chamber.owner).get(group_api(chamber, "invoices?status=paid")).json()
    assert paid["count"] == 0
    with on(dt.date(2026, 4, 1)):
        overdue = api_client(chamber.owner).get(group_api(chamber, "invoices?status=overdue"))
    assert {i["id"] for i in overdue.json()["items"]} == {fee.pk, dues.pk, other.pk}
    outsider = api_client(chamber.outsider).get(group_api(chamber, "invoices"))
    assert outsider.status_code == 403
    hidden = cast.api("outsider").get(f"{API}/groups/{cast.group.pk}/invoices")
    assert hidden.status_code == 404


def test_the_treasurer_bills_a_fee(chamber):
    with on(TODAY):
        response = send_json(
            api_client(chamber.treasurer),
            "post",
            group_api(chamber, "invoices"),
            {
                "membership": chamber.membership.pk,
                "amount_minor": 4500,
                "description": "Gala dinner",
                "due_on": "2026-04-01",
            },
        )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["amount_minor"], body["balance_minor"]) == ("fee", 4500, 4500)
    assert Invoice.objects.filter(membership=chamber.membership, kind="fee").count() == 1


def test_billing_a_fee_is_for_the_treasurer_and_known_members(chamber, cast):
    body = {
        "membership": chamber.membership.pk,
        "amount_minor": 4500,
        "description": "Dinner",
        "due_on": "2026-04-01",
    }
    member, treasurer = api_client(chamber.member), api_client(chamber.treasurer)
    stranger = Membership.objects.get(group=cast.public_group, user=cast.owner)
    url = group_api(chamber, "invoices")
    before = snapshot()  # after the tokens: making one is audited

    with on(TODAY):
        refused = send_json(member, "post", url, body)
        foreign = send_json(treasurer, "post", url, body | {"membership": stranger.pk})
        zero = send_json(treasurer, "post", url, body | {"amount_minor": 0})

    assert refused.status_code == 403
    assert foreign.status_code == 404
    assert zero.status_code == 400
    assert zero.json()["detail"] == "The amount must be a positive whole number of minor units."
    assert snapshot() == before


def test_the_treasurer_records_payments_until_the_invoice_is_paid(chamber):
    newcomer, (_fee, dues) = admitted(chamber, make_user("new@example.org"))
    client = api_client(chamber.treasurer)
    url = group_api(chamber, f"invoices/{dues.pk}/payments")

    with on(dt.date(2026, 3, 12)):
        part = send_json(client, "post", url, {"amount_minor": 4000, "method": "cash"})
        rest = send_json(
            client,
            "post",
            url,
            {
                "amount_minor": 20000,
                "method": "bank_transfer",
                "reference": "CRO 9",
                "received_on": "2026-03-11",
            },
        )

    assert part.status_code == rest.status_code == 201
    assert (part.json()["status"], part.json()["balance_minor"]) == ("issued", 20000)
    assert (rest.json()["status"], rest.json()["balance_minor"]) == ("paid", 0)
    # In the order received: the transfer arrived the day before the cash.
    assert [p["reference"] for p in rest.json()["payments"]] == ["CRO 9", ""]
    newcomer.refresh_from_db()
    assert newcomer.expires_on == dt.date(2027, 3, 9)


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"amount_minor": 24001, "method": "cash"}, 400, "left to pay"),
        ({"amount_minor": 100, "method": "bitcoin"}, 400, "Unknown payment method"),
        ({"amount_minor": -5, "method": "cash"}, 400, "positive whole number"),
        ({"amount_minor": "1,5", "method": "cash"}, 422, None),
        ({"amount_minor": 100, "method": "cash", "received_on": "2026-12-31"}, 400, "future"),
    ],
)
def test_bad_payments_are_refused_and_change_nothing(chamber, body, status, detail):
    _newcomer, (_fee, dues) = admitted(chamber, make_user("new@example.org"))
    client = api_client(chamber.treasurer)
    before = snapshot()  # after the token: making one is audited

    with on(dt.date(2026, 3, 12)):
        response = send_json(
            client,
            "post",
            group_api(chamber, f"invoices/{dues.pk}/payments"),
            body,
        )

    assert response.status_code == status
    if detail:
        assert detail in response.json()["detail"]
    assert snapshot() == before


def test_payments_and_voids_on_unknown_or_others_invoices(chamber):
    newcomer, (fee, _dues) = admitted(chamber, make_user("new@example.org"))
    with on(TODAY):
        others = bill_fee(
            chamber.membership,
            actor=chamber.treasurer,
            amount_minor=1000,
            description="Dinner",
            due_on=TODAY,
        )
    treasurer, member = api_client(chamber.treasurer), api_client(newcomer.user)
    outsider_client = api_client(chamber.outsider)
    before = snapshot()  # after the tokens: making one is audited
    pay = {"amount_minor": 100, "method": "cash"}

    unknown = send_json(treasurer, "post", group_api(chamber, "invoices/999999/payments"), pay)
    own = send_json(member, "post", group_api(chamber, f"invoices/{fee.pk}/payments"), pay)
    other = send_json(member, "post", group_api(chamber, f"invoices/{others.pk}/payments"), pay)
    void = send_json(member, "post", group_api(chamber, f"invoices/{fee.pk}/void"), {"reason": "x"})
    outsider = send_json(
        outsider_client, "post", group_api(chamber, f"invoices/{fee.pk}/void"), {"reason": "x"}
    )

    assert unknown.status_code == 404
    assert unknown.json() == {"detail": "No such invoice"}
    assert (own.status_code, other.status_code, void.status_code) == (403, 404, 403)
    assert outsider.status_code == 403
    assert snapshot() == before


def test_the_treasurer_voids_with_a_reason(chamber):
    _newcomer, (fee, _dues) = admitted(chamber, make_user("new@example.org"))
    client = api_client(chamber.treasurer)
    url = group_api(chamber, f"invoices/{fee.pk}/void")

    refused = send_json(client, "post", url, {"reason": ""})
    assert refused.status_code == 400
    fee.refresh_from_db()
    assert fee.status == "issued"

    voided = send_json(client, "post", url, {"reason": "Waived"})
    assert voided.status_code == 200
    assert (voided.json()["status"], voided.json()["void_reason"]) == ("void", "Waived")


# --- Standing, renewal and automatic renewal ----------------------------------------------------


def test_my_standing(chamber):
    with on(dt.date(2026, 7, 10)):
        body = api_client(chamber.member).get(group_api(chamber, "standing")).json()

    assert body["standing"] == "grace"
    assert body["expires_on"] == EXPIRES.isoformat()
    assert body["grace_until"] == "2026-07-30"
    assert body["renewal_opens_on"] == "2026-05-31"
    assert body["in_good_standing"] is True
    assert body["auto_renew"] is True
    assert body["tier"]["name"] == "Standard"
    assert body["membership"] == chamber.membership.pk


def test_a_pending_member_is_not_in_good_standing(chamber):
    newcomer, _ = admitted(chamber, make_user("new@example.org"))

    with on(TODAY):
        body = api_client(newcomer.user).get(group_api(chamber, "standing")).json()

    assert (body["standing"], body["in_good_standing"], body["expires_on"]) == (
        "pending",
        False,
        None,
    )


def test_standing_is_for_members_only(chamber, cast):
    assert api_client(chamber.outsider).get(group_api(chamber, "standing")).status_code == 403
    assert cast.api("outsider").get(f"{API}/groups/{cast.group.pk}/standing").status_code == 404


def test_renewing_through_the_api(chamber):
    client = api_client(chamber.member)

    with on(dt.date(2026, 3, 1)):
        early = client.post(group_api(chamber, "renewal"))
    assert early.status_code == 400
    assert early.json() == {"detail": "Renewal opens on 2026-05-31."}
    assert not Invoice.objects.filter(membership=chamber.membership).exists()

    with on(dt.date(2026, 6, 1)):
        response = client.post(group_api(chamber, "renewal"))
        again = client.post(group_api(chamber, "renewal"))

    assert response.status_code == 201
    assert response.json()["period_start"] == "2026-07-01"
    assert again.json()["id"] == response.json()["id"]
    assert Invoice.objects.filter(membership=chamber.membership).count() == 1
    assert api_client(chamber.outsider).post(group_api(chamber, "renewal")).status_code == 403


def test_turning_automatic_renewal_off(chamber):
    response = send_json(
        api_client(chamber.member), "put", group_api(chamber, "auto-renew"), {"on": False}
    )

    assert response.status_code == 200
    assert response.json()["auto_renew"] is False
    chamber.membership.refresh_from_db()
    assert chamber.membership.auto_renew is False
    bad = send_json(api_client(chamber.member), "put", group_api(chamber, "auto-renew"), {})
    assert bad.status_code == 422
    outsider = send_json(
        api_client(chamber.outsider), "put", group_api(chamber, "auto-renew"), {"on": True}
    )
    assert outsider.status_code == 403


def test_the_treasurer_moves_a_member_to_another_tier(chamber):
    url = group_api(chamber, f"members/{chamber.membership.pk}/tier")

    moved = send_json(api_client(chamber.treasurer), "put", url, {"tier": chamber.monthly.pk})
    refused = send_json(api_client(chamber.member), "put", url, {"tier": None})

    assert moved.status_code == 200
    assert moved.json()["tier"]["name"] == "Monthly"
    assert refused.status_code == 403
    chamber.membership.refresh_from_db()
    assert chamber.membership.tier == chamber.monthly


# --- Joining with a tier ----------------------------------------------------------------------


def test_joining_through_the_api_with_a_tier_bills_the_first_invoices(chamber):
    client = api_client(chamber.outsider)

    with on(TODAY):
        missing = send_json(client, "post", group_api(chamber, "join"), {})
        wrong = send_json(client, "post", group_api(chamber, "join"), {"tier_id": 999999})
        assert not Membership.objects.filter(user=chamber.outsider, group=chamber.group).exists()
        joined = send_json(
            client, "post", group_api(chamber, "join"), {"tier_id": chamber.yearly.pk}
        )
        invoices = client.get(f"{API}/invoices").json()

    assert missing.status_code == wrong.status_code == 400
    assert missing.json() == {"detail": "Choose a membership tier of Bologna Chamber."}
    assert wrong.json() == {"detail": "Bologna Chamber offers no such tier."}
    assert joined.status_code == 200
    assert joined.json()["status"] == "active"
    assert sorted((i["kind"], i["amount_minor"]) for i in invoices["items"]) == [
        ("dues", 24000),
        ("joining_fee", 5000),
    ]


# --- Query counts -------------------------------------------------------------------------------


def test_the_group_invoice_list_costs_the_same_for_few_or_many(
    chamber, django_assert_max_num_queries
):
    client = api_client(chamber.treasurer)
    url = group_api(chamber, "invoices?limit=500")

    def grow(count, prefix):
        for person in make_people(count, prefix=prefix):
            _membership, (fee, _dues) = admitted(chamber, person)
            with on(TODAY):
                record_payment(fee, actor=chamber.treasurer, amount_minor=100, method="cash")

    grow(2, "few")
    client.get(url)  # the first call records when the token was last used
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.json()["count"] == 4

    grow(20, "many")

    with django_assert_max_num_queries(len(few)):
        response = client.get(url)
    assert response.json()["count"] == 44
    assert all(len(i["payments"]) == 1 for i in response.json()["items"] if i["kind"] != "dues")
