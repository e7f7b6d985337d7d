"""A chapter's half year, fact by fact, for the traffic-light tests — and the two backends
(the ledger's own tables, the monthly rollup) agreeing on it."""

from __future__ import annotations

import datetime
import itertools
from zoneinfo import ZoneInfo

import pytest

from cerchia.accounts.models import User
from cerchia.conftest import Cast, add_member, make_user
from cerchia.groups.models import Group
from cerchia.insights.lights import (
    Counts,
    chapter_lights,
    group_counts,
    organisation_lights,
    rollup_counts,
    window_for,
)
from cerchia.insights.services import set_scoring_rules
from cerchia.ledger import rollups
from cerchia.ledger.models import ClosedBusiness, Credit, OneToOne, Referral
from cerchia.meetings.models import Attendance, Meeting, Registration, Visitor

ROME = ZoneInfo("Europe/Rome")
TODAY = datetime.date(2026, 3, 10)  # a Tuesday
_serial = itertools.count()


def at_rome(day: datetime.date, hour: int = 7, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


def meeting(group: Group, day: datetime.date, hour: int = 7, minute: int = 0) -> Meeting:
    start = at_rome(day, hour, minute)
    return Meeting.objects.create(
        group=group,
        kind="chapter_meeting",
        title="Weekly breakfast",
        starts_at=start,
        ends_at=start + datetime.timedelta(minutes=90),
    )


def mark(meeting: Meeting, user: User, status: str) -> None:
    Attendance.objects.create(meeting=meeting, user=user, status=status)


def referrals(
    giver: User, receiver: User, group: Group | None, day: datetime.date, n: int = 1
) -> None:
    Referral.objects.bulk_create(
        [
            Referral(
                giver=giver,
                receiver=receiver,
                group=group,
                prospect_name=f"Prospect {next(_serial)}",
                given_on=day,
            )
            for _i in range(n)
        ]
    )


def closed(
    receiver: User,
    giver: User,
    group: Group,
    day: datetime.date,
    amount_minor: int,
    currency: str = "EUR",
) -> None:
    ClosedBusiness.objects.create(
        receiver=receiver,
        giver=giver,
        group=group,
        amount_minor=amount_minor,
        currency=currency,
        closed_on=day,
    )


def held(a: User, b: User, group: Group, day: datetime.date) -> None:
    OneToOne.objects.create(proposer=a, partner=b, group=group, status="held", held_on=day)


def credit(user: User, group: Group, kind: str, day: datetime.date, n: int = 1) -> None:
    for _i in range(n):
        Credit.objects.create(user=user, group=group, kind=kind, title="A book", earned_on=day)


def visit(meeting: Meeting, inviter: User) -> None:
    """A visitor ``inviter`` brought, checked in at ``meeting``."""
    number = next(_serial)
    visitor = Visitor.objects.create(
        group=meeting.group, name=f"Visitor {number}", email=f"v{number}@example.org"
    )
    Registration.objects.create(
        meeting=meeting,
        visitor=visitor,
        registered_by=inviter,
        name=visitor.name,
        audience="visitor",
        status="registered",
        checked_in_at=meeting.starts_at,
    )


def member(group: Group, email: str, name: str, joined: datetime.datetime | None = None) -> User:
    user = make_user(email, name)
    membership = add_member(group, user)
    if joined is not None:
        membership.joined_at = joined
        membership.save(update_fields=["joined_at"])
    return user


def days_back(n: int) -> datetime.date:
    return TODAY - datetime.timedelta(days=n)


def build_chapter(cast: Cast) -> dict[str, User]:
    """Chapter One over the 26 weeks to 10 March 2026 (UK 2012 table unless told):

    * Greta (green, 100): no absence, 32 referrals, 13 visitors, €5,000 closed, 2
      testimonials, never late, 3 education units;
    * Mia (red, 35): no absence, 13 referrals (0.5 a week), never late, 2 education units,
      everything within the last five months; two substitutes;
    * Leo (the president): quiet for five months, busy in the last 30 days;
    * Ugo (grey): three absences, late twice, nothing else."""
    group, leader = cast.group, cast.leader
    greta = member(group, "greta@example.org", "Greta Green")
    ugo = member(group, "ugo@example.org", "Ugo Grey")
    mia = cast.member
    meetings = [meeting(group, days_back(7 * week)) for week in range(1, 26)]
    for m in meetings:
        for person in (greta, leader):
            mark(m, person, "present")
    for i, m in enumerate(meetings):
        mark(m, mia, "substitute" if i in (2, 5) else "present")
        mark(m, ugo, "absent" if i in (3, 6, 9) else ("late" if i in (1, 2) else "present"))
    # Greta: every factor at the top band.
    for week in range(26):
        referrals(greta, leader, group, days_back(7 * week), n=2 if week < 6 else 1)
    for i in range(13):
        visit(meetings[i], greta)
    closed(greta, leader, group, days_back(40), 500_000)
    credit(greta, group, "testimonial", days_back(20), n=2)
    credit(greta, group, "education", days_back(50), n=3)
    # Mia: inside the last five months, so nothing leaves the window by the month's end.
    for week in range(13):
        referrals(mia, greta, group, days_back(7 * week + 3))
    credit(mia, group, "education", days_back(30), n=2)
    # Leo: the last 30 days only.
    referrals(leader, greta, group, days_back(2), n=8)
    credit(leader, group, "education", days_back(3))
    return {"greta": greta, "mia": mia, "leo": leader, "ugo": ugo}


pytestmark = pytest.mark.django_db


def test_scores_colours_and_points_from_the_ledger(cast: Cast) -> None:
    people = build_chapter(cast)
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    assert (lights.window.start, lights.window.end) == (datetime.date(2025, 9, 10), TODAY)
    by = {name: lights.member(user.pk) for name, user in people.items()}
    greta, mia, leo, ugo = by["greta"], by["mia"], by["leo"], by["ugo"]
    assert greta and mia and leo and ugo
    assert (greta.score, greta.colour) == (100, "green")
    assert greta.measures.counts.referrals == 32
    assert (mia.score, mia.colour) == (35, "red")
    assert mia.points == {
        "absences": 15,
        "referrals": 5,
        "visitors": 0,
        "closed_business": 0,
        "testimonials": 0,
        "on_time": 5,
        "education": 10,
    }
    assert (ugo.measures.counts.absent, ugo.measures.counts.late) == (3, 2)
    assert (ugo.score, ugo.colour) == (0, "grey")
    # The organisation's owner administers the chapter too; they joined (today, for real)
    # after this window: nothing to score yet.
    owner = lights.member(cast.owner.pk)
    assert owner is not None and owner.measures.days <= 0
    assert (owner.score, owner.colour, owner.path) == (None, None, None)
    assert lights.colour_counts == {"green": 1, "amber": 0, "red": 1, "grey": 2, "unscored": 1}


def test_substitutes_are_not_absences_unless_the_rules_say_so(cast: Cast) -> None:
    people = build_chapter(cast)
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    mia = lights.member(people["mia"].pk)
    assert mia is not None
    assert mia.measures.counts.substituted == 2
    assert mia.points["absences"] == 15

    set_scoring_rules(
        cast.organisation,
        actor=cast.owner,
        preset="uk_2012",
        overrides={"substitutes_count_as_absence": True},
    )
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    mia = lights.member(people["mia"].pk)
    assert mia is not None
    assert mia.points["absences"] == 5  # two absences
    assert mia.score == 25


def test_the_30_day_trend_shows_recent_pace(cast: Cast) -> None:
    people = build_chapter(cast)
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    leo = lights.member(people["leo"].pk)
    assert leo is not None
    # 8 referrals: 0.31 a week over 26 weeks, 1.87 a week over the last 30 days.
    assert leo.points["referrals"] == 0
    assert leo.trend_points["referrals"] == 20
    # One education unit: 5 points over the window; at that pace (×182/30) six: 15.
    assert (leo.points["education"], leo.trend_points["education"]) == (5, 15)
    assert leo.trend_score is not None and leo.score is not None
    assert leo.trend_score > leo.score
    assert (leo.trend.days, leo.trend.counts.referrals) == (30, 8)


def test_the_path_to_the_next_colour_is_the_fewest_actions(cast: Cast) -> None:
    people = build_chapter(cast)
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    mia = lights.member(people["mia"].pk)
    assert mia is not None and mia.path is not None
    path = mia.path
    assert (path.colour, path.cutoff, path.by) == ("amber", 50, datetime.date(2026, 3, 31))
    assert path.reachable
    # +15 points: two testimonials (+10) and one education unit (+5) — three actions.
    assert sorted((a.code, a.amount) for a in path.actions) == [
        ("education", 1),
        ("testimonials", 2),
    ]
    assert path.score_with >= 50
    assert any("No absences" in c for c in path.conditions)
    green = lights.member(people["greta"].pk)
    assert green is not None and green.path is None


def _perform(cast: Cast, user: User, code: str, amount: int, day: datetime.date) -> None:
    group = cast.group
    if code == "referrals":
        referrals(user, cast.leader if user != cast.leader else cast.member, group, day, amount)
    elif code in ("education", "testimonials"):
        credit(user, group, "education" if code == "education" else "testimonial", day, amount)
    elif code == "visitors":
        m = meeting(group, day, hour=12)
        for _i in range(amount):
            visit(m, user)
    elif code == "one_to_ones":
        for _i in range(amount):
            held(user, cast.leader if user != cast.leader else cast.member, group, day)
    elif code == "closed_business":
        closed(user, cast.leader if user != cast.leader else cast.member, group, day, amount)


@pytest.mark.parametrize("window", ["rolling", "previous"])
def test_doing_the_path_reaches_the_colour(cast: Cast, window: str) -> None:
    people = build_chapter(cast)
    set_scoring_rules(
        cast.organisation, actor=cast.owner, preset="uk_2012", overrides={"window": window}
    )
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    checked = 0
    for light in lights.members:
        path = light.path
        if path is None or not path.reachable:
            continue
        for action in path.actions:
            _perform(
                cast,
                next(u for u in people.values() if u.pk == light.user_id),
                action.code,
                action.amount,
                TODAY,
            )
        checked += 1
    assert checked >= 2
    # The next score that counts everything done by the month's end.
    issued = path_issue = (
        datetime.date(2026, 3, 31) if window == "rolling" else datetime.date(2026, 4, 1)
    )
    after = chapter_lights(cast.group, issued)
    assert after is not None and path_issue
    for light in lights.members:
        if light.path is None or not light.path.reachable:
            continue
        now = after.member(light.user_id)
        assert now is not None
        assert now.score is not None and now.score >= light.path.cutoff, light.name


def test_the_two_backends_agree_on_a_month_aligned_window(cast: Cast) -> None:
    """The same facts read from the ledger's tables (day-exact) and from the monthly rollup
    give the same counts; the organisation view, scoring in SQL from the rollup, gives the
    chapter page's colours and average to the bit."""
    people = build_chapter(cast)
    group, leader, mia = cast.group, cast.leader, cast.member
    # Edges: a meeting just after midnight on 1 March in Rome (still 28 February in UTC) and
    # one on 1 September (31 August in UTC); closed business in another currency; a referral
    # outside the group; a proposed one-to-one.
    late_night = meeting(group, datetime.date(2026, 3, 1), hour=0, minute=30)
    mark(late_night, mia, "absent")
    visit(late_night, mia)
    first = meeting(group, datetime.date(2025, 9, 1), hour=0, minute=30)
    mark(first, mia, "absent")
    mark(first, people["ugo"], "medical")
    closed(mia, leader, group, datetime.date(2026, 2, 28), 90_000)
    closed(mia, leader, group, datetime.date(2026, 2, 28), 70_000, currency="CHF")
    referrals(mia, leader, None, datetime.date(2026, 1, 5), n=4)
    OneToOne.objects.create(proposer=mia, partner=leader, group=group, status="proposed")
    held(mia, leader, group, datetime.date(2025, 10, 1))
    held(leader, mia, group, datetime.date(2025, 8, 31))  # before the window
    # Nina joined at 00:30 on 16 December in Rome (15 December in UTC): 75 countable days.
    # 13 referrals: 91/75 ≥ 1.2 a week (20 points); counted from the UTC day, 91/76 < 1.2.
    nina = member(
        group, "nina@example.org", "Nina New", joined=at_rome(datetime.date(2025, 12, 16), 0, 30)
    )
    referrals(nina, leader, group, datetime.date(2026, 1, 20), n=13)
    # Ivo joins this month: nothing to score over the previous months.
    member(group, "ivo@example.org", "Ivo Fresh", joined=at_rome(datetime.date(2026, 3, 2)))
    rollups.rebuild()

    window = window_for("previous", TODAY)
    assert (window.start, window.end) == (datetime.date(2025, 9, 1), datetime.date(2026, 2, 28))
    (from_ledger,) = group_counts(group, [window])
    from_rollup = {uid: c for (gid, uid), c in rollup_counts([group.pk], window).items()}
    nonzero = {uid: c for uid, c in from_ledger.items() if c != Counts()}
    assert nonzero == {uid: c for uid, c in from_rollup.items() if c != Counts()}
    assert from_ledger[mia.pk].absent == 1  # 1 September, not 1 March
    assert from_ledger[mia.pk].closed_minor == 90_000  # not the CHF
    assert from_ledger[mia.pk].referrals == 12  # not 7 March, nor those outside the group
    assert from_ledger[mia.pk].one_to_ones == 1
    assert from_ledger[people["ugo"].pk].absent == 3  # medical leave is no absence

    set_scoring_rules(
        cast.organisation, actor=cast.owner, preset="uk_2012", overrides={"window": "previous"}
    )
    lights = chapter_lights(group, TODAY)
    assert lights is not None
    nina_light = lights.member(nina.pk)
    assert nina_light is not None
    assert (nina_light.measures.days, nina_light.points["referrals"]) == (75, 20)
    (row,) = organisation_lights(cast.organisation, TODAY)
    assert row.group_id == group.pk
    assert row.colours == lights.colour_counts
    assert row.colours["unscored"] == 2  # Ivo, and the owner who joined for real today
    assert row.average_score == pytest.approx(lights.average_score, abs=1e-9)
    assert row.size == len(lights.members)


@pytest.mark.parametrize("preset", ["india", "hong_kong", "us_power_of_one"])
def test_sql_scoring_matches_python_for_every_preset(cast: Cast, preset: str) -> None:
    build_chapter(cast)
    rollups.rebuild()
    set_scoring_rules(
        cast.organisation, actor=cast.owner, preset=preset, overrides={"window": "previous"}
    )
    lights = chapter_lights(cast.group, TODAY)
    assert lights is not None
    (row,) = organisation_lights(cast.organisation, TODAY)
    assert row.colours == lights.colour_counts
    assert row.average_score == pytest.approx(lights.average_score, abs=1e-9)
