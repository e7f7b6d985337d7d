"""The matching engine on plain data: each factor on its own, the reasons in words, privacy,
exclusions, and equality with a brute-force oracle written from the definition."""

from __future__ import annotations

import math
import random
from typing import Any

import numpy as np
import pytest

from cerchia.accounts.privacy import RANK
from cerchia.community import matching as m
from cerchia.community.matching import FIELDS, Links, Person, explain, phrase_key, prepare, suggest

NO_LINKS = Links()
GROUPS = RANK["groups"]
PRIVATE = RANK["private"]
PUBLIC = RANK["public"]


def person(user_id: int, **kw: Any) -> Person:
    """Someone whose fields are all visible to co-members, in group 1."""
    kw.setdefault("name", f"P{user_id}")
    kw.setdefault("levels", (PUBLIC,) * len(FIELDS))
    kw.setdefault("groups", (1,))
    return Person(user_id=user_id, **kw)


def hide(p: Person, field: str, rank: int = PRIVATE) -> Person:
    levels = list(p.levels)
    levels[FIELDS.index(field)] = rank
    return Person(**{**p.__dict__, "levels": tuple(levels)})


def score_of(people: list[Person], viewer: int, other: int, links: Links = NO_LINKS) -> int | None:
    """The engine's score of ``other`` for ``viewer``, or None when not suggested."""
    ctx = prepare(people, links)
    found, scores = suggest(ctx, [ctx.index[viewer]], k=len(people))
    for j, s in zip(found[0], scores[0], strict=True):
        if j >= 0 and int(ctx.user_ids[j]) == other:
            return int(s)
    return None


def reasons(people: list[Person], viewer: int, other: int, links: Links = NO_LINKS) -> list[str]:
    ctx = prepare(people, links)
    return explain(ctx, ctx.index[viewer], ctx.index[other]).reasons


# --- Terms ---------------------------------------------------------------------------------


def test_terms_are_normalised_and_stemmed():
    assert phrase_key("Photographers") == phrase_key("photographer") == phrase_key("photography")
    assert phrase_key("Fotografia") == phrase_key("fotografo")
    assert phrase_key("Catering") == phrase_key("caterer")
    assert phrase_key("  Wedding   Venues ") == phrase_key("wedding venue")
    assert phrase_key("business") == phrase_key("businesses")
    assert phrase_key("the") == ()


def test_a_sought_phrase_is_satisfied_by_an_offer_containing_all_its_words():
    seeker = person(1, seeks=("photographer",))
    pro = person(2, offers=("wedding photography",))
    venue = person(3, offers=("wedding venue",))
    assert score_of([seeker, pro, venue], 1, 2) == m.W_INTENT
    assert score_of([seeker, pro, venue], 1, 3) is None


# --- Each factor on its own ----------------------------------------------------------------


def test_they_offer_what_i_seek():
    people = [person(1, seeks=("catering", "flowers")), person(2, offers=("Catering", "tax"))]
    assert score_of(people, 1, 2) == m.W_INTENT
    assert reasons(people, 1, 2) == ["P2 offers “catering”, which you seek"]


def test_i_offer_what_they_seek_by_my_profession():
    people = [
        person(
            1,
            profession=7,
            profession_label="Wedding photographer",
            profession_names=("Wedding photographer", "Fotografo di matrimoni"),
        ),
        person(2, name="Anna", seeks=("a photographer",)),
    ]
    assert score_of(people, 1, 2) == m.W_INTENT
    assert reasons(people, 1, 2) == ["Anna seeks “a photographer”: you are one"]


def test_a_need_met_by_both_offers_and_profession_counts_once():
    people = [
        person(1, seeks=("florist",)),
        person(2, profession=3, profession_names=("Florist",), offers=("florist",)),
    ]
    assert score_of(people, 1, 2) == m.W_INTENT


def test_complementary_profession_in_the_same_sphere_scores_and_a_competitor_is_penalised():
    me = person(1, profession=1, sphere=10, city="Bologna")
    florist = person(
        2,
        profession=2,
        profession_label="Florist",
        sphere=10,
        sphere_label="Weddings",
        city="Bologna",
    )
    rival = person(3, profession=1, sphere=10, city="Bologna")
    people = [me, florist, rival]
    assert score_of(people, 1, 2) == m.W_SPHERE + m.W_CITY
    assert score_of(people, 1, 3) is None  # W_CITY + W_COMPETITOR < 0
    ctx = prepare(people)
    assert explain(ctx, 0, 2).score == m.W_CITY + m.W_COMPETITOR
    assert reasons(people, 1, 2)[0] == (
        "Florist: a different trade serving the same clients (Weddings)"
    )


