"""The server-rendered pages: directory, group page with its membership panel, join and leave."""

import pytest
from django.test import Client

from cerchia.conftest import add_member
from cerchia.groups.models import Membership
from cerchia.groups.services import create_group
from cerchia.groups.tests.helpers import messages_of

HTMX = {"HX-Request": "true"}


def names_in(response):
    return [g.name for g in response.context["page"].object_list]


def test_directory_lists_the_groups_each_viewer_may_open(cast):
    assert names_in(Client().get("/groups/")) == ["Open Events"]
    assert names_in(cast.client("outsider").get("/groups/")) == ["Open Events", "Referral Org"]
    assert names_in(cast.client("member").get("/groups/")) == [
        "Chapter One",
        "Open Events",
        "Referral Org",
    ]


def test_directory_shows_active_member_counts(cast):
    response = cast.client("member").get("/groups/")

    counts = {g.name: g.member_count for g in response.context["page"].object_list}
    assert counts == {"Chapter One": 3, "Open Events": 1, "Referral Org": 1}
    assert "3 members" in response.content.decode()


def test_directory_filters_by_kind_and_search(cast):
    create_group(cast.owner, name="Camera", kind="chamber", place="Bologna")
    client = cast.client("owner")

    assert names_in(client.get("/groups/?kind=chamber")) == ["Camera"]
    assert names_in(client.get("/groups/?q=bolo")) == ["Camera"]
    assert names_in(client.get("/groups/?q=events")) == ["Open Events"]
    # An unknown or uncreatable kind is ignored rather than used.
    assert len(names_in(client.get("/groups/?kind=informal"))) == 4


def test_directory_answers_htmx_with_the_results_only(cast):
    response = cast.client("owner").get("/groups/?q=open", headers=HTMX)

    assert response.status_code == 200
    assert [t.name for t in response.templates][0] == "groups/_directory_results.html"
    assert "<html" not in response.content.decode()
    assert "Open Events" in response.content.decode()


@pytest.mark.parametrize(
    ("who", "which", "shown", "not_shown"),
    [
        (None, "public_group", "Log in to join", 'id="join-button"'),
        ("outsider", "public_group", 'id="join-button"', "Log in to join"),
        ("outsider", "organisation", "Apply", "You are a member"),
        ("member", "group", "You are a member", 'id="join-button"'),
        ("visitor", "group", "Waiting for a decision.", 'id="join-button"'),
    ],
)
def test_the_membership_panel_matches_the_viewer(cast, who, which, shown, not_shown):
    client = cast.client(who) if who else Client()

    html = client.get(getattr(cast, which).get_absolute_url()).content.decode()

    assert shown in html
    assert not_shown not in html


def test_an_invitation_only_group_says_so_instead_of_a_join_button(cast):
    circle = create_group(
        cast.owner, name="Circle", kind="association", visibility="public", join_policy="invitation"
    )

    html = cast.client("outsider").get(circle.get_absolute_url()).content.decode()

    assert "This group is by invitation only." in html
    assert 'id="join-button"' not in html


def test_an_invited_person_sees_accept_and_decline(cast):
    add_member(cast.group, cast.outsider, status="invited")

    html = cast.client("outsider").get(cast.group.get_absolute_url()).content.decode()

    assert "You are invited." in html
    assert 'value="accept"' in html


def test_reviewers_see_who_is_waiting_and_who_is_invited(cast):
    add_member(cast.group, cast.outsider, status="invited")
    applicant = Membership.objects.get(group=cast.group, user=cast.visitor)

    leader = cast.client("leader").get(cast.group.get_absolute_url())
    member = cast.client("member").get(cast.group.get_absolute_url())

    assert [r["membership"] for r in leader.context["awaiting"]] == [applicant]
    assert f'id="pending-{applicant.pk}"' in leader.content.decode()
    assert [m.user for m in leader.context["invited"]] == [cast.outsider]
    assert "Oscar Outsider" in leader.content.decode()
    assert member.context["awaiting"] == []
    assert member.context["invited"] == []
    assert f'id="pending-{applicant.pk}"' not in member.content.decode()
    assert "Oscar Outsider" not in member.content.decode()


def test_managers_see_settings_and_role_controls_others_do_not(cast):
    manager = cast.client("leader").get(cast.group.get_absolute_url()).content.decode()
    member = cast.client("member").get(cast.group.get_absolute_url()).content.decode()

    settings_link = f'href="/groups/{cast.group.slug}/settings/"'
    assert settings_link in manager
    assert 'name="role"' in manager
    assert settings_link not in member
    assert 'name="role"' not in member


def test_the_organisation_page_lists_the_chapters_the_viewer_may_see(cast):
    as_member = cast.client("member").get(cast.organisation.get_absolute_url())
    as_outsider = cast.client("outsider").get(cast.organisation.get_absolute_url())

    assert list(as_member.context["children"]) == [cast.group]
    assert list(as_outsider.context["children"]) == []
    assert "Chapter One" not in as_outsider.content.decode()


def test_join_page_welcomes_a_new_member_of_an_open_group(cast):
    response = cast.client("outsider").post(f"/groups/{cast.public_group.slug}/join/")

    assert response.status_code == 302
    assert response["Location"] == cast.public_group.get_absolute_url()
    assert messages_of(response) == ["Welcome to Open Events!"]
    assert Membership.objects.get(group=cast.public_group, user=cast.outsider).status == "active"


def test_join_page_sends_an_application_with_its_message(cast):
    response = cast.client("outsider").post(
        f"/groups/{cast.organisation.slug}/join/",
        {"message": "I am a plumber", "sponsor": cast.owner.email},
    )

    assert messages_of(response) == ["Your application to Referral Org is sent."]
    membership = Membership.objects.get(group=cast.organisation, user=cast.outsider)
    assert (membership.status, membership.message) == ("applied", "I am a plumber")


def test_join_page_refusal_is_a_message_and_saves_nothing(cast):
    circle = create_group(
        cast.owner, name="Circle", kind="association", visibility="public", join_policy="invitation"
    )

    response = cast.client("outsider").post(f"/groups/{circle.slug}/join/")

    assert response.status_code == 302
    assert messages_of(response) == ["Circle is by invitation only."]
    assert not Membership.objects.filter(group=circle, user=cast.outsider).exists()


def test_join_with_htmx_swaps_the_panel(cast):
    response = cast.client("outsider").post(f"/groups/{cast.public_group.slug}/join/", headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="membership-panel"')
    assert "You are a member" in html
    assert "Welcome to Open Events!" in html


def test_leave_with_htmx_swaps_the_panel_back_to_join(cast):
    add_member(cast.public_group, cast.outsider)

    response = cast.client("outsider").post(
        f"/groups/{cast.public_group.slug}/leave/", headers=HTMX
    )

    html = response.content.decode()
    assert 'id="join-button"' in html
    assert "You left Open Events." in html
    assert Membership.objects.get(group=cast.public_group, user=cast.outsider).status == "left"


@pytest.mark.parametrize("path", ["join", "leave", "invite", "invitation"])
def test_actions_refuse_get(cast, path):
    response = cast.client("owner").get(f"/groups/{cast.public_group.slug}/{path}/")

    assert response.status_code == 405
    assert Membership.objects.filter(group=cast.public_group).count() == 1


def test_the_rules_of_the_group_are_shown(cast):
    cast.group.rule_overrides = {"max_absences_6_months": 5}
    cast.group.save()

    response = cast.client("member").get(cast.group.get_absolute_url())

    assert response.context["rules"].max_absences_6_months == 5
    assert "<td>5</td>" in response.content.decode()
