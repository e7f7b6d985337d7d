"""The traffic-light pages: a member sees their own light, trend and path and nobody else's;
leaders see every member sorted by colour; managers choose the rules; outsiders get 404."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.services import create_group
from cerchia.insights.models import ScoringRules
from cerchia.insights.tests.test_lights_scenario import TODAY, at_rome, build_chapter

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_today() -> Iterator[None]:
    with time_machine.travel(at_rome(TODAY, 12), tick=False):
        yield


def _page(client: Client, slug: str, name: str = "insights:lights", query: str = "") -> str:
    response = client.get(reverse(name, args=[slug]) + query)
    assert response.status_code == 200
    return response.content.decode()


def test_a_member_sees_their_light_trend_and_path_and_nobody_elses(cast: Cast) -> None:
    build_chapter(cast)
    html = _page(cast.client("member"), cast.group.slug)
    assert re.search(r'id="my-score">35<', html)
    assert 'id="my-trend"' in html
    assert 'id="path-actions"' in html
    assert "Give 2 testimonials by March 31, 2026" in html
    assert "Log 1 education unit by March 31, 2026" in html
    assert "No absences in the next 4 weeks" in html
    # Nobody else's light, name or score.
    assert 'id="all-members"' not in html
    for name in ("Greta Green", "Ugo Grey", "Leo Leader"):
        assert name not in html
    assert 'id="rules-link"' not in html


def test_leaders_see_every_member_sorted_by_colour_with_counts(
    cast: Cast, django_assert_max_num_queries: object
) -> None:
    people = build_chapter(cast)
    client = cast.client("leader")
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        html = _page(client, cast.group.slug)
    rows = [int(pk) for pk in re.findall(r'<tr id="member-(\d+)"', html)]
    # Green (Greta 100), red (Mia 35), grey by score: the leader (25), the owner (joined
    # today: 20), Ugo (0).
    assert rows == [
        people["greta"].pk,
        people["mia"].pk,
        cast.leader.pk,
        cast.owner.pk,
        people["ugo"].pk,
    ]
    assert 'id="all-members"' in html and "<svg" in html
    assert re.search(r"<td>Green</td><td>1</td>", html)
    assert re.search(r"<td>Grey</td><td>3</td>", html)
    # By name instead.
    html = _page(client, cast.group.slug, query="?sort=name")
    first = re.search(r'<tr id="member-\d+">\s*<td>([^<]+)</td>', html)
    assert first is not None and first.group(1) == "Greta Green"


def test_the_page_costs_the_same_queries_for_few_and_many_members(cast: Cast) -> None:
    client = cast.client("leader")
    client.get(reverse("insights:lights", args=[cast.group.slug]))
    with CaptureQueriesContext(connection) as few:
        _page(client, cast.group.slug)
    build_chapter(cast)
    for i in range(5):
        add_member(cast.group, make_user(f"extra{i}@example.org"))
    with CaptureQueriesContext(connection) as many:
        _page(client, cast.group.slug)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "name",
    ["insights:lights", "insights:lights_rules", "insights:credits", "insights:organisation"],
)
def test_outsiders_get_404(cast: Cast, name: str) -> None:
    response = cast.client("outsider").get(reverse(name, args=[cast.group.slug]))
    assert response.status_code == 404


def test_an_organisation_listed_to_members_is_403_to_outsiders(cast: Cast) -> None:
    url = reverse("insights:organisation", args=[cast.organisation.slug])
    assert cast.client("outsider").get(url).status_code == 403
    assert cast.client("owner").get(url).status_code == 200


def test_who_gets_403(cast: Cast) -> None:
    visitor, member, leader = (cast.client(w) for w in ("visitor", "member", "leader"))
    slug = cast.group.slug
    # An applicant sees the private chapter but is not a member yet.
    assert visitor.get(reverse("insights:lights", args=[slug])).status_code == 403
    assert visitor.get(reverse("insights:credits", args=[slug])).status_code == 403
    assert member.get(reverse("insights:lights_rules", args=[slug])).status_code == 403
    assert (
        member.post(reverse("insights:lights_rules", args=[slug]), {"preset": "india"}).status_code
        == 403
    )
    # A chapter's president does not run the organisation.
    assert (
        leader.get(reverse("insights:organisation", args=[cast.organisation.slug])).status_code
        == 403
    )
    assert not ScoringRules.objects.exists()


def test_managers_choose_the_rules_and_read_them_in_words(cast: Cast) -> None:
    client = cast.client("leader")
    url = reverse("insights:lights_rules", args=[cast.group.slug])
    html = _page(client, cast.group.slug, "insights:lights_rules")
    assert "From the default rules" in html
    assert "Referrals given per week: ≥ 0.5 → 5 points" in html

    # A preview is not saved.
    response = client.post(
        url, {"preset": "hong_kong", "overrides": '{"cutoffs": {"amber": 45}}', "action": "preview"}
    )
    assert response.status_code == 200
    assert "Preview (not saved)" in response.content.decode()
    assert "amber from 45" in response.content.decode()
    assert not ScoringRules.objects.exists()

    # Bad JSON and bad keys are shown, nothing saved.
    response = client.post(url, {"preset": "india", "overrides": "{oops", "action": "save"})
    assert "Not valid JSON" in response.content.decode()
    response = client.post(
        url, {"preset": "india", "overrides": '{"factors": {"smiles": null}}', "action": "save"}
    )
    assert "factors.smiles: unknown factor" in response.content.decode()
    assert not ScoringRules.objects.exists()

    response = client.post(
        url, {"preset": "india", "overrides": '{"window": "previous"}', "action": "save"}
    )
    assert response.status_code == 302
    rules = ScoringRules.objects.get(group=cast.group)
    assert (rules.preset, rules.overrides, rules.updated_by) == (
        "india",
        {"window": "previous"},
        cast.leader,
    )
    html = _page(client, cast.group.slug, "insights:lights_rules")
    assert "the previous 6 complete calendar months" in html
    assert "From this group&#x27;s own rules" in html

    response = client.post(url, {"action": "clear"})
    assert response.status_code == 302
    assert not ScoringRules.objects.exists()
    assert AuditEntry.objects.filter(action="insights.scoring_rules.cleared").count() == 1


def test_a_kind_without_default_rules_shows_no_lights_until_chosen(cast: Cast) -> None:
    chamber = create_group(cast.owner, name="Chamber", kind="chamber", visibility="members")
    add_member(chamber, cast.member)
    html = _page(cast.client("member"), chamber.slug)
    assert 'id="no-lights"' in html and "Its administrators choose the rules." in html
    html = _page(cast.client("owner"), chamber.slug)
    assert "Choose a rule table to start." in html
    cast.client("owner").post(
        reverse("insights:lights_rules", args=[chamber.slug]),
        {"preset": "us_power_of_one", "overrides": "", "action": "save"},
    )
    html = _page(cast.client("member"), chamber.slug)
    assert 'id="my-score"' in html


def test_the_group_page_links_to_the_lights(cast: Cast) -> None:
    html = cast.client("member").get(cast.group.get_absolute_url()).content.decode()
    assert reverse("insights:lights", args=[cast.group.slug]) in html
    assert reverse("insights:credits", args=[cast.group.slug]) in html
    assert 'id="organisation-link"' not in html
    html = cast.client("owner").get(cast.organisation.get_absolute_url()).content.decode()
    assert reverse("insights:organisation", args=[cast.organisation.slug]) in html
