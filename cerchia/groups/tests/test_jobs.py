"""The jobs board of associations and chambers: members post, posts expire, the public sees
only what the group allows."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member
from cerchia.groups.models import JobPost
from cerchia.groups.services import GroupError, close_job, create_group, post_job, update_group

TODAY = dt.date(2026, 5, 4)


@pytest.fixture
def association(cast):
    group = create_group(
        cast.owner,
        name="HR Bologna",
        kind="association",
        visibility="public",
        join_policy="request",
    )
    add_member(group, cast.member)
    return group


def post(group, author, **extra):
    fields = {
        "title": "Payroll specialist",
        "description": "Part time, 3 days a week.",
        "contact": "jobs@example.org",
        "place": "Bologna",
    }
    with time_machine.travel(dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC), tick=False):
        return post_job(group, author=author, **{**fields, **extra})


def test_a_member_posts_a_job_open_for_30_days(cast, association):
    job = post(association, cast.member)

    assert job.expires_on == TODAY + dt.timedelta(days=30)
    assert AuditEntry.objects.filter(action="groups.job.posted", actor=cast.member).exists()


@pytest.mark.parametrize(
    ("who", "extra", "message"),
    [
        ("outsider", {}, "Only members of HR Bologna may post jobs"),
        ("member", {"title": "  "}, "needs a title"),
        ("member", {"expires_on": TODAY + dt.timedelta(days=121)}, "at most 120 days"),
        ("member", {"expires_on": TODAY - dt.timedelta(days=1)}, "from today"),
    ],
)
def test_bad_posts_are_refused_and_nothing_is_saved(cast, association, who, extra, message):
    with pytest.raises(GroupError, match=message):
        post(association, getattr(cast, who), **extra)

    assert not JobPost.objects.exists()


def test_groups_without_a_board_take_no_posts(cast):
    with pytest.raises(GroupError, match="has no jobs board"):
        post(cast.public_group, cast.owner)


def test_members_only_boards_refuse_public_posts(cast, association):
    update_group(association, actor=cast.owner, changes={"rule_overrides": {"jobs_public": False}})

    with pytest.raises(GroupError, match="for members only"):
        post(association, cast.member, public=True)


def test_expired_posts_leave_the_board(cast, association):
    post(association, cast.member)
    client = cast.api("member")

    with time_machine.travel(dt.datetime(2026, 6, 3, 12, 0, tzinfo=dt.UTC), tick=False):
        open_on_last_day = client.get(f"/api/v1/groups/{association.pk}/jobs").json()
    with time_machine.travel(dt.datetime(2026, 6, 4, 12, 0, tzinfo=dt.UTC), tick=False):
        after = client.get(f"/api/v1/groups/{association.pk}/jobs").json()

    assert open_on_last_day["count"] == 1
    assert after == {"items": [], "count": 0}


def test_the_public_sees_only_public_posts(cast, association):
    post(association, cast.member, title="Members-only role")
    post(association, cast.member, title="Open role", public=True)

    with time_machine.travel(dt.datetime(2026, 5, 5, 9, 0, tzinfo=dt.UTC), tick=False):
        stranger = cast.client("outsider").get(f"/groups/{association.slug}/jobs/")
        member = cast.client("member").get(f"/groups/{association.slug}/jobs/")
        anonymous = cast.api("outsider").get(f"/api/v1/groups/{association.pk}/jobs").json()

    assert "Open role" in stranger.content.decode()
    assert "Members-only role" not in stranger.content.decode()
    assert "Members-only role" in member.content.decode()
    assert [job["title"] for job in anonymous["items"]] == ["Open role"]


def test_jobs_of_a_private_group_are_404_for_outsiders(cast):
    private = create_group(
        cast.owner, name="Closed Circle", kind="association", visibility="private"
    )

    assert cast.client("outsider").get(f"/groups/{private.slug}/jobs/").status_code == 404
    assert cast.api("outsider").get(f"/api/v1/groups/{private.pk}/jobs").status_code == 404


def test_only_members_post_from_the_page(cast, association):
    data = {
        "title": "Recruiter",
        "description": "Full time",
        "contact": "hr@example.org",
        "expires_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat(),
    }

    refused = cast.client("outsider").post(f"/groups/{association.slug}/jobs/", data)
    accepted = cast.client("member").post(f"/groups/{association.slug}/jobs/", data)

    assert refused.status_code == 403
    assert accepted.status_code == 302
    assert list(JobPost.objects.values_list("title", flat=True)) == ["Recruiter"]


def test_the_author_or_an_administrator_closes_a_post(cast, association):
    job = post(association, cast.member)
    add_member(association, cast.leader)

    with pytest.raises(GroupError, match="Only its author"):
        close_job(job, actor=cast.leader)
    close_job(job, actor=cast.owner)

    job.refresh_from_db()
    assert job.closed_at is not None
    with pytest.raises(GroupError, match="already closed"):
        close_job(job, actor=cast.member)


def test_the_api_posts_and_closes(cast, association):
    client = cast.api("member")
    created = client.post(
        f"/api/v1/groups/{association.pk}/jobs",
        {"title": "Trainer", "description": "Workshops", "contact": "a@example.org"},
        content_type="application/json",
    )
    assert created.status_code == 201
    job_id = created.json()["id"]

    closed = client.post(
        f"/api/v1/groups/{association.pk}/jobs/{job_id}/close", {}, content_type="application/json"
    )
    again = client.post(
        f"/api/v1/groups/{association.pk}/jobs/{job_id}/close", {}, content_type="application/json"
    )

    assert closed.status_code == 200
    assert again.status_code == 404  # a closed post is off the board
    stranger = cast.api("outsider").post(
        f"/api/v1/groups/{association.pk}/jobs",
        {"title": "X", "description": "Y", "contact": "z"},
        content_type="application/json",
    )
    assert stranger.status_code == 400
    assert "Only members" in stranger.json()["detail"]
