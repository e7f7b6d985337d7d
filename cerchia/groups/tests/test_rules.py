"""Per-group overrides of the kind's tunable rules: validated, applied, and only by managers."""

import pytest
from django.core.exceptions import ValidationError

from cerchia.groups.kinds import CREATABLE_KINDS, KIND_RULES, KindRules, clean_overrides, rules_for
from cerchia.groups.models import Group
from cerchia.groups.services import GroupError, create_group, update_group
from cerchia.groups.tests.helpers import API, group_audit, send_json, settings_form_data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"coffee_breaks": 2}, "Unknown rule: coffee_breaks"),
        ({"weekly_meetings": False}, "Unknown rule: weekly_meetings"),  # fixed per kind
        ({"one_seat_per_profession": "yes"}, "Rule one_seat_per_profession must be true or false."),
        ({"one_seat_per_profession": 1}, "Rule one_seat_per_profession must be true or false."),
        ({"follow_up_days": "7"}, "Rule follow_up_days must be a number."),
        ({"follow_up_days": True}, "Rule follow_up_days must be a number."),
        ({"follow_up_days": None}, "Rule follow_up_days must be a number."),
        ({"follow_up_days": 2.5}, "Rule follow_up_days must be a whole number."),
        ({"follow_up_days": 0}, "Rule follow_up_days must be between 1 and 60."),
        ({"follow_up_days": 61}, "Rule follow_up_days must be between 1 and 60."),
        ({"visitor_visit_limit": -1}, "Rule visitor_visit_limit must be between 0 and 52."),
        (
            {"referrals_expected_per_week": 10.5},
            "Rule referrals_expected_per_week must be between 0 and 10.",
        ),
    ],
)
def test_clean_overrides_refuses_with_the_rule_named(overrides, message):
    with pytest.raises(ValidationError) as excinfo:
        clean_overrides(overrides)

    assert excinfo.value.messages == [message]


def test_clean_overrides_wants_an_object():
    with pytest.raises(ValidationError, match="must be an object"):
        clean_overrides(["follow_up_days", 3])


def test_clean_overrides_keeps_valid_values_with_their_types():
    cleaned = clean_overrides(
        {
            "follow_up_days": 60.0,
            "referrals_expected_per_week": 2,
            "members_only_events": False,
            "visitor_visit_limit": 0,
        }
    )

    assert cleaned == {
        "follow_up_days": 60,
        "referrals_expected_per_week": 2.0,
        "members_only_events": False,
        "visitor_visit_limit": 0,
    }
    assert type(cleaned["follow_up_days"]) is int
    assert type(cleaned["referrals_expected_per_week"]) is float


@pytest.mark.parametrize("kind", list(KIND_RULES))
def test_every_kind_default_is_itself_a_valid_override(kind):
    # Otherwise the settings page could not be saved without changing that rule.
    defaults = rules_for(kind).as_dict()

    assert clean_overrides(defaults) == defaults
    for spec in KindRules.tunable_fields():
        assert spec.metadata["label"]


def test_overrides_change_the_rules_of_that_group_only(cast):
    update_group(
        cast.group,
        actor=cast.owner,
        changes={"rule_overrides": {"max_absences_6_months": 5, "one_seat_per_profession": False}},
    )

    cast.group.refresh_from_db()
    assert cast.group.rules.max_absences_6_months == 5
    assert cast.group.rules.one_seat_per_profession is False
    assert cast.group.rules.visitor_visit_limit == 2  # untouched rules keep the default
    assert cast.organisation.rules.max_absences_6_months == 3
    assert rules_for("lead_group").max_absences_6_months == 3
    entry = group_audit("groups.group.updated").get(target_id=str(cast.group.pk))
    assert entry.data == {"fields": ["rule_overrides"]}