def test_shared_client_segments():
    people = [
        person(1, clients=("Weddings", "restaurants", "hotels")),
        person(2, clients=("wedding", "Restaurants", "schools")),
    ]
    assert score_of(people, 1, 2) == 2 * m.W_CLIENT
    assert reasons(people, 1, 2) == ["You share 2 client segments: Weddings, restaurants"]


def test_referral_history_counts_either_way_and_is_capped():
    people = [person(1), person(2), person(3)]
    links = Links(referrals=[(1, 2), (2, 1), (1, 2)], deals=[(2, 1)])
    assert score_of(people, 1, 2, links) == 3 * m.W_REFERRAL + m.W_DEAL
    assert score_of(people, 2, 1, links) == 3 * m.W_REFERRAL + m.W_DEAL
    assert score_of(people, 1, 3, links) is None
    many = Links(referrals=[(1, 2)] * 9)
    assert score_of(people, 1, 2, many) == m.HISTORY_CAP * m.W_REFERRAL
    assert reasons(people, 1, 2, many) == ["9 referrals between you"]


def test_distance_bands_from_coordinates_and_same_city_without_them():
    bologna = person(1, latitude=44.4949, longitude=11.3426, city="Bologna")
    near = person(2, latitude=44.5010, longitude=11.3560, city="Bologna")  # ~1.3 km
    imola = person(3, latitude=44.3533, longitude=11.7141, city="Imola")  # ~33 km
    milan = person(4, latitude=45.4642, longitude=9.19, city="Milano")  # ~200 km
    same_city = person(5, city="bologna ")
    people = [bologna, near, imola, milan, same_city]
    assert score_of(people, 1, 2) == 3
    assert score_of(people, 1, 3) == 1
    assert score_of(people, 1, 4) is None
    assert score_of(people, 1, 5) == m.W_CITY
    assert reasons(people, 1, 2) == ["1.3 km from you"]
    assert reasons(people, 1, 5) == ["Also in bologna"]


def test_hidden_coordinates_fall_back_to_the_same_city():
    people = [
        person(1, latitude=44.49, longitude=11.34, city="Bologna"),
        hide(person(2, latitude=44.49, longitude=11.34, city="Bologna"), "coordinates"),
    ]
    assert score_of(people, 1, 2) == m.W_CITY
    assert reasons(people, 1, 2) == ["Also in Bologna"]


# --- Privacy: what I may not see never scores and never shows ------------------------------


@pytest.mark.parametrize(
    ("field", "other"),
    [
        ("offers", {"offers": ("catering",)}),
        ("profession", {"profession": 2, "profession_names": ("Caterer",), "sphere": 5}),
        ("clients", {"clients": ("weddings",)}),
        ("location", {"city": "Bologna"}),
        ("coordinates", {"latitude": 44.49, "longitude": 11.34}),
    ],
)
def test_a_hidden_field_never_contributes(field: str, other: dict[str, Any]):
    me = person(
        1,
        seeks=("catering",),
        profession=1,
        sphere=5,
        clients=("weddings",),
        city="Bologna",
        latitude=44.49,
        longitude=11.34,
    )
    shown = person(2, **other)
    assert score_of([me, shown], 1, 2) is not None
    for level in ("connections", "private"):
        hidden = hide(shown, field, RANK[level])
        assert score_of([me, hidden], 1, 2) is None
        ctx = prepare([me, hidden])
        assert explain(ctx, 0, 1).reasons == []


def test_their_seeks_hidden_from_me_do_not_score():
    me = person(1, offers=("websites",))
    other = hide(person(2, seeks=("websites",)), "seeks")
    assert score_of([me, other], 1, 2) is None
    assert score_of([me, person(2, seeks=("websites",))], 1, 2) == m.W_INTENT


def test_group_fields_need_a_shared_group_and_connection_fields_a_connection():
    me = person(1, seeks=("tax",), groups=(1,))
    stranger = hide(person(2, offers=("tax",), groups=(2,)), "offers", GROUPS)
    co_member = hide(person(3, offers=("tax",), groups=(1,)), "offers", GROUPS)
    close = hide(person(4, offers=("tax",), groups=(2,)), "offers", RANK["connections"])
    people = [me, stranger, co_member, close]
    assert score_of(people, 1, 2) is None
    assert score_of(people, 1, 3) == m.W_INTENT
    assert score_of(people, 1, 4) is None
    # Person 4 counts me among their connections: I see their connection fields.
    assert score_of(people, 1, 4, Links(connections=[(4, 1)])) == m.W_INTENT


