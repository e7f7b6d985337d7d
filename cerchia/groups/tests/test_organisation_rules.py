"""An organisation's rules flow down to its chapters; chapters override only what the
organisation leaves open."""

import pytest

from cerchia.groups.services import GroupError, create_group, update_group
from cerchia.groups.tests.helpers import settings_form_data


@pytest.fixture
def organisation(cast):
    return create_group(
        cast.owner,
        name="Referral Nord",
        kind="lead_group",
        rule_overrides={"max_absences_6_months": 2, "visitor_visit_limit": 3},
    )


@pytest.fixture
def chapter(cast, organisation):
    return create_group(cast.owner, name="Nord – Ferrara", kind="lead_group", parent=organisation)


def test_a_chapter_follows_its_organisation(chapter):
    assert chapter.rules.max_absences_6_months == 2
    assert chapter.rules.visitor_visit_limit == 3
    assert chapter.rules.one_seat_per_profession is True  # the kind's default, untouched


def test_a_chapter_may_override_what_is_not_locked(cast, chapter):
    update_group(chapter, actor=cast.owner, changes={"rule_overrides": {"visitor_visit_limit": 1}})

    chapter.refresh_from_db()
    assert chapter.rules.visitor_visit_limit == 1
    assert chapter.rules.max_absences_6_months == 2


def test_locked_rules_cannot_be_overridden_and_nothing_changes(cast, organisation, chapter):
    update_group(
        organisation, actor=cast.owner, changes={"locked_rules": ["max_absences_6_months"]}
    )
    chapter.refresh_from_db()

    with pytest.raises(GroupError, match="max_absences_6_months is set by Referral Nord"):
        update_group(
            chapter, actor=cast.owner, changes={"rule_overrides": {"max_absences_6_months": 5}}
        )

    chapter.refresh_from_db()
    assert chapter.rule_overrides == {}
    assert chapter.rules.max_absences_6_months == 2


def test_an_override_saved_before_the_lock_stops_counting(cast, organisation, chapter):
    update_group(
        chapter, actor=cast.owner, changes={"rule_overrides": {"max_absences_6_months": 5}}
    )
    update_group(
        organisation, actor=cast.owner, changes={"locked_rules": ["max_absences_6_months"]}
    )

    chapter.refresh_from_db()
    assert chapter.rules.max_absences_6_months == 2


def test_a_change_at_the_organisation_reaches_every_chapter(cast, organisation, chapter):
    update_group(
        organisation, actor=cast.owner, changes={"rule_overrides": {"max_absences_6_months": 4}}
    )

    chapter.refresh_from_db()
    assert chapter.rules.max_absences_6_months == 4


def test_unknown_locked_rules_are_refused(cast, organisation):
    with pytest.raises(GroupError, match="Unknown rule: bogus"):
        update_group(organisation, actor=cast.owner, changes={"locked_rules": ["bogus"]})


def test_groups_of_another_kind_below_do_not_inherit(cast):
    chamber = create_group(
        cast.owner, name="Camera", kind="chamber", rule_overrides={"visitor_visit_limit": 5}
    )
    leads = create_group(cast.owner, name="Camera Leads", kind="lead_group", parent=chamber)

    assert leads.rules.visitor_visit_limit == 2  # the lead group's own default


def test_the_chapter_settings_page_keeps_inheriting_and_shows_locks(cast, organisation, chapter):
    update_group(
        organisation, actor=cast.owner, changes={"locked_rules": ["max_absences_6_months"]}
    )
    chapter.refresh_from_db()
    client = cast.client("owner")

    page = client.get(f"/groups/{chapter.slug}/settings/").content.decode()
    assert "Set by the organisation for all its groups." in page
    client.post(
        f"/groups/{chapter.slug}/settings/",
        settings_form_data(chapter, description="Ferrara chapter"),
    )

    chapter.refresh_from_db()
    assert chapter.description == "Ferrara chapter"
    # Saving the page did not pin the inherited values as the chapter's own.
    assert chapter.rule_overrides == {}


def test_the_api_shows_and_sets_locked_rules(cast, organisation, chapter):
    client = cast.api("owner")
    response = client.patch(
        f"/api/v1/groups/{organisation.pk}",
        {"locked_rules": ["visitor_visit_limit"]},
        content_type="application/json",
    )
    assert response.json()["locked_rules"] == ["visitor_visit_limit"]

    refused = client.patch(
        f"/api/v1/groups/{chapter.pk}",
        {"rule_overrides": {"visitor_visit_limit": 1}},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert client.get(f"/api/v1/groups/{chapter.pk}").json()["rules"]["visitor_visit_limit"] == 3
