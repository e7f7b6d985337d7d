"""Chapter health, for a group's leaders: who takes much more than they give, who gives and
never (or rarely) receives — the members about to quit in disappointment — who gives to only
one or two others, which contact spheres are thin or missing (with the seats to fill), whether
the mix has gone stale, and which members could form a power team.

Every section reads the group's referral slips of the window with SQL aggregates (one query per
section, never one per member). Confidential slips count in every member's numbers, but, as the
ledger promises, leaders learn nothing else of them: no prospect detail (name, company, email,
phone, notes) ever leaves this module, and who gave a confidential slip to whom is never shown
nor used — receivers are named, and power teams drawn, from non-confidential slips only; shared
clientele too, reported as a count."""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat, Lower, Trim
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cerchia.accounts.models import ContactSphere, Profession
from cerchia.accounts.privacy import Reach, can_see
from cerchia.groups.access import access_group, can_manage
from cerchia.groups.models import Group, Membership
from cerchia.groups.selectors import open_seats
from cerchia.ledger.models import Referral

# Every threshold of the report, as data (docs/chapter-health.md explains each one).
THRESHOLDS: dict[str, int] = {
    # The referral window: the last 182 days (6 months), today included.
    "window_days": 182,
    # Takes more than gives: received at least this many, and at least `takes_ratio` × given.
    "takes_min_received": 4,
    "takes_ratio": 2,
    # Gives but never receives: given at least this many and received none; "rarely
    # receives" when received is above zero but at most given / `rarely_divisor`.
    "gives_min_given": 4,
    "rarely_divisor": 4,
    # Gives to only one or two others: given at least this many to at most this many people.
    "narrow_min_given": 4,
    "narrow_max_receivers": 2,
    # A contact sphere with at most this many active members is thin (none: missing).
    "sphere_thin_max": 1,
    # Stale mix: turnover over the last `turnover_days` below this percentage, or the median
    # time the current members have held their professions above this many years.
    "turnover_days": 365,
    "stale_turnover_below_pct": 10,
    "stale_median_above_years": 3,
    # Power teams: 3 to 5 members, at most `team_max` teams. A link between two members is
    # worth 1 point per referral either way, `team_shared_client_points` per shared client (at
    # most `team_shared_client_cap` in all) and `team_same_sphere_points` for the same contact
    # sphere. A team starts from two members who exchanged at least `team_seed_referrals`
    # referrals; a member joins with referrals or the same sphere in common with at least half
    # the team, one of those links worth at least `team_join_points`.
    "team_min_size": 3,
    "team_max_size": 5,
    "team_max": 5,
    "team_seed_referrals": 2,
    "team_join_points": 4,
    "team_shared_client_points": 1,
    "team_shared_client_cap": 2,
    "team_same_sphere_points": 2,
    # How many open seats a power team's "to complete it" names.
    "team_open_seats_shown": 3,
}


# --- the people ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """An active member as the report names them: the name and profession their group's
    members may see; the seat's profession first (the group's own record), else the card's."""

    user_id: int
    name: str
    profession: str
    profession_id: int | None
    sphere_id: int | None
    sphere: str
    joined_on: datetime.date | None

    @property
    def label(self) -> str:
        if not self.profession:
            return self.name
        return _("%(name)s (%(profession)s)") % {"name": self.name, "profession": self.profession}

    def as_dict(self) -> dict[str, Any]:
        return {
            "user": self.user_id,
            "name": self.name,
            "profession": self.profession,
            "sphere": self.sphere,
        }


def _member(membership: Membership, zone: ZoneInfo) -> Member:
    profile = getattr(membership.user, "profile", None)
    name = ""
    profession: Profession | None = membership.seat_profession
    if profile is not None:
        if can_see(profile.level_of("display_name"), Reach.GROUP_MEMBER):
            name = profile.display_name
        if profession is None and can_see(profile.level_of("profession"), Reach.GROUP_MEMBER):
            profession = profile.profession
    joined = membership.joined_at or membership.created_at
    return Member(
        user_id=membership.user_id,
        name=name or _("Cerchia member"),
        profession=profession.name if profession is not None else "",
        profession_id=profession.pk if profession is not None else None,
        sphere_id=profession.sphere_id if profession is not None else None,
        sphere=profession.sphere.name if profession is not None else "",
        joined_on=timezone.localtime(joined, zone).date() if joined else None,
    )


