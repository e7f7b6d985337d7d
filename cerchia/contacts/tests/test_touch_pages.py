"""Stay-in-touch pages: the losing-touch list, the contact page's stay-in-touch section and
history, logging, interval and snooze forms, informal referrals from a contact — and a 404 on
every route for anyone but the contact's owner."""

from __future__ import annotations

import pytest
from django.test import Client

from cerchia.conftest import make_user
from cerchia.contacts.interactions import log_interaction
from cerchia.contacts.introductions import answer_introduction, introduce, record_outcome
from cerchia.contacts.models import Interaction
from cerchia.contacts.tests.touch_helpers import DAY, TODAY, contact_of, days_ago, on
from cerchia.ledger.models import Referral


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


def test_the_losing_touch_page_lists_whom_to_call_and_logs_in_one_tap(cast):
    late = contact_of(
        cast.owner,
        "Late Larry",
        stay_in_touch_days=20,
        last_interaction_on=days_ago(30),
        closeness=5,
    )
    contact_of(cast.owner, "Fading Fay", last_interaction_on=days_ago(40))
    client = cast.client("owner")

    page = client.get("/contacts/losing-touch/").content.decode()
    logged = client.post(
        f"/contacts/{late.pk}/interactions/",
        {"kind": "call", "happened_on": TODAY.isoformat(), "next": "/contacts/losing-touch/"},
    )

    assert f'id="due-{late.pk}"' in page and "10 days late" in page and "close tie" in page
    assert "Fading Fay" in page
    assert logged.status_code == 302 and logged["Location"] == "/contacts/losing-touch/"
    late.refresh_from_db()
    assert late.last_interaction_on == TODAY
    assert f'id="due-{late.pk}"' not in client.get("/contacts/losing-touch/").content.decode()


def test_the_one_tap_snooze_hides_a_contact_for_a_week(cast):
    late = contact_of(
        cast.owner, "Late Larry", stay_in_touch_days=20, last_interaction_on=days_ago(30)
    )
    client = cast.client("owner")
    page = client.get("/contacts/losing-touch/").content.decode()
    assert f'value="{(TODAY + 7 * DAY).isoformat()}"' in page

    client.post(f"/contacts/{late.pk}/snooze/", {"until": (TODAY + 7 * DAY).isoformat()})

    late.refresh_from_db()
    assert late.snoozed_until == TODAY + 7 * DAY
    assert f'id="due-{late.pk}"' not in client.get("/contacts/losing-touch/").content.decode()


def test_the_contact_page_shows_stay_in_touch_and_the_history(cast):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=14, last_interaction_on=days_ago(20)
    )
    log_interaction(anna, kind="meeting", on=days_ago(20), note="Coffee at Zanarini")
    log_interaction(anna, kind="referral", on=days_ago(20), source="ledger.referral:5")

    page = cast.client("owner").get(f"/contacts/{anna.pk}/").content.decode()

    assert 'id="stay-in-touch"' in page and "Due since" in page
    assert "Coffee at Zanarini" in page and 'href="/ledger/referrals/5/"' in page
    assert f'href="/introductions/new/?a={anna.pk}"' in page
    assert f'href="/contacts/{anna.pk}/refer/"' in page


