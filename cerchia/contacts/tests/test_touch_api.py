"""Stay in touch and introductions in the API: every route is the owner's (or a member
side's) alone — 404 for an outsider, a leader and staff alike; writes answer errors as
{"detail"} with nothing changed; the losing-touch list with frozen dates and flat queries."""

from __future__ import annotations

import pytest
from django.test import Client

from cerchia.conftest import make_user
from cerchia.contacts.interactions import log_interaction
from cerchia.contacts.introductions import answer_introduction, introduce
from cerchia.contacts.models import Interaction, Introduction
from cerchia.contacts.tests.touch_helpers import DAY, TODAY, contact_of, days_ago, on
from cerchia.groups.tests.helpers import api_client, send_json
from cerchia.ledger.models import Referral

API = "/api/v1"


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


def staff_api() -> Client:
    staff = make_user("staff@example.org", "Sam Staff")
    staff.is_staff = staff.is_superuser = True
    staff.save()
    return api_client(staff)


# --- interactions -------------------------------------------------------------------------


def test_the_owner_logs_and_lists_interactions(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=30, last_interaction_on=days_ago(40)
    )
    api = cast.api("owner")

    created = send_json(
        api,
        "post",
        f"{API}/contacts/{anna.pk}/interactions",
        {"kind": "call", "note": "Lunch next week"},
    )
    older = send_json(
        api,
        "post",
        f"{API}/contacts/{anna.pk}/interactions",
        {"kind": "email", "happened_on": "2026-06-01"},
    )
    listed = api.get(f"{API}/contacts/{anna.pk}/interactions").json()

    assert created.status_code == older.status_code == 201
    assert created.json() | {"id": 0} == {
        "id": 0,
        "contact_id": anna.pk,
        "kind": "call",
        "happened_on": "2026-06-10",
        "note": "Lunch next week",
        "source": "",
        "url": "",
    }
    assert [item["kind"] for item in listed["items"]] == ["call", "email"] and listed["count"] == 2
    anna.refresh_from_db()
    assert anna.last_interaction_on == TODAY


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"kind": "fax"}, "Unknown kind"),
        ({"kind": "call", "happened_on": "2026-06-11"}, "future"),
        ({"kind": "call", "note": "x" * 4001}, "too long"),
    ],
)
def test_a_bad_interaction_is_a_400_and_nothing_changes(cast, payload, message):
    anna = contact_of(cast.owner, "Anna Bassi", last_interaction_on=days_ago(40))
    response = send_json(
        cast.api("owner"), "post", f"{API}/contacts/{anna.pk}/interactions", payload
    )
    assert response.status_code == 400 and message in response.json()["detail"]
    anna.refresh_from_db()
    assert anna.last_interaction_on == days_ago(40) and Interaction.objects.count() == 0


def test_interval_and_snooze(cast):
    anna = contact_of(cast.owner, "Anna Bassi", last_interaction_on=days_ago(40))
    api = cast.api("owner")

    interval = send_json(api, "put", f"{API}/contacts/{anna.pk}/stay-in-touch", {"days": 30})
    snoozed = send_json(api, "put", f"{API}/contacts/{anna.pk}/snooze", {"until": "2026-06-20"})
    bad = send_json(api, "put", f"{API}/contacts/{anna.pk}/stay-in-touch", {"days": 0})
    bad_snooze = send_json(api, "put", f"{API}/contacts/{anna.pk}/snooze", {"until": "2026-06-01"})

    assert interval.status_code == 200 and interval.json()["due_on"] == "2026-05-31"
    assert (
        snoozed.json()["due_on"] == "2026-06-20" and snoozed.json()["snoozed_until"] == "2026-06-20"
    )
    assert bad.status_code == 400 and "1 to 3650" in bad.json()["detail"]
    assert bad_snooze.status_code == 400 and "after today" in bad_snooze.json()["detail"]
    anna.refresh_from_db()
    assert (anna.stay_in_touch_days, anna.snoozed_until) == (30, TODAY + 10 * DAY)
    stopped = send_json(api, "put", f"{API}/contacts/{anna.pk}/stay-in-touch", {"days": None})
    assert stopped.json()["stay_in_touch_days"] is None and stopped.json()["due_on"] is None


# --- the losing-touch list ----------------------------------------------------------------