def active_members(group: Group) -> dict[int, Member]:
    """The group's active members by user id (one query)."""
    zone = ZoneInfo(group.time_zone)
    rows = (
        Membership.objects.active()
        .filter(group=group)
        .select_related(
            "user__profile__profession__sphere",
            "seat_profession__sphere",
        )
        .order_by("user_id")
    )
    return {m.user_id: _member(m, zone) for m in rows}


# --- the referral balance ----------------------------------------------------------------------


@dataclass
class Balance:
    """One member's referral numbers in the window (confidential slips included)."""

    member: Member
    given: int
    received: int
    receivers: int = 0  # distinct people given to (members or people outside the group)
    confidential: int = 0  # of those given: whom they went to is never shown
    # Active members given non-confidential slips, most first: (member, referrals).
    named_receivers: list[tuple[Member, int]] = field(default_factory=list)
    # Non-confidential slips to anyone else: former members and people outside the group.
    to_others: int = 0
    text: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.member.as_dict(),
            "given": self.given,
            "received": self.received,
            "receivers": self.receivers,
            "named_receivers": [{**m.as_dict(), "referrals": n} for m, n in self.named_receivers],
            "to_others": self.to_others,
            "confidential": self.confidential,
            "text": self.text,
        }


def _referrals(n: int) -> str:
    return ngettext("%(n)d referral", "%(n)d referrals", n) % {"n": n}


def window(
    today: datetime.date, thresholds: Mapping[str, int] = THRESHOLDS
) -> tuple[datetime.date, datetime.date]:
    return today - datetime.timedelta(days=thresholds["window_days"] - 1), today


def _slips(group: Group, start: datetime.date, end: datetime.date) -> Any:
    return Referral.objects.filter(group=group, given_on__gte=start, given_on__lte=end)


def given_by_member(group: Group, start: datetime.date, end: datetime.date) -> dict[int, Any]:
    """Per giver: referrals given (and how many confidential) and distinct receivers (members
    by account, people outside by name) — one GROUP BY."""
    receiver_key = Coalesce(
        Cast("receiver_id", CharField()),
        Concat(Value("name:"), Lower(Trim("receiver_name")), output_field=CharField()),
        output_field=CharField(),
    )
    rows = (
        _slips(group, start, end)
        .order_by()
        .values("giver_id")
        .annotate(
            given=Count("pk"),
            confidential=Count("pk", filter=Q(confidential=True)),
            receivers=Count(receiver_key, distinct=True),
        )
    )
    return {row["giver_id"]: row for row in rows}


def received_by_member(group: Group, start: datetime.date, end: datetime.date) -> dict[int, int]:
    rows = (
        _slips(group, start, end)
        .filter(receiver__isnull=False)
        .order_by()
        .values("receiver_id")
        .annotate(received=Count("pk"))
    )
    return {row["receiver_id"]: row["received"] for row in rows}


def referral_pairs(
    group: Group, start: datetime.date, end: datetime.date
) -> dict[tuple[int, int], int]:
    """(giver, receiver) → non-confidential referrals between people with accounts — one
    GROUP BY. Who passed a confidential slip to whom stays between the two."""
    rows = (
        _slips(group, start, end)
        .filter(receiver__isnull=False, confidential=False)
        .order_by()
        .values("giver_id", "receiver_id")
        .annotate(n=Count("pk"))
    )
    return {(row["giver_id"], row["receiver_id"]): row["n"] for row in rows}


def _balances(
    members: Mapping[int, Member], given: Mapping[int, Any], received: Mapping[int, int]
) -> list[Balance]:
    return [
        Balance(
            member=member,
            given=given[uid]["given"] if uid in given else 0,
            received=received.get(uid, 0),
            receivers=given[uid]["receivers"] if uid in given else 0,
            confidential=given[uid]["confidential"] if uid in given else 0,
        )
        for uid, member in members.items()
    ]


