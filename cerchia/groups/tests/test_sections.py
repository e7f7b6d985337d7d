"""Sections and committees: subgroups of a group, of its kind and rules, whose members are
drawn from the group's active members, with leaders of their own."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.conftest import add_member, make_user
from cerchia.groups.access import can_manage, can_review
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import (
    GroupError,
    approve_membership,
    create_group,
    invite_member,
    join_group,
    leave_group,
    set_role,
    terminate_membership,
    update_group,
)
from cerchia.groups.tests.helpers import (
    API,
    audit_of,
    group_audit,
    messages_of,
    page_client,
    send_json,
)


@pytest.fixture
def section(cast):
    """The chapter's marketing section, created by its administrator."""
    return create_group(cast.owner, name="Marketing", kind="", parent=cast.group, unit="section")


def section_of(parent, name, unit="section", actor=None):
    return create_group(actor or parent.owner, name=name, kind="", parent=parent, unit=unit)


def test_a_section_takes_its_parents_kind_and_visibility(cast, section):
    assert (section.kind, section.unit, section.parent) == ("lead_group", "section", cast.group)
    assert section.visibility == "private"  # as the chapter
    assert section.join_policy == "request"  # its people were vetted by the chapter
    owner = Membership.objects.get(group=section, user=cast.owner)
    assert (owner.status, owner.role) == ("active", "administrator")
    entry = group_audit("groups.group.created").get(target_id=str(section.pk))
    assert entry.actor == cast.owner
    assert entry.data == {"kind": "lead_group", "parent": cast.group.pk, "unit": "section"}


def test_a_section_follows_its_parents_rules(cast, section):
    update_group(cast.group, actor=cast.owner, changes={"rule_overrides": {"grace_days": 12}})

    section.refresh_from_db()
    assert section.rules.grace_days == 12
    assert section.rules.one_seat_per_profession


def test_the_api_creates_a_committee(cast):
    response = send_json(
        cast.api("owner"),
        "post",
        API,
        {"name": "Events committee", "unit": "committee", "parent": cast.group.pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["kind"], body["unit"], body["parent"]) == (
        "lead_group",
        "committee",
        cast.group.pk,
    )
    assert Group.objects.get(pk=body["id"]).unit == "committee"


def test_the_create_page_offers_a_section_of_the_group(cast):
    client = cast.client("owner")

    form = client.get(f"/groups/new/?parent={cast.group.pk}&unit=section").content.decode()
    response = client.post(
        "/groups/new/",
        {
            "name": "Welcome committee",
            "kind": "chamber",  # the kind list is moot: a committee has its parent's kind
            "parent": cast.group.pk,
            "unit": "committee",
            "currency": "EUR",
            "time_zone": "Europe/Rome",
        },
    )

    assert f'<option value="{cast.group.pk}" selected>Chapter One</option>' in form
    assert '<option value="section" selected>A section of it</option>' in form
    committee = Group.objects.get(name="Welcome committee")
    assert response.status_code == 302
    assert response["Location"] == f"/groups/{committee.slug}/"
    assert (committee.kind, committee.unit, committee.parent) == (
        "lead_group",
        "committee",
        cast.group,
    )


def test_the_create_page_needs_the_group_for_a_section(cast):
    response = cast.client("owner").post(
        "/groups/new/",
        {
            "name": "Floating",
            "kind": "lead_group",
            "unit": "section",
            "currency": "EUR",
            "time_zone": "Europe/Rome",
        },
    )

    assert response.status_code == 200
    assert "Choose the group it is a section or committee of." in response.content.decode()
    assert not Group.objects.filter(name="Floating").exists()


def test_the_parent_page_links_to_a_new_section_for_administrators_only(cast):
    link = f"/groups/new/?parent={cast.group.pk}&amp;unit=section"

    assert link in cast.client("owner").get(f"/groups/{cast.group.slug}/").content.decode()
    assert link not in cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"unit": "section"}, "A section or committee belongs to a group: choose which."),
        ({"unit": "guild", "parent": "group"}, "Unknown kind of subgroup: guild"),
        (
            {"unit": "section", "parent": "group", "kind": "association"},
            "A section or committee of Chapter One is a Lead group like it.",
        ),
    ],
)
def test_invalid_sections_are_refused(cast, payload, message):
    if payload.get("parent") == "group":
        payload["parent"] = cast.group.pk
    before = Group.objects.count()

    response = send_json(cast.api("owner"), "post", API, {"name": "Sub", **payload})

    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert Group.objects.count() == before


def test_a_kind_without_children_of_its_own_has_no_sections(cast):
    chamber = create_group(cast.owner, name="Camera", kind="chamber")

    with pytest.raises(GroupError, match="A Chamber of commerce cannot have sections"):
        section_of(chamber, "Export section")

    assert not chamber.children.exists()


