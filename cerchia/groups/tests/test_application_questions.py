"""Eligibility questions: the standard ones a group's rules ask plus its own, answered by every
applicant, kept with the application and shown to reviewers only."""

import pytest

from cerchia.conftest import add_member
from cerchia.groups.models import Membership
from cerchia.groups.services import GroupError, create_group, join_group, update_group
from cerchia.groups.tests.helpers import settings_form_data

ANSWERS = {"licence": "Ordine degli Avvocati di Bologna n. 1234", "years_in_business": "12"}


@pytest.fixture
def association(cast):
    """An association: by default it asks for a licence and years in business."""
    return create_group(
        cast.owner,
        name="Avvocati d'Impresa",
        kind="association",
        visibility="public",
        join_policy="application",
        custom_questions=["Which courts do you work in?"],
    )


def test_an_association_asks_its_standard_questions_and_its_own(association):
    assert association.rules.eligibility_questions == ("licence", "years_in_business")
    assert association.custom_questions == ["Which courts do you work in?"]


def test_answers_are_kept_with_the_application(cast, association):
    membership = join_group(
        association, cast.outsider, answers={**ANSWERS, "custom": ["Bologna, Modena"]}
    )

    membership.refresh_from_db()
    assert membership.status == "applied"
    assert membership.answers == {
        "licence": "Ordine degli Avvocati di Bologna n. 1234",
        "years_in_business": 12,
        "custom": ["Bologna, Modena"],
    }


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"years_in_business": "12", "custom": ["x"]}, "Please answer: Licence number"),
        ({**ANSWERS, "years_in_business": "a dozen", "custom": ["x"]}, "whole number"),
        (ANSWERS, "Please answer: Which courts"),
    ],
)
def test_a_missing_or_malformed_answer_is_refused_and_saves_nothing(
    cast, association, answers, message
):
    with pytest.raises(GroupError, match=message):
        join_group(association, cast.outsider, answers=answers)

    assert not Membership.objects.filter(group=association, user=cast.outsider).exists()


def test_a_choice_question_takes_only_its_choices(cast, association):
    update_group(
        association,
        actor=cast.owner,
        changes={
            "rule_overrides": {
                "ask_licence": False,
                "ask_years_in_business": False,
                "ask_age_band": True,
            },
            "custom_questions": [],
        },
    )

    with pytest.raises(GroupError, match="is not an answer to: Age"):
        join_group(association, cast.outsider, answers={"age_band": "ancient"})
    membership = join_group(association, cast.outsider, answers={"age_band": "29_40"})

    assert membership.answers == {"age_band": "29_40"}


def test_groups_that_ask_nothing_take_no_answers(cast):
    membership = join_group(cast.public_group, cast.outsider, answers={"licence": "x"})

    assert membership.status == "active" and membership.answers == {}


def test_the_api_lists_the_questions_and_takes_the_answers(cast, association):
    client = cast.api("outsider")
    group = client.get(f"/api/v1/groups/{association.pk}").json()
    assert [q["code"] for q in group["application_questions"]] == ["licence", "years_in_business"]
    assert group["custom_questions"] == ["Which courts do you work in?"]

    response = client.post(
        f"/api/v1/groups/{association.pk}/join",
        {"answers": {**ANSWERS, "custom": ["Bologna"]}},
        content_type="application/json",
    )

    assert response.status_code == 200
    assert response.json()["answers"]["years_in_business"] == 12


def test_the_page_asks_the_questions_and_reviewers_read_the_answers(cast, association):
    applicant = cast.client("outsider")
    form = applicant.get(association.get_absolute_url()).content.decode()
    assert 'name="answer_licence"' in form and "Which courts do you work in?" in form

    applicant.post(
        f"/groups/{association.slug}/join/",
        {
            "answer_licence": "Ordine n. 99",
            "answer_years_in_business": "3",
            "custom_answer": "Tribunale di Bologna",
        },
    )

    assert Membership.objects.get(group=association, user=cast.outsider).status == "applied"
    review = cast.client("owner").get(association.get_absolute_url()).content.decode()
    assert "Ordine n. 99" in review and "Tribunale di Bologna" in review


def test_other_members_never_see_the_answers(cast, association):
    join_group(association, cast.outsider, answers={**ANSWERS, "custom": ["Secret courts"]})
    add_member(association, cast.member)

    page = cast.client("member").get(association.get_absolute_url()).content.decode()
    api = cast.api("member").get(f"/api/v1/groups/{association.pk}/members?status=applied")

    assert "Secret courts" not in page and "1234" not in page
    assert api.json() == {"items": [], "count": 0}


def test_the_settings_page_edits_the_groups_own_questions(cast, association):
    data = settings_form_data(association, custom_questions="First question?\nSecond question?")
    cast.client("owner").post(f"/groups/{association.slug}/settings/", data)

    association.refresh_from_db()
    assert association.custom_questions == ["First question?", "Second question?"]


def test_too_many_questions_are_refused(cast, association):
    with pytest.raises(GroupError, match="At most 10 questions"):
        update_group(
            association,
            actor=cast.owner,
            changes={"custom_questions": [f"Q{n}?" for n in range(11)]},
        )