def _by_name(balance: Balance) -> tuple[str, int]:
    return (balance.member.name.casefold(), balance.member.user_id)


def takes_more_than_gives(balances: Iterable[Balance], t: Mapping[str, int]) -> list[Balance]:
    found = [
        replace(
            b,
            text=_("%(member)s received %(received)s and gave %(given)s.")
            % {
                "member": b.member.label,
                "received": _referrals(b.received),
                "given": _referrals(b.given),
            },
        )
        for b in balances
        if b.received >= t["takes_min_received"] and b.received >= t["takes_ratio"] * b.given
    ]
    return sorted(found, key=lambda b: (-(b.received - b.given), *_by_name(b)))


def gives_never_receives(balances: Iterable[Balance], t: Mapping[str, int]) -> list[Balance]:
    found = [
        replace(
            b,
            text=_("%(member)s gave %(given)s and received none.")
            % {"member": b.member.label, "given": _referrals(b.given)},
        )
        for b in balances
        if b.given >= t["gives_min_given"] and b.received == 0
    ]
    return sorted(found, key=lambda b: (-b.given, *_by_name(b)))


def gives_rarely_receives(balances: Iterable[Balance], t: Mapping[str, int]) -> list[Balance]:
    found = [
        replace(
            b,
            text=_("%(member)s gave %(given)s and received only %(received)s.")
            % {
                "member": b.member.label,
                "given": _referrals(b.given),
                "received": _referrals(b.received),
            },
        )
        for b in balances
        if b.given >= t["gives_min_given"]
        and b.received > 0
        and b.received * t["rarely_divisor"] <= b.given
    ]
    return sorted(found, key=lambda b: (b.received - b.given, *_by_name(b)))


def gives_to_few(
    balances: Iterable[Balance],
    pairs: Mapping[tuple[int, int], int],
    members: Mapping[int, Member],
    t: Mapping[str, int],
) -> list[Balance]:
    found = [
        replace(b)
        for b in balances
        if b.given >= t["narrow_min_given"] and 0 < b.receivers <= t["narrow_max_receivers"]
    ]
    for b in found:
        named = [
            (members[receiver], n)
            for (giver, receiver), n in pairs.items()
            if giver == b.member.user_id and receiver in members
        ]
        b.named_receivers = sorted(named, key=lambda item: (-item[1], item[0].name.casefold()))
        b.to_others = b.given - b.confidential - sum(n for _m, n in b.named_receivers)
        parts = [
            _("%(member)s (%(referrals)s)") % {"member": m.name, "referrals": _referrals(n)}
            for m, n in b.named_receivers
        ]
        if b.to_others:
            parts.append(
                _("people who are not members now (%(referrals)s)")
                % {"referrals": _referrals(b.to_others)}
            )
        if b.confidential:
            parts.append(
                ngettext(
                    "%(n)d confidential referral", "%(n)d confidential referrals", b.confidential
                )
                % {"n": b.confidential}
            )
        b.text = ngettext(
            "%(member)s gave %(given)s, all to %(n)d person: %(whom)s.",
            "%(member)s gave %(given)s to only %(n)d people: %(whom)s.",
            b.receivers,
        ) % {
            "member": b.member.label,
            "given": _referrals(b.given),
            "n": b.receivers,
            "whom": ", ".join(parts),
        }
    return sorted(found, key=lambda b: (b.receivers, -b.given, *_by_name(b)))


# --- contact spheres -------------------------------------------------------------------------


@dataclass
class SphereRow:
    sphere_id: int
    code: str
    name: str
    members: list[Member]
    state: str  # "missing", "thin" or "ok"
    open_seats: list[str]

    @property
    def count(self) -> int:
        return len(self.members)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": self.name,
            "members": self.count,
            "member_names": [m.name for m in self.members],
            "state": self.state,
            "open_seats": self.open_seats,
        }