def test_an_invalid_override_is_refused_and_nothing_changes(cast):
    update_group(cast.group, actor=cast.owner, changes={"rule_overrides": {"grace_days": 5}})
    before = group_audit("groups.group.updated").count()

    with pytest.raises(GroupError, match="Rule grace_days must be between 0 and 100."):
        update_group(
            cast.group,
            actor=cast.owner,
            changes={"name": "Renamed", "rule_overrides": {"grace_days": 500}},
        )

    cast.group.refresh_from_db()
    assert cast.group.rule_overrides == {"grace_days": 5}
    assert cast.group.name == "Chapter One"
    assert group_audit("groups.group.updated").count() == before


@pytest.mark.parametrize("who", ["member", "visitor", "outsider"])
def test_people_who_do_not_run_the_group_cannot_change_its_rules(cast, who):
    with pytest.raises(GroupError, match="Only the group's administrators may change it"):
        update_group(
            cast.group, actor=getattr(cast, who), changes={"rule_overrides": {"grace_days": 1}}
        )

    cast.group.refresh_from_db()
    assert cast.group.rule_overrides == {}
    assert not group_audit("groups.group.updated").exists()


def test_fields_outside_the_settings_cannot_be_changed(cast):
    with pytest.raises(GroupError, match="This cannot be changed: kind"):
        update_group(cast.group, actor=cast.owner, changes={"kind": "chamber"})

    cast.group.refresh_from_db()
    assert cast.group.kind == "lead_group"


# The settings page -----------------------------------------------------------------------


def settings_url(group):
    return f"/groups/{group.slug}/settings/"


def test_settings_page_shows_every_tunable_rule(cast):
    response = cast.client("owner").get(settings_url(cast.group))

    assert response.status_code == 200
    fields = response.context["form"].fields
    for spec in KindRules.tunable_fields():
        assert f"rule_{spec.name}" in fields
    assert response.context["form"]["rule_visitor_visit_limit"].value() == 2


@pytest.mark.parametrize("kind", CREATABLE_KINDS)
def test_saving_unchanged_settings_stores_no_overrides(cast, kind):
    group = create_group(cast.owner, name=f"A {kind}", kind=kind)

    response = cast.client("owner").post(settings_url(group), settings_form_data(group))

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.rule_overrides == {}
    assert group.rules == rules_for(kind)


def test_settings_page_saves_overrides_that_differ_from_the_kind(cast):
    data = settings_form_data(
        cast.group,
        place="Milano",
        rule_max_absences_6_months=4,
        rule_one_seat_per_profession=False,
        rule_follow_up_days=7,  # the kind's default: not stored as an override
    )

    response = cast.client("owner").post(settings_url(cast.group), data)

    assert response.status_code == 302
    assert response["Location"] == cast.group.get_absolute_url()
    cast.group.refresh_from_db()
    assert cast.group.place == "Milano"
    assert cast.group.rule_overrides == {
        "max_absences_6_months": 4,
        "one_seat_per_profession": False,
    }
    assert cast.group.rules.max_absences_6_months == 4
    assert group_audit("groups.group.updated").filter(target_id=str(cast.group.pk)).exists()


def test_settings_page_with_a_rule_out_of_bounds_shows_the_error_and_saves_nothing(cast):
    data = settings_form_data(cast.group, place="Milano", rule_follow_up_days=0)

    response = cast.client("owner").post(settings_url(cast.group), data)

    assert response.status_code == 200
    assert response.context["form"].errors["rule_follow_up_days"]
    cast.group.refresh_from_db()
    assert cast.group.place == ""
    assert cast.group.rule_overrides == {}
    assert not group_audit("groups.group.updated").exists()


def test_settings_page_refuses_a_join_policy_the_kind_does_not_allow(cast):
    network = Group.objects.get(kind="informal", owner=cast.member)
    data = settings_form_data(network, join_policy="open")

    response = cast.client("member").post(settings_url(network), data)

    assert response.status_code == 200
    assert response.context["form"].errors["join_policy"]
    network.refresh_from_db()
    assert network.join_policy == "invitation"


