"""One seat per profession: where the rules say so, one active member per profession, held by
the database; open seats show whom to invite."""

import pytest
from django.db import IntegrityError, transaction

from cerchia.accounts.models import Profession
from cerchia.audit.models import AuditEntry
from cerchia.conftest import make_user
from cerchia.groups.models import Membership
from cerchia.groups.services import (
    GroupError,
    approve_membership,
    create_group,
    join_group,
    leave_group,
    update_group,
)


@pytest.fixture
def chapter(cast):
    """A public chapter run by the owner (an accountant, who holds that seat). Sponsors and the
    objection window have tests of their own, so they are off here."""
    return create_group(
        cast.owner,
        name="Bologna Nord",
        kind="lead_group",
        visibility="public",
        join_policy="application",
        rule_overrides={"sponsor_required": False, "objection_window_days": 0},
    )


def test_the_creator_holds_the_seat_of_their_profession(cast, chapter):
    seat = Membership.objects.get(group=chapter, user=cast.owner)
    assert seat.seat_profession.code == "accountant"


def test_an_approved_applicant_takes_the_seat_of_their_profession(cast, chapter):
    applied = join_group(chapter, cast.member)
    assert applied.status == "applied" and applied.seat_profession is None

    approve_membership(applied, actor=cast.owner)

    applied.refresh_from_db()
    assert applied.status == "active"
    assert applied.seat_profession.code == "wedding_photographer"


def test_nobody_may_apply_for_a_seat_that_is_taken(cast, chapter):
    rival = make_user("rival@example.org", profession="accountant")

    with pytest.raises(GroupError, match="Accountant seat in Bologna Nord is taken"):
        join_group(chapter, rival)

    assert not Membership.objects.filter(group=chapter, user=rival).exists()
    assert not AuditEntry.objects.filter(action="groups.membership.applied").exists()


def test_without_a_profession_one_cannot_apply_to_a_seated_group(cast, chapter):
    nobody = make_user("noprofession@example.org")

    with pytest.raises(GroupError, match="choose your profession"):
        join_group(chapter, nobody)

    assert not Membership.objects.filter(group=chapter, user=nobody).exists()


def test_approval_is_refused_when_the_seat_was_taken_meanwhile(cast, chapter):
    first = join_group(chapter, make_user("p1@example.org", profession="plumber"))
    second = join_group(chapter, make_user("p2@example.org", profession="electrician"))
    # The second applicant switches to plumbing: both now want the plumber seat.
    profile = second.user.profile
    profile.profession = Profession.objects.get(code="plumber")
    profile.save()
    approve_membership(first, actor=cast.owner)

    with pytest.raises(GroupError, match="Plumber seat in Bologna Nord is taken"):
        approve_membership(second, actor=cast.owner)

    second.refresh_from_db()
    assert second.status == "applied" and second.seat_profession is None
    assert (
        Membership.objects.filter(
            group=chapter, status="active", seat_profession__code="plumber"
        ).count()
        == 1
    )


def test_leaving_frees_the_seat(cast, chapter):
    member = join_group(chapter, cast.member)
    approve_membership(member, actor=cast.owner)
    leave_group(chapter, cast.member)

    newcomer = make_user("other.photographer@example.org", profession="wedding_photographer")
    applied = join_group(chapter, newcomer)
    approve_membership(applied, actor=cast.owner)

    assert Membership.objects.get(group=chapter, user=newcomer).status == "active"


def test_a_group_that_turns_the_rule_off_admits_two_of_a_profession(cast, chapter):
    update_group(
        chapter,
        actor=cast.owner,
        changes={"rule_overrides": {**chapter.rule_overrides, "one_seat_per_profession": False}},
    )
    second_accountant = make_user("accountant2@example.org", profession="accountant")

    approve_membership(join_group(chapter, second_accountant), actor=cast.owner)

    assert (
        Membership.objects.filter(
            group=chapter, status="active", user__profile__profession__code="accountant"
        ).count()
        == 2
    )


def test_groups_without_the_rule_hold_no_seats(cast):
    events = cast.public_group
    joined = join_group(events, make_user("x@example.org", profession="accountant"))

    assert joined.status == "active" and joined.seat_profession is None


def test_the_database_refuses_a_second_active_seat_even_past_the_services(cast, chapter):
    rival = make_user("rival@example.org", profession="accountant")
    accountant = Profession.objects.get(code="accountant")

    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(
            group=chapter, user=rival, status="active", seat_profession=accountant
        )


def test_open_seats_list_the_professions_nobody_holds_by_sphere(cast, chapter):
    response = cast.api("member").get(f"/api/v1/groups/{chapter.pk}/open-seats")

    assert response.status_code == 200
    body = response.json()
    assert body["one_seat_per_profession"] is True
    assert body["count"] == Profession.objects.count() - 1
    codes = {p["code"] for sphere in body["spheres"] for p in sphere["professions"]}
    assert "accountant" not in codes and "plumber" in codes
    finance = next(s for s in body["spheres"] if s["code"] == "finance_insurance")
    assert "mortgage_broker" in {p["code"] for p in finance["professions"]}


def test_open_seats_are_empty_where_the_group_has_no_seats(cast):
    response = cast.api("member").get(f"/api/v1/groups/{cast.public_group.pk}/open-seats")

    assert response.json() == {"one_seat_per_profession": False, "count": 0, "spheres": []}


def test_open_seats_of_a_private_chapter_are_hidden_from_outsiders(cast):
    assert cast.api("outsider").get(f"/api/v1/groups/{cast.group.pk}/open-seats").status_code == 404
    assert cast.api("member").get(f"/api/v1/groups/{cast.group.pk}/open-seats").status_code == 200
    # The organisation is listed to signed-in people, but its members are not theirs to see.
    organisation = cast.api("outsider").get(f"/api/v1/groups/{cast.organisation.pk}/open-seats")
    assert organisation.status_code == 403


def test_the_group_page_shows_the_open_seats(cast, chapter):
    page = cast.client("member").get(chapter.get_absolute_url()).content.decode()

    assert 'id="open-seats"' in page
    assert "Mortgage broker" in page