def open_professions(group: Group, members: Mapping[int, Member]) -> dict[int, list[str]]:
    """Sphere id → the professions nobody holds (one query). Where the group seats one member
    per profession these are its open seats (``groups.selectors.open_seats``); elsewhere the
    professions no active member practises."""
    if group.rules.one_seat_per_profession:
        by_sphere = {sphere.pk: professions for sphere, professions in open_seats(group)}
    else:
        held = {m.profession_id for m in members.values() if m.profession_id is not None}
        by_sphere = defaultdict(list)
        for profession in Profession.objects.exclude(pk__in=held):
            by_sphere[profession.sphere_id].append(profession)
    # By name in the reader's language, as a list to read.
    return {
        sphere_id: sorted((p.name for p in professions), key=str.casefold)
        for sphere_id, professions in by_sphere.items()
    }


def contact_spheres(
    members: Mapping[int, Member], free: Mapping[int, list[str]], t: Mapping[str, int]
) -> list[SphereRow]:
    """Every contact sphere with its active members, thinnest first (one query)."""
    by_sphere: dict[int, list[Member]] = defaultdict(list)
    for member in members.values():
        if member.sphere_id is not None:
            by_sphere[member.sphere_id].append(member)
    rows = []
    for sphere in ContactSphere.objects.order_by("code"):
        in_it = sorted(by_sphere.get(sphere.pk, []), key=lambda m: m.name.casefold())
        count = len(in_it)
        state = "missing" if count == 0 else "thin" if count <= t["sphere_thin_max"] else "ok"
        rows.append(
            SphereRow(
                sphere_id=sphere.pk,
                code=sphere.code,
                name=sphere.name,
                members=in_it,
                state=state,
                open_seats=list(free.get(sphere.pk, [])) if state != "ok" else [],
            )
        )
    return sorted(rows, key=lambda r: (r.count, r.name.casefold()))


# --- the mix ---------------------------------------------------------------------------------


@dataclass
class StaleMix:
    active: int
    joined_recently: int
    left_recently: int
    turnover: float | None  # (joined + left) / (active + left) over the turnover window
    median_days: int | None  # the median time the active members have held their seats
    stale: bool
    reasons: list[str]

    @property
    def median_years(self) -> float | None:
        return None if self.median_days is None else round(self.median_days / 365.25, 1)

    def as_dict(self) -> dict[str, Any]:
        return {
            "active_members": self.active,
            "joined_recently": self.joined_recently,
            "left_recently": self.left_recently,
            "turnover": self.turnover,
            "median_tenure_days": self.median_days,
            "median_tenure_years": self.median_years,
            "stale": self.stale,
            "reasons": self.reasons,
        }


def stale_mix(
    group: Group, members: Mapping[int, Member], today: datetime.date, t: Mapping[str, int]
) -> StaleMix:
    """Turnover and how long the current professions have been held (one query: who left)."""
    since = today - datetime.timedelta(days=t["turnover_days"])
    zone = ZoneInfo(group.time_zone)
    cutoff = datetime.datetime.combine(since, datetime.time.min, tzinfo=zone)
    left = Membership.objects.filter(
        group=group,
        status__in=[Membership.Status.LEFT, Membership.Status.TERMINATED],
        left_at__gte=cutoff,
    ).count()
    joined = sum(1 for m in members.values() if m.joined_on is not None and m.joined_on >= since)
    active = len(members)
    people = active + left
    turnover = round((joined + left) / people, 4) if people else None
    tenures = [(today - m.joined_on).days for m in members.values() if m.joined_on is not None]
    median = int(statistics.median(tenures)) if tenures else None
    reasons: list[str] = []
    if turnover is not None and turnover * 100 < t["stale_turnover_below_pct"]:
        reasons.append(
            _(
                "Only %(joined)d joined and %(left)d left in the last %(days)d days: a turnover "
                "of %(pct).1f%%, below %(limit)d%%."
            )
            % {
                "joined": joined,
                "left": left,
                "days": t["turnover_days"],
                "pct": turnover * 100,
                "limit": t["stale_turnover_below_pct"],
            }
        )
    if median is not None and median / 365.25 > t["stale_median_above_years"]:
        reasons.append(
            _(
                "Half the members have held their profession here for more than %(years).1f "
                "years (the limit is %(limit)d)."
            )
            % {"years": median / 365.25, "limit": t["stale_median_above_years"]}
        )
    return StaleMix(
        active=active,
        joined_recently=joined,
        left_recently=left,
        turnover=turnover,
        median_days=median,
        stale=bool(reasons),
        reasons=reasons,
    )