def test_the_owner_can_save_the_settings_of_their_informal_network(cast):
    network = Group.objects.get(kind="informal", owner=cast.member)
    data = settings_form_data(network, description="People I trust", rule_follow_up_days=10)

    response = cast.client("member").post(settings_url(network), data)

    assert response.status_code == 302
    network.refresh_from_db()
    assert network.description == "People I trust"
    assert network.rules.follow_up_days == 10
    assert (network.visibility, network.join_policy) == ("private", "invitation")


def test_an_informal_network_stays_private(cast):
    network = Group.objects.get(kind="informal", owner=cast.member)

    with pytest.raises(GroupError, match="always private"):
        update_group(network, actor=cast.member, changes={"visibility": "public"})

    response = cast.client("member").post(
        settings_url(network), settings_form_data(network, visibility="public")
    )
    assert response.status_code == 200
    assert "always private" in " ".join(response.context["form"].non_field_errors())
    network.refresh_from_db()
    assert network.visibility == "private"


@pytest.mark.parametrize("method", ["get", "post"])
def test_settings_page_is_403_for_a_member_who_does_not_run_the_group(cast, method):
    data = settings_form_data(cast.group, rule_grace_days=1) if method == "post" else None

    response = getattr(cast.client("member"), method)(settings_url(cast.group), data)

    assert response.status_code == 403
    cast.group.refresh_from_db()
    assert cast.group.rule_overrides == {}


# PATCH /api/v1/groups/{id} ----------------------------------------------------------------


def test_api_patch_sets_rule_overrides(cast):
    response = send_json(
        cast.api("leader"),
        "patch",
        f"{API}/{cast.group.pk}",
        {"rule_overrides": {"visitor_visit_limit": 3, "members_only_events": False}},
    )

    assert response.status_code == 200
    rules = response.json()["rules"]
    assert rules["visitor_visit_limit"] == 3
    assert rules["members_only_events"] is False
    assert rules["max_absences_6_months"] == 3
    cast.group.refresh_from_db()
    assert cast.group.rule_overrides == {"visitor_visit_limit": 3, "members_only_events": False}


def test_api_patch_changes_only_the_fields_sent(cast):
    cast.group.rule_overrides = {"grace_days": 5}
    cast.group.save()

    response = send_json(cast.api("owner"), "patch", f"{API}/{cast.group.pk}", {"place": "Roma"})

    assert response.status_code == 200
    cast.group.refresh_from_db()
    assert cast.group.place == "Roma"
    assert cast.group.rule_overrides == {"grace_days": 5}
    assert cast.group.name == "Chapter One"


def test_api_patch_with_an_invalid_override_names_the_rule(cast):
    response = send_json(
        cast.api("owner"),
        "patch",
        f"{API}/{cast.group.pk}",
        {"rule_overrides": {"max_absences_6_months": 27}},
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Rule max_absences_6_months must be between 0 and 26."}
    cast.group.refresh_from_db()
    assert cast.group.rule_overrides == {}


def test_api_patch_with_null_leaves_the_field_as_it_was(cast):
    response = send_json(
        cast.api("owner"),
        "patch",
        f"{API}/{cast.group.pk}",
        {"description": None, "name": None, "place": "Roma"},
    )

    assert response.status_code == 200
    cast.group.refresh_from_db()
    assert (cast.group.name, cast.group.description, cast.group.place) == (
        "Chapter One",
        "",
        "Roma",
    )


def test_api_patch_by_a_member_who_does_not_run_the_group_is_403(cast):
    response = send_json(
        cast.api("member"),
        "patch",
        f"{API}/{cast.group.pk}",
        {"rule_overrides": {"grace_days": 1}},
    )

    assert response.status_code == 403
    assert response.json() == {"detail": "Only the group's administrators may do this"}
    cast.group.refresh_from_db()
    assert cast.group.rule_overrides == {}
    assert not group_audit("groups.group.updated").exists()
