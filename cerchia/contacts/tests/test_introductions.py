"""Introductions with double opt-in: each side is asked on its own, and nothing about either
side — name, emails, phones, company — reaches the other on any page, API answer, notice or
email until both accept. Close ties need a confirmation; outcomes are kept in the contacts'
history and change no closeness; withdrawn, declined and answered introductions take no more
answers; nobody but the owner and the member sides reaches an introduction."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from cerchia.accounts.models import Block
from cerchia.conftest import make_user
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.introductions import (
    CloseTieWarning,
    answer_introduction,
    introduce,
    record_outcome,
    withdraw_introduction,
)
from cerchia.contacts.models import Contact, Interaction, Introduction
from cerchia.contacts.tests.touch_helpers import DAY, TODAY, contact_of, days_ago, on
from cerchia.groups.tests.helpers import send_json
from cerchia.notices.models import Notice

API = "/api/v1"
# What the other side must not learn before both accept.
ANNA = {
    "name": "Annabella Quercetti",
    "emails": ["annabella.q@example.net"],
    "phones": ["+390517777777"],
    "company": "Quercetti Vivai",
}


@pytest.fixture(autouse=True)
def _today():
    with on(TODAY):
        yield


@pytest.fixture
def anna(cast) -> Contact:
    return contact_of(
        cast.owner,
        ANNA["name"],
        emails=ANNA["emails"],
        phones=ANNA["phones"],
        company=ANNA["company"],
        closeness=3,
    )


def anna_secrets() -> list[str]:
    return [ANNA["name"], "Annabella", ANNA["emails"][0], ANNA["phones"][0], ANNA["company"]]


def member_secrets(cast) -> list[str]:
    # Mia Member's name, her account's email and company.
    return ["Mia Member", cast.member.email, "Mia"]


def token_url(introduction: Introduction, side: str) -> str:
    return f"/introductions/answer/{getattr(introduction, side + '_token')}/"


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s.lower() in text.lower()]


def make(cast, anna, **kwargs) -> Introduction:
    return introduce(
        cast.owner,
        a=anna,
        b=cast.member,
        reason="She needs a wedding photographer for May.",
        **kwargs,
    )


# --- asking both sides, leaking nothing ---------------------------------------------------


def test_each_side_is_asked_with_the_introducers_name_only(
    cast, anna, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        introduction = make(cast, anna)

    assert (introduction.status, introduction.a_answer, introduction.b_answer) == (
        "pending",
        "waiting",
        "waiting",
    )
    assert introduction.close_tie_warned is False
    [notice] = Notice.objects.filter(user=cast.member)
    assert notice.kind == "contacts.introduction_request"
    assert "Olivia Owner" in notice.subject and notice.url == f"/introductions/{introduction.pk}/"
    assert leaks(notice.subject + notice.body + str(notice.params), anna_secrets()) == []
    [mail] = [m for m in mailoutbox if m.to == ANNA["emails"]]
    assert "Olivia Owner" in mail.subject
    assert token_url(introduction, "a") in mail.body
    assert leaks(mail.subject + mail.body, member_secrets(cast)) == []
    # The notice's own email to the member says nothing about Anna either.
    member_mails = [m for m in mailoutbox if m.to == [cast.member.email]]
    assert len(member_mails) == 1 and leaks(member_mails[0].body, anna_secrets()) == []


def test_nothing_leaks_on_any_route_before_both_accept(cast, anna):
    introduction = make(cast, anna)
    member_page = cast.client("member")
    member_api = cast.api("member")
    anonymous = Client()

    def member_sees() -> str:
        return (
            member_page.get(f"/introductions/{introduction.pk}/").content.decode()
            + member_page.get("/introductions/").content.decode()
            + member_page.get("/notices/").content.decode()
            + member_api.get(f"{API}/introductions/{introduction.pk}").content.decode()
            + member_api.get(f"{API}/introductions?asked=true").content.decode()
            + member_api.get(f"{API}/notices").content.decode()
        )

    def anna_sees() -> str:
        return anonymous.get(token_url(introduction, "a")).content.decode()

    before = member_sees()
    assert "She needs a wedding photographer" in before and "Olivia Owner" in before
    assert leaks(before, anna_secrets()) == []
    anna_page = anna_sees()
    assert "She needs a wedding photographer" in anna_page and "Olivia Owner" in anna_page
    assert leaks(anna_page, member_secrets(cast)) == []

    # One side accepting shares nothing yet, either way round.
    answer = anonymous.post(token_url(introduction, "a"), {"answer": "accept"})
    assert answer.status_code == 302
    assert leaks(member_sees(), anna_secrets()) == []
    assert leaks(anna_sees(), member_secrets(cast)) == []
    assert 'id="introduction-waiting"' in anna_sees()

    member_page.post(f"/introductions/{introduction.pk}/answer/", {"answer": "accept"})

    introduction.refresh_from_db()
    assert introduction.status == "accepted" and introduction.decided_at is not None
    after = member_page.get(f"/introductions/{introduction.pk}/").content.decode()
    assert all(
        secret in after
        for secret in (ANNA["name"], ANNA["emails"][0], ANNA["phones"][0], ANNA["company"])
    )
    api_after = member_api.get(f"{API}/introductions/{introduction.pk}").json()
    assert api_after["other"] == {
        "name": ANNA["name"],
        "emails": ANNA["emails"],
        "phones": ANNA["phones"],
        "company": ANNA["company"],
    }
    anna_after = anna_sees()
    assert "Mia Member" in anna_after and cast.member.email in anna_after


def test_both_accepting_tells_everyone_and_emails_the_contact_side(
    cast, anna, mailoutbox, django_capture_on_commit_callbacks
):
    introduction = make(cast, anna)
    answer_introduction(introduction, side="b", accept=True, actor=cast.member)
    assert not Notice.objects.filter(kind="contacts.introduction_accepted").exists()

    with django_capture_on_commit_callbacks(execute=True):
        answer_introduction(introduction, side="a", accept=True)

    assert (
        Notice.objects.filter(user=cast.member, kind="contacts.introduction_accepted").count() == 1
    )
    made = Notice.objects.get(user=cast.owner, kind="contacts.introduction_made")
    assert made.params == {"a": ANNA["name"], "b": "Mia Member"}
    [mail] = [m for m in mailoutbox if m.to == ANNA["emails"]]
    assert token_url(introduction, "a") in mail.body
    # Even now the email carries the link only: the details are behind it.
    assert leaks(mail.body, member_secrets(cast)) == []


def test_a_decline_ends_it_and_nothing_is_ever_shared(cast, anna):
    introduction = make(cast, anna)
    answer_introduction(introduction, side="a", accept=True)

    cast.client("member").post(f"/introductions/{introduction.pk}/answer/", {"answer": "decline"})

    introduction.refresh_from_db()
    assert (introduction.status, introduction.b_answer) == ("declined", "declined")
    anna_page = Client().get(token_url(introduction, "a")).content.decode()
    assert 'id="introduction-closed"' in anna_page and leaks(anna_page, member_secrets(cast)) == []
    member_page = cast.client("member").get(f"/introductions/{introduction.pk}/").content.decode()
    assert leaks(member_page, anna_secrets()) == []
    declined = Notice.objects.get(user=cast.owner, kind="contacts.introduction_declined")
    assert declined.url == f"/introductions/{introduction.pk}/"
    with pytest.raises(ContactsError, match="closed"):
        answer_introduction(introduction, side="a", accept=True)


def test_a_side_answers_once(cast, anna):
    introduction = make(cast, anna)
    answer_introduction(introduction, side="a", accept=True)
    with pytest.raises(ContactsError, match="answered already"):
        answer_introduction(introduction, side="a", accept=False)
    introduction.refresh_from_db()
    assert (introduction.a_answer, introduction.status) == ("accepted", "pending")


def test_between_two_contacts_both_answer_by_their_links(cast, anna):
    bruno = contact_of(cast.owner, "Bruno Cola", company="Cola Catering")
    introduction = introduce(cast.owner, a=anna, b=bruno, reason="Flowers and food")
    anonymous = Client()

    anonymous.post(token_url(introduction, "a"), {"answer": "accept"})
    before = anonymous.get(token_url(introduction, "b")).content.decode()
    anonymous.post(token_url(introduction, "b"), {"answer": "accept"})
    after = anonymous.get(token_url(introduction, "b")).content.decode()

    assert "Annabella" not in before and "Bruno" not in before
    assert ANNA["name"] in after and ANNA["company"] in after
    introduction.refresh_from_db()
    assert introduction.status == "accepted"


# --- the links ----------------------------------------------------------------------------


def test_a_member_sides_token_and_a_made_up_token_open_nothing(cast, anna):
    introduction = make(cast, anna)
    anonymous = Client()

    assert anonymous.get(token_url(introduction, "b")).status_code == 404
    assert anonymous.post(token_url(introduction, "b"), {"answer": "accept"}).status_code == 404
    assert anonymous.get("/introductions/answer/not-a-token/").status_code == 404
    introduction.refresh_from_db()
    assert introduction.b_answer == "waiting"


def test_the_link_page_keeps_its_secret(cast, anna):
    introduction = make(cast, anna)
    response = Client().get(token_url(introduction, "a"))
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_an_answer_without_a_choice_is_refused(cast, anna):
    introduction = make(cast, anna)
    response = Client().post(token_url(introduction, "a"), {"answer": "maybe"})
    assert response.status_code == 400 and b"accept or decline" in response.content
    introduction.refresh_from_db()
    assert introduction.a_answer == "waiting"


# --- close ties ---------------------------------------------------------------------------


def test_a_close_tie_needs_a_confirmation_with_a_plain_warning(cast, anna, mailoutbox):
    anna.closeness = 4
    anna.save()

    with pytest.raises(CloseTieWarning, match="can hurt your relationship"):
        make(cast, anna)

    assert Introduction.objects.count() == 0
    assert not Notice.objects.filter(kind="contacts.introduction_request").exists()
    assert mailoutbox == []
    introduction = make(cast, anna, confirm_close_tie=True)
    assert introduction.close_tie_warned is True


def test_a_member_linked_to_a_close_contact_is_a_close_tie_too(cast, anna):
    contact_of(cast.owner, "Mia (my best client)", member=cast.member, closeness=5)

    with pytest.raises(CloseTieWarning, match="Mia \\(my best client\\)"):
        make(cast, anna)


def test_the_page_shows_the_warning_then_makes_it_once_confirmed(cast, anna):
    anna.closeness = 5
    anna.save()
    client = cast.client("owner")
    form = {"a": ANNA["name"], "b_member": cast.member.pk, "reason": "Worth meeting"}

    warned = client.post("/introductions/new/", form)
    confirmed = client.post("/introductions/new/", {**form, "confirm_close_tie": "on"})

    assert warned.status_code == 200 and b'id="close-tie-warning"' in warned.content
    assert b"can hurt your relationship" in warned.content
    introduction = Introduction.objects.get()
    assert (
        confirmed.status_code == 302
        and confirmed["Location"] == f"/introductions/{introduction.pk}/"
    )
    assert introduction.close_tie_warned


# --- who may be introduced ----------------------------------------------------------------


def test_bad_introductions_are_refused_and_nothing_is_saved(cast, anna):
    no_email = contact_of(cast.owner, "Nomail Person", emails=[])
    linked = contact_of(cast.owner, "Mia again", member=cast.member)
    theirs = contact_of(cast.member, "Someone of Mia's")
    cases = [
        ({"a": anna, "b": cast.member, "reason": "  "}, "Say why"),
        ({"a": no_email, "b": cast.member, "reason": "x"}, "no email address"),
        ({"a": anna, "b": anna, "reason": "x"}, "two different people"),
        ({"a": linked, "b": cast.member, "reason": "x"}, "two different people"),
        ({"a": anna, "b": cast.owner, "reason": "x"}, "That is you"),
        ({"a": theirs, "b": cast.leader, "reason": "x"}, "No such contact"),
        ({"a": anna, "b": cast.member, "reason": "x" * 2001}, "too long"),
    ]
    for fields, message in cases:
        with pytest.raises(ContactsError, match=message):
            introduce(cast.owner, **fields)
    assert Introduction.objects.count() == 0
    assert not Notice.objects.filter(kind="contacts.introduction_request").exists()


def test_a_blocked_member_cannot_be_introduced(cast, anna):
    Block.objects.create(blocker=cast.member, blocked=cast.owner)
    with pytest.raises(ContactsError, match="No such person"):
        make(cast, anna)
    Block.objects.all().delete()
    Block.objects.create(blocker=cast.member, blocked=cast.leader)
    linked_leader = contact_of(cast.owner, "Leo", member=cast.leader)
    with pytest.raises(ContactsError, match="cannot be introduced"):
        introduce(cast.owner, a=linked_leader, b=cast.member, reason="x")
    assert Introduction.objects.count() == 0


def test_the_same_pair_is_not_asked_twice_while_waiting(cast, anna):
    make(cast, anna)
    with pytest.raises(ContactsError, match="already introduced"):
        introduce(cast.owner, a=cast.member, b=anna, reason="Again")
    assert Introduction.objects.count() == 1


# --- withdraw and outcome -----------------------------------------------------------------


def test_the_owner_withdraws_a_waiting_introduction_and_its_link_closes(cast, anna):
    introduction = make(cast, anna)

    with pytest.raises(ContactsError, match="Only whoever made"):
        withdraw_introduction(introduction, actor=cast.member)
    cast.client("owner").post(f"/introductions/{introduction.pk}/withdraw/")

    introduction.refresh_from_db()
    assert introduction.status == "withdrawn"
    assert b'id="introduction-closed"' in Client().get(token_url(introduction, "a")).content
    with pytest.raises(ContactsError, match="closed"):
        answer_introduction(introduction, side="b", accept=True, actor=cast.member)
    with pytest.raises(ContactsError, match="still waiting"):
        withdraw_introduction(introduction, actor=cast.owner)


def test_a_bad_outcome_is_kept_in_the_history_and_lowers_no_closeness(cast, anna):
    anna.closeness = 4
    anna.save()
    mia = contact_of(cast.owner, "Mia", member=cast.member, closeness=5)
    with on(days_ago(3)):
        introduction = make(cast, anna, confirm_close_tie=True)
    with pytest.raises(ContactsError, match="once both sides have accepted"):
        record_outcome(introduction, actor=cast.owner, outcome="bad")
    answer_introduction(introduction, side="a", accept=True)
    answer_introduction(introduction, side="b", accept=True, actor=cast.member)

    record_outcome(
        introduction, actor=cast.owner, outcome="bad", note="She never paid", on=days_ago(1)
    )

    introduction.refresh_from_db()
    assert (introduction.outcome, introduction.outcome_note, introduction.outcome_on) == (
        "bad",
        "She never paid",
        days_ago(1),
    )
    for contact, closeness in ((anna, 4), (mia, 5)):
        contact.refresh_from_db()
        assert contact.closeness == closeness
        [interaction] = contact.interactions.all()
        assert (interaction.kind, interaction.note, interaction.source) == (
            "introduction",
            "She never paid",
            f"contacts.introduction:{introduction.pk}",
        )
        assert contact.last_interaction_on == days_ago(1)
    page = cast.client("owner").get(f"/contacts/{anna.pk}/").content.decode()
    assert "She never paid" in page and "Went badly" in page

    record_outcome(introduction, actor=cast.owner, outcome="good", note="Paid after all")

    assert Interaction.objects.filter(contact=anna).get().note == "Paid after all"
    anna.refresh_from_db()
    assert anna.last_interaction_on == TODAY and anna.closeness == 4


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "great"}, "Choose how it went"),
        ({"outcome": ""}, "Choose how it went"),
        ({"outcome": "good", "on": TODAY + DAY}, "future"),
        ({"outcome": "good", "on": TODAY - 30 * DAY}, "before the introduction"),
    ],
)
def test_a_bad_outcome_record_is_refused(cast, anna, fields, message):
    introduction = make(cast, anna)
    answer_introduction(introduction, side="a", accept=True)
    answer_introduction(introduction, side="b", accept=True, actor=cast.member)
    with pytest.raises(ContactsError, match=message):
        record_outcome(introduction, actor=cast.owner, **fields)
    with pytest.raises(ContactsError, match="Only whoever made"):
        record_outcome(introduction, actor=cast.member, outcome="good")
    introduction.refresh_from_db()
    assert introduction.outcome == "" and Interaction.objects.count() == 0


# --- privacy of every route ---------------------------------------------------------------


@pytest.mark.parametrize("who", ["outsider", "leader", "staff"])
def test_nobody_else_reaches_an_introduction(cast, anna, who):
    introduction = make(cast, anna)
    if who == "staff":
        staff = make_user("staff@example.org", "Sam Staff")
        staff.is_staff = staff.is_superuser = True
        staff.save()
        client = Client()
        client.force_login(staff)
    else:
        client = cast.client(who)
    base = f"/introductions/{introduction.pk}/"

    assert client.get(base).status_code == 404
    for action, data in (
        ("answer/", {"answer": "accept"}),
        ("withdraw/", {}),
        ("outcome/", {"outcome": "bad", "on": "2026-06-10"}),
    ):
        assert client.post(base + action, data).status_code == 404
    listed = client.get("/introductions/").content.decode()
    assert leaks(listed, anna_secrets()) == [] and "wedding photographer" not in listed
    introduction.refresh_from_db()
    assert (introduction.status, introduction.b_answer) == ("pending", "waiting")


def test_signed_out_people_are_sent_to_log_in(cast, anna):
    introduction = make(cast, anna)
    for url in ("/introductions/", "/introductions/new/", f"/introductions/{introduction.pk}/"):
        response = Client().get(url)
        assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_owner_cannot_answer_for_a_member_side(cast, anna):
    introduction = make(cast, anna)
    cast.client("owner").post(f"/introductions/{introduction.pk}/answer/", {"answer": "accept"})
    response = send_json(
        cast.api("owner"), "post", f"{API}/introductions/{introduction.pk}/answer", {"accept": True}
    )
    assert response.status_code == 400
    introduction.refresh_from_db()
    assert (introduction.a_answer, introduction.b_answer) == ("waiting", "waiting")


# --- pages --------------------------------------------------------------------------------


def test_the_owner_page_shows_both_sides_and_answers(cast, anna):
    introduction = make(cast, anna)
    answer_introduction(introduction, side="b", accept=True, actor=cast.member)

    page = cast.client("owner").get(f"/introductions/{introduction.pk}/").content.decode()

    assert ANNA["name"] in page and "Mia Member" in page
    assert "Accepted" in page and "Not answered yet" in page
    assert 'id="introduction-withdraw"' in page


def test_the_new_page_starts_from_a_contact(cast, anna):
    page = cast.client("owner").get(f"/introductions/new/?a={anna.pk}").content.decode()
    assert re.search(r'name="a"[^>]*value="Annabella Quercetti"', page)
    other = cast.client("member").get(f"/introductions/new/?a={anna.pk}").content.decode()
    assert "Annabella" not in other
    assert cast.client("owner").get("/introductions/new/?a=x").status_code == 200


def test_the_new_page_refuses_a_form_without_a_second_side(cast, anna):
    response = cast.client("owner").post("/introductions/new/", {"a": ANNA["name"], "reason": "x"})
    assert response.status_code == 200 and b"one of your contacts or a member" in response.content
    assert Introduction.objects.count() == 0


def test_the_list_pages_queries_stay_flat(cast, django_assert_max_num_queries):
    client = cast.client("owner")
    people = [contact_of(cast.owner, f"Person {n}") for n in range(8)]
    for n in range(0, 8, 2):
        introduce(cast.owner, a=people[n], b=people[n + 1], reason="x")
    for n in range(4):
        introduce(cast.member, a=contact_of(cast.member, f"Mine {n}"), b=cast.owner, reason="y")
    with django_assert_max_num_queries(10):
        page = client.get("/introductions/")
    assert len(re.findall(r'id="introduction-\d+"', page.content.decode())) == 4
    assert len(re.findall(r'id="asked-\d+"', page.content.decode())) == 4


def test_the_owner_records_the_outcome_from_the_page(cast, anna):
    introduction = make(cast, anna)
    answer_introduction(introduction, side="a", accept=True)
    answer_introduction(introduction, side="b", accept=True, actor=cast.member)
    client = cast.client("owner")

    page = client.get(f"/introductions/{introduction.pk}/").content.decode()
    posted = client.post(
        f"/introductions/{introduction.pk}/outcome/",
        {"outcome": "neutral", "note": "Nothing yet", "on": TODAY.isoformat()},
    )

    assert 'id="outcome-form"' in page and f'value="{TODAY.isoformat()}"' in page
    assert 'id="introduction-withdraw"' not in page
    assert posted.status_code == 302
    introduction.refresh_from_db()
    assert (introduction.outcome, introduction.outcome_note) == ("neutral", "Nothing yet")
    assert anna.interactions.get().note == "Nothing yet"
