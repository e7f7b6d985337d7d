"""Officer roles carry a term: set on the page or through the API, shown in the member lists."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cerchia.groups.models import Membership
from cerchia.groups.services import set_role, update_group
from cerchia.groups.tests.helpers import API, audit_of, group_audit, messages_of, send_json

TODAY = datetime.date(2026, 11, 28)
TERM_END = datetime.date(2027, 11, 28)


@pytest.fixture(autouse=True)
def frozen_today():
    moment = datetime.datetime(2026, 11, 28, 12, tzinfo=ZoneInfo("Europe/Rome"))
    with time_machine.travel(moment, tick=False):
        yield


@pytest.fixture
def membership(cast):
    return Membership.objects.get(group=cast.group, user=cast.member)


def role_cell(content, name):
    """The rest of the member list row of ``name``: its profession and role columns."""
    return content.split(name, 1)[1].split("</tr>", 1)[0]


def test_an_administrator_sets_a_role_with_its_end_on_the_page(cast, membership):
    response = cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/",
        {"role": "president", "until": "2027-06-30"},
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Role changed."]
    membership.refresh_from_db()
    assert (membership.role, membership.role_until) == ("president", datetime.date(2027, 6, 30))
    assert audit_of(membership, "groups.membership.role_changed").data == {
        "group": cast.group.pk,
        "from": "member",
        "to": "president",
        "until": "2027-06-30",
    }


def test_without_an_end_the_role_runs_for_the_groups_term(cast, membership):
    cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/",
        {"role": "secretary_treasurer", "until": ""},
    )

    membership.refresh_from_db()
    assert (membership.role, membership.role_until) == ("secretary_treasurer", TERM_END)


def test_the_term_follows_the_groups_rule(cast, membership):
    update_group(cast.group, actor=cast.owner, changes={"rule_overrides": {"role_term_months": 24}})

    set_role(membership, actor=cast.owner, role="vice_president")

    membership.refresh_from_db()
    assert membership.role_until == datetime.date(2028, 11, 28)


def test_member_lists_show_officers_with_their_term(cast, membership):
    set_role(membership, actor=cast.owner, role="president", until=TERM_END)

    for who in ("member", "owner"):
        content = cast.client(who).get(f"/groups/{cast.group.slug}/").content.decode()
        assert "President until 2027-11-28" in role_cell(content, "Mia Member")
        # No end set for this president (added before terms): the role alone.
        leo = role_cell(content, "Leo Leader")
        assert "President" in leo
        assert "President until" not in leo


def test_a_plain_member_shows_no_term(cast, membership):
    set_role(membership, actor=cast.owner, role="president", until=TERM_END)
    set_role(membership, actor=cast.owner, role="member")

    membership.refresh_from_db()
    assert membership.role_until is None
    content = cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()
    assert "until 2027" not in role_cell(content, "Mia Member")


def test_the_api_sets_a_role_with_its_end(cast, membership):
    response = send_json(
        cast.api("leader"),
        "put",
        f"{API}/{cast.group.pk}/members/{membership.pk}/role",
        {"role": "membership_committee", "until": "2027-11-28"},
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["role"], body["role_until"]) == ("membership_committee", "2027-11-28")
    membership.refresh_from_db()
    assert membership.role_until == TERM_END


def test_the_api_defaults_to_the_groups_term(cast, membership):
    response = send_json(
        cast.api("leader"),
        "put",
        f"{API}/{cast.group.pk}/members/{membership.pk}/role",
        {"role": "visitor_host"},
    )

    assert response.json()["role_until"] == "2027-11-28"


def test_the_member_api_shows_role_until(cast, membership):
    set_role(membership, actor=cast.owner, role="president", until=TERM_END)

    body = send_json(cast.api("member"), "get", f"{API}/{cast.group.pk}/members").json()

    by_name = {item["person"]["display_name"]: item for item in body["items"]}
    assert by_name["Mia Member"]["role"] == "president"
    assert by_name["Mia Member"]["role_until"] == "2027-11-28"
    assert by_name["Leo Leader"]["role_until"] is None


@pytest.mark.parametrize("until", ["2026-11-28", "2025-01-01"])
def test_a_term_must_end_in_the_future(cast, membership, until):
    api = send_json(
        cast.api("owner"),
        "put",
        f"{API}/{cast.group.pk}/members/{membership.pk}/role",
        {"role": "president", "until": until},
    )
    page = cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/",
        {"role": "president", "until": until},
    )

    assert api.status_code == 400
    assert api.json() == {"detail": "A term must end in the future."}
    assert messages_of(page) == ["A term must end in the future."]
    membership.refresh_from_db()
    assert (membership.role, membership.role_until) == ("member", None)
    assert not group_audit("groups.membership.role_changed").exists()


def test_a_date_that_is_not_a_date_is_refused_on_the_page(cast, membership):
    response = cast.client("owner").post(
        f"/groups/{cast.group.slug}/members/{membership.pk}/role/",
        {"role": "president", "until": "next spring"},
    )

    assert messages_of(response) == ["Give the end of the term as a date."]
    membership.refresh_from_db()
    assert membership.role == "member"


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("member", 403), ("visitor", 403)])
def test_only_administrators_set_terms(cast, who, status):
    target = Membership.objects.get(group=cast.group, user=cast.leader)

    api = send_json(
        cast.api(who),
        "put",
        f"{API}/{cast.group.pk}/members/{target.pk}/role",
        {"role": "president", "until": "2030-01-01"},
    )
    page = cast.client(who).post(
        f"/groups/{cast.group.slug}/members/{target.pk}/role/",
        {"role": "president", "until": "2030-01-01"},
    )

    assert (api.status_code, page.status_code) == (status, status)
    assert set(api.json()) == {"detail"}
    target.refresh_from_db()
    assert target.role_until is None
    assert not group_audit("groups.membership.role_changed").exists()


def test_the_role_form_offers_the_end_date_with_the_current_term(cast, membership):
    set_role(membership, actor=cast.owner, role="president", until=TERM_END)

    content = cast.client("owner").get(f"/groups/{cast.group.slug}/").content.decode()

    form = role_cell(content, "Mia Member")
    assert 'type="date" name="until" value="2027-11-28"' in form
