"""Who may open what: outsiders get 404 on private groups, non-managers 403 on writes,
anonymous visitors see public groups only; API errors are JSON ``{"detail": ...}``."""

import pytest
from django.test import Client

from cerchia.conftest import add_member, make_user
from cerchia.groups.access import access_group, can_see_members
from cerchia.groups.models import Group, Membership
from cerchia.groups.tests.helpers import API, group_audit, page_client, send_json

# Every page URL of a group, with the method it answers to.
PAGE_URLS = [
    ("get", "/groups/{slug}/"),
    ("get", "/groups/{slug}/settings/"),
    ("post", "/groups/{slug}/settings/"),
    ("post", "/groups/{slug}/join/"),
    ("post", "/groups/{slug}/leave/"),
    ("post", "/groups/{slug}/invitation/"),
    ("post", "/groups/{slug}/invite/"),
    ("post", "/groups/{slug}/members/{mid}/decide/"),
    ("post", "/groups/{slug}/members/{mid}/role/"),
]

API_URLS = [
    ("get", "/{id}"),
    ("patch", "/{id}"),
    ("get", "/{id}/members"),
    ("get", "/{id}/members?status=applied"),
    ("post", "/{id}/join"),
    ("post", "/{id}/leave"),
    ("post", "/{id}/invitations"),
    ("post", "/{id}/invitation/accept"),
    ("post", "/{id}/invitation/decline"),
    ("post", "/{id}/members/{mid}/approve"),
    ("post", "/{id}/members/{mid}/reject"),
    ("put", "/{id}/members/{mid}/role"),
]

BODIES = {
    "/{id}": {"name": "Hacked"},
    "/{id}/invitations": {"email": "outsider@example.org"},
    "/{id}/members/{mid}/role": {"role": "administrator"},
}


def applicant(cast):
    return Membership.objects.get(group=cast.group, user=cast.visitor)


def snapshot(cast):
    return sorted(
        Membership.objects.filter(group=cast.group).values_list("user_id", "status", "role")
    )


@pytest.mark.parametrize(("method", "url"), PAGE_URLS)
def test_outsider_gets_404_on_every_page_of_a_private_group(cast, method, url):
    before, audited = snapshot(cast), group_audit().count()
    path = url.format(slug=cast.group.slug, mid=applicant(cast).pk)
    data = {"decision": "approve", "role": "administrator", "email": "outsider@example.org"}

    response = getattr(cast.client("outsider"), method)(path, data if method == "post" else None)

    assert response.status_code == 404
    assert snapshot(cast) == before
    assert group_audit().count() == audited


@pytest.mark.parametrize(("method", "url"), API_URLS)
def test_outsider_gets_404_on_every_api_call_about_a_private_group(cast, method, url):
    before, audited = snapshot(cast), group_audit().count()
    path = API + url.format(id=cast.group.pk, mid=applicant(cast).pk)

    response = send_json(cast.api("outsider"), method, path, BODIES.get(url))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such group"}
    assert snapshot(cast) == before
    assert group_audit().count() == audited
    cast.group.refresh_from_db()
    assert cast.group.name == "Chapter One"


def test_an_unknown_group_is_404_too(cast):
    assert cast.client("owner").get("/groups/no-such-group/").status_code == 404
    response = cast.api("owner").get(f"{API}/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such group"}


def test_someone_who_left_a_private_group_can_no_longer_open_it(cast):
    Membership.objects.filter(group=cast.group, user=cast.member).update(status="left")

    assert cast.client("member").get(cast.group.get_absolute_url()).status_code == 404
    assert cast.api("member").get(f"{API}/{cast.group.pk}").status_code == 404


def test_an_applicant_sees_the_private_group_but_not_its_members(cast):
    response = cast.client("visitor").get(cast.group.get_absolute_url())

    assert response.status_code == 200
    assert response.context["show_members"] is False
    assert response.context["members"] == []
    assert "Only members see who is in this group." in response.content.decode()
    assert "Mia Member" not in response.content.decode()
    api = cast.api("visitor").get(f"{API}/{cast.group.pk}/members").json()
    assert api == {"items": [], "count": 0}


def test_the_organisation_administrator_sees_the_private_chapter(cast):
    admin = make_user("orgadmin@example.org")
    add_member(cast.organisation, admin, role="administrator")

    assert page_client(admin).get(cast.group.get_absolute_url()).status_code == 200
    assert can_see_members(admin, cast.group)


def test_a_member_who_does_not_run_the_group_gets_403_on_settings_and_patch(cast):
    assert cast.client("member").get(f"/groups/{cast.group.slug}/settings/").status_code == 403

    response = send_json(cast.api("member"), "patch", f"{API}/{cast.group.pk}", {"name": "Renamed"})

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the group's administrators may do this"}
    cast.group.refresh_from_db()
    assert cast.group.name == "Chapter One"


def test_access_group_looks_up_ids_and_addresses(cast):
    assert access_group(cast.member, cast.group.pk) == cast.group
    assert access_group(cast.member, cast.group.slug) == cast.group


# Anonymous visitors -------------------------------------------------------------------------


def test_anonymous_sees_a_public_group_page(cast):
    response = Client().get(cast.public_group.get_absolute_url())

    assert response.status_code == 200
    assert "Log in to join" in response.content.decode()


@pytest.mark.parametrize("which", ["organisation", "group"])
def test_anonymous_gets_404_on_groups_that_are_not_public(cast, which):
    group = getattr(cast, which)

    assert Client().get(group.get_absolute_url()).status_code == 404
    response = Client().get(f"{API}/{group.pk}")
    assert response.status_code == 404
    assert response.json() == {"detail": "No such group"}
    assert Client().get(f"{API}/{group.pk}/members").status_code == 404


