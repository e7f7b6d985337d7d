"""The main flow in a real browser: sign up, fill in the card, join a group, switch to Italian.

Runs in Debian's Chromium (/usr/bin/chromium) through Playwright; skipped, with the reason
printed, where Chromium is not installed. CI installs it, so CI always runs this.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from cerchia.accounts.models import User
from cerchia.conftest import make_user
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group

CHROMIUM = os.environ.get("CERCHIA_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.browser,
    # live_server empties the tables afterwards; put the profession taxonomy back.
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

    # The live server answers in threads of its own: let each close its connection after the
    # request, or PostgreSQL refuses to drop the test database at the end.
    settings_dict = connections.databases["default"]
    max_age = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0

    # Playwright's sync API runs an event loop; the test's own ORM calls are still synchronous.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 390, "height": 844})  # a phone
        page = context.new_page()
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            context.close()
            browser.close()
            # Connections opened while Playwright's loop runs are stored for that loop: close
            # them now, or they outlive the test and block dropping the test database.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            settings_dict["CONN_MAX_AGE"] = max_age


def test_sign_up_edit_profile_join_a_group_and_switch_to_italian(
    page: Any, live_server: Any
) -> None:
    organiser = make_user("organiser@example.org", "Olga Organiser")
    group = create_group(
        organiser,
        name="Bologna Business Events",
        kind="event_network",
        visibility="public",
        join_policy="open",
    )
    base = live_server.url

    # Sign up.
    page.goto(f"{base}/account/signup/")
    page.fill("input[name=email]", "newcomer@example.org")
    page.fill("input[name=password1]", "a-long-Passphrase-42")
    page.fill("input[name=password2]", "a-long-Passphrase-42")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert User.objects.filter(email="newcomer@example.org").exists()

    # Fill in the business card: the phone is normalised, its visibility stays "only me".
    page.goto(f"{base}/me/profile/")
    page.fill("input[name=display_name]", "Nina Newcomer")
    page.fill("input[name=company]", "Nina Fiori")
    page.select_option("select[name=profession]", label="Florist · Weddings & events")
    page.fill("input[name=offers]", "Wedding flowers, Events")
    page.fill("input[name=phone]", "051 123 4567")
    page.fill("input[name=country]", "it")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/people/*/")
    assert page.locator("h1").inner_text() == "Nina Newcomer"
    assert "+390511234567" in page.content()
    profile = User.objects.get(email="newcomer@example.org").profile
    assert profile.phone == "+390511234567"
    assert profile.offers == ["wedding flowers", "events"]
    assert profile.level_of("phone") == "private"

    # Join the group with htmx: the panel changes without a page load.
    page.goto(f"{base}{group.get_absolute_url()}")
    page.click("#join-button")
    page.wait_for_selector("#membership-panel .badge")
    assert Membership.objects.get(group=group, user__email="newcomer@example.org").is_active

    # Switch to Italian: the page and its lang attribute follow.
    page.select_option("#language", "it")
    page.wait_for_function("document.documentElement.lang === 'it'")
    assert "Gruppi" in page.locator("nav").inner_text()
    assert page.locator("#membership-panel").inner_text().startswith("Sei membro")


def _log_in(page: Any, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/account/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "pw-" + email)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_apply_to_a_chapter_the_leader_approves_and_the_member_is_in_the_directory(
    page: Any, live_server: Any
) -> None:
    import datetime

    import time_machine
    from django.utils import timezone

    from cerchia.conftest import add_member

    leader = make_user("leader@example.org", "Leo Leader", profession="accountant")
    sponsor = make_user("sponsor@example.org", "Sofia Sponsor", profession="caterer")
    make_user("florist@example.org", "Flora Fiori", profession="florist")
    chapter = create_group(
        leader,
        name="Referral Bologna Centro",
        kind="lead_group",
        visibility="public",
        join_policy="application",
    )
    add_member(chapter, sponsor)
    base = live_server.url

    # The florist applies, with a sponsor; the florist seat is free.
    _log_in(page, base, "florist@example.org")
    page.goto(f"{base}{chapter.get_absolute_url()}")
    page.fill("#join-message", "I bring wedding clients.")
    page.fill("#join-sponsor", "sponsor@example.org")
    page.click("#join-button")
    page.wait_for_selector("#membership-panel .badge")
    application = Membership.objects.get(group=chapter, user__email="florist@example.org")
    assert application.status == "applied"

    # The leader sees the application; approval waits for the 7-day objection window.
    _log_in(page, base, "leader@example.org")
    page.goto(f"{base}{chapter.get_absolute_url()}")
    pending = page.locator(f"#pending-{application.pk}")
    assert "Flora Fiori" in pending.inner_text()
    assert pending.locator("button[value=approve]").is_disabled()

    with time_machine.travel(timezone.now() + datetime.timedelta(days=8), tick=True):
        page.goto(f"{base}{chapter.get_absolute_url()}")
        page.locator(f"#pending-{application.pk} button[value=approve]").click()
        page.wait_for_load_state()
        application.refresh_from_db()
        assert application.status == "active"
        assert application.seat_profession.code == "florist"

        # The new member is in the chapter's directory, in good standing, for anyone.
        page.context.clear_cookies()
        page.goto(f"{base}/groups/{chapter.slug}/directory/")
        entry = page.locator(".directory-entry", has_text="Flora Fiori")
        assert entry.count() == 1
        assert "Member in good standing" in entry.inner_text()


def test_a_visitor_registers_on_the_public_page_without_an_account(
    page: Any, live_server: Any
) -> None:
    import datetime

    from django.utils import timezone

    from cerchia.meetings.models import Registration, Visitor
    from cerchia.meetings.services import create_meeting

    leader = make_user("leader@example.org", "Leo Leader", profession="accountant")
    chapter = create_group(
        leader,
        name="Referral Bologna Centro",
        kind="lead_group",
        visibility="public",
        join_policy="application",
    )
    starts = timezone.now() + datetime.timedelta(days=3)
    meeting = create_meeting(
        chapter,
        actor=leader,
        kind="chapter_meeting",
        title="Weekly meeting",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=90),
        venue="Hotel Internazionale",
        capacity=30,
        price_visitor_minor=1500,
    )

    page.goto(f"{live_server.url}/meetings/{meeting.pk}/visit/")
    page.fill("#id_name", "Vera Visitatrice")
    page.fill("#id_email", "vera@example.it")
    page.fill("#id_company", "Vera Fiori")
    page.click("#visit-button")
    page.wait_for_selector("#visit-done")

    visitor = Visitor.objects.get(group=chapter, email="vera@example.it")
    registration = Registration.objects.get(meeting=meeting, visitor=visitor)
    assert registration.status == "registered"
    assert registration.audience == "visitor"
    assert registration.price_minor == 1500
    assert registration.user is None
    # The ticket is one tap away, with its QR code.
    page.click("#ticket-link")
    page.wait_for_selector("svg")
    assert registration.code in page.content()


def _fits_the_phone(page: Any) -> None:
    """Nothing wider than the phone's screen: wide tables scroll inside their own box."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width}px wide on a 390px phone"


