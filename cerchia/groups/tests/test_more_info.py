"""Reviewers ask an applicant for more; the applicant answers; the answers stay with the
application. The applicant hears when asked, approved or rejected — and a rejection says why."""

import pytest

from cerchia.conftest import add_member, make_user
from cerchia.groups.models import Membership
from cerchia.groups.services import ask_applicant, join_group, reject_membership
from cerchia.groups.tests.helpers import (
    API,
    api_client,
    audit_of,
    group_audit,
    messages_of,
    page_client,
    send_json,
)
from cerchia.notices.models import Notice

QUESTION = "Which professional body issued your licence?"
ANSWER = "The Bologna chamber of accountants, number 1234."


@pytest.fixture
def application(cast):
    return Membership.objects.get(group=cast.group, user=cast.visitor)


@pytest.fixture
def asked(cast, application):
    return ask_applicant(application, actor=cast.leader, question=QUESTION)


def notices_of(user, kind):
    return list(Notice.objects.filter(user=user, kind=kind))


def test_a_reviewer_asks_the_applicant_from_the_page(
    cast, application, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("leader").post(
            f"/groups/{cast.group.slug}/members/{application.pk}/ask/",
            {"question": f"  {QUESTION}  "},
        )

    assert response.status_code == 302
    assert messages_of(response) == ["Your question is sent to the applicant."]
    application.refresh_from_db()
    assert application.info_request == QUESTION
    assert application.info_requested_at is not None
    assert application.status == "applied"
    entry = audit_of(application, "groups.application.more_asked")
    assert entry.actor == cast.leader
    assert entry.data == {"group": cast.group.pk}
    [notice] = notices_of(cast.visitor, "application.more_info")
    assert notice.params == {"group": "Chapter One", "question": QUESTION}
    assert notice.url == f"/groups/{cast.group.slug}/"
    [mail] = mailoutbox
    assert mail.to == ["visitor@example.org"]
    assert mail.subject == "Chapter One asks for more about your application"
    assert QUESTION in mail.body


def test_the_membership_committee_asks_through_the_api(cast, application):
    committee = make_user("committee@example.org", "Carla Committee")
    add_member(cast.group, committee, role="membership_committee")

    response = send_json(
        api_client(committee),
        "post",
        f"{API}/{cast.group.pk}/members/{application.pk}/questions",
        {"question": QUESTION},
    )

    assert response.status_code == 200
    body = response.json()
    assert body["info_request"] == QUESTION
    assert body["status"] == "applied"
    assert audit_of(application, "groups.application.more_asked").actor == committee
    assert len(notices_of(cast.visitor, "application.more_info")) == 1


def test_the_applicant_sees_the_question_on_the_group_page(cast, asked):
    response = cast.client("visitor").get(f"/groups/{cast.group.slug}/")

    content = response.content.decode()
    assert response.status_code == 200
    assert QUESTION in content
    assert f'action="/groups/{cast.group.slug}/answer/"' in content


def test_other_members_do_not_see_the_question(cast, asked):
    content = cast.client("member").get(f"/groups/{cast.group.slug}/").content.decode()

    assert QUESTION not in content


def test_the_applicant_answers_on_the_page(cast, asked):
    response = cast.client("visitor").post(
        f"/groups/{cast.group.slug}/answer/", {"answer": f" {ANSWER} "}
    )

    assert response.status_code == 302
    assert messages_of(response) == ["Your answer is with the reviewers."]
    asked.refresh_from_db()
    assert asked.answers["more"] == [{"question": QUESTION, "answer": ANSWER}]
    assert asked.info_request == ""
    assert asked.status == "applied"
    assert audit_of(asked, "groups.application.answered").actor == cast.visitor


def test_the_applicant_answers_in_the_panel_with_htmx(cast, asked):
    response = cast.client("visitor").post(
        f"/groups/{cast.group.slug}/answer/", {"answer": ANSWER}, headers={"HX-Request": "true"}
    )

    content = response.content.decode()
    assert response.status_code == 200
    assert content.lstrip().startswith('<section id="membership-panel"')
    assert "Your answer is with the reviewers." in content
    assert QUESTION not in content  # answered: the form is gone


def test_the_applicant_answers_through_the_api(cast, asked):
    response = send_json(
        cast.api("visitor"), "post", f"{API}/{cast.group.pk}/answers", {"answer": ANSWER}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["answers"]["more"] == [{"question": QUESTION, "answer": ANSWER}]
    assert body["info_request"] == ""


def test_reviewers_see_the_answers_with_the_application(cast, asked):
    send_json(cast.api("visitor"), "post", f"{API}/{cast.group.pk}/answers", {"answer": ANSWER})

    content = cast.client("leader").get(f"/groups/{cast.group.slug}/").content.decode()
    pending = content.split(f'id="pending-{asked.pk}"')[1].split("</article>")[0]
    assert QUESTION in pending
    assert ANSWER in pending
    listed = send_json(cast.api("leader"), "get", f"{API}/{cast.group.pk}/members?status=applied")
    assert listed.json()["count"] == 1


def test_answer_rows_follow_the_questions_with_the_further_answers(cast, application):
    application.answers = {
        "years_in_business": 12,
        "more": [
            {"question": "First?", "answer": "One."},
            {"question": "Second?", "answer": "Two."},
        ],
    }

    rows = [(str(question), str(answer)) for question, answer in application.answer_rows()]

    assert rows == [("Years in business", "12"), ("First?", "One."), ("Second?", "Two.")]


def test_reviewers_see_an_open_question_waiting_for_its_answer(cast, asked):
    content = cast.client("leader").get(f"/groups/{cast.group.slug}/").content.decode()

    pending = content.split(f'id="pending-{asked.pk}"')[1].split("</article>")[0]
    assert "waiting for the answer" in pending
    assert QUESTION in pending


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("member", 403), ("visitor", 403)])
def test_only_reviewers_may_ask_through_the_api(cast, application, who, status):
    response = send_json(
        cast.api(who),
        "post",
        f"{API}/{cast.group.pk}/members/{application.pk}/questions",
        {"question": QUESTION},
    )

    assert response.status_code == status
    assert set(response.json()) == {"detail"}
    application.refresh_from_db()
    assert application.info_request == ""
    assert not Notice.objects.exists()
    assert not group_audit("groups.application.more_asked").exists()


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("member", 403)])
def test_only_reviewers_may_ask_from_the_page(cast, application, who, status):
    response = cast.client(who).post(
        f"/groups/{cast.group.slug}/members/{application.pk}/ask/", {"question": QUESTION}
    )

    assert response.status_code == status
    application.refresh_from_db()
    assert application.info_request == ""
    assert not Notice.objects.exists()


