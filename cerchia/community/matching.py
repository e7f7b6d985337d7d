"""Who is worth meeting: the matching engine for a community, an event or a chapter.

Every pair of people in a context gets a whole-number score from five factors, each counted
only from fields the *viewer* may see of the other person (a hidden field never scores and
never appears in a reason):

- **intents**: each thing I seek that they offer (their "what I offer" tags, or their
  profession), and each thing they seek that I offer: ``W_INTENT`` apiece;
- **contact sphere**: a different profession in my contact sphere serves the same clients
  (``W_SPHERE``); the same profession is a competitor (``W_COMPETITOR``, negative);
- **shared clientele**: each client segment ("weddings", "restaurants") we both serve;
- **history**: referrals passed between us either way and deals closed (capped);
- **distance**: from coordinates when I may see theirs, otherwise the same city.

Terms are compared after normalising: lowercase, stop words out, a light English/Italian
stemmer (``photography``, ``photographer`` and ``photographers`` meet). A sought phrase is
satisfied by an offered one that contains all its words ("photographer" by "wedding
photographer", not "wedding venue" by "wedding photography").

Excluded for good: myself, people I answered "not interested" about (``Dismissal``), anyone
either of us blocked, my existing connections, people whose name I may not see, and anyone
scoring zero or less. Ties go to the lower user id.

The scoring is vectorised with numpy (``suggest``): viewers in small blocks scored against
everyone, intents as gathers from precomputed phrase matrices (people seek a handful of
phrases), groups and client segments as bitsets, distances from unit vectors, broadcasting for
spheres, and ``argpartition`` for the top *k*; ``explain`` recomputes one pair in plain Python
for the reason in words. ``bench/matching.py`` measures it at 5,000; docs/matching.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cerchia.accounts.privacy import Reach

# The profile fields the engine reads, each with its own visibility level (columns of
# ``Population.levels``). "location" is the city; "coordinates" latitude and longitude.
FIELDS = ("display_name", "profession", "offers", "seeks", "clients", "location", "coordinates")
F_NAME, F_PROFESSION, F_OFFERS, F_SEEKS, F_CLIENTS, F_LOCATION, F_COORDINATES = range(len(FIELDS))

W_INTENT = 4  # per sought phrase the other satisfies, either way
W_SPHERE = 3  # a different profession in the same contact sphere
W_COMPETITOR = -4  # the same profession
W_CLIENT = 2  # per shared client segment
W_REFERRAL = 2  # per referral between the two, either way, up to HISTORY_CAP
W_DEAL = 3  # per closed deal between the two, up to HISTORY_CAP
HISTORY_CAP = 5
# Distance bands in km and their points; without coordinates, the same city scores W_CITY.
DISTANCE_BANDS = ((5.0, 3), (25.0, 2), (100.0, 1))
W_CITY = 2
EARTH_KM = 6371.0088

DEFAULT_TOP = 10
# Rows per block: small blocks keep a block's arrays in the processor's cache.
BLOCK_ROWS = 64

STOP_WORDS = frozenset(
    (  # noqa: SIM905 (a word list reads best as words)
        "a an and the of for in on to with di da del della dei delle e il la le lo gli i per "
        "con un una uno al alla ai"
    ).split()
)


def stem(word: str) -> str:
    """A light stemmer for English and Italian words (plural and agent endings)."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us")):
        word = word[:-1]
    for suffix in ("ers", "ing", "ia", "ie", "er", "y", "a", "e", "i", "o"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def phrase_key(text: str) -> tuple[str, ...]:
    """The normalised words of a phrase, in order, without stop words."""
    words = re.findall(r"\w+", text.lower())
    return tuple(stem(w) for w in words if w not in STOP_WORDS)


@dataclass(frozen=True)
class Person:
    """One person of a context, with the fields the engine reads (plain values)."""

    user_id: int
    name: str
    profession: int | None = None
    profession_label: str = ""
    # The profession's names in every language: a profession is also an offer.
    profession_names: tuple[str, ...] = ()
    sphere: int | None = None
    sphere_label: str = ""
    offers: tuple[str, ...] = ()
    seeks: tuple[str, ...] = ()
    clients: tuple[str, ...] = ()
    city: str = ""
    latitude: float | None = None
    longitude: float | None = None
    # Visibility rank (privacy.RANK) of each of FIELDS.
    levels: tuple[int, ...] = (0,) * len(FIELDS)
    # Active groups: people sharing one see each other's "members of my groups" fields.
    groups: tuple[int, ...] = ()


@dataclass(frozen=True)
class Links:
    """Relations between people, as pairs of user ids (people outside the context are
    ignored)."""

    connections: Iterable[tuple[int, int]] = ()  # (owner, other): owner counts other in
    blocks: Iterable[tuple[int, int]] = ()  # (blocker, blocked)
    dismissals: Iterable[tuple[int, int]] = ()  # (user, other): "not interested"
    referrals: Iterable[tuple[int, int]] = ()  # (giver, receiver), one per referral
    deals: Iterable[tuple[int, int]] = ()  # (giver, receiver), one per closed business


def _pairs(pairs: Iterable[tuple[int, int]], index: dict[int, int]) -> np.ndarray:
    rows = [(index[a], index[b]) for a, b in pairs if a in index and b in index and a != b]
    return np.array(rows, dtype=np.int64).reshape(-1, 2)


def _bitsets(n: int, width: int, ids: Sequence[Iterable[int]]) -> np.ndarray:
    """Sets of small integers as rows of 64-bit words: intersections without matrix products
    (which, with a thread per core, cost more than they compute at these sizes)."""
    bits = np.zeros((n, (width + 63) // 64), dtype=np.uint64)
    for row, cols in enumerate(ids):
        for col in cols:
            bits[row, col // 64] |= np.uint64(1) << np.uint64(col % 64)
    return bits


def _onehot(n: int, width: int, ids: Sequence[Iterable[int]]) -> np.ndarray:
    matrix = np.zeros((n, width), dtype=np.float32)
    for row, cols in enumerate(ids):
        for col in cols:
            matrix[row, col] = 1.0
    return matrix


@dataclass
class Context:
    """A context's people turned into arrays, ready to score (``prepare`` builds it)."""

    people: list[Person]
    user_ids: np.ndarray  # (n,) sorted
    index: dict[int, int]
    seek_phrases: list[tuple[str, ...]]  # the vocabulary: every distinct sought phrase
    seeks: np.ndarray  # (n, v) 1 where the person seeks phrase v
    by_offers: np.ndarray  # (n, v) 1 where the person's offers satisfy phrase v
    by_profession: np.ndarray  # (n, v) 1 where the person's profession satisfies phrase v
    clients: np.ndarray  # (n, c) client segments
    # The same phrases as slots for gathers: person i seeks seek_slots[i, :], left-packed,
    # padded with v (a phrase nobody satisfies: the matrices below have a zero row v).
    seek_slots: np.ndarray
    # Transposed (v + 1, n), contiguous: row v says who satisfies phrase v (by offers, by
    # profession, by either).
    offers_t: np.ndarray
    profession_t: np.ndarray
    either_t: np.ndarray
    profession: np.ndarray  # (n,) -1 for none
    sphere: np.ndarray  # (n,) -1 for none
    city: np.ndarray  # (n,) -1 for none
    lat: np.ndarray  # (n,) radians, nan for none
    lon: np.ndarray
    unit: np.ndarray  # (n, 3) points on the unit sphere, zeros for none
    levels: np.ndarray  # (n, len(FIELDS)) int8
    groups: np.ndarray  # (n, words) uint64 bitsets of the groups shared by two or more
    client_bits: np.ndarray  # (n, words) uint64 bitsets of ``clients``
    connections: np.ndarray  # (m, 2) owner, other
    blocks: np.ndarray
    dismissals: np.ndarray
    referrals: np.ndarray
    deals: np.ndarray
    segments: list[tuple[str, ...]]  # the client segments, by column of ``clients``


def prepare(people: Iterable[Person], links: Links | None = None) -> Context:
    """Turn people and their links into a ``Context``: the vocabulary of sought phrases, who
    seeks and who satisfies each, bitsets, unit vectors, pairs as indices."""
    links = links or Links()
    ordered = sorted({p.user_id: p for p in people}.values(), key=lambda p: p.user_id)
    n = len(ordered)
    index = {p.user_id: i for i, p in enumerate(ordered)}

    vocab: dict[tuple[str, ...], int] = {}
    seek_ids: list[list[int]] = []
    for person in ordered:
        ids = []
        for text in person.seeks:
            key = phrase_key(text)
            if key:
                ids.append(vocab.setdefault(key, len(vocab)))
        seek_ids.append(ids)
    phrases = list(vocab)
    # Which sought phrases an offered phrase satisfies: all the sought words are in it.
    by_word: dict[str, set[int]] = {}
    for v, key in enumerate(phrases):
        for word in key:
            by_word.setdefault(word, set()).add(v)
    cover_cache: dict[tuple[str, ...], frozenset[int]] = {}

    def covered(text: str) -> frozenset[int]:
        key = phrase_key(text)
        if key not in cover_cache:
            words = set(key)
            found: set[int] = set()
            for word in words:
                for v in by_word.get(word, ()):
                    if set(phrases[v]) <= words:
                        found.add(v)
            cover_cache[key] = frozenset(found)
        return cover_cache[key]

    offer_ids = [set().union(*(covered(t) for t in p.offers)) for p in ordered]
    profession_ids = [set().union(*(covered(t) for t in p.profession_names)) for p in ordered]

    segments: dict[tuple[str, ...], int] = {}
    client_ids = []
    for person in ordered:
        ids = []
        for text in person.clients:
            key = phrase_key(text)
            if key:
                ids.append(segments.setdefault(key, len(segments)))
        client_ids.append(ids)

    cities: dict[str, int] = {}
    city = np.array(
        [
            cities.setdefault(p.city.strip().lower(), len(cities)) if p.city.strip() else -1
            for p in ordered
        ],
        dtype=np.int64,
    )
    groups_of = [set(p.groups) for p in ordered]
    counts: dict[int, int] = {}
    for gs in groups_of:
        for g in gs:
            counts[g] = counts.get(g, 0) + 1
    # Only groups two people of the context share can widen what one sees of another.
    shared = {g: col for col, g in enumerate(sorted(g for g, c in counts.items() if c > 1))}
    lat = np.radians(
        np.array([np.nan if p.latitude is None else p.latitude for p in ordered], dtype=float)
    )
    lon = np.radians(
        np.array([np.nan if p.longitude is None else p.longitude for p in ordered], dtype=float)
    )
    unit = np.nan_to_num(
        np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)
    ).reshape(n, 3)
    seeks = _onehot(n, len(phrases), seek_ids)
    by_offers = _onehot(n, len(phrases), offer_ids)
    by_profession = _onehot(n, len(phrases), profession_ids)
    per_person = [np.flatnonzero(row) for row in seeks]
    slots = np.full((n, max((len(r) for r in per_person), default=0)), len(phrases))
    for i, found in enumerate(per_person):
        slots[i, : len(found)] = found

    def padded_t(matrix: np.ndarray) -> np.ndarray:
        return np.ascontiguousarray(np.vstack([matrix.T, np.zeros((1, n), dtype=np.float32)]))

    return Context(
        people=ordered,
        user_ids=np.array([p.user_id for p in ordered], dtype=np.int64),
        index=index,
        seek_phrases=phrases,
        seeks=seeks,
        by_offers=by_offers,
        by_profession=by_profession,
        seek_slots=slots.astype(np.int64),
        offers_t=padded_t(by_offers),
        profession_t=padded_t(by_profession),
        either_t=padded_t(np.maximum(by_offers, by_profession)),
        clients=_onehot(n, len(segments), client_ids),
        profession=np.array(
            [-1 if p.profession is None else p.profession for p in ordered], dtype=np.int64
        ),
        sphere=np.array([-1 if p.sphere is None else p.sphere for p in ordered], dtype=np.int64),
        city=city,
        lat=lat,
        lon=lon,
        unit=unit,
        levels=np.array([p.levels for p in ordered], dtype=np.int8).reshape(n, len(FIELDS)),
        groups=_bitsets(
            n, len(shared), [[shared[g] for g in gs if g in shared] for gs in groups_of]
        ),
        client_bits=_bitsets(n, len(segments), client_ids),
        connections=_pairs(links.connections, index),
        blocks=_pairs(links.blocks, index),
        dismissals=_pairs(links.dismissals, index),
        referrals=_pairs(links.referrals, index),
        deals=_pairs(links.deals, index),
        segments=list(segments),
    )


def _haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle distance in km (works on floats and numpy arrays alike, radians)."""
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))


def _distance_points(cosine: Any) -> Any:
    """Points for a great-circle distance, from the cosine of its angle (the dot product of
    two unit vectors: one matrix product for a block instead of trigonometry per pair)."""
    cosine = np.asarray(cosine)
    points = np.zeros(cosine.shape, dtype=np.int8)
    previous = 0
    # From the widest band in: each narrower band adds what it scores above the wider one.
    for limit, value in sorted(DISTANCE_BANDS, reverse=True):
        points += (cosine >= math.cos(limit / EARTH_KM)).astype(np.int8) * np.int8(value - previous)
        previous = value
    return points


def _rows_of(pairs: np.ndarray, rows: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs whose first member is one of ``rows``: (position in rows, second member)."""
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    hit = position[pairs[:, 0]] >= 0 if len(pairs) else np.zeros(0, dtype=bool)
    return position[pairs[hit, 0]], pairs[hit, 1]


def _symmetric(pairs: np.ndarray) -> np.ndarray:
    return np.concatenate([pairs, pairs[:, ::-1]]) if len(pairs) else pairs


def _sum_rows(matrix_t: np.ndarray, ctx: Context, rows: np.ndarray) -> np.ndarray:
    """Row b: the sum of ``matrix_t``'s rows for the phrases viewer ``rows[b]`` seeks — the
    product seeks[rows] @ matrix_t, as a few gathers (people seek a handful of phrases)."""
    out = np.zeros((len(rows), matrix_t.shape[1]), dtype=np.float32)
    slots = ctx.seek_slots[rows]
    padding = matrix_t.shape[0] - 1
    for k in range(slots.shape[1]):
        active = slots[:, k] != padding
        if not active.any():
            break
        out[active] += matrix_t[slots[active, k]]
    return out


def _sum_columns(mine: np.ndarray, ctx: Context) -> np.ndarray:
    """Column j: the sum of ``mine``'s columns for the phrases person j seeks — the product
    mine @ seeks.T, as one gather per slot (``mine`` has the zero padding column)."""
    out = np.zeros((mine.shape[0], len(ctx.user_ids)), dtype=np.float32)
    for k in range(ctx.seek_slots.shape[1]):
        out += mine[:, ctx.seek_slots[:, k]]
    return out


def score_rows(ctx: Context, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores of everyone for the viewers ``rows``: (scores, eligible), both (len(rows), n).

    ``eligible`` is False for pairs that may never be suggested (self, dismissed, blocked,
    connected, name hidden)."""
    n = len(ctx.user_ids)
    b = len(rows)
    reach = np.full((b, n), Reach.ANYONE, dtype=np.int8)
    shared_group = np.zeros((b, n), dtype=bool)
    for w in range(ctx.groups.shape[1]):
        shared_group |= (ctx.groups[rows, w][:, None] & ctx.groups[:, w][None, :]) != 0
    reach[shared_group] = Reach.GROUP_MEMBER
    # The owner of a connection shows the other their "my connections" fields.
    pos, owner = _rows_of(ctx.connections[:, ::-1], rows, n)
    reach[pos, owner] = Reach.CONNECTION
    reach[np.arange(b), rows] = Reach.SELF
    see = [reach >= ctx.levels[:, f][None, :] for f in range(len(FIELDS))]

    # What I seek that they offer, by their offers or their profession (counted once), each
    # only where I may see it.
    see_offers, see_profession = see[F_OFFERS], see[F_PROFESSION]
    they_offer = np.where(
        see_offers & see_profession,
        _sum_rows(ctx.either_t, ctx, rows),
        np.where(
            see_offers,
            _sum_rows(ctx.offers_t, ctx, rows),
            np.where(see_profession, _sum_rows(ctx.profession_t, ctx, rows), 0),
        ),
    )
    # What they seek that I offer (my own fields are all mine to use).
    mine = np.ascontiguousarray(ctx.either_t[:, rows].T)  # with the padding column
    i_offer = np.where(see[F_SEEKS], _sum_columns(mine, ctx), 0)
    score = (W_INTENT * (they_offer + i_offer)).astype(np.int32)

    prof, sphere = ctx.profession, ctx.sphere
    same_prof = (prof[rows][:, None] == prof[None, :]) & (prof >= 0)[None, :]
    same_sphere = (sphere[rows][:, None] == sphere[None, :]) & (sphere >= 0)[None, :]
    score += np.where(
        see_profession,
        np.where(same_prof, W_COMPETITOR, np.where(same_sphere, W_SPHERE, 0)),
        0,
    ).astype(np.int32)
    if ctx.client_bits.shape[1]:
        shared = np.zeros((b, n), dtype=np.int32)
        for w in range(ctx.client_bits.shape[1]):
            both = ctx.client_bits[rows, w][:, None] & ctx.client_bits[:, w][None, :]
            shared += np.bitwise_count(both)
        score += np.where(see[F_CLIENTS], W_CLIENT * shared, 0).astype(np.int32)

    for pairs, weight in ((ctx.referrals, W_REFERRAL), (ctx.deals, W_DEAL)):
        if len(pairs):
            pos, other = _rows_of(_symmetric(pairs), rows, n)
            history = np.bincount(pos * n + other, minlength=b * n).reshape(b, n)
            score += (weight * np.minimum(history, HISTORY_CAP)).astype(np.int32)

    has_coords = ~np.isnan(ctx.lat)
    by_coords = see[F_COORDINATES] & has_coords[rows][:, None] & has_coords[None, :]
    city = ctx.city
    same_city = (city[rows][:, None] == city[None, :]) & (city >= 0)[None, :] & see[F_LOCATION]
    u, v = ctx.unit[rows], ctx.unit
    near = _distance_points(
        u[:, 0:1] * v[None, :, 0] + u[:, 1:2] * v[None, :, 1] + u[:, 2:3] * v[None, :, 2]
    )
    score += np.where(by_coords, near, np.where(same_city, W_CITY, 0)).astype(np.int32)

    eligible = see[F_NAME]
    eligible[np.arange(b), rows] = False
    for pairs in (ctx.dismissals, ctx.connections, ctx.blocks, ctx.blocks[:, ::-1]):
        pos, other = _rows_of(pairs, rows, n)
        eligible[pos, other] = False
    return score, eligible


def top_k(score: np.ndarray, eligible: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` per row (score > 0 and eligible), best first, ties to the lower index;
    -1 (and a score of 0) pads rows with fewer."""
    b, n = score.shape
    best = np.full((b, max(k, 0)), -1, dtype=np.int64)
    best_scores = np.zeros((b, max(k, 0)), dtype=np.int64)
    kk = max(0, min(k, n))
    if kk == 0:
        return best, best_scores
    # One sortable key per pair: the score, then the lower index first.
    key = np.where(eligible & (score > 0), score * n + (n - 1 - np.arange(n))[None, :], -1)
    part = (
        np.argpartition(-key, kk - 1, axis=1)[:, :kk] if kk < n else np.tile(np.arange(n), (b, 1))
    )
    part_keys = np.take_along_axis(key, part, axis=1)
    order = np.argsort(-part_keys, axis=1, kind="stable")
    chosen = np.take_along_axis(part, order, axis=1)
    valid = np.take_along_axis(part_keys, order, axis=1) >= 0
    best[:, :kk] = np.where(valid, chosen, -1)
    best_scores[:, :kk] = np.where(valid, np.take_along_axis(score, chosen, axis=1), 0)
    return best, best_scores


def suggest(
    ctx: Context, rows: Sequence[int] | np.ndarray | None = None, *, k: int = DEFAULT_TOP
) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` suggestions for the viewers ``rows`` (indices; everyone when None):
    (candidate indices, scores), each (len(rows), k), -1 / 0 where there are fewer."""
    all_rows = np.arange(len(ctx.user_ids)) if rows is None else np.asarray(rows, dtype=np.int64)
    found: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for start in range(0, len(all_rows), BLOCK_ROWS):
        block = all_rows[start : start + BLOCK_ROWS]
        score, eligible = score_rows(ctx, block)
        best, best_scores = top_k(score, eligible, k)
        found.append(best)
        scores.append(best_scores)
    if not found:
        return np.zeros((0, k), dtype=np.int64), np.zeros((0, k), dtype=np.int64)
    return np.concatenate(found), np.concatenate(scores)


# --- One pair in plain Python, with the reason in words ----------------------------------


@dataclass
class Explanation:
    score: int = 0
    factors: dict[str, int] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)


def _reach(ctx: Context, i: int, j: int) -> int:
    if i == j:
        return Reach.SELF
    owners = ctx.connections
    if len(owners) and bool(((owners[:, 0] == j) & (owners[:, 1] == i)).any()):
        return Reach.CONNECTION
    if set(ctx.people[i].groups) & set(ctx.people[j].groups):
        return Reach.GROUP_MEMBER
    return Reach.ANYONE


def _quoted(terms: Iterable[str]) -> str:
    return ", ".join(f"“{t}”" for t in terms)


def _count(pairs: np.ndarray, i: int, j: int) -> int:
    if not len(pairs):
        return 0
    return int(
        (
            ((pairs[:, 0] == i) & (pairs[:, 1] == j)) | ((pairs[:, 0] == j) & (pairs[:, 1] == i))
        ).sum()
    )


def explain(ctx: Context, i: int, j: int) -> Explanation:
    """Why ``j`` is suggested to ``i`` (indices): the same score as ``score_rows``, factor by
    factor, and each factor in words using only what ``i`` may see of ``j``."""
    me, other = ctx.people[i], ctx.people[j]
    reach = _reach(ctx, i, j)
    see = [reach >= int(ctx.levels[j, f]) for f in range(len(FIELDS))]
    name = other.name
    out = Explanation()

    def add(factor: str, points: int, text: str = "") -> None:
        if points:
            out.factors[factor] = out.factors.get(factor, 0) + points
            out.score += points
        if text:
            out.reasons.append(text)

    def intent(found: list[int], written: Sequence[str], message: str) -> None:
        if found:
            terms = _quoted(_original(written, [ctx.seek_phrases[v] for v in found]))
            params = {"name": name, "terms": terms, "profession": other.profession_label}
            add("intents", W_INTENT * len(found), message % params)

    # What I seek that they offer: by their offers, else by their profession (counted once).
    my_seeks = [int(v) for v in np.flatnonzero(ctx.seeks[i])]
    by_offers = [v for v in my_seeks if see[F_OFFERS] and ctx.by_offers[j, v]]
    by_prof = [
        v for v in my_seeks if see[F_PROFESSION] and ctx.by_profession[j, v] and v not in by_offers
    ]
    intent(by_offers, me.seeks, _("%(name)s offers %(terms)s, which you seek"))
    intent(by_prof, me.seeks, _("%(name)s is a %(profession)s, which you seek"))
    if see[F_SEEKS]:
        # What they seek that I offer: by my profession, else by my offers.
        their_seeks = [int(v) for v in np.flatnonzero(ctx.seeks[j])]
        via_prof = [v for v in their_seeks if ctx.by_profession[i, v]]
        via_offers = [v for v in their_seeks if ctx.by_offers[i, v] and v not in via_prof]
        intent(via_prof, other.seeks, _("%(name)s seeks %(terms)s: you are one"))
        intent(via_offers, other.seeks, _("%(name)s seeks %(terms)s, which you offer"))
    if see[F_PROFESSION] and other.profession is not None:
        if other.profession == me.profession:
            add("sphere", W_COMPETITOR, _("Same profession as you"))
        elif other.sphere is not None and other.sphere == me.sphere:
            add(
                "sphere",
                W_SPHERE,
                _("%(profession)s: a different trade serving the same clients (%(sphere)s)")
                % {"profession": other.profession_label, "sphere": other.sphere_label},
            )
    if see[F_CLIENTS] and ctx.clients.shape[1]:
        common = [int(v) for v in np.flatnonzero(ctx.clients[i] * ctx.clients[j])]
        if len(common):
            labels = _original(me.clients, [ctx.segments[v] for v in common])
            add(
                "clients",
                W_CLIENT * len(common),
                ngettext(
                    "You share %(n)d client segment: %(segments)s",
                    "You share %(n)d client segments: %(segments)s",
                    len(common),
                )
                % {"n": len(common), "segments": ", ".join(labels)},
            )
    referrals, deals = _count(ctx.referrals, i, j), _count(ctx.deals, i, j)
    if referrals:
        add(
            "history",
            W_REFERRAL * min(referrals, HISTORY_CAP),
            ngettext("%(n)d referral between you", "%(n)d referrals between you", referrals)
            % {"n": referrals},
        )
    if deals:
        add(
            "history",
            W_DEAL * min(deals, HISTORY_CAP),
            ngettext("%(n)d deal closed between you", "%(n)d deals closed between you", deals)
            % {"n": deals},
        )
    coords = (
        see[F_COORDINATES]
        and me.latitude is not None
        and me.longitude is not None
        and other.latitude is not None
        and other.longitude is not None
    )
    if coords:
        km = float(_haversine_km(ctx.lat[i], ctx.lon[i], ctx.lat[j], ctx.lon[j]))
        points = int(_distance_points(float(ctx.unit[i] @ ctx.unit[j])))
        if points:
            shown = f"{km:.1f}" if km < 10 else f"{km:.0f}"
            add("distance", points, _("%(km)s km from you") % {"km": shown})
    elif (
        see[F_LOCATION]
        and me.city.strip()
        and me.city.strip().lower() == other.city.strip().lower()
    ):
        add("distance", W_CITY, _("Also in %(city)s") % {"city": other.city.strip()})
    return out


def _original(texts: Sequence[str], keys: Iterable[tuple[str, ...]]) -> list[str]:
    """The words as the person wrote them, for normalised phrases."""
    written = {phrase_key(t): t.strip() for t in texts}
    return [written.get(k, " ".join(k)) for k in keys]
