"""Referrals and closed business through the API: the prospect for the two parties only,
the confidential mark, the pipeline, the closed week, closed business and the rollup, bad
input answered with a specific 400 and nothing saved, outsiders 404, and lists that cost
the same queries for few rows and many."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from cerchia.accounts.models import Connection as CardConnection
from cerchia.accounts.models import User
from cerchia.accounts.services import create_api_token
from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, add_member, make_user
from cerchia.ledger import services
from cerchia.ledger.models import ClosedBusiness, Referral, ReferralStep, Rollup, WeekClose
from cerchia.ledger.tests.test_referrals import MONDAY, TODAY, slip
from cerchia.notices.models import Notice

JSON = "application/json"
PROSPECT_FIELDS = ("prospect_name", "prospect_company", "prospect_email", "prospect_phone")


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def api_of(user: User) -> Client:
    _token, key = create_api_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def third_member(cast: Cast) -> User:
    """A member of the chapter who is not its leader, so the leader is not a party."""
    other = make_user("other@example.org", "Ottavio Other", profession="caterer")
    add_member(cast.group, other)
    return other


def post(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.post("/api/v1" + path, data, content_type=JSON)


def patch(client: Client, path: str, data: dict[str, Any]) -> Any:
    return client.patch("/api/v1" + path, data, content_type=JSON)


# --- passing a referral -------------------------------------------------------------------


def test_a_referral_passed_through_the_api_is_seen_by_the_receiver_at_once(cast: Cast) -> None:
    response = post(
        cast.api("member"),
        "/referrals",
        {
            "receiver_id": cast.leader.pk,
            "group_id": cast.group.pk,
            "prospect_name": "Anna Bianchi",
            "prospect_phone": "+39 333 1234567",
            "temperature": 5,
            "kind": "overflow",
        },
    )

    assert response.status_code == 201
    body = response.json()
    referral = Referral.objects.get()
    assert body["id"] == referral.pk
    assert (body["giver"], body["receiver"], body["group"]) == (
        cast.member.pk,
        cast.leader.pk,
        cast.group.pk,
    )
    assert (body["prospect_name"], body["temperature"], body["kind"]) == (
        "Anna Bianchi",
        5,
        "overflow",
    )
    assert [s["status"] for s in body["steps"]] == ["given"]
    assert Notice.objects.filter(user=cast.leader, kind="ledger.referral_received").count() == 1
    received = cast.api("leader").get("/api/v1/referrals?direction=received").json()
    assert [r["id"] for r in received["items"]] == [referral.pk]
    assert received["items"][0]["prospect_phone"] == "+39 333 1234567"
    june = datetime.date(2026, 6, 1)
    assert Rollup.objects.get(user=cast.member, group=cast.group, month=june).referrals_given == 1
    assert (
        Rollup.objects.get(user=cast.leader, group=cast.group, month=june).referrals_received == 1
    )


def test_a_referral_to_someone_without_an_account(cast: Cast) -> None:
    response = post(
        cast.api("member"),
        "/referrals",
        {"receiver_name": "Eva Esterna", "receiver_email": "eva@example.com", "prospect_name": "A"},
    )

    assert response.status_code == 201
    assert response.json()["receiver"] is None
    assert response.json()["receiver_name"] == "Eva Esterna"


@pytest.mark.parametrize(
    ("change", "detail"),
    [
        ({"receiver_id": 999999}, "Unknown receiver 999999"),
        ({"temperature": 7}, "The temperature goes from 1 to 5."),
        ({"given_on": "2026-06-11"}, "cannot be in the future"),
        ({"prospect_name": "  "}, "Name the prospect."),
        ({"kind": "gossip"}, "Unknown kind of referral: gossip"),
        ({"group_id": 999999}, "No group 999999 among the groups you are an active member of."),
        ({"receiver_name": "Both"}, "Give receiver_id or receiver_name, not both."),
    ],
)
def test_bad_input_gets_a_specific_400_and_saves_nothing(
    cast: Cast, change: dict[str, Any], detail: str
) -> None:
    payload = {"receiver_id": cast.leader.pk, "prospect_name": "Anna Bianchi", **change}

    response = post(cast.api("member"), "/referrals", payload)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not Referral.objects.exists()
    assert not Notice.objects.filter(kind="ledger.referral_received").exists()
    assert not Rollup.objects.exists()


def test_a_stranger_is_an_unknown_receiver_like_a_missing_id(cast: Cast) -> None:
    response = post(
        cast.api("member"), "/referrals", {"receiver_id": cast.outsider.pk, "prospect_name": "A"}
    )

    assert response.status_code == 400
    assert response.json()["detail"].startswith(f"Unknown receiver {cast.outsider.pk}:")
    assert not Referral.objects.exists()


def test_a_private_group_of_someone_else_is_not_named(cast: Cast) -> None:
    response = post(
        cast.api("outsider"),
        "/referrals",
        {"receiver_name": "Eva", "group_id": cast.group.pk, "prospect_name": "A"},
    )

    assert response.status_code == 400
    assert "Chapter One" not in response.json()["detail"]


# --- who sees the prospect ----------------------------------------------------------------


def test_only_giver_and_receiver_see_the_prospect(cast: Cast) -> None:
    other = third_member(cast)
    referral = slip(cast.member, other, cast, prospect_phone="+39 333 1234567", notes="After six")
    path = f"/api/v1/referrals/{referral.pk}"

    for party in (cast.member, other):
        body = api_of(party).get(path).json()
        assert body["prospect_name"] == "Anna Bianchi"
        assert body["prospect_phone"] == "+39 333 1234567"
        assert body["notes"] == "After six"
    for leader in ("leader", "owner"):  # the chapter's president, the organisation's owner
        response = cast.api(leader).get(path)
        body = response.json()
        assert response.status_code == 200
        assert body["giver"] == cast.member.pk and body["status"] == "given"
        assert all(body[name] is None for name in PROSPECT_FIELDS)
        assert body["notes"] is None and body["steps"] is None
    for stranger in ("outsider", "visitor"):
        response = cast.api(stranger).get(path)
        assert response.status_code == 404
        assert response.json() == {"detail": "No such referral"}


def test_site_staff_do_not_see_the_prospect_either(cast: Cast) -> None:
    staff = make_user("staff@example.org", "Stella Staff")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    referral = slip(cast.member, cast.leader, cast)

    assert api_of(staff).get(f"/api/v1/referrals/{referral.pk}").status_code == 404


def test_a_confidential_slip_is_hidden_from_leaders_but_still_counted(cast: Cast) -> None:
    other = third_member(cast)
    referral = slip(cast.member, other, cast, confidential=True)

    assert cast.api("leader").get(f"/api/v1/referrals/{referral.pk}").status_code == 404
    assert api_of(other).get(f"/api/v1/referrals/{referral.pk}").status_code == 200
    _slips, confidential = services_week(cast)
    assert confidential == 1


def services_week(cast: Cast) -> tuple[list[Referral], int]:
    from cerchia.ledger.selectors_referrals import week_slips

    return week_slips(cast.group, MONDAY)


# --- the pipeline -------------------------------------------------------------------------


def test_the_receiver_moves_it_forward_and_both_are_told(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.api("leader")

    response = patch(client, f"/referrals/{referral.pk}", {"status": "meeting", "note": "Tue"})

    assert response.status_code == 200
    assert response.json()["status"] == "meeting"
    assert [s["status"] for s in response.json()["steps"]] == ["given", "meeting"]
    assert Notice.objects.filter(kind="ledger.referral_step", user=cast.member).count() == 1
    assert Notice.objects.filter(kind="ledger.referral_step", user=cast.leader).count() == 1
    back = patch(client, f"/referrals/{referral.pk}", {"status": "contacted"})
    assert back.status_code == 400
    assert back.json() == {"detail": "A referral only moves forward."}
    referral.refresh_from_db()
    assert referral.status == "meeting"


def test_lost_needs_a_reason(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.api("leader")

    response = patch(client, f"/referrals/{referral.pk}", {"status": "lost"})

    assert response.status_code == 400
    assert response.json() == {"detail": "Say why the referral was lost."}
    referral.refresh_from_db()
    assert referral.status == "given"
    assert ReferralStep.objects.filter(referral=referral).count() == 1
    assert not Notice.objects.filter(kind="ledger.referral_step").exists()
    lost = patch(client, f"/referrals/{referral.pk}", {"status": "lost", "lost_reason": "Price"})
    assert lost.json()["status"] == "lost" and lost.json()["lost_reason"] == "Price"


def test_a_failed_move_undoes_the_correction_sent_with_it(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast, temperature=2)

    response = patch(
        cast.api("member"), f"/referrals/{referral.pk}", {"temperature": 4, "status": "won"}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Only the receiver moves a referral along."}
    referral.refresh_from_db()
    assert (referral.temperature, referral.status) == (2, "given")


# --- corrections and the closed week ------------------------------------------------------


def test_the_giver_corrects_until_the_week_is_closed_then_only_leaders(cast: Cast) -> None:
    other = third_member(cast)
    referral = slip(cast.member, other, cast)
    path = f"/referrals/{referral.pk}"

    ok = patch(cast.api("member"), path, {"prospect_company": "Bianchi Srl"})
    assert ok.status_code == 200 and ok.json()["prospect_company"] == "Bianchi Srl"

    closed = post(cast.api("leader"), f"/groups/{cast.group.pk}/weeks/close", {"day": "2026-06-10"})
    assert closed.status_code == 201
    assert closed.json()["week_start"] == MONDAY.isoformat()

    refused = patch(cast.api("member"), path, {"temperature": 5})
    assert refused.status_code == 400
    assert "That week is closed" in refused.json()["detail"]
    by_leader = patch(cast.api("leader"), path, {"temperature": 5})
    assert by_leader.status_code == 200 and by_leader.json()["temperature"] == 5
    assert by_leader.json()["prospect_company"] is None  # still not the leader's to see
    entry = AuditEntry.objects.filter(action="ledger.referral.updated").latest("pk")
    assert (entry.actor, entry.data) == (
        cast.leader,
        {"fields": ["temperature"], "by_leader": True},
    )


def test_a_leader_who_is_not_a_party_cannot_write_the_prospect(cast: Cast) -> None:
    other = third_member(cast)
    referral = slip(cast.member, other, cast)

    response = patch(cast.api("leader"), f"/referrals/{referral.pk}", {"prospect_name": "Z"})

    assert response.status_code == 403
    referral.refresh_from_db()
    assert referral.prospect_name == "Anna Bianchi"


def test_closing_a_week_is_for_leaders(cast: Cast) -> None:
    path = f"/groups/{cast.group.pk}/weeks/close"

    assert post(cast.api("member"), path, {"day": "2026-06-10"}).status_code == 403
    assert post(cast.api("outsider"), path, {"day": "2026-06-10"}).status_code == 404
    assert not WeekClose.objects.exists()
    assert post(cast.api("leader"), path, {"day": "2026-06-10"}).status_code == 201
    twice = post(cast.api("leader"), path, {"day": "2026-06-09"})
    assert twice.status_code == 400
    assert twice.json() == {"detail": "The week of 2026-06-08 is already closed."}
    future = post(cast.api("leader"), path, {"day": "2026-06-20"})
    assert future.status_code == 400
    assert WeekClose.objects.count() == 1


# --- closed business ----------------------------------------------------------------------


def test_closed_business_against_a_referral_marks_it_won_and_moves_the_rollup(
    cast: Cast,
) -> None:
    referral = slip(cast.member, cast.leader, cast)

    response = post(
        cast.api("leader"),
        f"/referrals/{referral.pk}/closed-business",
        {"amount_minor": 250000, "kind": "new", "closed_on": "2026-06-10"},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["amount_minor"], body["currency"], body["referral"]) == (
        250000,
        "EUR",
        referral.pk,
    )
    assert (body["giver"], body["receiver"]) == (cast.member.pk, cast.leader.pk)
    referral.refresh_from_db()
    assert referral.status == "won"
    june = datetime.date(2026, 6, 1)
    giver_row = Rollup.objects.get(user=cast.member, group=cast.group, month=june)
    receiver_row = Rollup.objects.get(user=cast.leader, group=cast.group, month=june)
    assert (giver_row.closed_given_count, giver_row.closed_given_minor) == (1, 250000)
    assert (receiver_row.closed_received_count, receiver_row.closed_received_minor) == (1, 250000)
    seen_by_giver = cast.api("member").get("/api/v1/closed-business").json()
    assert [c["amount_minor"] for c in seen_by_giver["items"]] == [250000]


def test_closed_business_amounts_are_for_the_two_only(cast: Cast) -> None:
    other = third_member(cast)
    referral = slip(other, cast.member, cast)
    services.record_closed_business(cast.member, referral=referral, amount_minor=5000)

    assert cast.api("leader").get("/api/v1/closed-business").json() == {"items": [], "count": 0}
    assert cast.api("outsider").get("/api/v1/closed-business").json()["count"] == 0
    assert api_of(other).get("/api/v1/closed-business").json()["count"] == 1


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"amount_minor": 0}, "positive whole number"),
        ({"amount_minor": 100, "closed_on": "2026-06-30"}, "cannot be in the future"),
        ({"amount_minor": 100, "kind": "big"}, "new or repeat"),
        ({"amount_minor": 100, "currency": "EU1"}, "Unknown currency: EU1"),
        ({"amount_minor": 100, "closed_on": "2026-06-01"}, "before the referral was given"),
    ],
)
def test_bad_closed_business_gets_a_specific_400(
    cast: Cast, payload: dict[str, Any], detail: str
) -> None:
    referral = slip(cast.member, cast.leader, cast)

    response = post(cast.api("leader"), f"/referrals/{referral.pk}/closed-business", payload)

    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not ClosedBusiness.objects.exists()
    referral.refresh_from_db()
    assert referral.status == "given"


def test_only_the_receiver_records_closed_business(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    path = f"/referrals/{referral.pk}/closed-business"

    by_giver = post(cast.api("member"), path, {"amount_minor": 100})
    by_outsider = post(cast.api("outsider"), path, {"amount_minor": 100})

    assert by_giver.status_code == 400
    assert by_outsider.status_code == 404
    assert not ClosedBusiness.objects.exists()


def test_a_thank_you_not_tied_to_a_slip(cast: Cast) -> None:
    response = post(
        cast.api("member"),
        "/closed-business",
        {"giver_id": cast.leader.pk, "group_id": cast.group.pk, "amount_minor": 9900},
    )

    assert response.status_code == 201
    assert response.json()["referral"] is None
    assert (response.json()["giver"], response.json()["group"]) == (cast.leader.pk, cast.group.pk)
    stranger = post(
        cast.api("member"), "/closed-business", {"giver_id": cast.outsider.pk, "amount_minor": 1}
    )
    assert stranger.status_code == 400
    assert stranger.json()["detail"].startswith(f"Unknown person {cast.outsider.pk}:")
    assert ClosedBusiness.objects.count() == 1


# --- lists --------------------------------------------------------------------------------


def _many(cast: Cast, n: int) -> None:
    for i in range(n):
        giver, receiver = (cast.member, cast.leader) if i % 2 else (cast.leader, cast.member)
        referral = slip(giver, receiver, cast, prospect_name=f"Prospect {i}")
        services.record_closed_business(receiver, referral=referral, amount_minor=100 + i)


def test_the_lists_cost_the_same_queries_for_few_and_many(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = cast.api("member")
    _many(cast, 3)
    with django_assert_max_num_queries(6):
        few = client.get("/api/v1/referrals")
    with django_assert_max_num_queries(6):
        few_closed = client.get("/api/v1/closed-business")
    _many(cast, 12)
    with django_assert_max_num_queries(6):
        many = client.get("/api/v1/referrals")
    with django_assert_max_num_queries(6):
        many_closed = client.get("/api/v1/closed-business")

    assert (few.json()["count"], many.json()["count"]) == (3, 15)
    assert (few_closed.json()["count"], many_closed.json()["count"]) == (3, 15)
    assert len(many.json()["items"]) == 15


def test_the_list_filters_and_pages(cast: Cast) -> None:
    old = slip(cast.member, cast.leader, cast, given_on=TODAY - datetime.timedelta(days=20))
    informal = slip(cast.member, cast.leader, cast, group=None)
    received = slip(cast.leader, cast.member, cast)
    services.advance_referral(received, actor=cast.member, status="contacted")
    client = cast.api("member")

    def ids(query: str) -> list[int]:
        response = client.get("/api/v1/referrals" + query)
        assert response.status_code == 200, response.content
        return [r["id"] for r in response.json()["items"]]

    assert ids("") == [received.pk, informal.pk, old.pk]
    assert ids(f"?group_id={cast.group.pk}") == [received.pk, old.pk]
    assert ids("?direction=given") == [informal.pk, old.pk]
    assert ids("?status=contacted") == [received.pk]
    assert ids("?from=2026-06-01") == [received.pk, informal.pk]
    assert ids("?to=2026-06-01") == [old.pk]
    assert ids("?limit=1&offset=1") == [informal.pk]
    assert client.get("/api/v1/referrals?limit=1").json()["count"] == 3
    bad = client.get("/api/v1/referrals?status=sold")
    assert bad.status_code == 400 and bad.json() == {"detail": "Unknown status: sold"}


def test_the_closed_business_list_filters_by_group_and_date(cast: Cast) -> None:
    in_group = services.record_closed_business(
        cast.member, giver=cast.leader, group=cast.group, amount_minor=100
    )
    outside = services.record_closed_business(
        cast.member,
        giver=cast.leader,
        amount_minor=200,
        currency="EUR",
        closed_on=TODAY - datetime.timedelta(days=30),
    )
    client = cast.api("member")

    def ids(query: str) -> list[int]:
        return [c["id"] for c in client.get("/api/v1/closed-business" + query).json()["items"]]

    assert ids("") == [in_group.pk, outside.pk]
    assert ids(f"?group_id={cast.group.pk}") == [in_group.pk]
    assert ids("?to=2026-05-31") == [outside.pk]
    assert ids("?from=2026-06-01") == [in_group.pk]


def test_outsiders_get_404_on_every_referral_endpoint(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.api("outsider")
    path = f"/api/v1/referrals/{referral.pk}"

    assert client.get(path).status_code == 404
    assert patch(client, f"/referrals/{referral.pk}", {"status": "contacted"}).status_code == 404
    assert patch(client, f"/referrals/{referral.pk}", {"temperature": 1}).status_code == 404
    assert (
        post(client, f"/referrals/{referral.pk}/closed-business", {"amount_minor": 1}).status_code
        == 404
    )
    assert client.get("/api/v1/referrals").json() == {"items": [], "count": 0}
    referral.refresh_from_db()
    assert (referral.status, referral.temperature) == ("given", 3)
    assert not ClosedBusiness.objects.exists()


def test_in_a_group_the_receiver_must_be_its_active_member_and_is_not_named(cast: Cast) -> None:
    CardConnection.objects.create(owner=cast.outsider, other=cast.member)  # known, not in it

    for person in (cast.outsider, cast.visitor):
        response = post(
            cast.api("member"),
            "/referrals",
            {"receiver_id": person.pk, "group_id": cast.group.pk, "prospect_name": "A"},
        )
        assert response.status_code == 400
        assert response.json()["detail"].startswith(f"Unknown receiver {person.pk}:")
        assert person.email not in response.json()["detail"]
    assert not Referral.objects.exists()
