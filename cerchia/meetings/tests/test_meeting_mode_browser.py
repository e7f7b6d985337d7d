"""Meeting mode in a real browser, on a phone-sized screen: a leader runs the agenda through
three segments, sees the countdown tick, follows the round and marks attendance with a tap —
every step swapped in by htmx, without a page load.

Runs in Debian's Chromium through Playwright, like cerchia/tests/test_browser.py; skipped, with
the reason printed, where Chromium is not installed."""

from __future__ import annotations

import datetime
import os
import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from django.utils import timezone

from cerchia.conftest import add_member, make_user
from cerchia.groups.services import create_group
from cerchia.meetings.agenda import create_agenda
from cerchia.meetings.models import Attendance, Meeting

CHROMIUM = os.environ.get("CERCHIA_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not (os.path.exists(CHROMIUM) or shutil.which("chromium")),
        reason=f"Chromium not installed at {CHROMIUM} (apt-get install chromium to run)",
    ),
]


@pytest.fixture
def page(live_server: Any) -> Iterator[Any]:
    from django.db import connections
    from playwright.sync_api import sync_playwright

    settings_dict = connections.databases["default"]
    max_age = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            settings_dict["CONN_MAX_AGE"] = max_age


def _log_in(page: Any, base: str, email: str) -> None:
    page.goto(f"{base}/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "pw-" + email)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_a_leader_runs_three_segments_and_marks_attendance(page: Any, live_server: Any) -> None:
    owner = make_user("owner@example.org", "Olivia Owner")
    leader = make_user("leader@example.org", "Leo Leader")
    member = make_user("member@example.org", "Mia Member")
    organisation = create_group(owner, name="Referral Org", kind="lead_group")
    chapter = create_group(owner, name="Chapter One", kind="lead_group", parent=organisation)
    add_member(chapter, leader, role="president")
    add_member(chapter, member)
    create_agenda(organisation, actor=owner)
    start = timezone.now() - datetime.timedelta(minutes=2)
    meeting = Meeting.objects.create(
        group=chapter,
        kind="chapter_meeting",
        title="Weekly meeting",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
    )
    base = live_server.url

    _log_in(page, base, "leader@example.org")
    page.goto(f"{base}/meetings/{meeting.pk}/live/")
    page.evaluate("window.loadedOnce = true")  # gone if a step reloaded the page

    page.click("#step-start")
    page.wait_for_selector("#segment-title:has-text('Open networking')")
    # The countdown runs in the browser: minutes and seconds left of 15 minutes.
    timer = page.locator("#segment-now .timer").first
    page.wait_for_function(
        "document.querySelector('#segment-now .timer').textContent.match(/^1[45]:[0-5][0-9]$/)"
    )
    assert re.fullmatch(r"1[45]:[0-5]\d", timer.inner_text())

    page.click("#step-next")
    page.wait_for_selector("#segment-title:has-text('Welcome, purpose and overview')")
    page.click("#step-next")
    page.wait_for_selector("#segment-title:has-text('Education moment')")
    assert Meeting.objects.get(pk=meeting.pk).live_segment == 2

    # Attendance as it goes: one tap marks Mia absent, then a substitute by name.
    row = page.locator(f"#mark-{member.pk}")
    row.locator("button[value=absent]").click()
    page.wait_for_selector(f"#mark-{member.pk} .badge.status-absent")
    assert Attendance.objects.get(meeting=meeting, user=member).status == "absent"
    page.locator(f"#mark-{member.pk} summary").click()
    page.fill(f"#mark-{member.pk} input[name=substitute_name]", "Sara Sub")
    page.locator(f"#mark-{member.pk} button[value=substitute]").click()
    page.wait_for_selector(f"#mark-{member.pk} .badge.status-substitute")
    saved = Attendance.objects.get(meeting=meeting, user=member)
    assert (saved.status, saved.substitute_name) == ("substitute", "Sara Sub")

    # The round: the next step shows who presents, in order.
    page.click("#step-next")
    page.wait_for_selector("#turn-name")
    first = page.locator("#turn-name").inner_text()
    page.click("#step-turn_next")
    page.wait_for_function(f"document.querySelector('#turn-name').textContent !== {first!r}")
    assert page.evaluate("window.loadedOnce") is True  # every step came in without a reload
