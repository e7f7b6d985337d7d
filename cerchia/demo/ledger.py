"""The demo's ledger: a year of referrals, closed business, one-to-ones, connections with their
follow-ups and the money and hours people put in — in both chapters, the chamber, the
association, the event network, the online community and everyone's informal network.

Maria's year (maria@demo.cerchia.org, wedding photographer), the story the insights tell:

- Her chapter (Referral Emilia – Bologna Centro) is where her business comes from: 30
  referrals received, well over a dozen weddings closed for some 45,000 € — about 70% of her
  closed business — for about 1,000 € a year (dues, parking, coffees) and some 120 hours (the
  weekly breakfast meeting, from attendance, and her pitch): close to 400 € of business an hour.
  She holds a one-to-one every three weeks and gives back nearly as many referrals (26) as she
  receives.
- The chamber costs her more than it brings: a year of dues (450 €) for one 350 € engagement
  shoot and two slips that went nowhere. She skipped the members' mixer.
- The trade show (the event network) cost a shared stand, flyers, a ticket and two days of work
  (750 € and 18 hours): two dozen people met, three followed up, the rest gone cold. The one she
  called back at once passed her a 2,300 € wedding. The online community takes two hours a week
  (96 hours a year) for a few connections and one slip, lost.
- Her informal network passes her little, but big: three referrals, two closed — a corporate
  gala (8,500 €) and a destination wedding (6,200 €) — the most per referral of anything she
  does, for no money and no hours.
- In the association she trades overflow with colleagues (dates she is already booked) and
  meets Giulia, her mentor.
(The figures are those of the day this was written: the year is always the twelve months before
the demo is built, so the chance parts vary a little from day to day; the tests hold the story.)

Like dues and meetings, the year is written straight into the tables (the services would send a
notice and an audit entry for every fact) by the services' rules: giver ≠ receiver, both active
members of the group that day, temperatures 1–5, amounts > 0, follow-ups due after the group's
window and completed by any later interaction between the two people, held one-to-ones with
their day. First the event network's and the community's members get join dates before the
year (the groups builder gives them "now"), past events' tickets are paid and Maria is checked
in at the trade show; then ``automatic.backfill`` adds the automatic investments, and at the
end the rollup is rebuilt from the ledger, so it matches the ledger exactly.
"""

from __future__ import annotations

import datetime
import math
import random
from collections import defaultdict
from collections.abc import Container, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection as db
from django.utils import timezone

from cerchia.accounts.models import Profile, User
from cerchia.demo.insights import build_credits, build_maria_profile
from cerchia.dues.models import add_months
from cerchia.groups.models import Group, Membership
from cerchia.ledger import automatic, rollups
from cerchia.ledger.models import (
    ClosedBusiness,
    Connection,
    Investment,
    OneToOne,
    Referral,
    ReferralStep,
    WeekClose,
)
from cerchia.ledger.services import follow_up_days, week_start
from cerchia.meetings.models import Attendance, Meeting, Registration

Day = datetime.date

# Prospects and outsiders: names unlike the members', so nobody mistakes one for the other.
PROSPECT_FIRST = [
    "Alberto",
    "Arianna",
    "Camilla",
    "Carlo",
    "Cristina",
    "Daniele",
    "Emanuele",
    "Fabio",
    "Greta",
    "Irene",
    "Leonardo",
    "Luisa",
    "Manuela",
    "Mattia",
    "Noemi",
    "Pietro",
    "Rebecca",
    "Sofia",
    "Teresa",
    "Umberto",
]
PROSPECT_LAST = [
    "Amadori",
    "Baldini",
    "Cantelli",
    "Donati",
    "Esposito",
    "Ferraresi",
    "Guidi",
    "Lenzi",
    "Mancini",
    "Nanni",
    "Pasini",
    "Querzoli",
    "Rizzoli",
    "Sgarbi",
    "Tosi",
    "Uguzzoni",
    "Vecchi",
    "Zucchini",
]
COMPANY_FORMS = ["Srl", "Snc", "Costruzioni", "Immobiliare", "Group", "& Figli", "Studio"]
# What a deal is worth to a receiver, by contact sphere (euros, from–to).
DEAL_RANGE = {
    "weddings_events": (900, 4500),
    "real_estate_home": (1500, 25000),
    "business_services": (800, 12000),
    "finance_insurance": (300, 6000),
    "legal": (500, 8000),
    "health_wellness": (300, 2500),
    "marketing_creative": (600, 9000),
    "technology": (1200, 25000),
    "hospitality_food": (300, 6000),
    "trades_construction": (800, 25000),
    "automotive": (500, 25000),
    "retail": (300, 3000),
    "education_training": (300, 6000),
    "personal_services_beauty": (300, 2000),
    "logistics_manufacturing": (1500, 25000),
}
DEFAULT_RANGE = (300, 8000)
LOST_EARLY = [
    "Never answered the calls",
    "Already had a supplier",
    "Not the right moment for them",
    "Outside my service area",
]
LOST_LATE = [
    "Went with a cheaper quote",
    "Budget too small for what they needed",
    "Project postponed to next year",
    "Chose someone they already knew",
]
NOTES = [
    "Expecting your call this week.",
    "Mentioned you at dinner: call in the morning.",
    "Needs a quote before the end of the month.",
    "Old client of mine, very loyal.",
    "Met at the padel club, talk to the owner directly.",
    "",
    "",
]
WEDDING_NOTES = [
    "Getting married in June, they love a reportage style.",
    "Wedding in the hills near Sasso Marconi, 120 guests.",
    "Small civil ceremony in Palazzo d'Accursio, then lunch.",
    "They saw your album at my shop and want to meet.",
]
PLACES = [
    "Caffè Zamboni",
    "Caffè Terzi",
    "At my office",
    "At their office",
    "Video call",
    "Bar Pasticceria Gamberini",
]
ONE_TO_ONE_NOTES = [
    "Talked about our ideal clients and who introduces them.",
    "Swapped the names of three clients each could help.",
    "Walked through each other's services; agreed to meet monthly.",
    "Planned a joint offer for spring.",
    "",
]

