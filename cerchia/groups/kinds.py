"""The six kinds of networking group and the rules each brings, as data.

Views and services ask a group's rules (``group.rules``); they never branch on the kind's name.
Defaults come from ``shared/reference/`` (lead-groups.md, chambers-associations.md,
events-social-informal.md). A group may override the tunable rules within the bounds below.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    CHAMBER = "chamber", _("Chamber of commerce")
    LEAD_GROUP = "lead_group", _("Lead group")
    EVENT_NETWORK = "event_network", _("Event network")
    ASSOCIATION = "association", _("Association")
    ONLINE_COMMUNITY = "online_community", _("Online community")
    INFORMAL = "informal", _("Informal network")


class GroupVisibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Listed to signed-in members")
    PRIVATE = "private", _("Private")


class JoinPolicy(models.TextChoices):
    OPEN = "open", _("Open: anyone may join")
    REQUEST = "request", _("On request: administrators approve")
    INVITATION = "invitation", _("By invitation only")
    APPLICATION = "application", _("By application: reviewed before approval")


def _tunable(low: float, high: float, label: Any) -> dict[str, Any]:
    return {"tunable": True, "low": low, "high": high, "label": label}


def _switch(label: Any) -> dict[str, Any]:
    return {"tunable": True, "label": label}


@dataclass(frozen=True)
class KindRules:
    """What a kind of group does by default. Fields with ``tunable`` metadata may be overridden."""

    # Structure (fixed per kind).
    listed: bool = True
    accepts_members: bool = True
    default_visibility: str = GroupVisibility.PUBLIC
    default_join_policy: str = JoinPolicy.REQUEST
    join_policies: tuple[str, ...] = tuple(JoinPolicy.values)
    child_kinds: tuple[str, ...] = ()
    weekly_meetings: bool = False
    trust_levels: bool = False
    # Stricter profile defaults members are nudged to adopt in this kind (field -> level).
    profile_defaults: dict[str, str] = field(default_factory=dict)

    # Tunable per group.
    one_seat_per_profession: bool = field(
        default=False, metadata=_switch(_("One member per profession"))
    )
    members_only_events: bool = field(default=False, metadata=_switch(_("Members-only events")))
    visitor_visit_limit: int = field(
        default=0,
        metadata=_tunable(0, 52, _("Visits before a visitor is asked to join (0 = no limit)")),
    )
    non_member_price: bool = field(
        default=False, metadata=_switch(_("Visitors past the limit may pay the non-member price"))
    )
    max_absences_6_months: int = field(
        default=0,
        metadata=_tunable(0, 26, _("Absences allowed per rolling 6 months (0 = no limit)")),
    )
    substitutes_count_as_absence: bool = field(
        default=False, metadata=_switch(_("Substitutes count as absences"))
    )
    medical_leave_weeks: int = field(
        default=0, metadata=_tunable(0, 52, _("Medical leave (weeks)"))
    )
    offer_hours: int = field(
        default=48,
        metadata=_tunable(1, 168, _("Hours a promoted person has to take a freed seat")),
    )
    late_cancel_hours: int = field(
        default=3,
        metadata=_tunable(
            0, 72, _("Cancelling later than this many hours before counts as a no-show")
        ),
    )
    no_show_limit: int = field(
        default=3,
        metadata=_tunable(0, 20, _("No-shows before registrations need approval (0 = never)")),
    )
    referrals_expected_per_week: float = field(
        default=0.0, metadata=_tunable(0, 10, _("Referrals expected per member per week"))
    )
    follow_up_days: int = field(
        default=7, metadata=_tunable(1, 60, _("Days to follow up a new connection"))
    )
    grace_days: int = field(
        default=30, metadata=_tunable(0, 100, _("Grace period after expiry (days)"))
    )
    renewal_window_days: int = field(
        default=30, metadata=_tunable(0, 120, _("Renewal window before expiry (days)"))
    )
    lapsed_stay_listed: bool = field(
        default=False,
        metadata=_switch(
            _("Lapsed members stay in the directory (without the good-standing badge)")
        ),
    )
    role_term_months: int = field(
        default=12, metadata=_tunable(1, 60, _("Term of leadership roles (months)"))
    )
    women_network: bool = field(
        default=False,
        metadata=_switch(_("Women's network: other applicants are admitted as associate members")),
    )
    sponsor_required: bool = field(
        default=False, metadata=_switch(_("Applicants need a sponsor among the members"))
    )
    objection_window_days: int = field(
        default=0, metadata=_tunable(0, 30, _("Objection window for new members (days)"))
    )
    # Eligibility questions asked of applicants (ELIGIBILITY_QUESTIONS), one switch each.
    ask_licence: bool = field(
        default=False, metadata=_switch(_("Ask applicants: licence number and issuing body"))
    )
    ask_years_in_business: bool = field(
        default=False, metadata=_switch(_("Ask applicants: years in business"))
    )
    ask_revenue_band: bool = field(
        default=False, metadata=_switch(_("Ask applicants: yearly revenue band"))
    )
    ask_age_band: bool = field(default=False, metadata=_switch(_("Ask applicants: age band")))
    ask_gender: bool = field(default=False, metadata=_switch(_("Ask applicants: gender")))
    ask_alumni: bool = field(
        default=False, metadata=_switch(_("Ask applicants: school or university attended"))
    )
    jobs_board: bool = field(default=False, metadata=_switch(_("Jobs board for members")))
    jobs_public: bool = field(
        default=False, metadata=_switch(_("Job posts may be shown to the public"))
    )
    mentoring: bool = field(default=False, metadata=_switch(_("Mentoring between members")))
    mentee_cap: int = field(
        default=3, metadata=_tunable(1, 10, _("Mentees a mentor may have at once"))
    )
    competition_guidance: bool = field(
        default=False,
        metadata=_switch(_("Show confidentiality and antitrust guidance (groups of competitors)")),
    )
    posts_per_day_new_member: int = field(
        default=0, metadata=_tunable(0, 100, _("Posts per day for new members (0 = no limit)"))
    )
    # Safety of boards and introductions (cerchia.community.trust, limits, moderation).
    connection_requests_per_day: int = field(
        default=10, metadata=_tunable(1, 100, _("Connection requests a member may send per day"))
    )
    flags_to_hide_post: int = field(
        default=3,
        metadata=_tunable(1, 20, _("Distinct members' flags that hide a post until a moderator")),
    )
    trust_requirements_percent: int = field(
        default=100,
        metadata=_tunable(
            25, 400, _("Trust level requirements, as a percentage of the usual ones")
        ),
    )
    invitees_start_basic: bool = field(
        default=True, metadata=_switch(_("Invited members start at trust level 1 (basic)"))
    )
    dropout_days: int = field(
        default=30,
        metadata=_tunable(
            7, 365, _("Days after joining in which leaving or going silent counts as drop-out")
        ),
    )

    @classmethod
    def tunable_fields(cls) -> list[dataclasses.Field[Any]]:
        return [f for f in dataclasses.fields(cls) if f.metadata.get("tunable")]

    def with_overrides(self, overrides: dict[str, Any]) -> KindRules:
        return dataclasses.replace(self, **clean_overrides(overrides))

    @property
    def eligibility_questions(self) -> tuple[str, ...]:
        """The codes of the eligibility questions this group asks applicants."""
        return tuple(
            code
            for code in ELIGIBILITY_QUESTIONS
            if getattr(self, f"ask_{code}") or (code == "gender" and self.women_network)
        )

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in self.tunable_fields()}


@dataclass(frozen=True)
class Question:
    label: Any
    choices: tuple[tuple[str, Any], ...] = ()  # empty: free text (or a number)
    number: bool = False


# The standard eligibility questions (associations, chambers): what real groups ask.
ELIGIBILITY_QUESTIONS: dict[str, Question] = {
    "licence": Question(_("Licence number and issuing body")),
    "years_in_business": Question(_("Years in business"), number=True),
    "revenue_band": Question(
        _("Yearly revenue"),
        choices=(
            ("under_100k", _("Under €100,000")),
            ("100k_500k", _("€100,000–500,000")),
            ("500k_1m", _("€500,000–1 million")),
            ("1m_5m", _("€1–5 million")),
            ("over_5m", _("Over €5 million")),
        ),
    ),
    "age_band": Question(
        _("Age"),
        choices=(
            ("under_18", _("Under 18")),
            ("18_28", _("18–28")),
            ("29_40", _("29–40")),
            ("41_60", _("41–60")),
            ("over_60", _("Over 60")),
        ),
    ),
    "gender": Question(
        _("Gender"),
        choices=(
            ("woman", _("Woman")),
            ("man", _("Man")),
            ("non_binary", _("Non-binary")),
            ("undisclosed", _("Prefer not to say")),
        ),
    ),
    "alumni": Question(_("School or university attended, and year")),
}

STRICT_PROFILE = {
    "display_name": "groups",
    "company": "groups",
    "bio": "groups",
    "website": "groups",
    "location": "connections",
    "phone": "private",
    "email": "private",
}

KIND_RULES: dict[str, KindRules] = {
    # Paying local members; members-only events; visitors may come once, then join or pay more.
    Kind.CHAMBER: KindRules(
        default_join_policy=JoinPolicy.APPLICATION,
        child_kinds=(Kind.LEAD_GROUP, Kind.ASSOCIATION, Kind.EVENT_NETWORK),
        members_only_events=True,
        visitor_visit_limit=1,
        non_member_price=True,
        ask_years_in_business=True,
        jobs_board=True,
        follow_up_days=7,
        grace_days=30,
        renewal_window_days=30,
    ),
    # BNI-style chapters: one seat per profession, 3 absences per rolling 6 months, 2 visits.
    Kind.LEAD_GROUP: KindRules(
        default_join_policy=JoinPolicy.APPLICATION,
        child_kinds=(Kind.LEAD_GROUP,),
        weekly_meetings=True,
        one_seat_per_profession=True,
        members_only_events=True,
        visitor_visit_limit=2,
        max_absences_6_months=3,
        substitutes_count_as_absence=False,
        medical_leave_weeks=8,
        referrals_expected_per_week=1.0,
        follow_up_days=7,
        grace_days=30,
        renewal_window_days=30,
        sponsor_required=True,
        objection_window_days=7,
    ),
    # Trade shows, workshops, meetups: no commitment, follow-up within 3 days.
    Kind.EVENT_NETWORK: KindRules(
        default_join_policy=JoinPolicy.OPEN,
        child_kinds=(Kind.EVENT_NETWORK,),
        follow_up_days=3,
        grace_days=0,
        renewal_window_days=0,
    ),
    # Shared interest or qualification; eligibility on joining; overflow between competitors.
    Kind.ASSOCIATION: KindRules(
        default_join_policy=JoinPolicy.APPLICATION,
        child_kinds=(Kind.ASSOCIATION, Kind.LEAD_GROUP),
        competition_guidance=True,
        jobs_board=True,
        jobs_public=True,
        mentoring=True,
        ask_licence=True,
        ask_years_in_business=True,
        members_only_events=True,
        visitor_visit_limit=2,
        non_member_price=True,
        follow_up_days=7,
        grace_days=30,
        renewal_window_days=30,
    ),
    # Low barriers: strict privacy defaults, trust levels and limits for newcomers.
    Kind.ONLINE_COMMUNITY: KindRules(
        default_join_policy=JoinPolicy.OPEN,
        child_kinds=(Kind.ONLINE_COMMUNITY,),
        trust_levels=True,
        profile_defaults=STRICT_PROFILE,
        follow_up_days=7,
        grace_days=0,
        renewal_window_days=0,
        posts_per_day_new_member=3,
    ),
    # Everyone's own network: one private "group" per person, never listed, nobody joins.
    Kind.INFORMAL: KindRules(
        listed=False,
        accepts_members=False,
        default_visibility=GroupVisibility.PRIVATE,
        default_join_policy=JoinPolicy.INVITATION,
        join_policies=(JoinPolicy.INVITATION,),
        follow_up_days=14,
        grace_days=0,
        renewal_window_days=0,
    ),
}

CREATABLE_KINDS = [k for k in Kind.values if KIND_RULES[k].listed]


def rules_for(kind: str) -> KindRules:
    try:
        return KIND_RULES[kind]
    except KeyError:
        raise ValidationError(_("Unknown kind of group: %(kind)s") % {"kind": kind}) from None


def clean_overrides(overrides: dict[str, Any]) -> dict[str, Any]:
    """Validate per-group rule overrides; raise ValidationError naming the offending rule."""
    if not isinstance(overrides, dict):
        raise ValidationError(_("Rule overrides must be an object."))
    fields = {f.name: f for f in KindRules.tunable_fields()}
    cleaned: dict[str, Any] = {}
    for name, value in overrides.items():
        spec = fields.get(name)
        if spec is None:
            raise ValidationError(_("Unknown rule: %(rule)s") % {"rule": name})
        if spec.type in ("bool", bool):
            if not isinstance(value, bool):
                raise ValidationError(_("Rule %(rule)s must be true or false.") % {"rule": name})
            cleaned[name] = value
            continue
        number_type = float if spec.type in ("float", float) else int
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(_("Rule %(rule)s must be a number.") % {"rule": name})
        if number_type is int and not float(value).is_integer():
            raise ValidationError(_("Rule %(rule)s must be a whole number.") % {"rule": name})
        low, high = spec.metadata["low"], spec.metadata["high"]
        if not low <= value <= high:
            raise ValidationError(
                _("Rule %(rule)s must be between %(low)s and %(high)s.")
                % {"rule": name, "low": low, "high": high}
            )
        cleaned[name] = number_type(value)
    return cleaned
