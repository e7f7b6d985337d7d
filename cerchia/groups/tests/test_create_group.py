"""Creating groups of the five creatable kinds, under a parent or not; informal networks."""

import pytest
from django.db import IntegrityError, transaction

from cerchia.audit.models import AuditEntry
from cerchia.conftest import make_user
from cerchia.groups.kinds import CREATABLE_KINDS
from cerchia.groups.models import Group, Membership
from cerchia.groups.services import GroupError, create_group, ensure_informal_network
from cerchia.groups.tests.helpers import API, group_audit, send_json

FIVE_KINDS = ["chamber", "lead_group", "event_network", "association", "online_community"]


def test_the_five_kinds_are_creatable_and_informal_is_not():
    assert sorted(CREATABLE_KINDS) == sorted(FIVE_KINDS)


@pytest.mark.parametrize("kind", FIVE_KINDS)
def test_creating_a_group_makes_the_creator_its_administrator(cast, kind):
    group = create_group(cast.outsider, name=f"  My {kind}  ", kind=kind)

    group.refresh_from_db()
    assert (group.kind, group.name, group.parent, group.owner) == (
        kind,
        f"My {kind}",
        None,
        cast.outsider,
    )
    membership = Membership.objects.get(group=group)
    assert (membership.user, membership.status, membership.role) == (
        cast.outsider,
        "active",
        "administrator",
    )
    assert membership.joined_at is not None
    entry = AuditEntry.objects.get(action="groups.group.created", target_id=str(group.pk))
    assert entry.actor == cast.outsider
    assert entry.data == {"kind": kind, "parent": None}


@pytest.mark.parametrize("kind", FIVE_KINDS)
def test_api_creates_each_kind(cast, kind):
    response = send_json(cast.api("outsider"), "post", API, {"name": f"API {kind}", "kind": kind})

    assert response.status_code == 201
    body = response.json()
    assert body["kind"] == kind
    assert body["parent"] is None
    assert body["url"] == f"/groups/{body['slug']}/"
    group = Group.objects.get(pk=body["id"])
    assert Membership.objects.get(group=group, user=cast.outsider).role == "administrator"


def test_api_creates_a_chapter_under_a_parent(cast):
    response = send_json(
        cast.api("owner"),
        "post",
        API,
        {"name": "Chapter Two", "kind": "lead_group", "parent": cast.organisation.pk},
    )

    assert response.status_code == 201
    body = response.json()
    assert body["parent"] == cast.organisation.pk
    assert Group.objects.get(pk=body["id"]).parent == cast.organisation
    entry = AuditEntry.objects.get(action="groups.group.created", target_id=str(body["id"]))
    assert entry.data == {"kind": "lead_group", "parent": cast.organisation.pk}


def test_an_informal_network_cannot_be_created(cast):
    before = Group.objects.count()

    with pytest.raises(GroupError, match="cannot be created: informal"):
        create_group(cast.outsider, name="Mine", kind="informal")

    response = send_json(cast.api("outsider"), "post", API, {"name": "Mine", "kind": "informal"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Groups of this kind cannot be created: informal"}
    assert Group.objects.count() == before


def test_an_unknown_kind_is_refused(cast):
    response = send_json(cast.api("outsider"), "post", API, {"name": "X", "kind": "guild"})

    assert response.status_code == 400
    assert not Group.objects.filter(name="X").exists()


def test_a_child_kind_the_parent_does_not_allow_is_refused(cast):
    before = Group.objects.count()

    with pytest.raises(GroupError, match="A Lead group cannot have a Online community under it"):
        create_group(cast.owner, name="Forum", kind="online_community", parent=cast.organisation)

    response = send_json(
        cast.api("owner"),
        "post",
        API,
        {"name": "Forum", "kind": "online_community", "parent": cast.organisation.pk},
    )
    assert response.status_code == 400
    assert "cannot have" in response.json()["detail"]
    assert Group.objects.count() == before


def test_groups_cannot_hang_under_an_informal_network(cast):
    network = Group.objects.get(kind="informal", owner=cast.owner)

    with pytest.raises(GroupError, match="cannot have"):
        create_group(cast.owner, name="Sub", kind="event_network", parent=network)

    assert not network.children.exists()


@pytest.mark.parametrize("who", ["member", "visitor"])
def test_only_managers_of_the_parent_may_add_a_chapter(cast, who):
    before = Group.objects.count()

    with pytest.raises(GroupError, match="Only administrators of Chapter One may add groups"):
        create_group(getattr(cast, who), name="Sub", kind="lead_group", parent=cast.group)

    response = send_json(
        cast.api(who), "post", API, {"name": "Sub", "kind": "lead_group", "parent": cast.group.pk}
    )
    assert response.status_code == 400
    assert Group.objects.count() == before
    assert not group_audit("groups.group.created").filter(data__parent=cast.group.pk).exists()


def test_a_parent_the_creator_cannot_see_is_404(cast):
    response = send_json(
        cast.api("outsider"),
        "post",
        API,
        {"name": "Sub", "kind": "lead_group", "parent": cast.group.pk},
    )

    assert response.status_code == 404
    assert not cast.group.children.exists()


def test_a_president_of_a_chapter_may_add_under_it(cast):
    sub = create_group(cast.leader, name="Sub", kind="lead_group", parent=cast.group)

    assert sub.parent == cast.group


def test_a_taken_address_is_refused(cast):
    with pytest.raises(GroupError, match="“open-events” is taken or invalid"):
        create_group(cast.outsider, name="Other", kind="event_network", slug="Open Events")

    assert Group.objects.filter(slug="open-events").count() == 1


def test_same_names_get_distinct_addresses(cast):
    again = create_group(cast.outsider, name="Open Events", kind="event_network")

    assert again.slug == "open-events-2"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "   "}, "A group needs a name."),
        ({"currency": "euro"}, "three-letter ISO currency code"),
        ({"time_zone": "Mars/Olympus"}, "Unknown time zone: Mars/Olympus"),
        ({"visibility": "secret"}, "Unknown visibility: secret"),
        ({"join_policy": "lottery"}, "cannot use the join policy “lottery”"),
    ],
)
def test_invalid_fields_are_refused_and_nothing_is_created(cast, overrides, message):
    fields = {"name": "Valid", "kind": "chamber", **overrides}
    before = Group.objects.count()

    with pytest.raises(GroupError, match=message):
        create_group(cast.outsider, **fields)

    assert Group.objects.count() == before
    assert not Membership.objects.filter(user=cast.outsider).exists()