# --- power teams -----------------------------------------------------------------------------


def shared_clients(
    group: Group, start: datetime.date, end: datetime.date, member_ids: Iterable[int]
) -> dict[tuple[int, int], int]:
    """(a, b) with a < b → clients both served: prospects with the same company or email in
    two different non-confidential slips, one involving each (giving or receiving it). A slip
    between the two alone is their exchange, not shared clientele. One query; only the keys
    leave it, never shown."""
    ids = set(member_ids)
    rows = (
        _slips(group, start, end)
        .filter(confidential=False)
        .filter(Q(giver_id__in=ids) | Q(receiver_id__in=ids))
        .annotate(
            company_key=Lower(Trim("prospect_company")), email_key=Lower(Trim("prospect_email"))
        )
        .exclude(company_key="", email_key="")
        .order_by()
        .values_list("pk", "giver_id", "receiver_id", "company_key", "email_key")
    )
    # Prospects are one client when their company or their email matches (union-find).
    parent: dict[str, str] = {}

    def find(key: str) -> str:
        while parent.setdefault(key, key) != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    slips: list[tuple[int, set[int], list[str]]] = []
    for pk, giver, receiver, company, email in rows:
        keys = [f"c:{company}"] if company else []
        if email:
            keys.append(f"e:{email}")
        for key in keys[1:]:
            parent[find(key)] = find(keys[0])
        slips.append((pk, {giver, receiver} & ids, keys))
    involved: dict[str, dict[int, set[int]]] = defaultdict(lambda: defaultdict(set))
    for pk, people, keys in slips:
        client = find(keys[0])
        for person in people:
            involved[client][person].add(pk)
    shared: Counter[tuple[int, int]] = Counter()
    for by_person in involved.values():
        for a, b in combinations(sorted(by_person), 2):
            if len(by_person[a] | by_person[b]) >= 2:
                shared[(a, b)] += 1
    return dict(shared)


@dataclass
class PowerTeam:
    members: list[Member]
    sphere: str
    points: int
    referrals: int  # exchanged between the team's members in the window
    reasons: list[str]
    missing: list[str]  # open seats in the team's sphere
    missing_text: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "members": [m.as_dict() for m in self.members],
            "sphere": self.sphere,
            "points": self.points,
            "referrals": self.referrals,
            "reasons": self.reasons,
            "missing": self.missing,
            "missing_text": self.missing_text,
        }


@dataclass(frozen=True)
class _Link:
    referrals: int
    shared: int
    same_sphere: bool
    points: int


def _links(
    members: Mapping[int, Member],
    pairs: Mapping[tuple[int, int], int],
    shared: Mapping[tuple[int, int], int],
    t: Mapping[str, int],
) -> dict[tuple[int, int], _Link]:
    """Every pair of active members with referrals or shared clients between them."""
    keys = {tuple(sorted(p)) for p in pairs if p[0] in members and p[1] in members} | set(shared)
    links: dict[tuple[int, int], _Link] = {}
    for a, b in keys:
        referrals = pairs.get((a, b), 0) + pairs.get((b, a), 0)
        clients = shared.get((a, b), 0)
        same = members[a].sphere_id is not None and members[a].sphere_id == members[b].sphere_id
        points = (
            referrals
            + min(clients * t["team_shared_client_points"], t["team_shared_client_cap"])
            + (t["team_same_sphere_points"] if same else 0)
        )
        links[(a, b)] = _Link(referrals, clients, same, points)
    return links