def test_the_losing_touch_list_is_the_most_overdue_first(cast):
    contact_of(cast.owner, "Late Two", stay_in_touch_days=28, last_interaction_on=days_ago(30))
    contact_of(cast.owner, "Late Ten", stay_in_touch_days=20, last_interaction_on=days_ago(30))
    contact_of(cast.owner, "Fading Fay", last_interaction_on=days_ago(33))
    contact_of(cast.member, "Not Mine", stay_in_touch_days=1, last_interaction_on=days_ago(30))

    body = cast.api("owner").get(f"{API}/contacts/losing-touch").json()

    assert [(i["name"], i["overdue_days"], i["days_since"]) for i in body["items"]] == [
        ("Late Ten", 10, 30),
        ("Late Two", 2, 30),
    ]
    assert body["count"] == 2 and body["items"][0]["due_on"] == "2026-05-31"
    assert [f["name"] for f in body["fading"]] == ["Fading Fay"]
    with on(TODAY + 60 * DAY):
        later = cast.api("owner").get(f"{API}/contacts/losing-touch").json()
    assert [i["overdue_days"] for i in later["items"]] == [70, 62]
    assert (
        cast.api("member").get(f"{API}/contacts/losing-touch").json()["items"][0]["name"]
        == "Not Mine"
    )
    assert cast.api("outsider").get(f"{API}/contacts/losing-touch").json() == {
        "items": [],
        "count": 0,
        "fading": [],
    }


def test_the_losing_touch_list_pages(cast):
    for n in range(5):
        contact_of(
            cast.owner, f"Late {n}", stay_in_touch_days=10 + n, last_interaction_on=days_ago(30)
        )
    body = cast.api("owner").get(f"{API}/contacts/losing-touch?limit=2&offset=1").json()
    assert [i["name"] for i in body["items"]] == ["Late 1", "Late 2"] and body["count"] == 5


def test_the_losing_touch_lists_queries_stay_flat(cast, django_assert_max_num_queries):
    api = cast.api("owner")
    page = cast.client("owner")
    for n in range(30):
        contact = contact_of(
            cast.owner, f"Late {n:02d}", stay_in_touch_days=7, last_interaction_on=days_ago(10 + n)
        )
        log_interaction(contact, kind="call", on=days_ago(10 + n))
    for n in range(5):
        contact_of(cast.owner, f"Fading {n}", last_interaction_on=days_ago(31 + n))
    with django_assert_max_num_queries(4):
        body = api.get(f"{API}/contacts/losing-touch").json()
    with django_assert_max_num_queries(8):
        html = page.get("/contacts/losing-touch/").content.decode()
    assert body["count"] == 30 and len(body["fading"]) == 5
    assert html.count('id="due-') == 30 and html.count('id="fading-') == 5


# --- informal referrals -------------------------------------------------------------------


