"""Women's networks (a rule) ask applicants their gender and admit the others as associate
members; the member lists and the API show the category."""

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Membership
from cerchia.groups.services import (
    GroupError,
    accept_invitation,
    approve_membership,
    create_group,
    invite_member,
    join_group,
)
from cerchia.groups.tests.helpers import API, api_client, page_client, send_json

ANSWERS = {"licence": "Albo 42, Bologna", "years_in_business": "7"}


@pytest.fixture
def network(cast):
    """A public women entrepreneurs' association, run by the owner."""
    return create_group(
        cast.owner,
        name="Donne d'Impresa",
        kind="association",
        visibility="public",
        join_policy="application",
        rule_overrides={"women_network": True},
    )


def apply(group, user, gender):
    answers = {**ANSWERS, "gender": gender} if gender else dict(ANSWERS)
    return join_group(group, user, answers=answers)


def admitted(group, owner, email, name, gender):
    person = make_user(email, name)
    membership = apply(group, person, gender)
    return approve_membership(membership, actor=owner)


def test_the_application_asks_gender(cast, network):
    body = send_json(cast.api("outsider"), "get", f"{API}/{network.pk}").json()
    page = cast.client("outsider").get(f"/groups/{network.slug}/").content.decode()

    assert [q["code"] for q in body["application_questions"]] == [
        "licence",
        "years_in_business",
        "gender",
    ]
    assert 'name="answer_gender"' in page


def test_an_application_without_gender_is_refused(cast, network):
    with pytest.raises(GroupError, match="Please answer: Gender"):
        apply(network, cast.outsider, None)

    assert not Membership.objects.filter(group=network, user=cast.outsider).exists()


@pytest.mark.parametrize(
    ("gender", "category"),
    [
        ("woman", "full"),
        ("man", "associate"),
        ("non_binary", "associate"),
        ("undisclosed", "associate"),
    ],
)
def test_approval_makes_the_others_associates(cast, network, gender, category):
    membership = admitted(network, cast.owner, "anna@example.org", "Anna Applicant", gender)

    membership.refresh_from_db()
    assert (membership.status, membership.category) == ("active", category)


def test_through_the_api_apply_and_approve(cast, network):
    joined = send_json(
        cast.api("outsider"),
        "post",
        f"{API}/{network.pk}/join",
        {"answers": {**ANSWERS, "gender": "man"}},
    )
    assert joined.status_code == 200
    assert (joined.json()["status"], joined.json()["category"]) == ("applied", "full")

    approved = send_json(
        cast.api("owner"), "post", f"{API}/{network.pk}/members/{joined.json()['id']}/approve"
    )

    assert approved.status_code == 200
    assert approved.json()["category"] == "associate"


def test_the_page_application_records_gender_and_approval_decides(cast, network):
    response = cast.client("outsider").post(
        f"/groups/{network.slug}/join/",
        {"answer_licence": "Albo 9", "answer_years_in_business": "3", "answer_gender": "woman"},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(group=network, user=cast.outsider)
    assert membership.answers["gender"] == "woman"

    cast.client("owner").post(
        f"/groups/{network.slug}/members/{membership.pk}/decide/", {"decision": "approve"}
    )

    membership.refresh_from_db()
    assert (membership.status, membership.category) == ("active", "full")


def test_member_lists_and_the_api_show_the_category(cast, network):
    admitted(network, cast.owner, "bruno@example.org", "Bruno Associate", "man")
    admitted(network, cast.owner, "carla@example.org", "Carla Full", "woman")

    body = send_json(cast.api("outsider"), "get", f"{API}/{network.pk}/members").json()
    page = cast.client("outsider").get(f"/groups/{network.slug}/").content.decode()

    categories = {item["person"]["display_name"]: item["category"] for item in body["items"]}
    assert categories == {
        "Olivia Owner": "full",
        "Bruno Associate": "associate",
        "Carla Full": "full",
    }
    bruno = page.split("Bruno Associate", 1)[1].split("</tr>", 1)[0]
    carla = page.split("Carla Full", 1)[1].split("</tr>", 1)[0]
    assert "Associate member" in bruno
    assert "Associate member" not in carla


def test_without_the_rule_everyone_is_a_full_member(cast):
    association = create_group(
        cast.owner, name="Open Guild", kind="association", join_policy="application"
    )
    association.rule_overrides = {"ask_gender": True}
    association.save()

    membership = admitted(association, cast.owner, "dario@example.org", "Dario", "man")

    assert membership.category == "full"


def test_invited_people_join_as_full_members(cast, network):
    """Only applications ask the gender: the administrators chose whom they invite."""
    invite_member(network, actor=cast.owner, email=cast.member.email)
    membership = Membership.objects.get(group=network, user=cast.member)

    accept_invitation(membership, actor=cast.member)

    membership.refresh_from_db()
    assert (membership.status, membership.category) == ("active", "full")


def test_the_gender_answer_is_for_reviewers_only(cast, network):
    apply(network, cast.outsider, "man")
    plain = make_user("plain@example.org", "Paola Plain")
    add_member(network, plain)

    as_member = send_json(api_client(plain), "get", f"{API}/{network.pk}/members?status=applied")
    as_owner = send_json(cast.api("owner"), "get", f"{API}/{network.pk}/members?status=applied")
    page = page_client(plain).get(f"/groups/{network.slug}/").content.decode()

    assert as_member.status_code == 200 and as_member.json()["count"] == 0
    assert as_owner.json()["count"] == 1
    assert "Oscar Outsider" not in page
    assert "Gender" not in page