@pytest.mark.parametrize(("who", "status"), [("member", 400), ("outsider", 404)])
def test_only_the_groups_administrators_add_sections(cast, who, status):
    before = Group.objects.count()

    response = send_json(
        cast.api(who),
        "post",
        API,
        {"name": "Rogue section", "unit": "section", "parent": cast.group.pk},
    )

    assert response.status_code == status
    assert set(response.json()) == {"detail"}
    assert Group.objects.count() == before


def test_members_of_the_parent_ask_to_join_and_are_approved(cast, section):
    membership = join_group(section, cast.member)
    assert membership.status == "requested"

    approve_membership(membership, actor=cast.owner)

    membership.refresh_from_db()
    assert membership.status == "active"


def test_members_of_the_parent_see_the_section_and_join_through_the_api(cast, section):
    seen = send_json(cast.api("member"), "get", f"{API}/{section.pk}")
    joined = send_json(cast.api("member"), "post", f"{API}/{section.pk}/join")

    assert seen.status_code == 200
    assert joined.status_code == 200
    assert joined.json()["status"] == "requested"


def test_people_outside_the_parent_cannot_join(cast):
    open_section = section_of(cast.public_group, "Photographers")
    update_group(open_section, actor=cast.owner, changes={"join_policy": "open"})

    api = send_json(cast.api("outsider"), "post", f"{API}/{open_section.pk}/join")
    page = cast.client("outsider").post(f"/groups/{open_section.slug}/join/")

    assert api.status_code == 400
    assert api.json() == {"detail": "Photographers is for members of Open Events only."}
    assert messages_of(page) == ["Photographers is for members of Open Events only."]
    assert not Membership.objects.filter(group=open_section, user=cast.outsider).exists()


def test_an_applicant_of_the_parent_cannot_join_the_section_yet(cast, section):
    with pytest.raises(GroupError, match="Marketing is for members of Chapter One only"):
        join_group(section, cast.visitor)  # applied to the chapter, not admitted

    assert not Membership.objects.filter(group=section, user=cast.visitor).exists()


def test_a_private_section_is_hidden_from_people_outside_the_parent(cast, section):
    assert cast.client("outsider").get(f"/groups/{section.slug}/").status_code == 404
    assert send_json(cast.api("outsider"), "get", f"{API}/{section.pk}").status_code == 404
    assert send_json(cast.api("visitor"), "get", f"{API}/{section.pk}").status_code == 404


def test_invitations_go_to_members_of_the_parent_only(cast, section):
    with pytest.raises(GroupError, match="is not a member of Chapter One"):
        invite_member(section, actor=cast.owner, email=cast.outsider.email)
    response = send_json(
        cast.api("owner"), "post", f"{API}/{section.pk}/invitations", {"email": cast.visitor.email}
    )

    assert response.status_code == 400
    assert not Membership.objects.filter(group=section, user__in=[cast.outsider, cast.visitor])
    invited = invite_member(section, actor=cast.owner, email=cast.member.email)
    assert invited.status == "invited"


def test_someone_who_left_the_parent_meanwhile_is_not_admitted(cast, section):
    request = join_group(section, cast.member)
    Membership.objects.filter(group=cast.group, user=cast.member).update(status="left")

    with pytest.raises(GroupError, match="Marketing is for members of Chapter One only"):
        approve_membership(request, actor=cast.owner)

    request.refresh_from_db()
    assert request.status == "requested"


def test_a_section_has_leaders_of_its_own(cast, section):
    """Its president runs it; the chapter's leaders run it too, but not the other way round."""
    own = approve_membership(join_group(section, cast.member), actor=cast.owner)
    set_role(own, actor=cast.owner, role="president")
    newcomer = make_user("newcomer@example.org", "Nina Newcomer", profession="architect")
    add_member(cast.group, newcomer)
    request = join_group(section, newcomer)

    approve_membership(request, actor=cast.member)  # the section's president

    assert can_manage(cast.member, section) and can_review(cast.member, section)
    assert not can_manage(cast.member, cast.group)
    assert can_manage(cast.leader, section)  # the chapter's president
    assert audit_of(request, "groups.membership.approved").actor == cast.member


def test_the_parent_page_lists_sections_and_committees_with_member_counts(cast, section):
    approve_membership(join_group(section, cast.member), actor=cast.owner)
    committee = section_of(cast.group, "Events committee", unit="committee")
    chapter = create_group(cast.owner, name="Chapter Two", kind="lead_group", parent=cast.group)

    content = cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()

    listed = content.split('id="sections"')[1].split("</section>")[0]
    assert 'Marketing</a> <span class="badge">Section</span>' in listed
    assert "2 members" in listed
    assert f'href="/groups/{committee.slug}/"' in listed
    assert "1 member<" in listed
    assert chapter.slug not in listed
    under = content.split("Groups under this one")[1].split("</section>")[0]
    assert committee.slug not in under and section.slug not in under


