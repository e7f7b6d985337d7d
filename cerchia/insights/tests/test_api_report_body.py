"""GET /api/v1/report writes the report's JSON itself instead of letting django-ninja validate
it against ``ReportOut`` on every request: these tests hold the body to that schema, value
and JSON type alike, so the documented shape and the real one cannot drift apart."""

from __future__ import annotations

import datetime
import json
from typing import Any

import pytest

from cerchia.api.main import api
from cerchia.conftest import Cast
from cerchia.insights.advisor import parse_profile
from cerchia.insights.api_report import ReportOut
from cerchia.insights.report import member_report
from cerchia.insights.services import save_business_profile
from cerchia.insights.tests.test_advisor_rules import base_profile
from cerchia.insights.tests.test_report import NOW, TODAY, build, city, d
from cerchia.ledger import services
from cerchia.meetings.tests.meeting_helpers import at


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with at(NOW):
        yield


def typed(value: Any) -> Any:
    """``value`` with the JSON type of every leaf next to it: 1 and 1.0 compare equal in
    Python but are written differently, and an int where the schema says float is a drift."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


def as_ninja_wrote_it(report: dict[str, Any]) -> Any:
    """The body django-ninja makes of a view's dict under ``response=ReportOut``: validated
    by the schema, dumped by alias, encoded by its renderer."""
    dumped = ReportOut.model_validate(report).model_dump(by_alias=True)
    return json.loads(api.renderer.render(None, dumped, response_status=200))  # type: ignore[arg-type]


@pytest.fixture
def rich(cast: Cast) -> Cast:
    """The mixed year of the report tests, plus what makes every nullable figure take a value:
    cities on both sides (local shares), a referral from outside any group and a saved
    business profile (the advice's prior fit)."""
    build(cast)
    city(cast.member, "Milano")
    city(cast.leader, " milano ")
    city(cast.owner, "Roma")
    services.record_referral(
        cast.leader, receiver=cast.member, group=None, prospect_name="Z", given_on=d(3, 3)
    )
    save_business_profile(cast.member, parse_profile(base_profile(clientele="international")))
    return cast


PERIODS = [
    {},
    {"from": "2026-02-01", "to": "2026-04-15"},
    {"from": "2026-03-01"},
    {"to": "2026-01-31"},
    {"from": "2030-01-01", "to": "2030-12-31"},  # nothing in it: empty lists, null ratios
]


@pytest.mark.parametrize("params", PERIODS)
def test_the_body_is_the_schema_round_trip(rich: Cast, params: dict[str, str]) -> None:
    response = rich.api("member").get("/api/v1/report", params)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == api.get_content_type()
    body = response.json()
    assert list(body) == ["from", "to", "by_group", "by_kind", "advice", "trend", "geography"]
    validated = ReportOut.model_validate(body)
    assert typed(validated.model_dump(by_alias=True, mode="json")) == typed(body)


@pytest.mark.parametrize("params", PERIODS)
def test_the_body_is_what_ninja_wrote_from_the_report(rich: Cast, params: dict[str, str]) -> None:
    body = rich.api("member").get("/api/v1/report", params).json()
    start, end = (
        datetime.date.fromisoformat(params[key]) if key in params else None
        for key in ("from", "to")
    )
    report = member_report(rich.member, start, end, today=TODAY)
    assert typed(body) == typed(as_ninja_wrote_it(report))


def test_the_rich_report_fills_the_nullable_figures(rich: Cast) -> None:
    """The round trips above mean something only if the floats are there to be checked."""
    body = rich.api("member").get("/api/v1/report").json()
    assert body["by_group"] and body["by_kind"] and body["trend"] and body["advice"]
    first = body["by_group"][0]
    assert isinstance(first["hours"], float) and isinstance(first["referrals_received"], int)
    assert any(isinstance(g["conversion"], float) for g in body["by_group"])
    assert any(isinstance(g["roi"], float) for g in body["by_group"])
    assert all(isinstance(m["hours"], float) for m in body["trend"])
    assert all(isinstance(a["prior_fit"], int) for a in body["advice"])
    geo = body["geography"]
    assert geo["city"] == "Milano" and isinstance(geo["local_share"], float)
    assert all(isinstance(c["share"], float) for c in geo["cities"])
    assert all(isinstance(k["local_share"], float) for k in geo["by_kind"])


def test_the_docs_still_describe_the_body() -> None:
    operation = api.get_openapi_schema(path_prefix="/api/v1/")["paths"]["/api/v1/report"]["get"]
    assert [p["name"] for p in operation["parameters"]] == ["from", "to"]
    schema = operation["responses"][200]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ReportOut"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"from": "2026-13-01"}, "from must be a date like 2026-03-31, not 2026-13-01."),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "The start date comes after the end date."),
    ],
)
def test_errors_keep_their_shape(cast: Cast, params: dict[str, str], message: str) -> None:
    response = cast.api("member").get("/api/v1/report", params)
    assert response.status_code == 400
    assert response["Content-Type"] == api.get_content_type()
    assert response.json() == {"detail": message}
