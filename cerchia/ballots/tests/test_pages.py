"""The ballot pages: who may open them, voting with the form, the results as each person
may see them, creating and cancelling — and a list whose query count does not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.ballots.models import Ballot, Vote
from cerchia.ballots.services import cancel_ballot, cast_vote, create_ballot
from cerchia.ballots.tests.conftest import AFTER, CLOSES, TODAY, at, option, snapshot
from cerchia.dues.tests.conftest import on
from cerchia.groups.tests.helpers import messages_of, page_client


def urls(group, ballot):
    base = f"/groups/{group.slug}/ballots/"
    return {
        "list": base,
        "create": f"{base}new/",
        "detail": f"{base}{ballot.pk}/",
        "vote": f"{base}{ballot.pk}/vote/",
        "cancel": f"{base}{ballot.pk}/cancel/",
    }


def call(client, name, url, ballot):
    if name in ("vote", "cancel"):
        return client.post(url, {"option": option(ballot, "Yes")} if name == "vote" else {})
    return client.get(url)


@pytest.fixture
def chapter_ballot(cast):
    """A ballot of the private chapter, put by its president."""
    with on(TODAY):
        return create_ballot(
            cast.group,
            actor=cast.leader,
            question="Meet at 7?",
            options=["Yes", "No"],
            closes_at=CLOSES,
        )


# --- Who may open what ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["list", "create", "detail", "vote", "cancel"])
def test_ballots_of_a_group_one_may_not_see_are_not_found(cast, chapter_ballot, name):
    url = urls(cast.group, chapter_ballot)[name]

    with on(TODAY, 15):
        response = call(cast.client("outsider"), name, url, chapter_ballot)

    assert response.status_code == 404
    assert not Vote.objects.exists()
    assert Ballot.objects.get().cancelled_at is None


@pytest.mark.parametrize("name", ["list", "create", "detail", "vote", "cancel"])
def test_people_outside_a_visible_group_are_refused_its_ballots(voters, name):
    url = urls(voters.chamber.group, voters.ballot)[name]
    before = snapshot()

    with on(TODAY, 15):
        response = call(page_client(voters.outsider), name, url, voters.ballot)

    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", ["list", "detail", "vote"])
def test_applicants_and_former_members_are_refused_the_ballots(voters, name):
    url = urls(voters.chamber.group, voters.ballot)[name]
    before = snapshot()

    with on(TODAY, 15):
        for who in (voters.applicant, voters.former):
            assert call(page_client(who), name, url, voters.ballot).status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("name", ["create", "cancel"])
def test_members_may_not_create_or_cancel_ballots(voters, name):
    url = urls(voters.chamber.group, voters.ballot)[name]
    before = snapshot()

    with on(TODAY, 15):
        response = call(page_client(voters.member), name, url, voters.ballot)
        posted = page_client(voters.member).post(url, {"question": "Q?"})

    assert response.status_code == 403 and posted.status_code == 403
    assert snapshot() == before


def test_signed_out_visitors_are_sent_to_log_in(voters):
    for name, url in urls(voters.chamber.group, voters.ballot).items():
        response = call(Client(), name, url, voters.ballot)
        assert response.status_code == 302, name
        assert "/account/login/" in response["Location"]
    assert not Vote.objects.exists()


def test_a_ballot_of_another_group_is_not_found(voters, cast, chapter_ballot):
    url = urls(voters.chamber.group, chapter_ballot)["detail"]

    assert page_client(voters.owner).get(url).status_code == 404


def test_the_group_page_links_to_the_ballots_for_its_members_only(voters):
    group_url = voters.chamber.group.get_absolute_url()
    link = f'href="/groups/{voters.chamber.group.slug}/ballots/"'

    assert link in page_client(voters.member).get(group_url).content.decode()
    assert link in page_client(voters.lapsed).get(group_url).content.decode()
    assert link not in page_client(voters.outsider).get(group_url).content.decode()


# --- Voting ---------------------------------------------------------------------------------


def test_a_member_votes_with_the_form_once(voters):
    page_url = urls(voters.chamber.group, voters.ballot)["detail"]
    client = page_client(voters.member)

    with on(TODAY, 15):
        page = client.get(page_url)
        html = page.content.decode()
        assert page.context["can_vote"] is True
        assert html.count('type="radio" name="option"') == 3
        assert "The result is shown to the members when the ballot closes." in html
        response = client.post(
            urls(voters.chamber.group, voters.ballot)["vote"],
            {"option": option(voters.ballot, "No")},
        )
        assert response.status_code == 302 and response["Location"] == page_url
        assert messages_of(response) == ["Your vote is counted. Thank you for voting."]
        again = client.post(
            urls(voters.chamber.group, voters.ballot)["vote"],
            {"option": option(voters.ballot, "Yes")},
        )
        after = client.get(page_url)

    assert "each member votes once" in messages_of(again)[-1]
    assert Vote.objects.get().option.label == "No"
    assert after.context["can_vote"] is False
    assert "Your vote: “No”" in after.content.decode()
    assert after.context["results"] is None  # still open: members wait for the close


def test_a_vote_without_a_choice_is_refused(voters):
    with on(TODAY, 15):
        response = page_client(voters.member).post(
            urls(voters.chamber.group, voters.ballot)["vote"], {"option": "yes please"}
        )

    assert messages_of(response) == ["Choose one of this ballot's options."]
    assert not Vote.objects.exists()


@pytest.mark.parametrize(
    ("who", "message", "dues_link"),
    [
        ("lapsed", "your membership has lapsed — renew to vote.", True),
        ("overdue", "overdue beyond the grace period", True),
        ("associate", "associate members take part in everything else, but do not vote", False),
    ],
)
def test_members_who_may_not_vote_are_told_why_and_shown_no_form(voters, who, message, dues_link):
    client = page_client(getattr(voters, who))
    group = voters.chamber.group

    with on(TODAY, 15):
        page = client.get(urls(group, voters.ballot)["detail"])
        posted = client.post(
            urls(group, voters.ballot)["vote"], {"option": option(voters.ballot, "Yes")}
        )

    html = page.content.decode()
    assert page.status_code == 200
    assert message in html
    assert 'id="vote-form"' not in html
    assert (f'href="/groups/{group.slug}/dues/"' in html.split('id="why-not"')[1]) is dues_link
    assert message in messages_of(posted)[0]
    assert not Vote.objects.exists()


# --- Results --------------------------------------------------------------------------------


def _votes(voters):
    with on(TODAY, 15):
        for who, label in (("member", "Yes"), ("grace", "Yes"), ("owner", "No")):
            cast_vote(
                voters.ballot, voter=getattr(voters, who), option_id=option(voters.ballot, label)
            )


def test_members_see_the_results_once_the_ballot_closes(voters):
    _votes(voters)
    url = urls(voters.chamber.group, voters.ballot)["detail"]

    with on(AFTER):
        page = page_client(voters.lapsed).get(url)

    html = page.content.decode()
    assert page.context["results"].votes == 3
    assert "Turnout: 3 of 5 who could vote (60.0%)." in html
    assert "<td>2</td>" in html and "66.7" in html
    assert "Larry" not in html.split('id="results"')[1]
    assert 'id="voters"' not in html


def test_administrators_see_the_count_while_the_ballot_is_open(voters):
    _votes(voters)
    url = urls(voters.chamber.group, voters.ballot)["detail"]

    with on(TODAY, 16):
        owner_page = page_client(voters.owner).get(url)
        member_page = page_client(voters.member).get(url)

    assert owner_page.context["results"].votes == 3
    assert "The count so far" in owner_page.content.decode()
    assert member_page.context["results"] is None
    assert 'id="results"' not in member_page.content.decode()


def test_a_secret_ballot_never_shows_who_voted_what_not_even_to_administrators(voters):
    _votes(voters)
    url = urls(voters.chamber.group, voters.ballot)["detail"]

    with on(AFTER):
        html = page_client(voters.owner).get(url).content.decode()

    assert 'id="voters"' not in html
    assert "Mia Member" not in html and "Grace Grace" not in html


def test_administrators_see_each_vote_of_a_ballot_that_is_not_secret(voters):
    with on(TODAY):
        ballot = create_ballot(
            voters.chamber.group,
            actor=voters.owner,
            question="Elect Tina as treasurer?",
            options=["Yes", "No"],
            closes_at=CLOSES,
            secret=False,
        )
    with on(TODAY, 15):
        cast_vote(ballot, voter=voters.member, option_id=option(ballot, "No"))
        owner_html = page_client(voters.owner).get(ballot.get_absolute_url()).content.decode()
    with on(AFTER):
        member_html = page_client(voters.grace).get(ballot.get_absolute_url()).content.decode()

    voters_table = owner_html.split('id="voters"')[1]
    assert "Mia Member" in voters_table and "<td>No</td>" in voters_table
    assert 'id="voters"' not in member_html
    assert "Mia Member" not in member_html


def test_a_cancelled_ballot_shows_no_result_to_the_members(voters):
    _votes(voters)
    with on(TODAY, 17):
        cancel_ballot(voters.ballot, actor=voters.owner)
    url = urls(voters.chamber.group, voters.ballot)["detail"]

    with on(AFTER):
        member = page_client(voters.member).get(url)
        owner = page_client(voters.owner).get(url)

    assert member.context["results"] is None
    assert member.context["state"] == "cancelled"
    assert owner.context["results"].votes == 3


# --- Creating and cancelling ----------------------------------------------------------------


def test_administrators_create_a_ballot_with_the_form_in_the_groups_time(voters):
    url = urls(voters.chamber.group, voters.ballot)["create"]
    client = page_client(voters.owner)

    with on(TODAY, 15):
        form_page = client.get(url)
        response = client.post(
            url,
            {
                "question": "New venue?",
                "description": "Two offers.",
                "options": "Palazzo Re Enzo\r\n\r\nVilla Aldrovandi\r\n",
                "opens_at": "",
                "closes_at": "2026-03-24T20:30",
                "secret": "on",
            },
        )

    assert form_page.status_code == 200
    assert 'type="datetime-local"' in form_page.content.decode()
    ballot = Ballot.objects.get(question="New venue?")
    assert response.status_code == 302 and response["Location"] == ballot.get_absolute_url()
    assert [o.label for o in ballot.options.all()] == ["Palazzo Re Enzo", "Villa Aldrovandi"]
    assert ballot.opens_at == at(TODAY, 15)
    assert ballot.closes_at == at(dt.date(2026, 3, 24), 20, 30)
    assert ballot.secret is True


def test_a_ballot_form_with_one_option_is_refused_and_nothing_is_saved(voters):
    before = snapshot()

    with on(TODAY, 15):
        response = page_client(voters.owner).post(
            urls(voters.chamber.group, voters.ballot)["create"],
            {"question": "Q?", "options": "Only", "closes_at": "2026-03-24T20:30"},
        )

    assert response.status_code == 200
    assert "2 to 10 options" in response.content.decode()
    assert snapshot() == before


def test_administrators_cancel_a_ballot_from_its_page(voters):
    client = page_client(voters.owner)
    ballot_urls = urls(voters.chamber.group, voters.ballot)

    with on(TODAY, 15):
        assert 'id="cancel-ballot"' in client.get(ballot_urls["detail"]).content.decode()
        response = client.post(ballot_urls["cancel"])
        again = client.post(ballot_urls["cancel"])

    assert messages_of(response) == ["The ballot is cancelled: it takes no more votes."]
    assert messages_of(again)[-1] == "This ballot is already cancelled."
    voters.ballot.refresh_from_db()
    assert voters.ballot.cancelled_at == at(TODAY, 15)


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_open_ballots_first_and_closed_ones_apart(voters):
    group = voters.chamber.group
    with on(dt.date(2026, 2, 1)):
        old = create_ballot(
            group,
            actor=voters.owner,
            question="Old question",
            options=["A", "B"],
            closes_at=at(dt.date(2026, 2, 10)),
        )
        cast_vote(old, voter=voters.member, option_id=option(old, "A"))
    with on(TODAY, 15):
        open_page = page_client(voters.member).get(f"/groups/{group.slug}/ballots/")
        closed_page = page_client(voters.member).get(f"/groups/{group.slug}/ballots/?show=closed")

    open_html, closed_html = open_page.content.decode(), closed_page.content.decode()
    assert voters.ballot.question in open_html and "Old question" not in open_html
    assert "Old question" in closed_html and voters.ballot.question not in closed_html
    assert "1 vote" in closed_html and "You voted" in closed_html
    # An open ballot's count is part of its result: members do not see it yet.
    assert "0 votes" not in open_html


def test_the_list_of_ballots_costs_the_same_queries_for_3_or_30(voters):
    group = voters.chamber.group
    client = page_client(voters.member)

    def make(count):
        with on(TODAY):
            for i in range(count):
                ballot = create_ballot(
                    group,
                    actor=voters.owner,
                    question=f"Question {i}",
                    options=["A", "B"],
                    closes_at=CLOSES,
                )
                cast_vote(ballot, voter=voters.member, option_id=option(ballot, "A"))

    def measure():
        with on(TODAY, 15), CaptureQueriesContext(connection) as queries:
            response = client.get(f"/groups/{group.slug}/ballots/")
        assert response.status_code == 200
        return len(queries), len(response.context["rows"])

    make(2)
    few, shown_few = measure()
    make(27)
    many, shown_many = measure()

    assert (shown_few, shown_many) == (3, 25)  # one page
    assert many == few, (few, many)
    assert many <= 10