# Weekly chance that a member passes a referral, per kind of group (× their generosity).
RATE = {
    "lead_group": 0.55,
    "chamber": 0.02,
    "association": 0.05,
    "event_network": 0.006,
    "online_community": 0.012,
}
REFERRAL_KINDS = {  # inside, outside, overflow weights
    "lead_group": (30, 65, 5),
    "chamber": (35, 60, 5),
    "association": (15, 35, 50),
    "event_network": (30, 70, 0),
    "online_community": (30, 70, 0),
    "informal": (40, 60, 0),
}
CONFIDENTIAL = {"association": 0.2}
MARIA_SPHERES = {"weddings_events": 6, "hospitality_food": 3, "personal_services_beauty": 3}
# Maria's weddings from her chapter (euros): the heart of her year.
MARIA_CHAPTER_DEALS = [1800, 2400, 2900, 3200, 1500, 2750, 3600, 2100, 2600, 4200, 1950, 3100]


@dataclass(frozen=True)
class Person:
    name: str
    company: str
    sphere: str


@dataclass
class Slip:
    """A referral with its pipeline history and the closed business it led to."""

    referral: Referral
    steps: list[tuple[str, Day, int]]  # status, day, by whom
    deals: list[ClosedBusiness] = field(default_factory=list)


def _days(count: int) -> datetime.timedelta:
    return datetime.timedelta(days=count)


def _at(day: Day, rng: random.Random, zone: ZoneInfo) -> datetime.datetime:
    """A plausible moment of ``day`` (office hours, the group's zone)."""
    return datetime.datetime(
        day.year, day.month, day.day, rng.randint(8, 19), rng.randint(0, 59), tzinfo=zone
    )