# Defaults from kinds.py ------------------------------------------------------------------


def test_a_lead_group_starts_with_bni_style_rules(cast):
    group = create_group(cast.outsider, name="Chapter", kind="lead_group")

    assert group.join_policy == "application"
    assert group.rule_overrides == {}
    rules = group.rules
    assert rules.one_seat_per_profession is True
    assert rules.max_absences_6_months == 3
    assert rules.visitor_visit_limit == 2
    assert rules.weekly_meetings is True


def test_a_chamber_starts_with_members_only_events_and_one_visit(cast):
    rules = create_group(cast.outsider, name="Camera", kind="chamber").rules

    assert rules.members_only_events is True
    assert rules.visitor_visit_limit == 1
    assert rules.non_member_price is True
    assert rules.one_seat_per_profession is False


def test_an_online_community_has_trust_levels_and_is_open(cast):
    group = create_group(cast.outsider, name="Forum", kind="online_community")

    assert group.rules.trust_levels is True
    assert group.rules.posts_per_day_new_member == 3
    assert group.join_policy == "open"


def test_an_event_network_follows_up_within_three_days(cast):
    group = create_group(cast.outsider, name="Expo", kind="event_network")

    assert group.rules.follow_up_days == 3
    assert group.join_policy == "open"


def test_explicit_choices_beat_the_kind_defaults(cast):
    group = create_group(
        cast.outsider,
        name="Chapter",
        kind="lead_group",
        join_policy="request",
        visibility="members",
        rule_overrides={"visitor_visit_limit": 4},
    )

    assert (group.join_policy, group.visibility) == ("request", "members")
    assert group.rules.visitor_visit_limit == 4
    assert group.rules.max_absences_6_months == 3


def test_api_returns_the_rules_in_effect(cast):
    response = send_json(
        cast.api("outsider"),
        "post",
        API,
        {"name": "Camera", "kind": "chamber", "rule_overrides": {"grace_days": 10}},
    )

    rules = response.json()["rules"]
    assert rules["visitor_visit_limit"] == 1
    assert rules["grace_days"] == 10
    assert rules["members_only_events"] is True


# Informal networks -----------------------------------------------------------------------


def test_every_registered_person_has_exactly_one_informal_network(cast):
    for person in (cast.owner, cast.leader, cast.member, cast.visitor, cast.outsider):
        networks = Group.objects.filter(kind="informal", owner=person)
        assert networks.count() == 1
        assert networks.get().visibility == "private"

    assert ensure_informal_network(cast.member) == Group.objects.get(
        kind="informal", owner=cast.member
    )
    assert Group.objects.filter(kind="informal", owner=cast.member).count() == 1


