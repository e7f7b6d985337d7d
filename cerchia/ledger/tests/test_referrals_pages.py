"""Referral pages: the quick log (recent partners, htmx search, one POST), my slips, a slip
with its pipeline, corrections and closed business, thank-yous, and a chapter's weekly slips
for its leaders. Who sees the prospect: the giver and the receiver, nobody else."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, add_member, make_user
from cerchia.ledger import services
from cerchia.ledger.models import ClosedBusiness, Referral, Rollup, WeekClose
from cerchia.ledger.tests.test_referrals import MONDAY, TODAY, slip
from cerchia.notices.models import Notice

HTMX = {"HTTP_HX_REQUEST": "true"}
NEW = "/ledger/referrals/new/"
PROSPECT = "Anna Bianchi"


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(datetime.datetime(2026, 6, 10, 10, 0, tzinfo=datetime.UTC)):
        yield


def url(referral: Referral, rest: str = "") -> str:
    return f"/ledger/referrals/{referral.pk}/{rest}"


def slip_form(**overrides: Any) -> dict[str, Any]:
    data = {"prospect_name": PROSPECT, "temperature": "3", "kind": "outside", "group": ""}
    data.update(overrides)
    return data


# --- the quick log ------------------------------------------------------------------------


def test_the_new_page_lists_recent_partners_first(cast: Cast) -> None:
    pal = make_user("pal@example.org", "Paolo Pal", profession="florist")
    add_member(cast.group, pal)
    slip(cast.member, pal, cast, given_on=TODAY - datetime.timedelta(days=5))
    slip(cast.member, cast.leader, cast, given_on=TODAY - datetime.timedelta(days=1))

    response = cast.client("member").get(NEW)

    html = response.content.decode()
    assert response.status_code == 200
    recent = html.split('id="recent-partners"')[1].split("</section>")[0]
    assert recent.index("Leo Leader") < recent.index("Paolo Pal")
    assert f'?to={cast.leader.pk}"' in recent
    assert "Oscar Outsider" not in html
    assert 'hx-get="/ledger/referrals/new/people/"' in html


def test_the_htmx_search_finds_a_member_by_profession(cast: Cast) -> None:
    response = cast.client("leader").get("/ledger/referrals/new/people/?q=photographer", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html  # a fragment for the swap
    assert "Mia Member" in html and "Wedding photographer" in html
    assert f"?to={cast.member.pk}" in html


def test_the_search_does_not_find_strangers(cast: Cast) -> None:
    response = cast.client("leader").get("/ledger/referrals/new/people/?q=plumber", **HTMX)

    assert "Oscar Outsider" not in response.content.decode()
    assert "Nobody called" in response.content.decode()


def test_the_search_works_without_javascript(cast: Cast) -> None:
    response = cast.client("leader").get(NEW + "?q=photographer")

    assert response.status_code == 200
    assert "Mia Member" in response.content.decode().split('id="search-results"')[1]


def test_tapping_a_person_loads_the_slip_form_with_the_shared_group_chosen(cast: Cast) -> None:
    response = cast.client("member").get(NEW + f"?to={cast.leader.pk}", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert 'name="prospect_name"' in html
    assert f'<option value="{cast.group.pk}" selected>' in html
    assert 'type="radio" name="temperature" value="3"' in html
    assert 'value="3" id="id_temperature_2" required checked' in html


def test_a_stranger_cannot_be_chosen(cast: Cast) -> None:
    response = cast.client("member").get(NEW + f"?to={cast.outsider.pk}")

    assert response.status_code == 404


def test_posting_the_slip_creates_one_referral_the_receiver_sees_at_once(cast: Cast) -> None:
    response = cast.client("member").post(
        NEW, slip_form(to=cast.leader.pk, group=cast.group.pk), **HTMX
    )

    referral = Referral.objects.get()
    assert response.status_code == 200
    assert 'id="referral-logged"' in response.content.decode()
    assert 'id="log-another"' in response.content.decode()
    assert (referral.giver, referral.receiver, referral.group) == (
        cast.member,
        cast.leader,
        cast.group,
    )
    assert (referral.prospect_name, referral.temperature, referral.kind) == (PROSPECT, 3, "outside")
    assert Notice.objects.filter(user=cast.leader, kind="ledger.referral_received").count() == 1
    received = cast.client("leader").get("/ledger/referrals/?direction=received")
    assert PROSPECT in received.content.decode()


def test_posting_without_javascript_redirects_to_log_another(cast: Cast) -> None:
    client = cast.client("member")
    response = client.post(NEW, slip_form(to=cast.leader.pk))

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{NEW}?logged={referral.pk}"
    assert referral.group is None
    page = client.get(response["Location"])
    assert url(referral) in page.content.decode()
    assert "Referral passed to Leo Leader." in page.content.decode()


def test_an_external_person_receives_by_name(cast: Cast) -> None:
    form = slip_form(external="1", receiver_name="Eva Esterna", receiver_email="eva@example.com")
    cast.client("member").post(NEW, form)

    referral = Referral.objects.get()
    assert referral.receiver is None
    assert (referral.receiver_name, referral.receiver_email) == ("Eva Esterna", "eva@example.com")


def test_a_bad_slip_shows_the_error_and_saves_nothing(cast: Cast) -> None:
    client = cast.client("member")
    too_hot = client.post(NEW, slip_form(to=cast.leader.pk, temperature="7"), **HTMX)
    nameless = client.post(NEW, slip_form(to=cast.leader.pk, prospect_name=" "), **HTMX)
    nobody = client.post(NEW, slip_form(external="1", receiver_name=""))

    assert "Select a valid choice" in too_hot.content.decode()
    assert "This field is required" in nameless.content.decode()
    assert nobody.status_code == 200 and "This field is required" in nobody.content.decode()
    assert not Referral.objects.exists()


def test_a_service_refusal_shows_in_the_form(cast: Cast) -> None:
    services.close_week(cast.group, actor=cast.leader, day=TODAY)

    response = cast.client("member").post(
        NEW, slip_form(to=cast.leader.pk, group=cast.group.pk), **HTMX
    )

    assert "That week is closed" in response.content.decode()
    assert not Referral.objects.exists()


def test_the_nav_links_to_the_quick_log(cast: Cast) -> None:
    html = cast.client("member").get("/ledger/referrals/").content.decode()

    assert 'id="nav-new-referral"' in html and f'href="{NEW}"' in html


# --- my slips -----------------------------------------------------------------------------


def _many(cast: Cast, n: int) -> None:
    for i in range(n):
        giver, receiver = (cast.member, cast.leader) if i % 2 else (cast.leader, cast.member)
        slip(giver, receiver, cast, prospect_name=f"Prospect {i}")


def test_the_list_costs_the_same_queries_for_few_and_many(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    client = cast.client("member")
    _many(cast, 3)
    with django_assert_max_num_queries(12):
        few = client.get("/ledger/referrals/")
    _many(cast, 12)
    with django_assert_max_num_queries(12):
        many = client.get("/ledger/referrals/")

    assert few.status_code == many.status_code == 200
    assert many.content.decode().count('class="badge referral-given"') == 15


def test_the_list_filters_by_direction_and_status(cast: Cast) -> None:
    given = slip(cast.member, cast.leader, cast, prospect_name="Given One")
    slip(cast.leader, cast.member, cast, prospect_name="Received One")
    services.advance_referral(given, actor=cast.leader, status="contacted")
    client = cast.client("member")

    given_page = client.get("/ledger/referrals/?direction=given").content.decode()
    contacted = client.get("/ledger/referrals/?status=contacted").content.decode()

    assert "Given One" in given_page and "Received One" not in given_page
    assert "Given One" in contacted and "Received One" not in contacted


# --- one slip: who sees what --------------------------------------------------------------


def test_giver_and_receiver_see_the_prospect(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast, prospect_phone="+39 333 1234567")

    for who in ("member", "leader"):
        html = cast.client(who).get(url(referral)).content.decode()
        assert PROSPECT in html and "+39 333 1234567" in html


def test_leaders_who_are_not_parties_see_the_slip_without_the_prospect(cast: Cast) -> None:
    other = make_user("other@example.org", "Ottavio Other")
    add_member(cast.group, other)
    referral = slip(
        cast.member, other, cast, prospect_phone="+39 333 1234567", notes="Call after six"
    )

    for who in ("leader", "owner"):  # the chapter's president, the organisation's owner
        response = cast.client(who).get(url(referral))
        html = response.content.decode()
        assert response.status_code == 200
        assert 'id="prospect-hidden"' in html
        assert PROSPECT not in html and "+39 333" not in html and "Call after six" not in html


def test_a_confidential_slip_is_not_found_by_leaders(cast: Cast) -> None:
    other = make_user("other@example.org", "Ottavio Other")
    add_member(cast.group, other)
    referral = slip(cast.member, other, cast, confidential=True)

    assert cast.client("leader").get(url(referral)).status_code == 404
    assert cast.client("member").get(url(referral)).status_code == 200


def test_outsiders_get_404_on_every_referral_address(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.client("outsider")

    assert client.get(url(referral)).status_code == 404
    assert client.post(url(referral, "advance/"), {"status": "contacted"}).status_code == 404
    assert client.post(url(referral, "edit/"), {"prospect_name": "X"}).status_code == 404
    closed = {"amount": "100", "currency": "EUR", "kind": "new", "closed_on": "2026-06-10"}
    assert client.post(url(referral, "closed-business/"), closed).status_code == 404
    # An ordinary member of the group is an outsider to someone else's slip too.
    assert cast.client("visitor").get(url(referral)).status_code == 404
    referral.refresh_from_db()
    assert referral.status == "given" and not ClosedBusiness.objects.exists()


# --- the pipeline -------------------------------------------------------------------------


def test_the_receiver_moves_it_forward_and_both_are_told(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.client("leader")
    page = client.get(url(referral)).content.decode()
    assert 'value="contacted"' in page

    response = client.post(url(referral, "advance/"), {"status": "meeting"})

    referral.refresh_from_db()
    assert response.status_code == 302
    assert referral.status == "meeting"
    assert Notice.objects.filter(kind="ledger.referral_step", user=cast.member).count() == 1
    assert Notice.objects.filter(kind="ledger.referral_step", user=cast.leader).count() == 1
    back = client.post(url(referral, "advance/"), {"status": "contacted"}, follow=True)
    assert "only moves forward" in back.content.decode()
    referral.refresh_from_db()
    assert referral.status == "meeting"


def test_lost_needs_a_reason(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.client("leader")

    response = client.post(url(referral, "advance/"), {"status": "lost"}, follow=True)
    referral.refresh_from_db()
    assert "Say why the referral was lost." in response.content.decode()
    assert referral.status == "given"

    client.post(url(referral, "advance/"), {"status": "lost", "lost_reason": "Went elsewhere"})
    referral.refresh_from_db()
    assert (referral.status, referral.lost_reason) == ("lost", "Went elsewhere")


def test_the_giver_cannot_move_a_members_slip(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.client("member")

    assert 'action="/ledger/referrals/' + str(referral.pk) + '/advance/"' not in (
        client.get(url(referral)).content.decode()
    )
    client.post(url(referral, "advance/"), {"status": "contacted"})
    referral.refresh_from_db()
    assert referral.status == "given"


# --- corrections and the closed week ------------------------------------------------------


def test_the_giver_corrects_the_slip_until_the_week_is_closed(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.client("member")
    form = {"prospect_name": "Anna Bianchi Rossi", "temperature": "4", "kind": "inside"}

    client.post(url(referral, "edit/"), form)
    referral.refresh_from_db()
    assert (referral.prospect_name, referral.temperature) == ("Anna Bianchi Rossi", 4)

    services.close_week(cast.group, actor=cast.leader, day=TODAY)
    response = client.post(url(referral, "edit/"), {**form, "temperature": "5"}, follow=True)
    referral.refresh_from_db()
    assert referral.temperature == 4
    assert "That week is closed" in response.content.decode()
    assert 'id="correct"' not in client.get(url(referral)).content.decode()


def test_a_leader_corrects_a_closed_week_and_the_audit_says_so(cast: Cast) -> None:
    other = make_user("other@example.org", "Ottavio Other")
    add_member(cast.group, other)
    referral = slip(cast.member, other, cast, temperature=2)
    services.close_week(cast.group, actor=cast.leader, day=TODAY)
    client = cast.client("leader")
    page = client.get(url(referral)).content.decode()
    assert 'id="correct"' in page and 'name="prospect_name"' not in page

    client.post(url(referral, "edit/"), {"temperature": "4", "kind": "overflow"})

    referral.refresh_from_db()
    assert (referral.temperature, referral.kind, referral.prospect_name) == (
        4,
        "overflow",
        PROSPECT,
    )
    entry = AuditEntry.objects.get(action="ledger.referral.updated")
    assert entry.actor == cast.leader
    assert entry.data == {"fields": ["kind", "temperature"], "by_leader": True}


# --- closed business ----------------------------------------------------------------------


def test_the_receiver_records_closed_business_and_the_slip_is_won(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    form = {"amount": "1200,50", "currency": "EUR", "kind": "new", "closed_on": "2026-06-10"}

    cast.client("leader").post(url(referral, "closed-business/"), form)

    closed = ClosedBusiness.objects.get()
    referral.refresh_from_db()
    assert (closed.amount_minor, closed.currency, closed.giver, closed.receiver) == (
        120050,
        "EUR",
        cast.member,
        cast.leader,
    )
    assert referral.status == "won"
    june = datetime.date(2026, 6, 1)
    giver_row = Rollup.objects.get(user=cast.member, group=cast.group, month=june)
    receiver_row = Rollup.objects.get(user=cast.leader, group=cast.group, month=june)
    assert (giver_row.closed_given_minor, giver_row.referrals_given) == (120050, 1)
    assert (receiver_row.closed_received_minor, receiver_row.referrals_received) == (120050, 1)
    assert "1,200.50 EUR" in cast.client("member").get(url(referral)).content.decode()


def test_the_amount_is_for_the_two_only(cast: Cast) -> None:
    other = make_user("other@example.org", "Ottavio Other")
    add_member(cast.group, other)
    referral = slip(other, cast.member, cast)
    services.record_closed_business(cast.member, referral=referral, amount_minor=99900)

    giver = Client()
    giver.force_login(other)

    assert "999.00 EUR" in cast.client("member").get(url(referral)).content.decode()
    assert "999.00 EUR" in giver.get(url(referral)).content.decode()
    leader_page = cast.client("leader").get(url(referral)).content.decode()
    assert "999.00" not in leader_page


def test_a_bad_amount_is_refused_and_nothing_saved(cast: Cast) -> None:
    referral = slip(cast.member, cast.leader, cast)
    client = cast.client("leader")
    base = {"currency": "EUR", "kind": "new", "closed_on": "2026-06-10"}

    words = client.post(url(referral, "closed-business/"), {**base, "amount": "lots"}, follow=True)
    future = client.post(
        url(referral, "closed-business/"),
        {**base, "amount": "10", "closed_on": "2026-07-01"},
        follow=True,
    )
    by_giver = cast.client("member").post(
        url(referral, "closed-business/"), {**base, "amount": "10"}, follow=True
    )

    assert "Enter an amount in EUR" in words.content.decode()
    assert "cannot be in the future" in future.content.decode()
    assert "Only the receiver" in by_giver.content.decode()
    assert not ClosedBusiness.objects.exists()


def test_a_thank_you_not_tied_to_a_slip(cast: Cast) -> None:
    client = cast.client("member")
    page = client.get("/ledger/thanks/new/").content.decode()
    assert "Leo Leader" in page and "Oscar Outsider" not in page

    form = {
        "person": cast.leader.pk,
        "group": cast.group.pk,
        "amount": "300",
        "currency": "EUR",
        "kind": "repeat",
        "closed_on": "2026-06-09",
    }
    response = client.post("/ledger/thanks/new/", form)

    closed = ClosedBusiness.objects.get()
    assert response.status_code == 302
    assert (closed.giver, closed.receiver, closed.group, closed.amount_minor, closed.kind) == (
        cast.leader,
        cast.member,
        cast.group,
        30000,
        "repeat",
    )
    assert closed.referral is None
    stranger = client.post("/ledger/thanks/new/", {**form, "person": cast.outsider.pk})
    assert "Select a valid choice" in stranger.content.decode()
    assert ClosedBusiness.objects.count() == 1


# --- the chapter's weekly slips -----------------------------------------------------------


def test_leaders_see_the_week_without_prospects_and_confidential_ones_counted(
    cast: Cast,
) -> None:
    slip(cast.member, cast.leader, cast, prospect_name="Visible Prospect")
    slip(cast.leader, cast.member, cast, prospect_name="Secret Prospect", confidential=True)
    other = make_user("other@example.org", "Ottavio Other")
    add_member(cast.group, other)
    slip(cast.member, other, cast, prospect_name="Third Prospect")

    response = cast.client("owner").get(f"/groups/{cast.group.slug}/slips/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Prospect" not in html.split('id="week-slips"')[1].split("</ul>")[0]
    assert "Mia Member → Ottavio Other" in html
    assert "And 1 confidential slip, only counted." in html
    weeks = html.split('id="weeks"')[1]
    assert "<td>3 <small" in weeks


def test_the_weekly_slips_are_for_leaders_only(cast: Cast) -> None:
    address = f"/groups/{cast.group.slug}/slips/"

    assert cast.client("member").get(address).status_code == 403
    assert cast.client("outsider").get(address).status_code == 404
    assert (
        cast.client("outsider").post(address + "close/", {"day": "2026-06-10"}).status_code == 404
    )
    assert cast.client("member").post(address + "close/", {"day": "2026-06-10"}).status_code == 403
    assert not WeekClose.objects.exists()


def test_a_leader_closes_the_week(cast: Cast) -> None:
    response = cast.client("leader").post(
        f"/groups/{cast.group.slug}/slips/close/", {"day": "2026-06-10"}, follow=True
    )

    closed = WeekClose.objects.get()
    assert (closed.group, closed.week_start, closed.closed_by) == (cast.group, MONDAY, cast.leader)
    assert "The week of 2026-06-08 is closed." in response.content.decode()
    assert 'id="close-week"' not in response.content.decode()
    again = cast.client("leader").post(
        f"/groups/{cast.group.slug}/slips/close/", {"day": "2026-06-09"}, follow=True
    )
    assert "already closed" in again.content.decode()
    assert WeekClose.objects.count() == 1


def test_the_group_page_links_leaders_to_the_weekly_slips(cast: Cast) -> None:
    leader_page = cast.client("leader").get(f"/groups/{cast.group.slug}/").content.decode()
    member_page = cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()

    assert f'href="/groups/{cast.group.slug}/slips/"' in leader_page
    assert 'id="slips-link"' not in member_page


def test_the_list_pager_keeps_the_filters(cast: Cast) -> None:
    _many(cast, 32)

    html = cast.client("member").get("/ledger/referrals/?status=given").content.decode()

    assert "?status=given&amp;page=2" in html