def test_nobody_is_asked_who_is_not_waiting_for_a_decision(cast):
    active = Membership.objects.get(group=cast.group, user=cast.member)

    response = send_json(
        cast.api("leader"),
        "post",
        f"{API}/{cast.group.pk}/members/{active.pk}/questions",
        {"question": QUESTION},
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "This person is not waiting for approval."}
    active.refresh_from_db()
    assert active.info_request == ""
    assert not Notice.objects.exists()


def test_an_empty_question_is_refused_on_the_page(cast, application):
    response = cast.client("leader").post(
        f"/groups/{cast.group.slug}/members/{application.pk}/ask/", {"question": "   "}
    )

    assert messages_of(response) == ["Write what you want to know."]
    application.refresh_from_db()
    assert application.info_request == ""
    assert not Notice.objects.exists()


def test_nobody_answers_a_question_that_was_not_asked(cast, application):
    response = send_json(
        cast.api("visitor"), "post", f"{API}/{cast.group.pk}/answers", {"answer": ANSWER}
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Nobody has asked you anything about this application."}
    application.refresh_from_db()
    assert "more" not in application.answers


def test_an_empty_answer_keeps_the_question_open(cast, asked):
    response = cast.client("visitor").post(f"/groups/{cast.group.slug}/answer/", {"answer": " "})

    assert messages_of(response) == ["Write your answer."]
    asked.refresh_from_db()
    assert asked.info_request == QUESTION
    assert "more" not in asked.answers


def test_people_without_an_application_cannot_answer(cast, asked):
    outsider = send_json(
        cast.api("outsider"), "post", f"{API}/{cast.group.pk}/answers", {"answer": ANSWER}
    )
    stranger = send_json(
        cast.api("outsider"), "post", f"{API}/{cast.public_group.pk}/answers", {"answer": ANSWER}
    )
    page = cast.client("outsider").post(
        f"/groups/{cast.public_group.slug}/answer/", {"answer": ANSWER}
    )

    assert outsider.status_code == 404  # the private group is not even there for them
    assert stranger.status_code == 404
    assert set(stranger.json()) == {"detail"}
    assert page.status_code == 404
    asked.refresh_from_db()
    assert asked.info_request == QUESTION
    assert not group_audit("groups.application.answered").exists()


def test_a_member_cannot_answer_for_the_applicant(cast, asked):
    response = send_json(
        cast.api("member"), "post", f"{API}/{cast.group.pk}/answers", {"answer": ANSWER}
    )

    assert response.status_code == 400
    asked.refresh_from_db()
    assert asked.info_request == QUESTION
    assert "more" not in asked.answers


def test_the_applicant_hears_of_the_approval(
    cast, application, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("leader").post(
            f"/groups/{cast.group.slug}/members/{application.pk}/decide/", {"decision": "approve"}
        )

    assert messages_of(response) == ["Approved."]
    [notice] = notices_of(cast.visitor, "application.approved")
    assert notice.params == {"group": "Chapter One"}
    assert [m.subject for m in mailoutbox] == ["Welcome to Chapter One"]
    assert mailoutbox[0].to == ["visitor@example.org"]


def test_the_applicant_hears_why_they_were_rejected(
    cast, application, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cast.client("leader").post(
            f"/groups/{cast.group.slug}/members/{application.pk}/decide/",
            {"decision": "reject", "reason": "The caterer seat is promised."},
        )

    application.refresh_from_db()
    assert application.status == "rejected"
    [notice] = notices_of(cast.visitor, "application.rejected")
    assert notice.params == {"group": "Chapter One", "reason": "The caterer seat is promised."}
    [mail] = mailoutbox
    assert mail.subject == "Your application to Chapter One"
    assert "Reason: The caterer seat is promised." in mail.body


def test_the_page_asks_for_a_reason_to_reject(cast, application):
    content = cast.client("leader").get(f"/groups/{cast.group.slug}/").content.decode()

    reject_form = content.split(f'id="pending-{application.pk}"')[1].split('value="reject"')[0]
    reject_form = reject_form.rsplit("<form", 1)[1]
    assert 'name="reason" required' in reject_form
    assert "required: the applicant is told" in reject_form


def test_rejecting_without_a_reason_is_refused_on_the_page(cast, application):
    response = cast.client("leader").post(
        f"/groups/{cast.group.slug}/members/{application.pk}/decide/",
        {"decision": "reject", "reason": "  "},
    )

    assert messages_of(response) == ["Give the applicant a reason."]
    application.refresh_from_db()
    assert application.status == "applied"
    assert not Notice.objects.exists()
    assert not group_audit("groups.membership.rejected").exists()


@pytest.mark.parametrize("payload", [None, {}, {"reason": " "}])
def test_rejecting_without_a_reason_is_refused_by_the_api(cast, application, payload):
    response = send_json(
        cast.api("leader"),
        "post",
        f"{API}/{cast.group.pk}/members/{application.pk}/reject",
        payload,
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "Give the applicant a reason."}
    application.refresh_from_db()
    assert application.status == "applied"
    assert not Notice.objects.exists()


def test_a_new_application_starts_without_the_old_question(cast, asked):
    reject_membership(asked, actor=cast.leader, reason="Not yet.")

    again = join_group(cast.group, cast.visitor, sponsor_email="member@example.org")

    assert again.status == "applied"
    assert again.info_request == ""
    assert again.info_requested_at is None
    content = page_client(cast.visitor).get(f"/groups/{cast.group.slug}/").content.decode()
    assert QUESTION not in content