def test_a_newcomer_asks_the_advisor_and_a_member_reads_the_report_on_a_phone(
    page: Any, live_server: Any
) -> None:
    import datetime

    from django.utils import timezone

    from cerchia.conftest import add_member
    from cerchia.ledger import services as ledger

    base = live_server.url
    # Before signing up: international clients, no weekly meetings, at home online.
    page.goto(f"{base}/advisor/")
    answers = {
        "clientele": "international",
        "weekly_meetings_ok": "no",
        "online_comfort": "5",
        "deal_size": "large",
        "b2b": "yes",
        "competitors_for_overflow": "no",
        "career_goals": "no",
        "privacy_sensitivity": "2",
    }
    for name, value in answers.items():
        page.check(f'#advisor-form input[name="{name}"][value="{value}"]')
    page.fill("#advisor-form input[name=budget]", "1500")
    page.fill("#advisor-form input[name=hours_per_week]", "3")
    page.click("#advisor-form button[type=submit]")
    page.wait_for_selector("#advisor-results")
    chamber = page.locator("#fit-chamber").inner_text()
    assert "immediate geographic community" in chamber
    online = int(page.locator("#fit-online_community .report-figure").inner_text().split("/")[0])
    chamber_fit = int(page.locator("#fit-chamber .report-figure").inner_text().split("/")[0])
    assert online > chamber_fit
    _fits_the_phone(page)

    # A member with a year in a chapter reads where the business came from.
    leader = make_user("leader@example.org", "Leo Leader", profession="accountant")
    member = make_user("member@example.org", "Mia Member", profession="wedding_photographer")
    chapter = create_group(
        leader, name="Referral Bologna Centro", kind="lead_group", visibility="private"
    )
    add_member(chapter, member)
    day = timezone.localdate() - datetime.timedelta(days=20)
    referral = ledger.record_referral(
        leader, group=chapter, receiver=member, prospect_name="Anna & Marco", given_on=day
    )
    ledger.record_closed_business(member, referral=referral, amount_minor=320_000, closed_on=day)
    _log_in(page, base, "member@example.org")
    page.goto(f"{base}/insights/")
    page.wait_for_selector("#report-groups")
    row = page.locator(f"#group-{chapter.slug}-EUR").inner_text()
    assert "3,200.00" in row or "3.200,00" in row
    assert "Referral Bologna Centro" in page.locator("#report-summary").inner_text()
    _fits_the_phone(page)
