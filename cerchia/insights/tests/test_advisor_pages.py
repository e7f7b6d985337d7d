"""The advisor page at /advisor/: anyone can use it before signing up; signed-in people can
keep the answers as their business profile, which nobody else ever sees."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django.urls import reverse

from cerchia.conftest import Cast
from cerchia.insights.advisor import RULES
from cerchia.insights.models import BusinessProfile

URL = "/advisor/"


def answers(**changes: str) -> dict[str, str]:
    data = {
        "clientele": "international",
        "budget": "1500",
        "currency": "eur",
        "hours_per_week": "3",
        "weekly_meetings_ok": "no",
        "online_comfort": "4",
        "deal_size": "large",
        "b2b": "yes",
        "competitors_for_overflow": "yes",
        "career_goals": "no",
        "privacy_sensitivity": "2",
    }
    data.update(changes)
    return data


def test_the_url_is_named() -> None:
    assert reverse("insights:advisor") == URL


def test_anyone_sees_the_form(db: Any, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(2):
        response = Client().get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="advisor-form"' in html
    assert 'name="clientele"' in html and 'type="radio"' in html
    assert 'name="save"' not in html  # nothing to save without an account
    assert 'id="advisor-results"' not in html
    assert 'id="nav-advisor"' in html
    # The rule table is there to read, every rule once.
    assert html.count("<tr><td>") == len(RULES)


def test_an_anonymous_visitor_gets_six_cards_and_nothing_is_saved(db: Any) -> None:
    response = Client().post(URL, answers(save="on"))
    assert response.status_code == 200
    html = response.content.decode()
    for kind in (
        "chamber",
        "lead_group",
        "event_network",
        "association",
        "online_community",
        "informal",
    ):
        assert f'id="fit-{kind}"' in html
    assert "exposure is limited to the immediate geographic community" in html
    assert 'aria-label="Fit ' in html  # the bar says its number too
    assert 'id="advisor-signup"' in html
    assert not BusinessProfile.objects.exists()


def test_bad_answers_show_errors_and_no_result(db: Any) -> None:
    data = answers(budget="lots")
    del data["clientele"]
    html = Client().post(URL, data).content.decode()
    assert 'id="advisor-results"' not in html
    assert "Write an amount such as 1200" in html
    assert html.count('class="message error"') == 2  # the budget and the clientele

    html = Client().post(URL, answers(currency="E1R", online_comfort="9")).content.decode()
    assert 'id="advisor-results"' not in html
    assert "three-letter ISO currency code" in html
    assert "Select a valid choice" in html
    assert not BusinessProfile.objects.exists()


def test_a_member_saves_the_profile_and_finds_it_prefilled(cast: Cast) -> None:
    client = cast.client("member")
    response = client.post(URL, answers(save="on"))
    assert response.status_code == 302
    assert response["Location"] == URL
    saved = BusinessProfile.objects.get(user=cast.member)
    assert (saved.clientele, saved.budget_per_year_minor, saved.currency) == (
        "international",
        150_000,
        "EUR",
    )
    assert (saved.weekly_meetings_ok, saved.b2b, saved.online_comfort) == (False, True, 4)

    html = client.get(URL).content.decode()
    assert re.search(r'name="clientele" value="international"[^>]*checked', html)
    assert re.search(r'name="weekly_meetings_ok" value="no"[^>]*checked', html)
    assert 'name="budget" value="1500"' in html
    assert "Fit for your saved business profile" in html
    assert 'id="fit-association"' in html


def test_a_member_can_try_answers_without_saving(cast: Cast) -> None:
    response = cast.client("member").post(URL, answers())
    assert response.status_code == 200
    assert 'id="advisor-results"' in response.content.decode()
    assert not BusinessProfile.objects.exists()


def test_another_person_never_sees_my_profile(cast: Cast) -> None:
    cast.client("member").post(URL, answers(save="on", budget="4321"))
    html = cast.client("outsider").get(URL).content.decode()
    assert "4321" not in html
    assert 'id="advisor-results"' not in html
    assert 'name="save"' in html  # the outsider can save their own
    anonymous = Client().get(URL).content.decode()
    assert "4321" not in anonymous


def test_the_anonymous_home_page_invites_to_the_advisor(db: Any) -> None:
    html = Client().get("/").content.decode()
    assert 'id="advisor-cta"' in html
    assert f'href="{URL}"' in html
    assert "Which networking fits your business?" in html