def test_a_signed_in_stranger_sees_a_members_group_but_not_its_members(cast):
    response = cast.client("outsider").get(cast.organisation.get_absolute_url())

    assert response.status_code == 200
    assert response.context["show_members"] is False
    members = cast.api("outsider").get(f"{API}/{cast.organisation.pk}/members").json()
    assert members == {"items": [], "count": 0}


def test_api_list_without_credentials_returns_only_public_groups(cast):
    hidden = Group.objects.filter(visibility__in=["members", "private"]).exclude(kind="informal")
    assert hidden.count() == 2

    response = Client().get(API)

    assert response.status_code == 200
    body = response.json()
    assert [g["id"] for g in body["items"]] == [cast.public_group.pk]
    assert body["count"] == 1
    assert all(g["visibility"] == "public" for g in body["items"])


def test_api_list_for_a_member_includes_the_groups_they_belong_to(cast):
    names = [g["name"] for g in cast.api("member").get(API).json()["items"]]
    strangers = [g["name"] for g in cast.api("outsider").get(API).json()["items"]]

    assert names == ["Chapter One", "Open Events", "Referral Org"]
    assert strangers == ["Open Events", "Referral Org"]


def test_anonymous_cannot_write_through_the_api(cast):
    response = send_json(Client(), "post", f"{API}/{cast.public_group.pk}/join")

    assert response.status_code == 401
    assert "detail" in response.json()
    assert not Membership.objects.filter(group=cast.public_group).exclude(user=cast.owner).exists()


def test_anonymous_join_on_the_page_asks_to_log_in_and_saves_nothing(cast):
    response = Client().post(f"/groups/{cast.public_group.slug}/join/")

    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
    assert Membership.objects.filter(group=cast.public_group).count() == 1


# Tokens and error shape ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["", "/{public}", "/{public}/members"])
def test_an_invalid_bearer_token_is_401_even_on_public_reads(cast, path):
    client = Client(headers={"Authorization": "Bearer cer_not-a-real-token"})

    response = client.get(API + path.format(public=cast.public_group.pk))

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API token"}


def test_a_revoked_token_is_401(cast):
    client = cast.api("member")
    cast.member.api_tokens.all().delete()

    response = client.get(f"{API}/{cast.group.pk}")

    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid or revoked API token"}


def test_a_token_of_a_deactivated_account_is_401(cast):
    client = cast.api("member")
    cast.member.is_active = False
    cast.member.save()

    assert client.get(API).status_code == 401


def test_another_authorization_scheme_is_401(cast):
    response = Client(headers={"Authorization": "Basic b3duZXI6cHc="}).get(API)

    assert response.status_code == 401
    assert response.json() == {"detail": "Unsupported Authorization header; use 'Bearer <token>'"}


def test_the_signed_in_session_works_for_the_api(cast):
    response = cast.client("member").get(f"{API}/{cast.group.pk}")

    assert response.status_code == 200
    assert response.json()["slug"] == cast.group.slug


@pytest.mark.parametrize(
    ("who", "method", "path", "body", "status"),
    [
        ("owner", "post", "", {"name": "X", "kind": "informal"}, 400),
        ("owner", "post", "", {"kind": "chamber"}, 422),
        ("owner", "get", "/not-a-number", None, 422),
        (None, "post", "", {"name": "X", "kind": "chamber"}, 401),
        ("member", "patch", "/{group}", {"name": "X"}, 403),
        ("outsider", "get", "/{group}", None, 404),
    ],
)
def test_api_errors_are_json_with_a_detail(cast, who, method, path, body, status):
    client = cast.api(who) if who else Client()

    response = send_json(client, method, API + path.format(group=cast.group.pk), body)

    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    assert list(response.json()) == ["detail"]
    assert response.json()["detail"]


def test_the_organisation_administrator_sees_and_runs_a_private_group_two_levels_down(cast):
    subgroup = Group.objects.create(
        name="Power team",
        slug="power-team",
        kind="lead_group",
        parent=cast.group,
        visibility="private",
        join_policy="invitation",
    )

    owner = cast.client("owner")
    assert owner.get("/groups/power-team/").status_code == 200
    assert owner.get("/groups/power-team/settings/").status_code == 200
    # A plain member of the chapter above neither runs nor sees it.
    assert cast.client("member").get("/groups/power-team/").status_code == 404
    assert access_group(cast.owner, subgroup.pk, write=True) == subgroup


def test_unknown_api_addresses_answer_json_404(cast):
    response = cast.api("member").get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found: /api/v1/no-such-thing"}


def test_can_see_group_agrees_with_visible_to_for_everyone_and_every_group(cast):
    from django.contrib.auth.models import AnonymousUser

    from cerchia.groups.access import can_see_group
    from cerchia.groups.models import Group
    from cerchia.groups.services import ensure_informal_network

    ensure_informal_network(cast.member)
    members_only = Group.objects.create(
        name="Listed", slug="listed", kind="association", visibility="members"
    )
    people = [AnonymousUser(), cast.owner, cast.leader, cast.member, cast.visitor, cast.outsider]
    groups = [*Group.objects.all(), members_only]
    for person in people:
        visible = set(Group.objects.visible_to(person).values_list("pk", flat=True))
        for group in groups:
            assert can_see_group(person, group) == (group.pk in visible), (person, group)
    # The check really discriminates: some groups are hidden from someone.
    assert not can_see_group(cast.outsider, cast.group)
    assert not can_see_group(AnonymousUser(), members_only)
