"""The advisor outside the page: ``cerchia advise --profile FILE.json`` (only the JSON on
stdout; errors on stderr with exit 1), ``POST /api/v1/advisor`` for anyone, and one's own
saved profile at ``/api/v1/me/business-profile``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, ManagementUtility, call_command
from django.test import Client

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast
from cerchia.insights.advisor import fit, parse_profile
from cerchia.insights.models import BusinessProfile
from cerchia.insights.tests.test_advisor_rules import base_profile

INTERNATIONAL = base_profile(clientele="international", b2b=True, online_comfort=4)


def write(tmp_path: Path, content: str) -> Path:
    path = tmp_path / "profile.json"
    path.write_text(content, encoding="utf-8")
    return path


# --- CLI -------------------------------------------------------------------------------------


def test_cli_prints_the_fit_of_every_kind_as_json(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command("advise", "--profile", str(write(tmp_path, json.dumps(INTERNATIONAL))), stdout=out)
    printed = json.loads(out.getvalue())
    assert printed == fit(parse_profile(INTERNATIONAL))
    assert [item["group_kind"] for item in printed][-1] != "online_community"
    chamber = next(item for item in printed if item["group_kind"] == "chamber")
    assert "immediate geographic community" in chamber["reasons"][0]
    assert out.getvalue().startswith('[\n  {\n    "group_kind"')  # indent 2


def test_cli_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("advise", "--profile", str(tmp_path / "nope.json"), stdout=io.StringIO())


def test_cli_refuses_bad_json(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command(
            "advise", "--profile", str(write(tmp_path, "{clientele: local")), stdout=io.StringIO()
        )


def test_cli_names_a_bad_key(tmp_path: Path) -> None:
    bad = write(tmp_path, json.dumps(base_profile(deal_size="huge")))
    with pytest.raises(CommandError, match="deal_size"):
        call_command("advise", "--profile", str(bad), stdout=io.StringIO())


def test_cli_exits_1_with_the_error_on_stderr_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(tmp_path, json.dumps({**base_profile(), "colour": "blue"}))
    with pytest.raises(SystemExit) as exited:
        ManagementUtility(["cerchia", "advise", "--profile", str(bad)]).execute()
    assert exited.value.code == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "colour" in captured.err


# --- POST /api/v1/advisor ------------------------------------------------------------------


def post(client: Client, body: Any, path: str = "/api/v1/advisor") -> Any:
    text = body if isinstance(body, str) else json.dumps(body)
    return client.post(path, text, content_type="application/json")


def test_api_scores_a_profile_for_anyone(db: Any) -> None:
    response = post(Client(), INTERNATIONAL)
    assert response.status_code == 200, response.content
    assert response.json() == fit(parse_profile(INTERNATIONAL))


def test_api_scores_for_a_signed_in_caller_too(cast: Cast) -> None:
    response = post(cast.api("member"), INTERNATIONAL)
    assert response.status_code == 200
    assert not BusinessProfile.objects.exists()  # scoring never saves


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({**base_profile(), "colour": "blue"}, "colour"),
        (base_profile(online_comfort=9), "online_comfort"),
        ({k: v for k, v in base_profile().items() if k != "currency"}, "currency"),
        (base_profile(hours_per_week="5"), "hours_per_week"),
        ("{not json", "JSON"),
        ([1, 2], "JSON object"),
        ("", "JSON object"),
    ],
)
def test_api_bad_profile_is_a_400_with_detail(db: Any, body: Any, named: str) -> None:
    response = post(Client(), body)
    assert response.status_code == 400
    assert named in response.json()["detail"]


# --- /api/v1/me/business-profile ---------------------------------------------------------------


def test_my_business_profile_needs_an_account(db: Any) -> None:
    assert Client().get("/api/v1/me/business-profile").status_code == 401
    response = Client().put(
        "/api/v1/me/business-profile", json.dumps(base_profile()), content_type="application/json"
    )
    assert response.status_code == 401
    assert not BusinessProfile.objects.exists()


def test_saving_and_reading_my_business_profile(cast: Cast) -> None:
    api = cast.api("member")
    missing = api.get("/api/v1/me/business-profile")
    assert missing.status_code == 404
    assert "detail" in missing.json()

    saved = api.put(
        "/api/v1/me/business-profile",
        json.dumps(INTERNATIONAL),
        content_type="application/json",
    )
    assert saved.status_code == 200, saved.content
    assert saved.json() == INTERNATIONAL
    read = api.get("/api/v1/me/business-profile")
    assert (read.status_code, read.json()) == (200, INTERNATIONAL)
    row = BusinessProfile.objects.get(user=cast.member)
    assert (row.clientele, row.budget_per_year_minor, str(row.hours_per_week)) == (
        "international",
        100_000,
        "2.5",
    )
    entry = AuditEntry.objects.get(action="insights.business_profile.created")
    assert (entry.actor_id, entry.target_id) == (cast.member.pk, str(row.pk))

    changed = api.put(
        "/api/v1/me/business-profile",
        json.dumps({**INTERNATIONAL, "clientele": "local"}),
        content_type="application/json",
    )
    assert changed.json()["clientele"] == "local"
    assert BusinessProfile.objects.filter(user=cast.member).count() == 1
    assert AuditEntry.objects.filter(action="insights.business_profile.updated").count() == 1


def test_a_bad_profile_changes_nothing(cast: Cast) -> None:
    api = cast.api("member")
    api.put(
        "/api/v1/me/business-profile", json.dumps(INTERNATIONAL), content_type="application/json"
    )
    response = api.put(
        "/api/v1/me/business-profile",
        json.dumps({**INTERNATIONAL, "clientele": "local", "b2b": "maybe"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "b2b" in response.json()["detail"]
    assert BusinessProfile.objects.get(user=cast.member).clientele == "international"


def test_nobody_else_reads_my_business_profile(cast: Cast) -> None:
    cast.api("member").put(
        "/api/v1/me/business-profile", json.dumps(INTERNATIONAL), content_type="application/json"
    )
    for who in ("outsider", "leader"):
        assert cast.api(who).get("/api/v1/me/business-profile").status_code == 404
