"""Notices in the app: my list (page and API), marking them read, the unread count in the
navigation — each person's own notices only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.groups.tests.helpers import send_json
from cerchia.notices.models import Notice
from cerchia.notices.services import notify

API = "/api/v1/notices"


@pytest.fixture
def told(cast):
    """Two notices for the member (the second one newer), one for the outsider."""
    first = notify(
        cast.member,
        "dues.invoice_issued",
        {
            "group": "Chapter One",
            "number": "2026-0001",
            "amount": "90.00 EUR",
            "date": "2026-04-01",
        },
        url="/groups/chapter-one/dues/",
    )
    second = notify(
        cast.member,
        "dues.payment_recorded",
        {"group": "Chapter One", "number": "2026-0001", "amount": "90.00 EUR"},
        url="/groups/chapter-one/dues/",
    )
    other = notify(cast.outsider, "application.received", {"group": "Open Events"})
    return first, second, other


def test_my_notices_newest_first_and_nobody_elses(cast, told):
    first, second, other = told

    page = cast.client("member").get("/notices/")

    assert page.status_code == 200
    assert [n.pk for n in page.context["page"].object_list] == [second.pk, first.pk]
    html = page.content.decode()
    assert "Payment received by Chapter One" in html
    assert "Chapter One issued invoice 2026-0001 for 90.00 EUR, due on 2026-04-01." in html
    assert 'href="/groups/chapter-one/dues/"' in html
    assert "Open Events" not in html


def test_marking_all_read_touches_only_mine(cast, told):
    first, second, other = told

    response = cast.client("member").post("/notices/read/")

    assert response.status_code == 302
    assert Notice.objects.filter(pk__in=[first.pk, second.pk], read_at__isnull=True).count() == 0
    other.refresh_from_db()
    assert other.read_at is None
    page = cast.client("member").get("/notices/")
    assert 'class="notice unread"' not in page.content.decode()


def test_notices_pages_need_a_login_and_a_post(cast, told):
    assert Client().get("/notices/").status_code == 302
    assert Client().post("/notices/read/").status_code == 302
    assert cast.client("member").get("/notices/read/").status_code == 405
    assert Notice.objects.filter(read_at__isnull=False).count() == 0


def test_the_navigation_shows_my_unread_count_with_one_query(cast, told):
    client = cast.client("member")
    client.get("/groups/")  # warm up the session

    with CaptureQueriesContext(connection) as captured:
        html = client.get("/groups/").content.decode()

    assert 'id="nav-notices"' in html
    assert '2 unread notices">2</span>' in html
    notice_queries = [q for q in captured if "notices_notice" in q["sql"]]
    assert len(notice_queries) == 1

    client.post("/notices/read/")
    html = client.get("/groups/").content.decode()
    assert 'id="nav-notices"' in html
    assert "unread notice" not in html


def test_anonymous_pages_show_no_notices_and_ask_nothing(cast, told):
    with CaptureQueriesContext(connection) as captured:
        html = Client().get("/groups/").content.decode()

    assert 'id="nav-notices"' not in html
    assert not [q for q in captured if "notices_notice" in q["sql"]]


def test_the_api_lists_my_notices(cast, told):
    first, second, _other = told
    client = cast.api("member")

    body = client.get(API).json()

    assert (body["count"], body["unread"]) == (2, 2)
    assert [n["id"] for n in body["items"]] == [second.pk, first.pk]
    assert body["items"][0]["subject"] == "Payment received by Chapter One"
    assert body["items"][0]["kind"] == "dues.payment_recorded"
    assert body["items"][0]["url"] == "/groups/chapter-one/dues/"
    assert body["items"][0]["read_at"] is None
    assert len(client.get(f"{API}?limit=1").json()["items"]) == 1
    assert Client().get(API).status_code == 401


def test_the_api_marks_my_notices_read(cast, told):
    _first, _second, other = told
    client = cast.api("member")

    marked = send_json(client, "post", f"{API}/read")
    again = send_json(client, "post", f"{API}/read")

    assert marked.json() == {"marked": 2}
    assert again.json() == {"marked": 0}
    body = client.get(API).json()
    assert body["unread"] == 0
    assert all(n["read_at"] for n in body["items"])
    assert client.get(f"{API}?unread=true").json()["count"] == 0
    other.refresh_from_db()
    assert other.read_at is None
    assert Client().post(f"{API}/read").status_code == 401