def test_an_informal_referral_from_a_contact(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    response = send_json(
        cast.api("owner"),
        "post",
        f"{API}/contacts/{anna.pk}/referrals",
        {"role": "prospect", "receiver_member_id": cast.member.pk, "notes": "Wedding in May"},
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["group"], body["receiver"], body["prospect_name"]) == (
        None,
        cast.member.pk,
        "Anna Bassi",
    )
    assert anna.interactions.get().source == f"ledger.referral:{body['id']}"


def test_a_bad_informal_referral_is_a_400_and_saves_nothing(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    stranger = send_json(
        cast.api("owner"),
        "post",
        f"{API}/contacts/{anna.pk}/referrals",
        {"role": "prospect", "receiver_member_id": 99999},
    )
    nobody = send_json(
        cast.api("owner"), "post", f"{API}/contacts/{anna.pk}/referrals", {"role": "prospect"}
    )
    assert stranger.status_code == nobody.status_code == 400
    assert "Choose whom" in nobody.json()["detail"]
    assert Referral.objects.count() == 0 and Interaction.objects.count() == 0


# --- introductions ------------------------------------------------------------------------


def test_introductions_through_the_api_end_to_end(cast):
    anna = contact_of(cast.owner, "Annabella Quercetti", company="Quercetti Vivai", closeness=4)
    owner, member = cast.api("owner"), cast.api("member")
    payload = {
        "a_contact_id": anna.pk,
        "b_member_id": cast.member.pk,
        "reason": "Flowers for your weddings",
    }

    warned = send_json(owner, "post", f"{API}/introductions", payload)
    created = send_json(
        owner, "post", f"{API}/introductions", {**payload, "confirm_close_tie": True}
    )

    assert warned.status_code == 400 and "can hurt your relationship" in warned.json()["detail"]
    assert created.status_code == 201
    body = created.json()
    assert (body["role"], body["status"], body["close_tie_warned"]) == ("owner", "pending", True)
    assert body["a"] == {
        "contact_id": anna.pk,
        "member_id": None,
        "name": "Annabella Quercetti",
        "answer": "waiting",
    }
    pk = body["id"]
    asked = member.get(f"{API}/introductions?asked=true").json()
    assert asked["count"] == 1
    seen = asked["items"][0]
    assert (seen["role"], seen["introducer"], seen["reason"], seen["my_answer"]) == (
        "b",
        "Olivia Owner",
        "Flowers for your weddings",
        "waiting",
    )
    assert (
        seen["a"] is None
        and seen["b"] is None
        and seen["other"] is None
        and seen["outcome"] is None
    )
    assert "Quercetti" not in member.get(f"{API}/introductions/{pk}").content.decode()

    answered = send_json(member, "post", f"{API}/introductions/{pk}/answer", {"accept": True})
    assert answered.json()["my_answer"] == "accepted" and answered.json()["other"] is None
    answer_introduction(Introduction.objects.get(pk=pk), side="a", accept=True)
    assert member.get(f"{API}/introductions/{pk}").json()["other"]["company"] == "Quercetti Vivai"

    outcome = send_json(
        owner,
        "post",
        f"{API}/introductions/{pk}/outcome",
        {"outcome": "neutral", "note": "No work yet"},
    )
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "neutral"
    assert anna.interactions.get().kind == "introduction"
    listed = owner.get(f"{API}/introductions").json()
    assert [item["id"] for item in listed["items"]] == [pk]


def test_withdrawing_through_the_api(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    introduction = introduce(cast.owner, a=anna, b=cast.member, reason="x")
    by_member = send_json(
        cast.api("member"), "post", f"{API}/introductions/{introduction.pk}/withdraw"
    )
    by_owner = send_json(
        cast.api("owner"), "post", f"{API}/introductions/{introduction.pk}/withdraw"
    )
    assert by_member.status_code == 400 and by_owner.json()["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"a_contact_id": 1, "a_member_id": 1, "b_member_id": 1, "reason": "x"}, "not both"),
        ({"b_member_id": 1, "reason": "x"}, "not both"),
    ],
)
def test_a_side_must_be_a_contact_or_a_member(cast, payload, message):
    response = send_json(cast.api("owner"), "post", f"{API}/introductions", payload)
    assert response.status_code == 400 and message in response.json()["detail"]
    assert Introduction.objects.count() == 0


# --- privacy of every route ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "leader", "staff"])
def test_every_route_is_a_404_for_anyone_but_the_owner(cast, who):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=7, last_interaction_on=days_ago(30)
    )
    log_interaction(anna, kind="call", on=days_ago(30), note="private words")
    introduction = introduce(cast.owner, a=anna, b=cast.member, reason="secret reason")
    api = staff_api() if who == "staff" else cast.api(who)
    contact = f"{API}/contacts/{anna.pk}"
    intro = f"{API}/introductions/{introduction.pk}"
    routes = [
        ("get", f"{contact}/interactions", None),
        ("post", f"{contact}/interactions", {"kind": "call"}),
        ("put", f"{contact}/stay-in-touch", {"days": 1}),
        ("put", f"{contact}/snooze", {"until": "2026-07-01"}),
        ("post", f"{contact}/referrals", {"role": "receiver", "prospect_name": "X"}),
        ("get", intro, None),
        ("post", f"{intro}/answer", {"accept": True}),
        ("post", f"{intro}/withdraw", None),
        ("post", f"{intro}/outcome", {"outcome": "bad"}),
    ]
    for method, url, data in routes:
        response = send_json(api, method, url, data)
        assert response.status_code == 404, (method, url, response.status_code)
    for url in (
        f"{API}/contacts/losing-touch",
        f"{API}/introductions",
        f"{API}/introductions?asked=true",
    ):
        text = api.get(url).content.decode()
        assert "Anna Bassi" not in text and "secret reason" not in text
    anna.refresh_from_db()
    assert (anna.stay_in_touch_days, anna.snoozed_until, anna.interactions.count()) == (7, None, 1)
    introduction.refresh_from_db()
    assert introduction.status == "pending" and Referral.objects.count() == 0


def test_every_route_needs_authentication(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    anonymous = Client()
    for url in (
        f"{API}/contacts/{anna.pk}/interactions",
        f"{API}/contacts/losing-touch",
        f"{API}/introductions",
    ):
        assert anonymous.get(url).status_code == 401