def test_the_interval_form_sets_and_stops_reminders(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    client = cast.client("owner")

    client.post(f"/contacts/{anna.pk}/stay-in-touch/", {"days": "30"})
    anna.refresh_from_db()
    assert anna.stay_in_touch_days == 30
    bad = client.post(f"/contacts/{anna.pk}/stay-in-touch/", {"days": "0"}, follow=True)
    anna.refresh_from_db()
    assert anna.stay_in_touch_days == 30 and "greater than or equal to 1" in bad.content.decode()
    client.post(f"/contacts/{anna.pk}/stay-in-touch/", {"days": ""})
    anna.refresh_from_db()
    assert anna.stay_in_touch_days is None


def test_a_bad_interaction_from_the_page_says_why_and_saves_nothing(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    response = cast.client("owner").post(
        f"/contacts/{anna.pk}/interactions/",
        {"kind": "call", "happened_on": "2026-06-11"},
        follow=True,
    )
    assert "cannot be in the future" in response.content.decode()
    assert Interaction.objects.count() == 0


def test_a_next_address_elsewhere_is_ignored(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    response = cast.client("owner").post(
        f"/contacts/{anna.pk}/interactions/",
        {"kind": "call", "happened_on": TODAY.isoformat(), "next": "https://evil.example/"},
    )
    assert response["Location"] == f"/contacts/{anna.pk}/"


def test_the_refer_page_records_an_informal_referral(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    contact_of(cast.owner, "Bruno Cola")
    client = cast.client("owner")

    form = client.get(f"/contacts/{anna.pk}/refer/").content.decode()
    response = client.post(
        f"/contacts/{anna.pk}/refer/",
        {
            "role": "prospect",
            "receiver_contact": "bruno cola",
            "temperature": "4",
            "given_on": TODAY.isoformat(),
        },
    )

    assert '<option value="Bruno Cola">' in form and "Mia Member" in form
    assert response.status_code == 302
    referral = Referral.objects.get()
    assert (
        referral.group,
        referral.prospect_name,
        referral.receiver_name,
        referral.temperature,
    ) == (None, "Anna Bassi", "Bruno Cola", 4)
    assert anna.interactions.get().kind == "referral"


def test_the_refer_page_explains_a_missing_receiver(cast):
    anna = contact_of(cast.owner, "Anna Bassi")
    response = cast.client("owner").post(
        f"/contacts/{anna.pk}/refer/",
        {"role": "prospect", "temperature": "3", "given_on": TODAY.isoformat()},
    )
    assert (
        response.status_code == 200
        and "Choose whom you referred them to" in response.content.decode()
    )
    unknown = cast.client("owner").post(
        f"/contacts/{anna.pk}/refer/",
        {
            "role": "prospect",
            "receiver_contact": "Nobody Known",
            "temperature": "3",
            "given_on": TODAY.isoformat(),
        },
    )
    assert "None of your contacts is called" in unknown.content.decode()
    assert Referral.objects.count() == 0


@pytest.mark.parametrize("who", ["outsider", "leader", "staff"])
def test_every_touch_route_is_a_404_for_anyone_but_the_owner(cast, who):
    anna = contact_of(
        cast.owner, "Anna Bassi", stay_in_touch_days=7, last_interaction_on=days_ago(30)
    )
    if who == "staff":
        staff = make_user("staff@example.org")
        staff.is_staff = staff.is_superuser = True
        staff.save()
        client = Client()
        client.force_login(staff)
    else:
        client = cast.client(who)
    base = f"/contacts/{anna.pk}"
    posts = {
        "interactions/": {"kind": "call", "happened_on": TODAY.isoformat()},
        "stay-in-touch/": {"days": "1"},
        "snooze/": {"until": (TODAY + DAY).isoformat()},
        "refer/": {
            "role": "receiver",
            "prospect_name": "X",
            "temperature": "3",
            "given_on": TODAY.isoformat(),
        },
    }
    for action, data in posts.items():
        assert client.post(f"{base}/{action}", data).status_code == 404
    assert client.get(f"{base}/refer/").status_code == 404
    assert "Anna Bassi" not in client.get("/contacts/losing-touch/").content.decode()
    anna.refresh_from_db()
    assert (anna.stay_in_touch_days, anna.snoozed_until, anna.interactions.count()) == (7, None, 0)
    assert Referral.objects.count() == 0


def test_the_contact_pages_history_reads_in_a_few_queries(cast, django_assert_max_num_queries):
    anna = contact_of(cast.owner, "Anna Bassi", stay_in_touch_days=30)
    for n in range(20):
        log_interaction(anna, kind="call", on=days_ago(n + 1), note=f"Call number {n}")
    for n in range(4):
        other = contact_of(cast.owner, f"Other {n}")
        introduction = introduce(cast.owner, a=anna, b=other, reason="x")
        answer_introduction(introduction, side="a", accept=True)
        answer_introduction(introduction, side="b", accept=True)
        record_outcome(introduction, actor=cast.owner, outcome="good", note=f"Outcome {n}")
    client = cast.client("owner")
    client.get(f"/contacts/{anna.pk}/")  # warm the session
    with django_assert_max_num_queries(12):
        page = client.get(f"/contacts/{anna.pk}/").content.decode()
    assert page.count('id="interaction-') == 24 and page.count("Went well") == 8
    assert "Other 3" in page and "Call number 19" in page
