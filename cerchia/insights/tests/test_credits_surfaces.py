"""Credits on the page and in the API: an active member logs education units and
testimonials, sees and removes their own; nobody else sees or removes them."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
import time_machine
from django.urls import reverse

from cerchia.conftest import Cast
from cerchia.insights.tests.test_lights_scenario import TODAY, at_rome
from cerchia.ledger import services
from cerchia.ledger.models import Credit, Rollup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _on_today() -> Iterator[None]:
    with time_machine.travel(at_rome(TODAY, 12), tick=False):
        yield


def test_a_member_logs_sees_and_removes_their_credits_on_the_page(cast: Cast) -> None:
    client = cast.client("member")
    url = reverse("insights:credits", args=[cast.group.slug])
    assert 'id="credits-empty"' in client.get(url).content.decode()
    response = client.post(
        url, {"kind": "education", "title": "Givers Gain", "earned_on": "2026-03-02"}
    )
    assert response.status_code == 302
    client.post(url, {"kind": "testimonial", "title": "For Leo", "earned_on": "2026-03-09"})
    html = client.get(url).content.decode()
    assert "Givers Gain" in html and "For Leo" in html
    row = Rollup.objects.get(user=cast.member, group=cast.group, month=datetime.date(2026, 3, 1))
    assert (row.education, row.testimonials) == (1, 1)

    # A date in the future is refused and nothing is saved.
    html = client.post(
        url, {"kind": "education", "title": "Later", "earned_on": "2026-04-01"}
    ).content.decode()
    assert "future" in html
    assert Credit.objects.count() == 2

    book = Credit.objects.get(title="Givers Gain")
    response = client.post(reverse("insights:credit_delete", args=[cast.group.slug, book.pk]))
    assert response.status_code == 302
    assert not Credit.objects.filter(pk=book.pk).exists()
    assert Rollup.objects.get(user=cast.member, group=cast.group).education == 0


def test_nobody_else_sees_or_removes_a_members_credits(cast: Cast) -> None:
    credit = services.record_credit(cast.member, cast.group, kind="education", title="A podcast")
    # The leader's own page lists the leader's credits only.
    html = cast.client("leader").get(reverse("insights:credits", args=[cast.group.slug]))
    assert "A podcast" not in html.content.decode()
    for who in ("leader", "outsider"):
        response = cast.client(who).post(
            reverse("insights:credit_delete", args=[cast.group.slug, credit.pk])
        )
        assert response.status_code == 404
        assert cast.api(who).delete(f"/api/v1/credits/{credit.pk}").status_code == 404
    assert Credit.objects.filter(pk=credit.pk).exists()


def test_the_credits_api(cast: Cast) -> None:
    api = cast.api("member")
    url = f"/api/v1/groups/{cast.group.pk}/credits"
    response = api.post(
        url,
        {"kind": "testimonial", "title": "For Greta", "earned_on": "2026-03-05"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["group"], body["earned_on"]) == (
        "testimonial",
        cast.group.pk,
        "2026-03-05",
    )
    response = api.post(url, {"kind": "bonus", "title": "x"}, content_type="application/json")
    assert response.status_code == 400
    assert "Choose" in response.json()["detail"]
    listed = api.get(url).json()
    assert [c["title"] for c in listed] == ["For Greta"]
    assert cast.api("leader").get(url).json() == []

    assert api.delete(f"/api/v1/credits/{body['id']}").status_code == 204
    assert not Credit.objects.exists()


def test_the_credits_api_for_outsiders_and_applicants(cast: Cast) -> None:
    url = f"/api/v1/groups/{cast.group.pk}/credits"
    assert cast.api("outsider").get(url).status_code == 404
    response = cast.api("visitor").post(
        url, {"kind": "education", "title": "x"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert not Credit.objects.exists()