class _Year:
    """The people, who was a member of what when, and the facts written so far."""

    def __init__(self, groups: Sequence[Group], rng: random.Random) -> None:
        self.rng = rng
        self.today = timezone.localdate()
        self.start = self.today - _days(365)
        self.zone = ZoneInfo(groups[0].time_zone)
        self.people = {
            p.user_id: Person(
                p.display_name, p.company, p.profession.sphere.code if p.profession else ""
            )
            for p in Profile.objects.select_related("profession__sphere")
        }
        # group → user → first and last day as an active member (within the year).
        self.windows: dict[int, dict[int, tuple[Day, Day]]] = defaultdict(dict)
        memberships = Membership.objects.filter(
            group__in=groups,
            status__in=[Membership.Status.ACTIVE, Membership.Status.LEFT],
            joined_at__isnull=False,
        )
        for m in memberships:
            assert m.joined_at is not None
            first = max(timezone.localdate(m.joined_at), self.start)
            last = timezone.localdate(m.left_at) - _days(1) if m.left_at else self.today
            if first <= last:
                self.windows[m.group_id][m.user_id] = (first, last)
        self.slips: list[Slip] = []
        self.thanks: list[ClosedBusiness] = []
        self.one_to_ones: list[tuple[OneToOne, Day]] = []
        self.connections: list[Connection] = []
        self.investments: list[Investment] = []
        self.prospects = 0

    # --- who, when ------------------------------------------------------------------------

    def active(self, group: Group, day: Day, *, without: Container[int] = ()) -> list[int]:
        return [
            user_id
            for user_id, (first, last) in self.windows[group.pk].items()
            if first <= day <= last and user_id not in without
        ]

    def member_on(self, group: Group | None, user_id: int, day: Day) -> bool:
        if group is None:
            return True
        first, last = self.windows[group.pk].get(user_id, (self.today, self.start))
        return first <= day <= last

    def days_of(self, group: Group, user_id: int) -> list[Day]:
        first, last = self.windows[group.pk].get(user_id, (self.today, self.start))
        return [first + _days(n) for n in range((last - first).days + 1)]

    def sphere(self, user_id: int) -> str:
        return self.people[user_id].sphere if user_id in self.people else ""

    def later(self, day: Day, low: int, high: int) -> Day:
        return min(day + _days(self.rng.randint(low, high)), self.today)

    # --- made-up outsiders ----------------------------------------------------------------

    def prospect(self, receiver_sphere: str) -> dict[str, str]:
        rng = self.rng
        self.prospects += 1
        first, last = rng.choice(PROSPECT_FIRST), rng.choice(PROSPECT_LAST)
        email = f"{first}.{last}{self.prospects}@example.it".lower()
        if receiver_sphere == "weddings_events":
            partner = rng.choice([n for n in PROSPECT_FIRST if n != first])
            name, company = f"{first} {last} & {partner}", ""
            notes = rng.choice(WEDDING_NOTES)
        else:
            name = f"{first} {last}"
            company = f"{last} {rng.choice(COMPANY_FORMS)}"
            notes = rng.choice(NOTES)
        return {
            "prospect_name": name,
            "prospect_company": company,
            "prospect_email": email,
            # Unique, like the email: the privacy tests look for them.
            "prospect_phone": f"+39 3{rng.randint(20, 49)} {self.prospects:07d}",
            "notes": notes,
        }

    def outsider(self) -> tuple[str, str]:
        first, last = self.rng.choice(PROSPECT_FIRST), self.rng.choice(PROSPECT_LAST)
        return f"{first} {last}", f"{first}.{last}@example.net".lower()

    def amount(self, receiver_id: int) -> int:
        low, high = DEAL_RANGE.get(self.sphere(receiver_id), DEFAULT_RANGE)
        euros = math.exp(self.rng.uniform(math.log(low), math.log(high)))
        return int(round(euros, -1)) * 100

    # --- referrals ------------------------------------------------------------------------

    def refer(
        self,
        group: Group | None,
        giver: int,
        day: Day,
        *,
        receiver: int | None = None,
        kind: str = "",
        temperature: int = 0,
        confidential: bool = False,
        outcome: str = "",
        amount: int = 0,
        lost_reason: str = "",
    ) -> Slip:
        """A referral given on ``day``, carried along the pipeline as far as its age and
        temperature allow (or to ``outcome``); a won one usually gets its closed business."""
        rng = self.rng
        group_kind = group.kind if group is not None else "informal"
        if not kind:
            kind = rng.choices(
                [Referral.Kind.INSIDE, Referral.Kind.OUTSIDE, Referral.Kind.OVERFLOW],
                REFERRAL_KINDS[group_kind],
            )[0]
        temperature = temperature or rng.choices([1, 2, 3, 4, 5], [8, 20, 32, 25, 15])[0]
        details = self.prospect(self.sphere(receiver) if receiver is not None else "")
        receiver_name = receiver_email = ""
        if receiver is None:
            receiver_name, receiver_email = self.outsider()
        referral = Referral(
            group=group,
            giver_id=giver,
            receiver_id=receiver,
            receiver_name=receiver_name,
            receiver_email=receiver_email,
            kind=kind,
            temperature=temperature,
            confidential=confidential,
            given_on=day,
            **details,
        )
        mover = receiver if receiver is not None else giver
        path = self._path(day, temperature, outcome)
        steps = [(Referral.Status.GIVEN.value, day, giver)]
        steps += [(status, when, mover) for status, when in path]
        referral.status = steps[-1][0]
        if referral.status == Referral.Status.LOST:
            late = len(steps) > 3
            referral.lost_reason = lost_reason or rng.choice(LOST_LATE if late else LOST_EARLY)
        slip = Slip(referral, steps)
        won = referral.status == Referral.Status.WON and receiver is not None
        if won and (amount or rng.random() < 0.85):
            assert receiver is not None
            won_on = steps[-1][1]
            slip.deals.append(self.deal(slip, amount or self.amount(receiver), won_on))
            again = won_on + _days(rng.randint(60, 150))
            if not amount and rng.random() < 0.1 and again <= self.today:
                repeat = self.deal(slip, self.amount(receiver), again)
                repeat.kind = ClosedBusiness.Kind.REPEAT
                slip.deals.append(repeat)
        self.slips.append(slip)
        return slip

    def _path(self, day: Day, temperature: int, outcome: str) -> list[tuple[str, Day]]:
        """The steps after "given": forced to ``outcome`` or left to chance."""
        rng = self.rng
        path: list[tuple[str, Day]] = []
        for status in ("contacted", "meeting", "proposal"):
            if outcome and outcome not in ("won", "lost") and path and path[-1][0] == outcome:
                return path
            if outcome == "lost" and status == "proposal" and rng.random() < 0.5:
                break
            gap_day = (path[-1][1] if path else day) + _days(rng.randint(2, 14 if outcome else 18))
            if gap_day > self.today:
                if outcome:
                    gap_day = self.today
                else:
                    return path
            if not outcome and rng.random() > 0.55 + 0.08 * temperature:
                # It stalls here: lost after a while, or still open.
                if (self.today - gap_day).days > 30 and rng.random() < 0.8:
                    path.append(("lost", self.later(gap_day, 5, 30)))
                return path
            path.append((status, gap_day))
        if outcome and outcome not in ("won", "lost"):
            return path
        end = self.later(path[-1][1] if path else day, 5, 21)
        if outcome:
            path.append((outcome, end))
        elif end < self.today:
            won = rng.random() < 0.35 + 0.1 * temperature
            path.append(("won" if won else "lost", end))
        return path

    def deal(self, slip: Slip, amount: int, day: Day) -> ClosedBusiness:
        referral = slip.referral
        assert referral.receiver_id is not None
        return ClosedBusiness(
            group=referral.group,
            giver_id=referral.giver_id,
            receiver_id=referral.receiver_id,
            amount_minor=amount,
            currency=referral.group.currency if referral.group else "EUR",
            kind=ClosedBusiness.Kind.NEW,
            closed_on=day,
        )

    def thank(
        self, group: Group | None, giver: int, receiver: int, day: Day, amount: int, note: str
    ) -> None:
        """A thank-you for business not tied to one slip."""
        self.thanks.append(
            ClosedBusiness(
                group=group,
                giver_id=giver,
                receiver_id=receiver,
                amount_minor=amount,
                currency=group.currency if group else "EUR",
                kind=ClosedBusiness.Kind.REPEAT,
                closed_on=day,
                notes=note,
            )
        )

    # --- one-to-ones, connections, investments --------------------------------------------

    def meet(
        self,
        group: Group | None,
        proposer: int,
        partner: int,
        day: Day,
        *,
        status: str = "held",
        notes: str = "",
    ) -> None:
        """A one-to-one: held on ``day``, or proposed for it (upcoming), or cancelled."""
        rng = self.rng
        moment = _at(day, rng, self.zone)
        one = OneToOne(
            group=group,
            proposer_id=proposer,
            partner_id=partner,
            status=status,
            scheduled_for=moment,
            place=rng.choice(PLACES),
        )
        if status == OneToOne.Status.HELD:
            one.held_on = day
            one.notes = notes or rng.choice(ONE_TO_ONE_NOTES)
        proposed_on = day - _days(rng.randint(3, 12))
        self.one_to_ones.append((one, min(proposed_on, self.today)))

    def met(
        self,
        owner: int,
        *,
        where: str,
        met_on: Day,
        group: Group | None = None,
        meeting: Meeting | None = None,
        person: int | None = None,
        name: str = "",
        email: str = "",
        company: str = "",
        follow_up: str = "",
    ) -> Connection:
        """Someone met, due for a follow-up after the group's window; ``follow_up`` is "on
        time", "late" or "" (never, unless a later interaction completes it)."""
        if person is not None:
            name, company = self.people[person].name, self.people[person].company
        due = met_on + _days(follow_up_days(group))
        connection = Connection(
            owner_id=owner,
            person_id=person,
            name=name,
            email=email,
            company=company,
            where=where,
            group=group,
            meeting=meeting,
            met_on=met_on,
            follow_up_due=due,
        )
        done: Day | None = None
        if follow_up == "on time":
            done = met_on + _days(self.rng.randint(0, (due - met_on).days))
        elif follow_up == "late":
            done = due + _days(self.rng.randint(2, 25))
        if done is not None and done <= self.today:
            connection.followed_up_on = done
            connection.followed_up_via = "done"
        self.connections.append(connection)
        return connection

    def spend(
        self,
        user_id: int,
        group: Group | None,
        kind: str,
        day: Day,
        *,
        amount: int = 0,
        hours: str = "0",
        notes: str = "",
    ) -> None:
        if day > self.today or not self.member_on(group, user_id, day):
            return
        self.investments.append(
            Investment(
                user_id=user_id,
                group=group,
                kind=kind,
                amount_minor=amount,
                currency=(group.currency if group else "EUR") if amount else "",
                hours=Decimal(hours),
                spent_on=day,
                notes=notes,
            )
        )

    def monthly(self, user_id: int, group: Group | None, kind: str, **values: Any) -> None:
        """One entry a month, on the 15th, for the year."""
        for back in range(12):
            day = add_months(self.today.replace(day=1), -back).replace(day=15)
            self.spend(user_id, group, kind, day, **values)


