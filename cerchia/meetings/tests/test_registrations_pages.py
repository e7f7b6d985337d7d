"""Registration pages: register, tickets with QR codes, my registrations, the attendee list per
privacy, leader actions and the check-in page — and who gets 404/403."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from cerchia.accounts.models import Profile
from cerchia.conftest import Cast, make_user
from cerchia.groups.tests.helpers import messages_of, page_client
from cerchia.meetings.models import Meeting, Registration, Visitor
from cerchia.meetings.registrations import cancel_registration, check_in, register
from cerchia.meetings.tests.registration_helpers import make_meeting, members
from cerchia.notices.models import Notice

pytestmark = pytest.mark.django_db


def _ticket_url(reg: Registration) -> str:
    return f"/registrations/{reg.code}/"


# --- register ----------------------------------------------------------------------------------


def test_a_member_registers_with_answers_and_a_guest_from_the_page(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, questions=["Dietary needs?"])
    client = cast.client("member")

    page = client.get(f"/meetings/{meeting.pk}/register/")
    assert page.status_code == 200
    assert "Your price: <strong>10.00 EUR</strong>" in page.content.decode()
    response = client.post(
        f"/meetings/{meeting.pk}/register/",
        {
            "answer_0": "vegan",
            "guest_name": ["Gina Guest", ""],
            "guest_email": ["gina@example.org", ""],
        },
    )

    mine = Registration.objects.get(meeting=meeting, user=cast.member)
    assert response.status_code == 302 and response["Location"] == _ticket_url(mine)
    assert mine.answers == [{"question": "Dietary needs?", "answer": "vegan"}]
    guest = Registration.objects.get(meeting=meeting, registered_by=cast.member, user=None)
    assert (guest.name, guest.audience) == ("Gina Guest", "non_member")
    assert "Mia Member is registered for Growth workshop." in messages_of(response)


def test_the_register_page_shows_an_existing_registration_instead_of_the_form(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)
    client = cast.client("member")

    page = client.get(f"/meetings/{meeting.pk}/register/").content.decode()
    client.post(f"/meetings/{meeting.pk}/register/", {})

    assert 'id="already-registered"' in page and _ticket_url(reg) in page
    assert 'id="register-form"' not in page
    assert Registration.objects.filter(meeting=meeting).count() == 1


def test_a_refused_registration_shows_why(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, members_only=True)
    response = cast.client("visitor").post(f"/meetings/{meeting.pk}/register/", {})
    assert response.status_code == 200  # the form again, with the reason shown above it
    assert "members of Chapter One in good standing" in response.content.decode()
    assert not Registration.objects.exists()


def test_outsiders_cannot_see_or_register_for_a_private_groups_meeting(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    outsider = cast.client("outsider")
    assert outsider.get(f"/meetings/{meeting.pk}/register/").status_code == 404
    assert outsider.post(f"/meetings/{meeting.pk}/register/", {}).status_code == 404
    anonymous = Client().get(f"/meetings/{meeting.pk}/register/")
    assert anonymous.status_code == 302 and "/account/login/" in anonymous["Location"]
    assert not Registration.objects.exists()


# --- tickets -----------------------------------------------------------------------------------


def test_the_ticket_shows_a_qr_code_with_the_check_in_address(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)

    page = cast.client("member").get(_ticket_url(reg)).content.decode()

    assert "<svg" in page and 'class="ticket-qr"' in page
    assert f'<code id="ticket-code">{reg.code}</code>' in page
    assert 'id="cancel-button"' in page
    import segno  # noqa: F401 - the QR encodes the check-in address; decode what segno made

    from cerchia.meetings.tickets import check_in_url

    assert check_in_url(reg).endswith(f"/meetings/{meeting.pk}/check-in/?code={reg.code}")


def test_a_waiting_ticket_has_no_qr_code(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    register(meeting, actor=cast.leader, user=cast.leader)
    waiting = register(meeting, actor=cast.member, user=cast.member)
    page = cast.client("member").get(_ticket_url(waiting)).content.decode()
    assert "number 1 on the waiting list" in page
    assert "ticket-qr" not in page


def test_tickets_are_for_the_attendee_their_host_and_the_leaders_only(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member, guests=[("Gus", "")])
    guest = Registration.objects.get(meeting=meeting, name="Gus")
    other_member = members(cast.group, 1)[0]

    assert cast.client("member").get(_ticket_url(reg)).status_code == 200
    assert cast.client("member").get(_ticket_url(guest)).status_code == 200
    assert cast.client("leader").get(_ticket_url(reg)).status_code == 200
    assert cast.client("owner").get(_ticket_url(reg)).status_code == 200
    assert page_client(other_member).get(_ticket_url(reg)).status_code == 404
    assert cast.client("outsider").get(_ticket_url(reg)).status_code == 404
    assert Client().get(_ticket_url(reg)).status_code == 404
    assert cast.client("outsider").get("/registrations/NOSUCHCODE/").status_code == 404


def test_a_ticket_without_an_account_opens_with_its_code_alone(cast: Cast) -> None:
    meeting = make_meeting(cast.public_group, capacity=10)
    visitor = Visitor.objects.create(
        group=cast.public_group, name="Vera Visit", email="vera@example.org"
    )
    reg = register(meeting, actor=None, visitor=visitor)

    page = Client().get(_ticket_url(reg))

    assert page.status_code == 200 and "Vera Visit" in page.content.decode()
    assert 'id="cancel-button"' in page.content.decode()  # the code is their key


def test_cancelling_and_confirming_from_the_ticket(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(hours=2))
    held = register(meeting, actor=cast.leader, user=cast.leader)
    waiting = register(meeting, actor=cast.member, user=cast.member)

    response = cast.client("leader").post(f"/registrations/{held.code}/cancel/")
    assert any("counts as a no-show" in m for m in messages_of(response))
    page = cast.client("member").get(_ticket_url(waiting)).content.decode()
    assert 'id="confirm-button"' in page
    assert cast.client("outsider").post(f"/registrations/{waiting.code}/confirm/").status_code == (
        404
    )
    cast.client("member").post(f"/registrations/{waiting.code}/confirm/")

    waiting.refresh_from_db()
    held.refresh_from_db()
    assert waiting.status == "registered" and waiting.seat == 1
    assert held.status == "cancelled" and held.no_show


def test_the_ticket_page_expires_a_stale_offer_itself(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1, starts_in=datetime.timedelta(days=9))
    held = register(meeting, actor=cast.leader, user=cast.leader)
    waiting = register(meeting, actor=cast.member, user=cast.member)
    cancel_registration(held, actor=cast.leader)

    with time_machine.travel(timezone.now() + datetime.timedelta(days=3), tick=False):
        page = cast.client("member").get(_ticket_url(waiting)).content.decode()

    assert "Cancelled" in page and 'id="confirm-button"' not in page


def test_my_registrations_lists_mine_and_my_guests_in_few_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    for index in range(8):
        meeting = make_meeting(cast.group, capacity=10, title=f"Meeting {index}")
        register(meeting, actor=cast.member, user=cast.member, guests=[(f"Gus {index}", "")])
    register(make_meeting(cast.group, title="Not mine"), actor=cast.leader, user=cast.leader)
    client = cast.client("member")

    with django_assert_max_num_queries(12):  # type: ignore[operator]
        page = client.get("/me/registrations/").content.decode()

    assert page.count('id="registration-') == 16
    assert "Not mine" not in page
    assert Client().get("/me/registrations/").status_code == 302


# --- attendee lists ----------------------------------------------------------------------------


def test_leaders_see_every_registration_with_prices_and_guests(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    register(meeting, actor=cast.member, user=cast.member, guests=[("Gus", "gus@example.org")])

    page = cast.client("leader").get(f"/meetings/{meeting.pk}/registrations/").content.decode()

    assert "Mia Member" in page and "Gus" in page and "gus@example.org" in page
    assert "Guest of Mia Member" in page
    assert "25.00 EUR" in page  # the guest's non-member price
    filtered = cast.client("leader").get(f"/meetings/{meeting.pk}/registrations/?status=waitlisted")
    assert (
        "Gus" in filtered.content.decode() and "member@example.org" not in filtered.content.decode()
    )


def test_members_see_names_they_may_see_and_only_a_count_of_the_rest(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    private = members(cast.group, 1, prefix="shy")[0]
    Profile.objects.filter(user=private).update(visibility={"display_name": "connections"})
    register(meeting, actor=cast.leader, user=cast.leader, guests=[("Gus Guest", "")])
    register(meeting, actor=private, user=private)
    visitor = Visitor.objects.create(group=cast.group, name="Vera Visit", email="v@example.org")
    register(meeting, actor=cast.leader, visitor=visitor)

    page = cast.client("member").get(f"/meetings/{meeting.pk}/registrations/").content.decode()

    assert "Leo Leader" in page
    assert "Gus Guest" not in page and "Vera Visit" not in page and "Shy 000" not in page
    assert "and 3 more" in page
    assert "leader@example.org" not in page


def test_attendee_lists_are_closed_to_outsiders_and_non_members(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    register(meeting, actor=cast.member, user=cast.member)
    url = f"/meetings/{meeting.pk}/registrations/"
    assert cast.client("outsider").get(url).status_code == 404
    assert cast.client("visitor").get(url).status_code == 403  # applied, not a member yet
    public_meeting = make_meeting(cast.public_group, capacity=10)
    assert (
        cast.client("outsider").get(f"/meetings/{public_meeting.pk}/registrations/").status_code
        == 403
    )


def test_the_leaders_list_stays_within_a_fixed_number_of_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    meeting = make_meeting(cast.group, capacity=40)
    for person in members(cast.group, 30):
        register(meeting, actor=person, user=person, guests=[("Guest of " + person.email, "")])
    client = cast.client("leader")

    with django_assert_max_num_queries(16):  # type: ignore[operator]
        response = client.get(f"/meetings/{meeting.pk}/registrations/")
    assert response.content.decode().count('id="registration-') == 50  # one page


def test_the_members_list_stays_within_a_fixed_number_of_queries(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    meeting = make_meeting(cast.group, capacity=40)
    for person in members(cast.group, 30):
        register(meeting, actor=person, user=person)
    client = cast.client("member")

    with django_assert_max_num_queries(14):  # type: ignore[operator]
        response = client.get(f"/meetings/{meeting.pk}/registrations/")
    attendees = response.content.decode().split('id="attendees"')[1].split("</ul>")[0]
    assert attendees.count("<li>") == 30


def test_leaders_approve_decline_cancel_and_record_payments_from_the_list(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=5, approval_required=True)
    first, second = members(cast.group, 2)
    a = register(meeting, actor=first, user=first)
    b = register(meeting, actor=second, user=second)
    base = f"/meetings/{meeting.pk}/registrations"
    leader = cast.client("leader")

    assert cast.client("member").post(f"{base}/{a.pk}/approve/").status_code == 403
    assert cast.client("outsider").post(f"{base}/{a.pk}/approve/").status_code == 404
    assert leader.post(f"{base}/{a.pk}/bogus/").status_code == 404
    leader.post(f"{base}/{a.pk}/approve/")
    leader.post(f"{base}/{b.pk}/decline/")
    response = leader.post(
        f"{base}/{a.pk}/payment/", {"amount": "10,00", "method": "cash", "reference": "door"}
    )
    assert response.status_code == 302
    bad = leader.post(f"{base}/{a.pk}/payment/", {"amount": "abc", "method": "cash"})

    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.status, a.paid_minor, a.payment_reference) == ("registered", 1000, "door")
    assert b.status == "declined"
    assert any("Amount" in m for m in messages_of(bad))
    leader.post(f"{base}/{a.pk}/cancel/")
    a.refresh_from_db()
    assert a.status == "cancelled"
    other = make_meeting(cast.group)
    assert leader.post(f"/meetings/{other.pk}/registrations/{b.pk}/approve/").status_code == 404


# --- check-in ----------------------------------------------------------------------------------


def test_the_check_in_page_checks_tickets_in_and_shows_the_live_count(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)
    register(meeting, actor=cast.leader, user=cast.leader)
    leader = cast.client("leader")
    url = f"/meetings/{meeting.pk}/check-in/"

    page = leader.get(url + f"?code={reg.code}").content.decode()
    assert f'value="{reg.code}"' in page and 'hx-trigger="every 4s"' in page
    ok = leader.post(url, {"code": reg.code}, headers={"HX-Request": "true"}).content.decode()
    again = leader.post(url, {"code": reg.code}, headers={"HX-Request": "true"}).content.decode()
    count = leader.get(url + "count/").content.decode()

    assert "Welcome, Mia Member!" in ok and "Still to pay: 10.00 EUR." in ok
    assert "1 / 2" in ok  # the count is swapped in with the result
    assert "already checked in" in again and "message error" in again
    assert "1 / 2" in count


def test_the_check_in_page_without_htmx_redirects_with_a_message(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    response = cast.client("leader").post(f"/meetings/{meeting.pk}/check-in/", {"code": "XXXX"})
    assert response.status_code == 302
    assert any("Unknown ticket code" in m for m in messages_of(response))


def test_only_leaders_reach_the_check_in_pages(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)
    for path in ("check-in/", "check-in/count/"):
        assert cast.client("member").get(f"/meetings/{meeting.pk}/{path}").status_code == 403
        assert cast.client("outsider").get(f"/meetings/{meeting.pk}/{path}").status_code == 404
    assert (
        cast.client("member")
        .post(f"/meetings/{meeting.pk}/check-in/", {"code": reg.code})
        .status_code
        == 403
    )
    assert cast.client("member").post(f"/meetings/{meeting.pk}/check-in/close/").status_code == 403
    reg.refresh_from_db()
    assert reg.checked_in_at is None


def test_closing_check_in_from_the_page(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10, starts_in=datetime.timedelta(hours=1))
    came = register(meeting, actor=cast.member, user=cast.member)
    absent = register(meeting, actor=cast.leader, user=cast.leader)
    with time_machine.travel(meeting.starts_at + datetime.timedelta(minutes=5), tick=False):
        check_in(meeting, actor=cast.leader, code=came.code)
        response = cast.client("leader").post(f"/meetings/{meeting.pk}/check-in/close/")
    assert any("1 no-shows recorded" in m for m in messages_of(response))
    absent.refresh_from_db()
    assert absent.no_show


def test_the_check_in_page_loads_the_camera_script_from_our_static_files(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    page = cast.client("leader").get(f"/meetings/{meeting.pk}/check-in/").content.decode()
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert "/static/js/check-in.js" in scripts
    assert all(s.startswith("/static/") for s in scripts)


def test_someone_else_cannot_use_a_leaders_rights_in_another_group(cast: Cast) -> None:
    meeting = make_meeting(cast.public_group, capacity=10)
    stranger = make_user("stranger@example.org")
    reg = register(meeting, actor=stranger, user=stranger)
    # The chapter's president leads nothing in the public event network.
    response = cast.client("leader").post(f"/meetings/{meeting.pk}/check-in/", {"code": reg.code})
    assert response.status_code == 403


def test_opening_the_list_after_the_capacity_was_raised_offers_the_new_seats(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    register(meeting, actor=cast.leader, user=cast.leader)
    waiting = register(meeting, actor=cast.member, user=cast.member)
    Meeting.objects.filter(pk=meeting.pk).update(capacity=2)

    page = cast.client("leader").get(f"/meetings/{meeting.pk}/registrations/").content.decode()
    again = cast.client("leader").get(f"/meetings/{meeting.pk}/registrations/")

    waiting.refresh_from_db()
    assert waiting.status == "offered" and waiting.seat == 2
    assert "Seat offered" in page and again.status_code == 200
    assert Notice.objects.filter(user=cast.member, kind="meetings.seat_offered").count() == 1


def test_a_visitor_without_an_account_hears_of_the_offer_and_takes_it_by_code(
    cast: Cast,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    meeting = make_meeting(cast.public_group, capacity=1)
    holder = make_user("holder@example.org")
    held = register(meeting, actor=holder, user=holder)
    visitor = Visitor.objects.create(
        group=cast.public_group, name="Vera Visit", email="vera@example.org"
    )
    waiting = register(meeting, actor=cast.owner, visitor=visitor)  # invited by the owner

    with django_capture_on_commit_callbacks(execute=True):
        cancel_registration(held, actor=holder)

    to_vera = [m for m in mailoutbox if m.to == ["vera@example.org"]]
    assert len(to_vera) == 1
    assert "held for Vera Visit" in to_vera[0].subject
    assert f"/registrations/{waiting.code}/" in to_vera[0].body
    # The inviter hears too, and could take the seat for their visitor.
    assert Notice.objects.filter(user=cast.owner, kind="meetings.seat_offered").exists()
    anonymous = Client()
    assert 'id="confirm-button"' in anonymous.get(_ticket_url(waiting)).content.decode()
    anonymous.post(f"/registrations/{waiting.code}/confirm/")
    waiting.refresh_from_db()
    assert waiting.status == "registered"
    anonymous.post(f"/registrations/{waiting.code}/cancel/")
    waiting.refresh_from_db()
    assert waiting.status == "cancelled"


def test_an_account_ticket_cannot_be_confirmed_or_cancelled_by_its_code_alone(cast: Cast) -> None:
    meeting = make_meeting(cast.group, capacity=1)
    held = register(meeting, actor=cast.leader, user=cast.leader)
    offer = register(meeting, actor=cast.member, user=cast.member)
    cancel_registration(held, actor=cast.leader)

    assert Client().post(f"/registrations/{offer.code}/confirm/").status_code == 404
    assert Client().post(f"/registrations/{offer.code}/cancel/").status_code == 404
    assert cast.client("outsider").post(f"/registrations/{offer.code}/cancel/").status_code == 404
    offer.refresh_from_db()
    assert offer.status == "offered"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/meetings/{m}/register/"),
        ("post", "/meetings/{m}/register/"),
        ("get", "/meetings/{m}/registrations/"),
        ("post", "/meetings/{m}/registrations/{r}/approve/"),
        ("post", "/meetings/{m}/registrations/{r}/decline/"),
        ("post", "/meetings/{m}/registrations/{r}/cancel/"),
        ("post", "/meetings/{m}/registrations/{r}/payment/"),
        ("get", "/meetings/{m}/check-in/"),
        ("post", "/meetings/{m}/check-in/"),
        ("get", "/meetings/{m}/check-in/count/"),
        ("post", "/meetings/{m}/check-in/close/"),
        ("get", "/registrations/{code}/"),
        ("post", "/registrations/{code}/cancel/"),
        ("post", "/registrations/{code}/confirm/"),
    ],
)
def test_an_outsider_gets_404_on_every_registration_page_of_a_private_group(
    cast: Cast, method: str, path: str
) -> None:
    meeting = make_meeting(cast.group, capacity=10)
    reg = register(meeting, actor=cast.member, user=cast.member)
    url = path.format(m=meeting.pk, r=reg.pk, code=reg.code)

    response = getattr(cast.client("outsider"), method)(url, {"code": reg.code, "amount": "1"})

    assert response.status_code == 404
    reg.refresh_from_db()
    assert (reg.status, reg.paid_minor, reg.checked_in_at) == ("registered", 0, None)
    assert Registration.objects.filter(meeting=meeting).count() == 1