def _reason(a: Member, b: Member, link: _Link) -> str:
    """ "Anna (Florist) and Bruno (Caterer) exchanged 9 referrals; both serve Weddings &
    events; they share 3 clients" — the facts that hold, the first one right after the names."""
    parts = []
    if link.referrals:
        parts.append(
            ngettext("exchanged %(n)d referral", "exchanged %(n)d referrals", link.referrals)
            % {"n": link.referrals}
        )
    if link.same_sphere:
        parts.append(_("both serve %(sphere)s") % {"sphere": a.sphere})
    if link.shared:
        parts.append(
            (
                ngettext("they share %(n)d client", "they share %(n)d clients", link.shared)
                if parts
                else ngettext("share %(n)d client", "share %(n)d clients", link.shared)
            )
            % {"n": link.shared}
        )
    return _("%(a)s and %(b)s %(facts)s") % {"a": a.label, "b": b.label, "facts": "; ".join(parts)}


def power_teams(
    members: Mapping[int, Member],
    pairs: Mapping[tuple[int, int], int],
    shared: Mapping[tuple[int, int], int],
    free: Mapping[int, list[str]],
    t: Mapping[str, int] = THRESHOLDS,
) -> list[PowerTeam]:
    """Teams of 3–5 members, greedily and deterministically: the strongest free pair that
    exchanged enough referrals starts a team; of the free members with referrals or the same
    sphere in common with at least half the team, one of those links strong enough, the one
    with the most points to the whole team joins (ties: more referrals, then the lower user
    id); a team that stays under the minimum size is dropped and its members stay free."""
    links = _links(members, pairs, shared, t)

    def link(a: int, b: int) -> _Link | None:
        return links.get((a, b) if a < b else (b, a))

    taken: set[int] = set()
    teams: list[PowerTeam] = []
    seeds = sorted(
        (pair for pair, ln in links.items() if ln.referrals >= t["team_seed_referrals"]),
        key=lambda pair: (-links[pair].points, -links[pair].referrals, pair),
    )
    for a, b in seeds:
        if len(teams) >= t["team_max"]:
            break
        if a in taken or b in taken:
            continue
        team = [a, b]
        while len(team) < t["team_max_size"]:
            best: tuple[int, int, int] | None = None  # (points, referrals, -user id)
            for candidate in members:
                if candidate in taken or candidate in team:
                    continue
                found = [ln for m in team if (ln := link(candidate, m)) is not None]
                # Referrals or a sphere in common with at least half the team, and a strong
                # link to one of them: a team, not a chain of pairs.
                close = [ln for ln in found if ln.referrals or ln.same_sphere]
                if 2 * len(close) < len(team) or not any(
                    ln.points >= t["team_join_points"] for ln in close
                ):
                    continue
                points = sum(ln.points for ln in found)
                score = (points, sum(ln.referrals for ln in found), -candidate)
                if best is None or score > best:
                    best = score
            if best is None:
                break
            team.append(-best[2])
        if len(team) < t["team_min_size"]:
            continue
        taken.update(team)
        teams.append(_team([members[m] for m in team], links, free, t))
    return teams


def _team(
    people: list[Member],
    links: Mapping[tuple[int, int], _Link],
    free: Mapping[int, list[str]],
    t: Mapping[str, int],
) -> PowerTeam:
    inside = []
    for a, b in combinations(people, 2):
        key = (a.user_id, b.user_id) if a.user_id < b.user_id else (b.user_id, a.user_id)
        ln = links.get(key)
        if ln is not None and (ln.referrals or ln.shared):
            first, second = (a, b) if a.user_id == key[0] else (b, a)
            inside.append((ln, first, second))
    inside.sort(key=lambda item: (-item[0].points, item[1].user_id, item[2].user_id))
    spheres = Counter(m.sphere_id for m in people if m.sphere_id is not None)
    sphere_id: int | None = None
    sphere = ""
    if spheres:
        # The most common sphere; ties go to the sphere of the earliest member listed.
        top = max(spheres.values())
        sphere_id = next(
            m.sphere_id for m in people if m.sphere_id is not None and spheres[m.sphere_id] == top
        )
        sphere = next(m.sphere for m in people if m.sphere_id == sphere_id)
    missing = list(free.get(sphere_id, []))[: t["team_open_seats_shown"]] if sphere_id else []
    missing_text = (
        _("To complete it, invite: %(professions)s (open in %(sphere)s).")
        % {"professions": ", ".join(missing), "sphere": sphere}
        if missing
        else ""
    )
    return PowerTeam(
        members=people,
        sphere=sphere,
        points=sum(ln.points for ln, _a, _b in inside),
        referrals=sum(ln.referrals for ln, _a, _b in inside),
        reasons=[_reason(a, b, ln) for ln, a, b in inside],
        missing=missing,
        missing_text=missing_text,
    )