def _chapter_days(chapter: Group, today: Day) -> list[Day]:
    zone = ZoneInfo(chapter.time_zone)
    return sorted(
        {
            timezone.localdate(m.starts_at, zone)
            for m in Meeting.objects.filter(group=chapter, starts_at__lt=timezone.now())
        }
        - {today}
    )


def _pick(rng: random.Random, pool: Sequence[int], weights: dict[str, int], year: _Year) -> int:
    return rng.choices(pool, [weights.get(year.sphere(u), 1) for u in pool])[0]


def _checked_in(meeting: Meeting) -> dict[int, Registration]:
    return {
        r.user_id: r
        for r in Registration.objects.filter(
            meeting=meeting, user__isnull=False, checked_in_at__isnull=False
        )
        if r.user_id is not None
    }


# --- everyone but Maria -------------------------------------------------------------------


@dataclass
class _Habits:
    """How each person networks: generous or not, how hot their slips, how they follow up."""

    generosity: dict[int, float]
    pull: dict[int, float]
    one_partner: dict[int, int]
    heat: dict[int, float]
    diligence: dict[int, float]
    # Who gives generously and is never given anything back: the attrition risk chapter
    # health points out.
    unrewarded: set[int] = field(default_factory=set)


def _habits(year: _Year, chapters: Sequence[Group], skip: set[int]) -> _Habits:
    rng = year.rng
    everyone = sorted(year.people)
    habits = _Habits(
        generosity={u: (0.1 if rng.random() < 0.1 else rng.uniform(0.5, 1.5)) for u in everyone},
        pull={u: rng.uniform(0.7, 1.3) for u in everyone},
        one_partner={},
        heat={u: rng.uniform(2.2, 4.2) for u in everyone},
        diligence={u: rng.random() for u in everyone},
    )
    for chapter in chapters:
        # Members of the whole year: a couple who take far more than they give, a couple who
        # pass everything to one partner.
        veterans = sorted(
            u
            for u, (first, last) in year.windows[chapter.pk].items()
            if first <= year.start + _days(30) and last == year.today and u not in skip
        )
        rng.shuffle(veterans)
        for taker in veterans[:2]:
            habits.generosity[taker], habits.pull[taker] = 0.12, 5.0
        for loyal in veterans[2:4] if len(veterans) > 4 else []:
            others = [u for u in veterans[4:] if year.sphere(u) == year.sphere(loyal)]
            habits.one_partner[loyal] = (others or veterans[4:])[0]
            habits.generosity[loyal] = 0.7
        partners = set(habits.one_partner.values())
        spare = [u for u in veterans[4:] if u not in partners]
        if spare:  # no draw from rng: the rest of the year stays as it was
            habits.generosity[spare[-1]], habits.pull[spare[-1]] = 1.4, 0.0
            habits.unrewarded.add(spare[-1])
    return habits


def _receiver(
    year: _Year, habits: _Habits, giver: int, candidates: list[int], sphere_share: float = 0.6
) -> int | None:
    if giver in habits.one_partner:
        partner = habits.one_partner[giver]
        return partner if partner in candidates else None
    candidates = [c for c in candidates if c not in habits.unrewarded]
    if not candidates:
        return None
    same = [c for c in candidates if year.sphere(c) == year.sphere(giver)]
    pool = same if same and year.rng.random() < sphere_share else candidates
    return year.rng.choices(pool, [habits.pull[c] for c in pool])[0]


def _group_referrals(
    year: _Year, habits: _Habits, group: Group, days: list[Day], skip: set[int]
) -> None:
    """Referrals passed in ``group``: on the chapter's meeting days, or any weekday."""
    rng = year.rng
    rate = RATE[group.kind]
    # Power teams: in a chapter most referrals go to the giver's contact sphere.
    sphere_share = 0.7 if group.kind == "lead_group" else 0.5
    for day in days:
        active = year.active(group, day, without=skip)
        for giver in active:
            if group.kind != "lead_group" and giver in habits.one_partner:
                continue
            chance = rate * habits.generosity[giver]
            for _n in range(2):
                if rng.random() >= chance:
                    break
                chance /= 4
                external = group.kind != "lead_group" and rng.random() < 0.06
                receiver = None
                if not external:
                    candidates = [u for u in active if u != giver]
                    receiver = _receiver(year, habits, giver, candidates, sphere_share)
                    if receiver is None:
                        break
                year.refer(
                    group,
                    giver,
                    day,
                    receiver=receiver,
                    temperature=max(1, min(5, round(rng.gauss(habits.heat[giver], 1)))),
                    confidential=rng.random() < CONFIDENTIAL.get(group.kind, 0.04),
                )


def _weekdays(year: _Year) -> list[Day]:
    """A working day of every week of the year."""
    return [
        year.start + datetime.timedelta(weeks=w, days=year.rng.randint(0, 4)) for w in range(52)
    ]


def _informal_referrals(
    year: _Year, habits: _Habits, groups: Sequence[Group], skip: set[int]
) -> None:
    """Referrals outside any group, to someone the giver knows from a group or to a friend
    without an account."""
    rng = year.rng
    for _n in range(45):
        group = rng.choice(groups)
        day = year.start + _days(rng.randint(0, 364))
        active = year.active(group, day, without=skip | set(habits.one_partner))
        if len(active) < 2:
            continue
        giver = rng.choice(active)
        if rng.random() < 0.25:
            year.refer(None, giver, day, temperature=rng.randint(2, 5))
            continue
        receiver = _receiver(year, habits, giver, [u for u in active if u != giver], 0.4)
        # Passed outside the group, to someone they still share it with.
        if receiver is not None and all(
            year.member_on(group, u, year.today) for u in (giver, receiver)
        ):
            year.refer(None, giver, day, receiver=receiver, temperature=rng.randint(2, 5))


def _group_one_to_ones(
    year: _Year, habits: _Habits, group: Group, days: list[Day], chance: float, skip: set[int]
) -> None:
    rng = year.rng
    for day in days:
        active = year.active(group, day, without=skip)
        for proposer in active:
            if rng.random() >= chance:
                continue
            partner = _receiver(year, habits, proposer, [u for u in active if u != proposer], 0.5)
            if partner is None:
                continue
            when = day + _days(rng.randint(1, 6))
            if when >= year.today or not (
                year.member_on(group, proposer, when) and year.member_on(group, partner, when)
            ):
                continue
            status = "cancelled" if rng.random() < 0.07 else "held"
            year.meet(group, proposer, partner, when, status=status)


