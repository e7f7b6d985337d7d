"""Benchmark: suggestions for everyone at a 5,000-attendee event, the matching engine against a
plain vectorised numpy baseline, in the same run.

Run it from the project's root (a script, not a test; no database needed):

    .venv/bin/python bench/matching.py              # 5,000 attendees, top 10 each
    .venv/bin/python bench/matching.py --people 2000 --top 5 --seed 7

It builds synthetic attendees in memory — professions in contact spheres, offers and seeks
drawn from a few hundred phrases, client segments, cities and coordinates around northern
Italy, visibility choices, shared groups, connections, blocks, "not interested" answers,
referrals and closed deals — and times:

- ``prepare``: turning the people into the engine's arrays (vocabulary, one-hot matrices);
- the **engine** (``cerchia.community.matching.suggest``): viewers in blocks of 64, intents as
  gathers over the phrases people seek, bitsets, unit vectors, ``argpartition``;
- the **baseline**: the same definition written plainly — every factor as a dense all-pairs
  float64 matrix at once, sought phrases matched against *every* phrase through a
  word-incidence product, the whole score matrix materialised, each row fully sorted.

Then it checks that both give exactly the same top suggestions (ids and scores) for everyone,
and prints the times and the ratio.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cerchia.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")

import django  # noqa: E402

django.setup()  # for gettext in the engine's reasons; no database is opened

from cerchia.accounts.privacy import Reach  # noqa: E402
from cerchia.community import matching as m  # noqa: E402
from cerchia.community.matching import FIELDS, Context, Links, Person, phrase_key  # noqa: E402

WORDS = (  # noqa: SIM905 (a word list reads best as words)
    "wedding corporate event photo video flower cake catering venue music dj print web design "
    "social media seo tax accounting legal contract export import logistics transport insurance "
    "real estate renovation plumbing electrical solar energy training coaching recruiting hr "
    "payroll it support cloud security software app marketing branding copywriting translation "
    "interior furniture kitchen restaurant hotel tourism wine food bakery fitness wellness "
    "dental medical pharmacy beauty hair fashion jewellery retail ecommerce packaging "
    "automotive repair cleaning gardening architecture engineering survey finance loan "
    "investment mortgage bank crowdfunding grant startup consulting strategy sales lead "
    "b2b b2c community school childcare elderly care pet veterinary sport bike drone"
).split()
CITIES = [f"City {n}" for n in range(40)]


def synthetic(n: int, seed: int) -> tuple[list[Person], Links]:
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    phrases = sorted({" ".join(rng.sample(WORDS, rng.choice([1, 1, 2, 2, 3]))) for _ in range(600)})
    segments = [f"segment {w}" for w in rng.sample(WORDS, 60)]
    professions = {p: (f"profession {p}", f"professione {p}") for p in range(120)}
    sphere_of = {p: p % 20 for p in professions}
    ids = rng.sample(range(1, 20 * n), n)
    people = []
    for uid in ids:
        prof = rng.choice([None, *professions]) if rng.random() < 0.95 else None
        placed = rng.random() < 0.8
        people.append(
            Person(
                user_id=uid,
                name=f"Attendee {uid}",
                profession=prof,
                profession_label=professions[prof][0] if prof is not None else "",
                profession_names=professions[prof] if prof is not None else (),
                sphere=sphere_of[prof] if prof is not None else None,
                offers=tuple(rng.sample(phrases, rng.randint(0, 5))),
                seeks=tuple(rng.sample(phrases, rng.randint(0, 4))),
                clients=tuple(rng.sample(segments, rng.randint(0, 4))),
                city=rng.choice(CITIES),
                latitude=44.0 + rng.random() * 2.0 if placed else None,
                longitude=9.0 + rng.random() * 3.0 if placed else None,
                # Mostly the privacy-first defaults; some open up or hide more.
                levels=tuple(
                    rng.choice([0, 1, 1, 1, 2, 3]) if f != "coordinates" else rng.choice([0, 3])
                    for f in FIELDS
                ),
                groups=tuple(rng.sample(range(30), rng.randint(1, 3))),
            )
        )

    def pairs(count: int) -> list[tuple[int, int]]:
        return [(a, b) for a, b in (rng.sample(ids, 2) for _ in range(count))]

    links = Links(
        connections=pairs(3 * n),
        blocks=pairs(n // 10),
        dismissals=pairs(n),
        referrals=pairs(4 * n),
        deals=pairs(n),
    )
    return people, links


def baseline(ctx: Context, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The same scores, computed plainly: dense all-pairs float64 matrices, then full sorts."""
    people = ctx.people
    n = len(people)
    # Every phrase anyone offers, seeks or has as a profession, as word-incidence rows.
    all_phrases: dict[tuple[str, ...], int] = {}
    for p in people:
        for text in (*p.offers, *p.seeks, *p.profession_names):
            key = phrase_key(text)
            if key:
                all_phrases.setdefault(key, len(all_phrases))
    words: dict[str, int] = {}
    for key in all_phrases:
        for w in key:
            words.setdefault(w, len(words))
    incidence = np.zeros((len(all_phrases), len(words)))
    for key, row in all_phrases.items():
        for w in set(key):
            incidence[row, words[w]] = 1
    lengths = incidence.sum(axis=1)
    # covers[o, s]: offered phrase o contains every word of phrase s.
    covers = (incidence @ incidence.T) == lengths[None, :]

    def onehot(lists: list[tuple[str, ...]]) -> np.ndarray:
        out = np.zeros((n, len(all_phrases)))
        for i, texts in enumerate(lists):
            for t in texts:
                key = phrase_key(t)
                if key:
                    out[i, all_phrases[key]] = 1
        return out

    seeks = onehot([p.seeks for p in people])
    by_offers = (onehot([p.offers for p in people]) @ covers) > 0
    by_prof = (onehot([p.profession_names for p in people]) @ covers) > 0

    groups = np.zeros((n, 30))
    for i, p in enumerate(people):
        groups[i, list(p.groups)] = 1
    reach = np.where(groups @ groups.T > 0, Reach.GROUP_MEMBER, Reach.ANYONE)
    conn = ctx.connections
    reach[conn[:, 1], conn[:, 0]] = Reach.CONNECTION
    np.fill_diagonal(reach, Reach.SELF)
    see = [reach >= ctx.levels[:, f][None, :] for f in range(len(FIELDS))]

    a1 = seeks @ by_offers.T
    a2 = seeks @ by_prof.T
    a12 = seeks @ (by_offers & by_prof).T
    they = (
        see[m.F_OFFERS] * a1
        + see[m.F_PROFESSION] * a2
        - (see[m.F_OFFERS] & see[m.F_PROFESSION]) * a12
    )
    mine = (by_offers | by_prof).astype(float)
    score = m.W_INTENT * (they + see[m.F_SEEKS] * (mine @ seeks.T))
    prof, sphere = ctx.profession, ctx.sphere
    same_prof = (prof[:, None] == prof[None, :]) & (prof >= 0)[None, :]
    same_sphere = (sphere[:, None] == sphere[None, :]) & (sphere >= 0)[None, :]
    score += see[m.F_PROFESSION] * (
        m.W_SPHERE * (same_sphere & ~same_prof) + m.W_COMPETITOR * same_prof
    )
    clients = np.zeros((n, len(ctx.segments)))
    seg = {key: col for col, key in enumerate(ctx.segments)}
    for i, p in enumerate(people):
        for t in p.clients:
            clients[i, seg[phrase_key(t)]] = 1
    score += see[m.F_CLIENTS] * m.W_CLIENT * (clients @ clients.T)
    for pairs, weight in ((ctx.referrals, m.W_REFERRAL), (ctx.deals, m.W_DEAL)):
        history = np.zeros((n, n))
        np.add.at(history, (pairs[:, 0], pairs[:, 1]), 1)
        history += history.T
        score += weight * np.minimum(history, m.HISTORY_CAP)
    lat, lon = ctx.lat, ctx.lon
    has = ~np.isnan(lat)
    with np.errstate(invalid="ignore"):
        km = m._haversine_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    by_coords = see[m.F_COORDINATES] & has[:, None] & has[None, :]
    band = np.zeros((n, n))
    for limit, points in reversed(m.DISTANCE_BANDS):
        band = np.where(km <= limit, points, band)
    same_city = (ctx.city[:, None] == ctx.city[None, :]) & (ctx.city >= 0)[None, :]
    score += np.where(by_coords, band, np.where(same_city & see[m.F_LOCATION], m.W_CITY, 0))

    ok = see[m.F_NAME] & (score > 0)
    np.fill_diagonal(ok, False)
    for pairs in (ctx.dismissals, ctx.connections, ctx.blocks, ctx.blocks[:, ::-1]):
        ok[pairs[:, 0], pairs[:, 1]] = False
    # Full sort of every row: score descending, then the lower index.
    order = np.lexsort((np.broadcast_to(np.arange(n), (n, n)), -np.where(ok, score, -1)), axis=1)
    best = order[:, :k]
    chosen_ok = np.take_along_axis(ok, best, axis=1)
    scores = np.take_along_axis(score, best, axis=1).round().astype(np.int64)
    return np.where(chosen_ok, best, -1), np.where(chosen_ok, scores, 0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--seed", type=int, default=20261128)
    args = parser.parse_args()

    people, links = synthetic(args.people, args.seed)
    started = time.perf_counter()
    ctx = m.prepare(people, links)
    prepared = time.perf_counter() - started

    started, cpu = time.perf_counter(), time.process_time()
    found, scores = m.suggest(ctx, None, k=args.top)
    engine, engine_cpu = time.perf_counter() - started, time.process_time() - cpu

    started, cpu = time.perf_counter(), time.process_time()
    base_found, base_scores = baseline(ctx, args.top)
    plain, plain_cpu = time.perf_counter() - started, time.process_time() - cpu

    same = bool((found == base_found).all() and (scores == base_scores).all())
    suggested = int((found >= 0).sum())
    started = time.perf_counter()
    reasons = [m.explain(ctx, 0, int(j)).reasons for j in found[0] if j >= 0]
    explained = time.perf_counter() - started

    print(f"attendees: {args.people}, top {args.top} each, {len(ctx.seek_phrases)} sought phrases")
    print(f"suggestions made: {suggested} ({suggested / max(args.people, 1):.1f} per attendee)")
    print(f"prepare (arrays):       {prepared:7.3f} s")
    # CPU time too: on a shared machine the wall clock also counts other people's work.
    print(f"engine, everyone:       {engine:7.3f} s  (CPU {engine_cpu:.3f} s)")
    print(f"baseline, everyone:     {plain:7.3f} s  (CPU {plain_cpu:.3f} s)")
    print(f"ratio baseline/engine:  {plain / engine:7.1f}x  (CPU {plain_cpu / engine_cpu:.1f}x)")
    print(
        f"reasons for one person: {explained * 1000:7.1f} ms  e.g. {reasons[0] if reasons else []}"
    )
    print(f"same top suggestions:   {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