# --- the report ------------------------------------------------------------------------------


@dataclass
class ChapterHealth:
    group: Group
    today: datetime.date
    start: datetime.date
    end: datetime.date
    thresholds: Mapping[str, int]
    members: int
    referrals: int
    confidential: int
    takes_more: list[Balance]
    never_receives: list[Balance]
    rarely_receives: list[Balance]
    gives_to_few: list[Balance]
    spheres: list[SphereRow]
    stale: StaleMix
    power_teams: list[PowerTeam]

    @property
    def thin_spheres(self) -> list[SphereRow]:
        return [s for s in self.spheres if s.state != "ok"]

    @property
    def sphere_chart(self) -> list[dict[str, Any]]:
        """Bars for the inline SVG: up to 200 units wide for the largest sphere, 22 apart;
        coordinates as text so no locale puts a decimal comma in them."""
        top = max((s.count for s in self.spheres), default=0) or 1
        return [
            {
                "row": s,
                "y": str(i * 22),
                "text_y": str(i * 22 + 14),
                "width": f"{s.count * 200 / top:.1f}",
                "end": f"{194 + s.count * 200 / top:.1f}",
            }
            for i, s in enumerate(self.spheres)
        ]

    @property
    def chart_height(self) -> str:
        return str(len(self.spheres) * 22)

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group.pk,
            "today": self.today,
            "from": self.start,
            "to": self.end,
            "thresholds": dict(self.thresholds),
            "active_members": self.members,
            "referrals": self.referrals,
            "confidential_referrals": self.confidential,
            "takes_more_than_gives": [b.as_dict() for b in self.takes_more],
            "gives_never_receives": [b.as_dict() for b in self.never_receives],
            "gives_rarely_receives": [b.as_dict() for b in self.rarely_receives],
            "gives_to_few": [b.as_dict() for b in self.gives_to_few],
            "spheres": [s.as_dict() for s in self.spheres],
            "stale_mix": self.stale.as_dict(),
            "power_teams": [team.as_dict() for team in self.power_teams],
        }


def chapter_health(
    group: Group, today: datetime.date, thresholds: Mapping[str, int] = THRESHOLDS
) -> ChapterHealth:
    """The whole report in a fixed number of queries, whatever the number of members."""
    t = {**THRESHOLDS, **thresholds}
    start, end = window(today, t)
    members = active_members(group)
    totals = _slips(group, start, end).aggregate(
        referrals=Count("pk"), confidential=Count("pk", filter=Q(confidential=True))
    )
    given = given_by_member(group, start, end)
    received = received_by_member(group, start, end)
    pairs = referral_pairs(group, start, end)
    balances = _balances(members, given, received)
    free = open_professions(group, members)
    return ChapterHealth(
        group=group,
        today=today,
        start=start,
        end=end,
        thresholds=t,
        members=len(members),
        referrals=totals["referrals"],
        confidential=totals["confidential"],
        takes_more=takes_more_than_gives(balances, t),
        never_receives=gives_never_receives(balances, t),
        rarely_receives=gives_rarely_receives(balances, t),
        gives_to_few=gives_to_few(balances, pairs, members, t),
        spheres=contact_spheres(members, free, t),
        stale=stale_mix(group, members, today, t),
        power_teams=power_teams(
            members, pairs, shared_clients(group, start, end, members), free, t
        ),
    )


def access_health(user: Any, key: int | str) -> Group:
    """A group whose health ``user`` may read: its leaders and those of the groups above it.
    404 where the group cannot be seen or has no members, 403 for everyone else."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no members to report on."))
    if not can_manage(user, group):
        raise PermissionDenied(_("Only the group's leaders see its health."))
    return group
