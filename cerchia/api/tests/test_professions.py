"""GET /api/v1/professions: the taxonomy the data migration loaded, public and paginated."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from cerchia.accounts.models import ContactSphere, Profession

DATA = Path(__file__).resolve().parents[2] / "accounts" / "data" / "professions.json"


@pytest.fixture
def taxonomy() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def get(params: dict | None = None):
    response = Client().get("/api/v1/professions", params or {})
    assert response.status_code == 200
    return response.json()


def test_anyone_may_read_the_whole_taxonomy(db):
    body = get()

    assert set(body) == {"items", "count"}
    assert body["count"] >= 150
    assert len(body["items"]) == body["count"]
    assert len({item["sphere"]["code"] for item in body["items"]}) >= 12
    for item in body["items"]:
        assert item["name_en"].strip(), item["code"]
        assert item["name_it"].strip(), item["code"]
        assert item["sphere"]["name"].strip()


def test_data_migration_loaded_the_shipped_file(db, taxonomy):
    expected = {
        p["code"]: (s["code"], p["name_en"], p["name_it"])
        for s in taxonomy["spheres"]
        for p in s["professions"]
    }

    loaded = {
        p.code: (p.sphere.code, p.name_en, p.name_it)
        for p in Profession.objects.select_related("sphere")
    }

    assert loaded == expected
    assert set(ContactSphere.objects.values_list("code", flat=True)) == {
        s["code"] for s in taxonomy["spheres"]
    }
    assert {item["code"] for item in get()["items"]} == set(expected)


def test_pages_are_disjoint_and_share_the_total_count(db):
    total = get()["count"]

    first = get({"limit": 10, "offset": 0})
    second = get({"limit": 10, "offset": 10})
    last = get({"limit": 10, "offset": total - 3})

    assert first["count"] == second["count"] == last["count"] == total
    assert len(first["items"]) == len(second["items"]) == 10
    assert len(last["items"]) == 3
    first_codes = {i["code"] for i in first["items"]}
    assert first_codes.isdisjoint({i["code"] for i in second["items"]})


@pytest.mark.parametrize(
    ("limit", "offset", "expected"), [(0, 0, 1), (-5, -5, 1), (10_000, 0, None)]
)
def test_limit_and_offset_are_clamped(db, limit, offset, expected):
    body = get({"limit": limit, "offset": offset})

    assert len(body["items"]) == (expected or min(body["count"], 500))


def test_filter_by_sphere(db, taxonomy):
    sphere = taxonomy["spheres"][0]

    body = get({"sphere": sphere["code"]})

    assert body["count"] == len(sphere["professions"])
    assert {i["code"] for i in body["items"]} == {p["code"] for p in sphere["professions"]}
    assert {i["sphere"]["code"] for i in body["items"]} == {sphere["code"]}


def test_unknown_sphere_finds_nothing(db):
    assert get({"sphere": "no-such-sphere"}) == {"items": [], "count": 0}


def test_search_looks_at_english_and_italian_names(db):
    english = get({"q": "florist"})
    italian = get({"q": "fiorista"})

    assert "florist" in {i["code"] for i in english["items"]}
    assert "florist" in {i["code"] for i in italian["items"]}
    assert italian["count"] < get()["count"]


def test_names_follow_the_request_language(db):
    item = get({"q": "florist", "sphere": "weddings_events"})["items"][0]
    italian = Client(headers={"Accept-Language": "it"}).get(
        "/api/v1/professions", {"q": "florist", "sphere": "weddings_events"}
    )

    assert item["name"] == item["name_en"] == "Florist"
    assert italian.json()["items"][0]["name"] == "Fiorista"
