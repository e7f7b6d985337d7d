"""Drop-out for organisers: joined and left, or went silent, within N days of joining."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cerchia.community.dropout import dropout_report
from cerchia.community.models import Visit
from cerchia.community.tests.safety_helpers import community, member_at, reply_by, topic_by
from cerchia.groups.models import Membership


def _leave(group, user, after_days):
    membership = Membership.objects.get(group=group, user=user)
    membership.status = Membership.Status.LEFT
    membership.left_at = membership.joined_at + datetime.timedelta(days=after_days)
    membership.save()


@pytest.fixture
def scene(cast):
    group = community(cast.owner)
    Membership.objects.filter(group=group, user=cast.owner).update(
        joined_at=timezone.now() - datetime.timedelta(days=400)
    )
    quitter = member_at(group, "quitter@example.org", None, joined_days_ago=60)
    _leave(group, quitter, 10)
    late_quitter = member_at(group, "late@example.org", None, joined_days_ago=90)
    _leave(group, late_quitter, 50)  # left after the first 30 days, active in them
    Visit.objects.create(
        group=group, user=late_quitter, day=timezone.localdate() - datetime.timedelta(days=80)
    )
    lurker = member_at(group, "lurker@example.org", None, joined_days_ago=45)  # silent
    visitor = member_at(group, "drifter@example.org", None, joined_days_ago=45)
    Visit.objects.create(
        group=group, user=visitor, day=timezone.localdate() - datetime.timedelta(days=40)
    )
    poster = member_at(group, "poster@example.org", None, joined_days_ago=50)
    reply_by(poster, topic_by(cast.owner, group))
    Membership.objects.filter(group=group, user=poster).update(
        joined_at=timezone.now() - datetime.timedelta(days=50)
    )
    # The poster's post is today: 50 days after joining, so they count as silent too.
    fresh = member_at(group, "fresh@example.org", None, joined_days_ago=5)  # window not over
    return {
        "group": group,
        "quitter": quitter,
        "lurker": lurker,
        "poster": poster,
        "visitor": visitor,
        "fresh": fresh,
    }


def test_counts_and_rates(cast, scene):
    report = dropout_report(scene["group"], cast.owner)

    # Cohort: quitter, late quitter, lurker, visitor, poster (fresh is within 30 days).
    assert report.cohort == 5
    assert report.left == 1
    assert report.silent == 2
    assert report.left_rate == 20.0
    assert report.dropout_rate == 60.0
    whys = {row["membership"].user_id: row["why"] for row in report.rows}
    assert whys == {
        scene["quitter"].pk: "left",
        scene["lurker"].pk: "silent",
        scene["poster"].pk: "silent",
    }


def test_the_window_is_a_group_rule(cast, scene):
    group = scene["group"]
    group.rule_overrides = {"dropout_days": 60}
    group.save()

    report = dropout_report(group, cast.owner)

    # Now the late quitter left within 60 days, and the poster posted within them; the
    # lurker and the visitor are still in their first 60 days.
    assert report.left == 2
    assert report.silent == 0


def test_page_for_organisers_with_bounded_queries(cast, scene, django_assert_max_num_queries):
    client = cast.client("owner")

    with django_assert_max_num_queries(12):
        response = client.get(f"/groups/{scene['group'].slug}/dropout/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<td id="left">1</td>' in html and '<td id="silent">2</td>' in html
    assert "60.0 %" in html


def test_api(cast, scene):
    data = cast.api("owner").get(f"/api/v1/groups/{scene['group'].pk}/dropout").json()

    assert (data["cohort"], data["left"], data["silent"], data["days"]) == (5, 1, 2, 30)
    assert {p["why"] for p in data["people"]} == {"left", "silent"}


@pytest.mark.parametrize("who", ["outsider", "member"])
def test_members_and_outsiders_cannot_see_drop_out(cast, scene, who):
    group = scene["group"]

    assert cast.client(who).get(f"/groups/{group.slug}/dropout/").status_code == 403
    assert cast.api(who).get(f"/api/v1/groups/{group.pk}/dropout").status_code == 403
    # A private group is not even found.
    assert cast.client("outsider").get(f"/groups/{cast.group.slug}/dropout/").status_code == 404
    assert cast.api("outsider").get(f"/api/v1/groups/{cast.group.pk}/dropout").status_code == 404