def test_someone_whose_name_i_may_not_see_is_never_suggested():
    me = person(1, seeks=("tax",))
    other = hide(person(2, offers=("tax",)), "display_name", GROUPS)
    assert score_of([me, other], 1, 2) == m.W_INTENT
    assert score_of([me, Person(**{**other.__dict__, "groups": (9,)})], 1, 2) is None


# --- Exclusions ----------------------------------------------------------------------------


def test_self_dismissed_blocked_and_connected_are_excluded():
    people = [person(i, seeks=("tax",), offers=("tax",)) for i in range(1, 7)]
    links = Links(dismissals=[(1, 2)], blocks=[(3, 1), (1, 4)], connections=[(1, 5)])
    ctx = prepare(people, links)
    found, _scores = suggest(ctx, [0], k=10)
    assert [int(ctx.user_ids[j]) for j in found[0] if j >= 0] == [6]
    # Dismissal hides 2 from 1 only; blocks hide both ways; a one-way connection hides the
    # other only from its owner.
    found, _scores = suggest(ctx, None, k=10)
    suggested = {
        int(ctx.user_ids[i]): {int(ctx.user_ids[j]) for j in row if j >= 0}
        for i, row in enumerate(found)
    }
    assert 1 in suggested[2]
    assert 1 not in suggested[3] and 1 not in suggested[4]
    assert 1 in suggested[5]


def test_ties_go_to_the_lower_id_and_top_k_is_respected():
    people = [person(i, seeks=("tax",), offers=("tax",)) for i in (5, 3, 9, 1, 7)]
    ctx = prepare(people)
    found, scores = suggest(ctx, [ctx.index[5]], k=2)
    assert [int(ctx.user_ids[j]) for j in found[0]] == [1, 3]
    assert list(scores[0]) == [2 * m.W_INTENT] * 2


def test_empty_and_single_contexts():
    assert suggest(prepare([]), None, k=3)[0].shape == (0, 3)
    found, _ = suggest(prepare([person(1, seeks=("x",))]), None, k=3)
    assert list(found[0]) == [-1, -1, -1]


# --- The oracle: the definition, pair by pair, in plain Python -----------------------------


def _satisfied(phrase: tuple[str, ...], texts: tuple[str, ...]) -> bool:
    return any(set(phrase) <= set(phrase_key(t)) for t in texts)


def _band(km: float) -> int:
    for limit, points in m.DISTANCE_BANDS:
        if km <= limit:
            return points
    return 0


def oracle(people: list[Person], links: Links, k: int) -> dict[int, list[tuple[int, int]]]:
    conn = set(links.connections)
    blocks = set(links.blocks)
    dismissed = set(links.dismissals)
    out: dict[int, list[tuple[int, int]]] = {}
    for a in people:
        found = []
        for b in people:
            if a.user_id == b.user_id:
                continue
            if (b.user_id, a.user_id) in conn:
                reach = 2
            elif set(a.groups) & set(b.groups):
                reach = 1
            else:
                reach = 0

            def see(name: str, b: Person = b, reach: int = reach) -> bool:
                return reach >= b.levels[FIELDS.index(name)]

            if not see("display_name") or (a.user_id, b.user_id) in dismissed:
                continue
            if (a.user_id, b.user_id) in blocks or (b.user_id, a.user_id) in blocks:
                continue
            if (a.user_id, b.user_id) in conn:
                continue
            score = 0
            my_seeks = {phrase_key(s) for s in a.seeks} - {()}
            for s in my_seeks:
                if (see("offers") and _satisfied(s, b.offers)) or (
                    see("profession") and _satisfied(s, b.profession_names)
                ):
                    score += m.W_INTENT
            if see("seeks"):
                for s in {phrase_key(t) for t in b.seeks} - {()}:
                    if _satisfied(s, a.offers + a.profession_names):
                        score += m.W_INTENT
            if see("profession") and b.profession is not None:
                if b.profession == a.profession:
                    score += m.W_COMPETITOR
                elif b.sphere is not None and b.sphere == a.sphere:
                    score += m.W_SPHERE
            if see("clients"):
                mine = {phrase_key(c) for c in a.clients} - {()}
                theirs = {phrase_key(c) for c in b.clients} - {()}
                score += m.W_CLIENT * len(mine & theirs)
            pair = {(a.user_id, b.user_id), (b.user_id, a.user_id)}
            refs = sum(1 for r in links.referrals if r in pair)
            deals = sum(1 for d in links.deals if d in pair)
            score += m.W_REFERRAL * min(refs, m.HISTORY_CAP) + m.W_DEAL * min(deals, m.HISTORY_CAP)
            coords = None not in (a.latitude, a.longitude, b.latitude, b.longitude)
            if see("coordinates") and coords:
                p1, p2 = math.radians(a.latitude), math.radians(b.latitude)  # type: ignore[arg-type]
                dl = math.radians(b.longitude - a.longitude)  # type: ignore[operator]
                h = (
                    math.sin((p2 - p1) / 2) ** 2
                    + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
                )
                score += _band(2 * m.EARTH_KM * math.asin(math.sqrt(min(h, 1.0))))
            elif (
                see("location")
                and a.city.strip()
                and a.city.strip().lower() == b.city.strip().lower()
            ):
                score += m.W_CITY
            if score > 0:
                found.append((b.user_id, score))
        found.sort(key=lambda x: (-x[1], x[0]))
        out[a.user_id] = found[:k]
    return out