def test_the_database_refuses_a_second_informal_network(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Group.objects.create(name="Second", slug="second", kind="informal", owner=cast.member)


def test_informal_networks_are_never_listed(cast):
    informal_ids = set(Group.objects.filter(kind="informal").values_list("pk", flat=True))

    for who in ("owner", "member", "outsider"):
        listed = {g["id"] for g in cast.api(who).get(f"{API}?limit=500").json()["items"]}
        assert listed
        assert not listed & informal_ids
        page = cast.client(who).get("/groups/")
        assert "My informal network" not in page.content.decode()
        assert all(not g.is_informal for g in page.context["page"].object_list)


def test_an_informal_network_is_404_for_anyone_but_its_owner(cast):
    network = Group.objects.get(kind="informal", owner=cast.member)

    assert cast.client("member").get(network.get_absolute_url()).status_code == 200
    assert cast.api("member").get(f"{API}/{network.pk}").status_code == 200
    for who in ("owner", "leader", "outsider"):
        assert cast.client(who).get(network.get_absolute_url()).status_code == 404
        response = cast.api(who).get(f"{API}/{network.pk}")
        assert response.status_code == 404
        assert response.json() == {"detail": "No such group"}
    from django.test import Client

    assert Client().get(network.get_absolute_url()).status_code == 404
    assert Client().get(f"{API}/{network.pk}").status_code == 404


# Addresses that would clash with other pages ---------------------------------------------


def test_a_group_named_new_gets_a_page_of_its_own(cast):
    group = create_group(cast.outsider, name="New", kind="event_network")

    response = cast.client("outsider").get(group.get_absolute_url())

    assert response.status_code == 200
    assert response.context["group"] == group


def test_an_explicit_address_new_is_refused(cast):
    with pytest.raises(GroupError, match="taken or invalid"):
        create_group(cast.outsider, name="Anything", kind="event_network", slug="new")


def test_a_group_with_a_numeric_name_gets_its_own_page(cast):
    group = create_group(cast.outsider, name="2024", kind="event_network")

    response = cast.client("outsider").get(group.get_absolute_url())

    assert response.status_code == 200
    assert response.context["group"] == group


def test_a_group_cannot_take_the_address_of_a_future_informal_network(cast):
    next_pk = cast.outsider.pk + 1
    squatter = create_group(cast.outsider, name=f"Informal {next_pk}", kind="event_network")
    with pytest.raises(GroupError, match="taken or invalid"):
        create_group(cast.outsider, name="X", kind="event_network", slug=f"informal-{next_pk + 1}")

    newcomer = make_user("newcomer@example.org")

    assert newcomer.pk == next_pk
    network = Group.objects.get(kind="informal", owner=newcomer)
    assert network.slug == f"informal-{newcomer.pk}"
    assert squatter.slug != network.slug


# Through the page ------------------------------------------------------------------------


def test_create_page_makes_the_group_and_redirects_to_it(cast):
    client = cast.client("outsider")
    assert client.get("/groups/new/").status_code == 200

    response = client.post(
        "/groups/new/",
        {
            "name": "Wedding Pros",
            "kind": "association",
            "currency": "EUR",
            "time_zone": "Europe/Rome",
            "visibility": "",
            "join_policy": "",
        },
    )

    group = Group.objects.get(name="Wedding Pros")
    assert response.status_code == 302
    assert response["Location"] == group.get_absolute_url()
    assert group.join_policy == "application"
    assert Membership.objects.get(group=group, user=cast.outsider).role == "administrator"


def test_create_page_offers_only_groups_i_run_as_parents(cast):
    response = cast.client("leader").post(
        "/groups/new/",
        {
            "name": "Sub",
            "kind": "lead_group",
            "parent": cast.organisation.pk,  # the leader runs the chapter, not the organisation
            "currency": "EUR",
            "time_zone": "Europe/Rome",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["parent"]
    assert not Group.objects.filter(name="Sub").exists()


def test_create_page_needs_a_signed_in_person(db):
    from django.test import Client

    response = Client().post("/groups/new/", {"name": "X", "kind": "chamber"})

    assert response.status_code == 302
    assert "/account/login/" in response["Location"]
    assert not Group.objects.filter(name="X").exists()


def test_page_creation_under_a_parent_i_run(cast):
    response = cast.client("leader").post(
        "/groups/new/",
        {
            "name": "Sub",
            "kind": "lead_group",
            "parent": cast.group.pk,
            "currency": "EUR",
            "time_zone": "Europe/Rome",
        },
    )

    assert response.status_code == 302
    assert Group.objects.get(name="Sub").parent == cast.group


def test_page_creation_refused_by_the_rules_shows_the_reason(cast):
    response = cast.client("owner").post(
        "/groups/new/",
        {
            "name": "Forum",
            "kind": "online_community",
            "parent": cast.organisation.pk,
            "currency": "EUR",
            "time_zone": "Europe/Rome",
        },
    )

    assert response.status_code == 200
    assert "cannot have" in " ".join(response.context["form"].non_field_errors())
    assert not Group.objects.filter(name="Forum").exists()


def test_create_page_lists_informal_networks_nowhere_as_parents(cast):
    response = cast.client("owner").get("/groups/new/")

    parents = set(response.context["form"].fields["parent"].queryset)
    assert parents == {cast.organisation, cast.group, cast.public_group}