def _upcoming_one_to_ones(year: _Year, group: Group, count: int, skip: set[int]) -> None:
    rng = year.rng
    active = year.active(group, year.today, without=skip)
    for _n in range(count if len(active) > 1 else 0):
        proposer, partner = rng.sample(active, 2)
        year.meet(
            group,
            proposer,
            partner,
            year.today + _days(rng.randint(1, 14)),
            status="proposed",
        )


def _event_connections(
    year: _Year, habits: _Habits, meeting: Meeting, skip: set[int], per_person: int
) -> None:
    """The people each attendee met: others checked in, with an account or walk-ins."""
    rng = year.rng
    zone = ZoneInfo(meeting.group.time_zone)
    day = timezone.localdate(meeting.starts_at, zone)
    attendees = sorted(_checked_in(meeting))
    walk_ins = list(
        Registration.objects.filter(
            meeting=meeting, visitor__isnull=False, checked_in_at__isnull=False
        ).values_list("name", "email")
    )
    for owner in attendees:
        if owner in skip:
            continue
        count = rng.randint(0, per_person)
        strangers = rng.sample(walk_ins, min(count // 3, len(walk_ins)))
        people = rng.sample([u for u in attendees if u != owner], count - len(strangers))
        met: list[dict[str, Any]] = [{"person": person} for person in people]
        met += [{"name": name, "email": email} for name, email in strangers]
        for whom in met:
            roll = rng.random() * 0.6 + habits.diligence[owner] * 0.4
            year.met(
                owner,
                where="meeting",
                met_on=day,
                group=meeting.group,
                meeting=meeting,
                follow_up="on time" if roll > 0.78 else "late" if roll > 0.68 else "",
                **whom,
            )


def _chapter_visitor_connections(year: _Year, chapter: Group) -> None:
    """Members present when a visitor came noted meeting them (visitors may join)."""
    rng = year.rng
    zone = ZoneInfo(chapter.time_zone)
    visits = Registration.objects.filter(
        meeting__group=chapter, visitor__isnull=False, checked_in_at__isnull=False
    ).select_related("meeting", "visitor")
    for visit in visits:
        present = list(
            Attendance.objects.filter(
                meeting=visit.meeting, status__in=automatic.ATTENDED
            ).values_list("user_id", flat=True)
        )
        for owner in rng.sample(present, min(3, len(present))):
            assert visit.visitor is not None
            year.met(
                owner,
                where="meeting",
                met_on=timezone.localdate(visit.meeting.starts_at, zone),
                group=chapter,
                meeting=visit.meeting,
                name=visit.name,
                email=visit.email,
                company=visit.visitor.company,
                follow_up=rng.choice(["on time", "on time", "late", ""]),
            )


def _online_connections(year: _Year, community: Group, count: int, skip: set[int]) -> None:
    rng = year.rng
    for _n in range(count):
        day = year.start + _days(rng.randint(0, 364))
        active = year.active(community, day, without=skip)
        if len(active) < 2:
            continue
        owner, person = rng.sample(active, 2)
        year.met(
            owner,
            where="online",
            met_on=day,
            group=community,
            person=person,
            follow_up=rng.choice(["on time", "late", "", "", ""]),
        )


def _introductions(year: _Year, count: int, skip: set[int]) -> None:
    rng = year.rng
    owners = sorted(u for u in year.people if u not in skip)
    for _n in range(count):
        name, email = year.outsider()
        year.met(
            rng.choice(owners),
            where="introduction",
            met_on=year.start + _days(rng.randint(0, 364)),
            name=name,
            email=email,
            company=f"{name.split()[-1]} {rng.choice(COMPANY_FORMS)}",
            follow_up=rng.choice(["on time", "on time", "late", ""]),
        )


# --- Maria --------------------------------------------------------------------------------


def _maria(
    year: _Year,
    maria: int,
    groups: dict[str, Group],
    friends: dict[str, int],
    *,
    reserved: set[int],
    unrewarded: set[int],
) -> None:
    """Maria's year, as told at the top of this module. Those who pass all their referrals to
    one partner (``reserved``) pass none to her."""
    rng = year.rng
    not_her = {maria, *reserved}
    chapter, chamber = groups["chapter"], groups["chamber"]
    association, events, community = groups["association"], groups["events"], groups["community"]
    days = [d for d in _chapter_days(chapter, year.today) if year.member_on(chapter, maria, d)]

    # The chapter: thirty referrals in, a dozen weddings for sure (more as chance has it), and
    # nearly as many given back.
    received = sorted(rng.sample(days, min(30, len(days))))
    old = [d for d in received if (year.today - d).days > 75]
    weddings = rng.sample(old, min(len(old), len(MARIA_CHAPTER_DEALS)))
    won = dict(zip(weddings, MARIA_CHAPTER_DEALS, strict=False))
    for day in received:
        giver = _pick(rng, year.active(chapter, day, without=not_her), MARIA_SPHERES, year)
        year.refer(
            chapter,
            giver,
            day,
            receiver=maria,
            outcome="won" if day in won else "",
            amount=won.get(day, 0) * 100,
            temperature=rng.randint(3, 5),
        )
    for day in sorted(rng.sample(days, min(26, len(days)))):
        others = year.active(chapter, day, without={maria, *unrewarded})
        receiver = _pick(rng, others, MARIA_SPHERES, year)
        year.refer(chapter, maria, day, receiver=receiver, temperature=rng.randint(2, 5))
    thanks_day = days[len(days) // 2]
    partner = _pick(rng, year.active(chapter, thanks_day, without={maria}), MARIA_SPHERES, year)
    year.thank(
        chapter,
        partner,
        maria,
        thanks_day,
        120000,
        "A second album for a couple you sent me last year.",
    )
    for day in sorted(rng.sample(days, min(18, len(days)))):
        when = day + _days(rng.randint(1, 5))
        if when < year.today:
            partner = _pick(rng, year.active(chapter, day, without={maria}), MARIA_SPHERES, year)
            if year.member_on(chapter, partner, when):
                year.meet(chapter, maria, partner, when)
    partners = year.active(chapter, year.today, without={maria})
    for offset in (4, 9):
        year.meet(
            chapter,
            rng.choice(partners),
            maria,
            year.today + _days(offset),
            status="proposed",
        )
    year.meet(chapter, maria, rng.choice(partners), days[-3], status="cancelled")
    year.monthly(maria, chapter, "preparation", hours="4", notes="Weekly pitch and feature talk")
    year.monthly(maria, chapter, "travel", amount=2000, notes="Parking near the hotel")
    year.monthly(maria, chapter, "meals", amount=2400, notes="Coffees at one-to-ones")

    # The chamber: the dues, and little back.
    chamber_days = year.days_of(chamber, maria)
    if len(chamber_days) > 60:
        first = chamber_days[20:-40]
        picks = sorted(rng.sample(first, 5))
        for day, outcome, amount in zip(
            picks[:3], ("won", "lost", "contacted"), (35000, 0, 0), strict=True
        ):
            giver = rng.choice(year.active(chamber, day, without=not_her))
            year.refer(
                chamber,
                giver,
                day,
                receiver=maria,
                outcome=outcome,
                amount=amount,
                lost_reason="Chose a photographer they already knew",
            )
        for day in picks[3:]:
            receiver = rng.choice(year.active(chamber, day, without={maria}))
            year.refer(chamber, maria, day, receiver=receiver)
        one_day = picks[1] + _days(3)
        other = rng.choice(year.active(chamber, one_day, without={maria}))
        year.meet(chamber, maria, other, one_day)
        year.spend(
            maria, chamber, "preparation", picks[0], hours="3", notes="Directory listing, photos"
        )
        year.spend(maria, chamber, "travel", picks[2], amount=1500, notes="Chamber seminar")

    # The association: overflow between colleagues, and mentoring with Giulia.
    association_days = year.days_of(association, maria)
    if len(association_days) > 90:
        picks = sorted(rng.sample(association_days[:-30], 7))
        for day, outcome, amount in zip(
            picks[:3], ("won", "lost", "proposal"), (180000, 0, 0), strict=True
        ):
            giver = _pick(rng, year.active(association, day, without=not_her), MARIA_SPHERES, year)
            year.refer(
                association,
                giver,
                day,
                receiver=maria,
                kind="overflow",
                outcome=outcome,
                amount=amount,
                lost_reason="Date already taken by the time they called",
            )
        for index, day in enumerate(picks[3:]):
            receiver = _pick(
                rng, year.active(association, day, without={maria}), MARIA_SPHERES, year
            )
            year.refer(
                association, maria, day, receiver=receiver, kind="overflow", confidential=index == 0
            )
        giulia = friends["giulia"]
        together = [d for d in association_days[:-1] if year.member_on(association, giulia, d)]
        for day in sorted(rng.sample(together, min(2, len(together)))):
            year.meet(association, maria, giulia, day, notes="Mentoring: pricing my packages.")
        for day in picks[1::2]:
            year.spend(maria, association, "meals", day, amount=3500, notes="Members' dinner")

    # The trade show: two dozen people met, three followed up, one wedding from it.
    show = Meeting.objects.filter(group=events, kind="trade_show").first()
    seen = _checked_in(show) if show is not None else {}
    if show is not None and maria in seen:
        show_day = timezone.localdate(show.starts_at, ZoneInfo(events.time_zone))
        busy = {s.referral.giver_id for s in year.slips} | {
            s.referral.receiver_id for s in year.slips
        }
        strangers = sorted(u for u in seen if u not in busy and u != maria and u in year.people)
        rng.shuffle(strangers)
        # The one she called back at once is in the event network and soon passes her a wedding.
        referral_day = show_day + _days(15)
        planner = next(
            (
                u
                for u in strangers
                if u not in reserved
                and year.member_on(events, u, referral_day)
                and referral_day < year.today
            ),
            None,
        )
        met = [u for u in [planner] if u is not None]
        met += [u for u in strangers if u != planner][: 12 - len(met)]
        walk_ins = list(
            Registration.objects.filter(
                meeting=show, visitor__isnull=False, checked_in_at__isnull=False
            ).values_list("name", "email")
        )
        for index, person in enumerate(met):
            year.met(
                maria,
                where="meeting",
                met_on=show_day,
                group=events,
                meeting=show,
                person=person,
                follow_up="on time" if index < 2 else "late" if index == 2 else "",
            )
        for name, email in rng.sample(walk_ins, min(12, len(walk_ins))):
            year.met(
                maria,
                where="meeting",
                met_on=show_day,
                group=events,
                meeting=show,
                name=name,
                email=email,
            )
        if planner is not None:
            year.refer(
                events,
                planner,
                referral_day,
                receiver=maria,
                temperature=4,
                outcome="won",
                amount=230000,
            )
        year.spend(maria, events, "other", show_day, amount=45000, notes="Shared stand")
        year.spend(maria, events, "materials", show_day - _days(7), amount=28000)
        year.spend(maria, events, "preparation", show_day - _days(3), hours="10")
        year.spend(maria, events, "other", show_day, hours="8", notes="A day at the stand")
        year.spend(maria, events, "travel", show_day, amount=1200, notes="Parking at the fair")

    # The online community: a couple of hours a week, a few connections, one slip each way.
    year.monthly(maria, community, "online_hours", hours="8", notes="Posts and answers")
    community_days = year.days_of(community, maria)
    if len(community_days) > 60:
        for index, day in enumerate(sorted(rng.sample(community_days[:-10], 10))):
            person = rng.choice(year.active(community, day, without={maria}))
            year.met(
                maria,
                where="online",
                met_on=day,
                group=community,
                person=person,
                follow_up="on time" if index in (3, 7) else "",
            )
        day = community_days[len(community_days) // 3]
        giver = rng.choice(year.active(community, day, without=not_her))
        year.refer(
            community,
            giver,
            day,
            receiver=maria,
            outcome="lost",
            lost_reason="Budget too small for what they needed",
        )
        receiver = rng.choice(year.active(community, day, without={maria}))
        year.refer(community, maria, day, receiver=receiver)

    # Her informal network: three referrals from friends, two big ones closed.
    for key, back, outcome, amount in (
        ("giulia", 250, "won", 850000),
        ("sara", 170, "won", 620000),
        ("paolo", 40, "proposal", 0),
    ):
        year.refer(
            None,
            friends[key],
            year.today - _days(back),
            receiver=maria,
            temperature=5,
            outcome=outcome,
            amount=amount,
        )
    for back in (300, 120):
        year.refer(None, maria, year.today - _days(back), temperature=4)


# --- investments by hand ------------------------------------------------------------------


def _investments(year: _Year, personas: dict[str, int], groups: dict[str, Group]) -> None:
    """What a few people note by hand (dues, tickets and meeting hours come on their own)."""
    rng = year.rng
    chapter, chamber, events = groups["chapter"], groups["chamber"], groups["events"]
    luca, paolo, sara, giulia = (personas[k] for k in ("luca", "paolo", "sara", "giulia"))
    year.monthly(luca, chapter, "preparation", hours="6", notes="Agenda, reports, visitors")
    year.monthly(luca, chapter, "travel", amount=2000)
    year.monthly(sara, groups["community"], "online_hours", hours="12", notes="Moderation")
    year.monthly(giulia, chamber, "travel", amount=1500)
    show = Meeting.objects.filter(group=events, kind="trade_show").first()
    if show is not None:
        show_day = timezone.localdate(show.starts_at, ZoneInfo(events.time_zone))
        year.spend(paolo, events, "preparation", show_day - _days(10), hours="30")
        year.spend(paolo, events, "materials", show_day - _days(5), amount=15000)
    for group in (chapter, groups["chapter_two"]):
        members = sorted(year.windows[group.pk])
        for user_id in rng.sample(members, min(6, len(members))):
            if user_id in personas.values():
                continue
            for back in range(12):
                day = year.today - _days(30 * back + rng.randint(0, 20))
                if rng.random() < 0.5:
                    year.spend(user_id, group, "travel", day, amount=rng.randint(8, 30) * 100)
                if rng.random() < 0.3:
                    year.spend(user_id, group, "meals", day, amount=rng.randint(10, 40) * 100)
                if rng.random() < 0.4:
                    year.spend(user_id, group, "preparation", day, hours=str(rng.randint(1, 4)))


# --- follow-ups, week closes, saving ------------------------------------------------------


def _complete_follow_ups(year: _Year) -> None:
    """As the services do: any interaction between two people on or after the day they met
    completes the follow-up (the earliest one counts)."""
    touches: dict[frozenset[int], list[tuple[Day, str]]] = defaultdict(list)

    def touch(a: int, b: int | None, day: Day, via: str) -> None:
        if b is not None:
            touches[frozenset((a, b))].append((day, via))

    for slip in year.slips:
        referral = slip.referral
        touch(referral.giver_id, referral.receiver_id, referral.given_on, "referral")
        for deal in slip.deals:
            touch(deal.giver_id, deal.receiver_id, deal.closed_on, "closed_business")
    for deal in year.thanks:
        touch(deal.giver_id, deal.receiver_id, deal.closed_on, "closed_business")
    for one, _proposed in year.one_to_ones:
        if one.held_on is not None:
            touch(one.proposer_id, one.partner_id, one.held_on, "one_to_one")
    for connection in year.connections:
        if connection.person_id is None:
            continue
        later = [
            t
            for t in touches.get(frozenset((connection.owner_id, connection.person_id)), [])
            if t[0] >= connection.met_on
        ]
        if later:
            day, via = min(later)
            if connection.followed_up_on is None or day < connection.followed_up_on:
                connection.followed_up_on, connection.followed_up_via = day, via


def _stamp(year: _Year, day: Day, *, after: datetime.datetime | None = None) -> datetime.datetime:
    """A moment of ``day`` (never in the future, never before ``after``)."""
    moment = min(_at(day, year.rng, year.zone), timezone.now())
    if after is not None and moment <= after:
        moment = after + datetime.timedelta(minutes=year.rng.randint(1, 90))
    return moment


def _save(year: _Year) -> None:
    """Write the year in bulk, each row dated to its own day."""
    step_rows: list[ReferralStep] = []
    for slip in year.slips:
        moment: datetime.datetime | None = None
        for status, day, by in slip.steps:
            moment = _stamp(year, day, after=moment)
            step_rows.append(ReferralStep(status=status, by_id=by, at=moment))
        assert moment is not None
        slip.referral.created_at = step_rows[-len(slip.steps)].at
        slip.referral.updated_at = moment
    _create_dated(Referral, [s.referral for s in year.slips], ["created_at", "updated_at"])
    rows = iter(step_rows)
    for slip in year.slips:
        for _step in slip.steps:
            next(rows).referral = slip.referral
        for deal in slip.deals:
            deal.referral = slip.referral
    _create_dated(ReferralStep, step_rows, ["at"])

    deals = [deal for slip in year.slips for deal in slip.deals] + year.thanks
    for deal in deals:
        deal.created_at = _stamp(year, deal.closed_on)
    _create_dated(ClosedBusiness, deals, ["created_at"])
    for one, proposed_on in year.one_to_ones:
        one.created_at = _stamp(year, proposed_on)
        one.updated_at = _stamp(year, min(one.held_on or proposed_on, year.today))
    _create_dated(OneToOne, [one for one, _day in year.one_to_ones], ["created_at", "updated_at"])
    for connection in year.connections:
        connection.created_at = _stamp(year, connection.met_on)
    _create_dated(Connection, year.connections, ["created_at"])
    for investment in year.investments:
        investment.created_at = _stamp(year, investment.spent_on)
    _create_dated(Investment, year.investments, ["created_at"])


def _create_dated(model: Any, rows: list[Any], names: list[str]) -> None:
    """bulk_create sets auto_now(_add) fields to now: write the rows, then put back the
    moments they carried."""
    fields = [model._meta.get_field(name) for name in names]
    moments = [[getattr(row, f.attname) for f in fields] for row in rows]
    model.objects.bulk_create(rows, batch_size=1000)
    for row, values in zip(rows, moments, strict=True):
        for f, value in zip(fields, values, strict=True):
            setattr(row, f.attname, value)
    _write_back(model, rows, names)


def _write_back(model: Any, rows: list[Any], names: list[str]) -> None:
    """Save ``names`` of every row in one prepared UPDATE run for all rows (bulk_update's
    CASE per row takes seconds for the thousands of rows of the demo)."""
    fields = [model._meta.get_field(name) for name in names]
    quote = db.ops.quote_name
    columns = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"UPDATE {table} SET {columns} WHERE {pk} = %s"  # noqa: S608 (names from the model)
    params = [
        [f.get_db_prep_save(getattr(row, f.attname), db) for f in fields] + [row.pk] for row in rows
    ]
    with db.cursor() as cursor:
        cursor.executemany(sql, params)


def _close_weeks(year: _Year, chapters: Sequence[Group]) -> None:
    """The chapters' leaders closed their past weeks (all but the last two); chapter two's
    president now and then forgot one."""
    rows = []
    for chapter in chapters:
        leader = (
            Membership.objects.filter(group=chapter, role=Membership.Role.PRESIDENT)
            .values_list("user_id", flat=True)
            .first()
        )
        weeks = sorted({week_start(d) for d in _chapter_days(chapter, year.today)})
        for start in weeks[:-2]:
            if chapter is not chapters[0] and year.rng.random() < 0.15:
                continue
            rows.append(WeekClose(group=chapter, week_start=start, closed_by_id=leader))
    for row in rows:
        row.closed_at = _stamp(year, row.week_start + _days(7))
    _create_dated(WeekClose, rows, ["closed_at"])


# --- what the ledger reads from the rest of the demo --------------------------------------


def _open_groups_joined_earlier(
    groups: Sequence[Group], keep: set[int], rng: random.Random
) -> None:
    """The event network and the online community were there before the year began: their
    members joined over the last three years (the personas before the year)."""
    today = timezone.localdate()
    rows = list(Membership.objects.filter(group__in=groups, status=Membership.Status.ACTIVE))
    for membership in rows:
        back = rng.randint(400, 1000) if membership.user_id in keep else rng.randint(30, 1000)
        joined = today - _days(back)
        membership.joined_at = timezone.make_aware(
            datetime.datetime.combine(joined, datetime.time(9, 0))
        )
    _write_back(Membership, rows, ["joined_at"])


def _settle_past_tickets(rng: random.Random) -> None:
    """Tickets of past events were paid, by card, days before the event (so the ledger dates
    each ticket to its purchase)."""
    rows = list(
        Registration.objects.filter(
            meeting__ends_at__lt=timezone.now(),
            status=Registration.Status.REGISTERED,
            price_minor__gt=0,
            paid_minor=0,
        ).select_related("meeting")
    )
    for registration in rows:
        registration.paid_minor = registration.price_minor
        registration.payment_method = "card_elsewhere"
        registration.created_at = registration.meeting.starts_at - _days(rng.randint(2, 30))
    _write_back(Registration, rows, ["paid_minor", "payment_method", "created_at"])


def _check_in(meeting: Meeting, user_id: int) -> None:
    """Maria's story has her at the trade show (the meetings builder checks in four
    registrations in five at random)."""
    Registration.objects.filter(
        meeting=meeting,
        user_id=user_id,
        status=Registration.Status.REGISTERED,
        checked_in_at__isnull=True,
    ).update(checked_in_at=meeting.starts_at + datetime.timedelta(minutes=40))


def _thank_yous(year: _Year, group: Group, days: list[Day], count: int, skip: set[int]) -> None:
    rng = year.rng
    for day in sorted(rng.sample(days, min(count, len(days)))):
        active = year.active(group, day, without=skip)
        if len(active) < 2:
            continue
        giver, receiver = rng.sample(active, 2)
        year.thank(
            group,
            giver,
            receiver,
            day,
            year.amount(receiver),
            "Repeat work from a client you introduced last year.",
        )


# --- the year -----------------------------------------------------------------------------


def build_ledger(
    *,
    chapters: Sequence[Group],
    chamber: Group,
    association: Group,
    events: Group,
    community: Group,
    personas: dict[str, User],
    rng: random.Random,
) -> None:
    """A year of ledger activity in every group of the demo, the automatic investments from
    its payments and attendance, and the rollup rebuilt from it all."""
    persona_ids = {key: user.pk for key, user in personas.items()}
    _open_groups_joined_earlier([events, community], set(persona_ids.values()), rng)
    show = Meeting.objects.filter(group=events, kind="trade_show").first()
    if show is not None:
        _check_in(show, persona_ids["maria"])
    _settle_past_tickets(rng)
    automatic.backfill()

    groups = [*chapters, chamber, association, events, community]
    year = _Year(groups, rng)
    maria = persona_ids["maria"]
    skip = {maria}
    habits = _habits(year, chapters, set(persona_ids.values()))
    for chapter in chapters:
        days = _chapter_days(chapter, year.today)
        _group_referrals(year, habits, chapter, days, skip)
        _group_one_to_ones(year, habits, chapter, days, 0.3, skip)
        _upcoming_one_to_ones(year, chapter, 8, skip)
        _thank_yous(year, chapter, days, 8, skip)
        _chapter_visitor_connections(year, chapter)
    weekdays = _weekdays(year)
    for group, chance in ((chamber, 0.004), (association, 0.02), (community, 0.008)):
        _group_referrals(year, habits, group, weekdays, skip)
        _group_one_to_ones(year, habits, group, weekdays, chance, skip)
    _group_referrals(year, habits, events, weekdays, skip)
    _thank_yous(year, association, weekdays, 4, skip)
    _informal_referrals(year, habits, groups, skip)
    for meeting, per_person in (
        (show, 5),
        (Meeting.objects.filter(group=chamber, kind="mixer").first(), 3),
    ):
        if meeting is not None and meeting.starts_at < timezone.now():
            _event_connections(year, habits, meeting, skip, per_person)
    _online_connections(year, community, 80, skip)
    _introductions(year, 30, skip)
    _maria(
        year,
        maria,
        {
            "chapter": chapters[0],
            "chamber": chamber,
            "association": association,
            "events": events,
            "community": community,
        },
        persona_ids,
        reserved=set(habits.one_partner),
        unrewarded=habits.unrewarded,
    )
    _investments(
        year,
        persona_ids,
        {
            "chapter": chapters[0],
            "chapter_two": chapters[1],
            "chamber": chamber,
            "events": events,
            "community": community,
        },
    )
    _complete_follow_ups(year)
    _save(year)
    _close_weeks(year, chapters)
    build_credits(chapters, year.windows, habits.diligence, year.today, seed=rng.randrange(2**32))
    build_maria_profile(maria)
    rollups.rebuild()