TERMS = [
    "photographer",
    "wedding photography",
    "florist",
    "flowers",
    "catering",
    "caterer",
    "web design",
    "websites",
    "tax advice",
    "tax",
    "accountant",
    "wedding venue",
    "the",
    "video",
    "wedding video",
    "printing",
    "fotografo",
    "fotografia di matrimonio",
]
PROFESSIONS = {
    1: ("Wedding photographer", "Fotografo di matrimoni"),
    2: ("Florist", "Fiorista"),
    3: ("Caterer", "Catering"),
    4: ("Accountant", "Commercialista"),
    5: ("Web designer", "Web designer"),
    6: ("Videographer", "Videomaker"),
}
SPHERES = {1: 1, 2: 1, 3: 1, 4: 2, 5: 3, 6: 1}
CLIENTS = ["weddings", "restaurants", "hotels", "schools", "wedding", "shops"]
CITIES = ["Bologna", "bologna", "Imola", "Modena", ""]


def random_world(seed: int, n: int) -> tuple[list[Person], Links]:
    rng = random.Random(seed)
    people = []
    ids = rng.sample(range(1, 10 * n), n)
    for uid in ids:
        prof = rng.choice([None, *PROFESSIONS])
        coords = rng.random() < 0.6
        people.append(
            Person(
                user_id=uid,
                name=f"U{uid}",
                profession=prof,
                profession_label=PROFESSIONS[prof][0] if prof else "",
                profession_names=PROFESSIONS[prof] if prof else (),
                sphere=SPHERES[prof] if prof else None,
                offers=tuple(rng.sample(TERMS, rng.randint(0, 3))),
                seeks=tuple(rng.sample(TERMS, rng.randint(0, 3))),
                clients=tuple(rng.sample(CLIENTS, rng.randint(0, 3))),
                city=rng.choice(CITIES),
                latitude=44.3 + rng.random() * 0.6 if coords else None,
                longitude=11.0 + rng.random() * 0.9 if coords else None,
                levels=tuple(rng.choice([0, 0, 1, 1, 2, 3]) for _ in FIELDS),
                groups=tuple(rng.sample([1, 2, 3, 4], rng.randint(0, 2))),
            )
        )

    def pairs(count: int) -> list[tuple[int, int]]:
        return [tuple(rng.sample(ids, 2)) for _ in range(count)]  # type: ignore[misc]

    links = Links(
        connections=pairs(n // 2),
        blocks=pairs(n // 8),
        dismissals=pairs(n // 4),
        referrals=pairs(n),
        deals=pairs(n // 3),
    )
    return people, links


@pytest.mark.parametrize("seed", range(12))
def test_the_engine_equals_the_oracle(seed: int, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(m, "BLOCK_ROWS", 7)  # several blocks, one of them partial
    people, links = random_world(seed, 45)
    k = 6
    expected = oracle(people, links, k)
    ctx = prepare(people, links)
    found, scores = suggest(ctx, None, k=k)
    assert sum(len(v) for v in expected.values()) > 50  # the data produce suggestions
    for i, uid in enumerate(ctx.user_ids):
        got = [
            (int(ctx.user_ids[j]), int(s))
            for j, s in zip(found[i], scores[i], strict=True)
            if j >= 0
        ]
        assert got == expected[int(uid)], uid
        for j, s in zip(found[i], scores[i], strict=True):
            if j >= 0:
                assert explain(ctx, i, int(j)).score == s


def test_suggest_for_some_rows_equals_the_same_rows_of_everyone():
    people, links = random_world(99, 60)
    ctx = prepare(people, links)
    everyone, all_scores = suggest(ctx, None, k=5)
    rows = np.array([3, 17, 42])
    some, some_scores = suggest(ctx, rows, k=5)
    assert (some == everyone[rows]).all() and (some_scores == all_scores[rows]).all()