def test_the_parent_page_counts_sections_in_one_query(cast, django_assert_max_num_queries):
    section_of(cast.group, "First")
    client = cast.client("member")
    with CaptureQueriesContext(connection) as one:
        client.get(f"/groups/{cast.group.slug}/")
    for n in range(5):
        section = section_of(cast.group, f"Section {n}")
        add_member(section, cast.member)

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"/groups/{cast.group.slug}/")

    assert response.content.decode().count('badge">Section</span>') == 6


def test_the_api_lists_the_sections_a_viewer_may_see(cast, section):
    approve_membership(join_group(section, cast.member), actor=cast.owner)
    committee = section_of(cast.group, "Events committee", unit="committee")
    create_group(cast.owner, name="Chapter Two", kind="lead_group", parent=cast.group)

    response = send_json(cast.api("member"), "get", f"{API}/{cast.group.pk}/sections")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [(i["name"], i["unit"], i["member_count"]) for i in body["items"]] == [
        ("Events committee", "committee", 1),
        ("Marketing", "section", 2),
    ]
    assert body["items"][0]["id"] == committee.pk
    assert body["items"][0]["rules"] == cast.group.rules.as_dict()


def test_the_sections_of_a_public_group_are_listed_as_each_viewer_may_see(cast):
    public = section_of(cast.public_group, "Public section")
    private = section_of(cast.public_group, "Private committee", unit="committee")
    update_group(private, actor=cast.owner, changes={"visibility": "private"})

    add_member(cast.public_group, cast.member)
    url = f"{API}/{cast.public_group.pk}/sections"

    anonymous = Client().get(url)
    outsider = send_json(cast.api("outsider"), "get", url)
    member = send_json(cast.api("member"), "get", url)  # of the group, not of its sections

    assert [i["id"] for i in anonymous.json()["items"]] == [public.pk]
    assert [i["id"] for i in outsider.json()["items"]] == [public.pk]
    assert {i["id"] for i in member.json()["items"]} == {public.pk, private.pk}


def test_outsiders_cannot_list_the_sections_of_a_private_group(cast, section):
    response = send_json(cast.api("outsider"), "get", f"{API}/{cast.group.pk}/sections")

    assert response.status_code == 404
    assert set(response.json()) == {"detail"}


def test_listing_sections_through_the_api_takes_a_fixed_number_of_queries(
    cast, django_assert_max_num_queries
):
    client = cast.api("member")
    section_of(cast.group, "First")
    with CaptureQueriesContext(connection) as one:
        client.get(f"{API}/{cast.group.pk}/sections")
    for n in range(5):
        section_of(cast.group, f"Section {n}")

    with django_assert_max_num_queries(len(one.captured_queries)):
        response = client.get(f"{API}/{cast.group.pk}/sections")

    assert response.json()["count"] == 6


def test_leaving_the_parent_ends_the_sections_memberships(cast, section):
    approve_membership(join_group(section, cast.member), actor=cast.owner)
    committee = section_of(section, "Newsletter committee", unit="committee")
    approve_membership(join_group(committee, cast.member), actor=cast.owner)
    untouched = add_member(cast.public_group, cast.member)

    leave_group(cast.group, cast.member)

    for group in (section, committee):
        row = Membership.objects.get(group=group, user=cast.member)
        assert (row.status, row.standing) == ("left", "resigned")
        entry = audit_of(row, "groups.membership.left_with_parent")
        assert entry.actor == cast.member
        assert entry.data["previous_status"] == "active"
    untouched.refresh_from_db()
    assert untouched.status == "active"


def test_termination_from_the_parent_ends_the_sections_memberships(cast, section):
    request = join_group(section, cast.member)  # still waiting for a decision

    terminate_membership(
        Membership.objects.get(group=cast.group, user=cast.member),
        actor=cast.owner,
        reason="Breach of the rules.",
    )

    request.refresh_from_db()
    assert request.status == "left"
    assert audit_of(request, "groups.membership.left_with_parent").data == {
        "group": section.pk,
        "parent": cast.group.pk,
        "previous_status": "requested",
    }


def test_an_organisation_administrator_not_in_the_chapter_runs_a_section_from_above(cast):
    regional = make_user("regional@example.org", "Rita Regional")
    add_member(cast.organisation, regional, role="administrator")

    section = section_of(cast.group, "Regional section", actor=regional)

    assert not Membership.objects.filter(group=section).exists()
    assert can_manage(regional, section)
    assert page_client(regional).get(f"/groups/{section.slug}/").status_code == 200
