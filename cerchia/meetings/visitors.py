"""Visitors: members invite them, they register on a public page without an account, their
visits are counted against the group's visitor limit, the inviter is credited and the visitor
hosts get follow-up tasks.

A visit counts (``attended_q``) when the visitor's registration was checked in, or — once the
meeting has ended, at a meeting where nobody was checked in (the door did not use check-in) —
when it stayed ``registered`` and was not marked a no-show. Registrations for meetings still to
come (not cancelled, not over) are *booked* visits: they count against the limit too, so a
visitor cannot book five weeks ahead to get round it. Cancelled meetings never count.

Who invited a visitor for a visit is the registration's ``registered_by``; the visitor's
``invited_by`` is whoever invited them first. Contacts (email, phone) are for the group's
leaders and visitor hosts and for the person who invited that visitor; other members see the
names of the visitors coming to a meeting, nobody else anything."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django_tasks import task

from cerchia.accounts.models import Profession, User
from cerchia.audit.services import record
from cerchia.groups.access import Rights, access_group, rights_in
from cerchia.groups.kinds import GroupVisibility
from cerchia.groups.models import MANAGER_ROLES, Group, Membership
from cerchia.lib.money import format_money
from cerchia.meetings.access import access_meeting, can_run
from cerchia.meetings.models import Audience, FollowUpTask, Meeting, Registration, Visitor
from cerchia.meetings.registrations import (
    LIVE,
    RegistrationError,
    local_time,
    register,
    status_message,
)
from cerchia.notices.services import notify

Status = Registration.Status
INVITATION_SALT = "cerchia.meetings.visitor-invitation"
# An invitation link works this long (and never after its meeting has ended).
INVITATION_MAX_AGE = datetime.timedelta(days=120)
# The same address may register for visits at most this often per hour (the public page).
REGISTRATIONS_PER_EMAIL_PER_HOUR = 3
# Follow-up tasks are due this many days after the visit.
FOLLOW_UP_DUE_DAYS = 2
# The daily job looks back this far for ended meetings without follow-up tasks.
FOLLOW_UP_LOOKBACK_DAYS = 14
MAX_NAME = 160


class VisitorError(RegistrationError):
    """A visitor action the rules refuse; the message is shown to the person."""


class VisitLimitReached(VisitorError):
    """The visitor has had all the visits the group allows: they must join to come again."""

    def __init__(self, message: str, *, check: VisitCheck, group: Group) -> None:
        super().__init__(message)
        self.check = check
        self.group = group


class NonMemberPriceOnly(VisitLimitReached):
    """Past the limit, but the group lets them come at the non-member price if they accept."""


# --- visit counts -------------------------------------------------------------------------


def _door_used(prefix: str = "") -> Exists:
    """Someone was checked in at the (outer) registration's meeting."""
    return Exists(
        Registration.objects.filter(
            meeting_id=OuterRef(f"{prefix}meeting_id"), checked_in_at__isnull=False
        )
    )


def attended_q(now: datetime.datetime) -> Q:
    """A registration that was a visit (see the module's docstring), as a filter on
    ``Registration``."""
    return Q(visitor__isnull=False, meeting__cancelled_at__isnull=True) & (
        Q(checked_in_at__isnull=False)
        | (Q(status=Status.REGISTERED, no_show=False, meeting__ends_at__lte=now) & ~Q(_door_used()))
    )


def booked_q(now: datetime.datetime) -> Q:
    """A registration for a visit still to come: live, not checked in, meeting not over."""
    return Q(
        visitor__isnull=False,
        status__in=LIVE,
        checked_in_at__isnull=True,
        meeting__cancelled_at__isnull=True,
        meeting__ends_at__gt=now,
    )


@dataclass(frozen=True)
class VisitCheck:
    """Where a visitor stands against the group's visitor limit before one more visit."""

    visits: int  # attended visits so far
    booked: int  # visits booked at other meetings still to come
    limit: int  # 0: no limit
    non_member_price: bool  # past the limit they may still come at the non-member price

    @property
    def prior(self) -> int:
        return self.visits + self.booked

    @property
    def past_limit(self) -> bool:
        return self.limit > 0 and self.prior >= self.limit

    @property
    def refused(self) -> bool:
        return self.past_limit and not self.non_member_price

    @property
    def audience(self) -> str:
        return Audience.NON_MEMBER if self.past_limit else Audience.VISITOR


def check_visit(
    meeting: Meeting, visitor: Visitor | None, now: datetime.datetime | None = None
) -> VisitCheck:
    """The visitor's visits to the meeting's group, other than this meeting (one query)."""
    now = now or timezone.now()
    rules = meeting.group.rules
    visits = booked = 0
    if visitor is not None and visitor.pk is not None:
        row = (
            Registration.objects.filter(visitor=visitor, meeting__group_id=meeting.group_id)
            .exclude(meeting=meeting)
            .aggregate(
                visits=Count("pk", filter=attended_q(now)),
                booked=Count("pk", filter=booked_q(now)),
            )
        )
        visits, booked = row["visits"] or 0, row["booked"] or 0
    return VisitCheck(
        visits=visits,
        booked=booked,
        limit=rules.visitor_visit_limit,
        non_member_price=rules.non_member_price,
    )


def _count_of(qs: QuerySet[Registration]) -> Subquery:
    return Subquery(
        qs.order_by().values("visitor_id").annotate(n=Count("pk")).values("n")[:1],
        output_field=IntegerField(),
    )


def with_visits(qs: QuerySet[Visitor], now: datetime.datetime | None = None) -> QuerySet[Visitor]:
    """Annotate visitors with ``visits`` (attended), ``booked`` (to come) and ``last_visit``
    (the start of the latest attended visit): subqueries, one query in all."""
    now = now or timezone.now()
    mine = Registration.objects.filter(visitor_id=OuterRef("pk"))
    attended = mine.filter(attended_q(now))
    return qs.annotate(
        visits=Coalesce(_count_of(attended), Value(0)),
        booked=Coalesce(_count_of(mine.filter(booked_q(now))), Value(0)),
        last_visit=Subquery(
            attended.order_by()
            .values("visitor_id")
            .annotate(last=Max("meeting__starts_at"))
            .values("last")[:1]
        ),
    )


# --- who sees what ------------------------------------------------------------------------


def sees_visitors(rights: Rights) -> bool:
    """Every visitor of the group with their contacts: its leaders (officers, visitor hosts
    included) and the administrators of the groups above."""
    return can_run(rights)


def invited_by_q(user_id: int) -> Q:
    """Visitors this person invited: first, or to any visit."""
    return Q(invited_by_id=user_id) | Q(
        pk__in=Registration.objects.filter(registered_by_id=user_id, visitor__isnull=False).values(
            "visitor_id"
        )
    )


def access_visitors(user: Any, key: int | str) -> Rights:
    """A group's visitors page: 404 where the group cannot be seen or takes no members,
    403 for anyone but its active members and leaders."""
    group = access_group(user, key)
    if group.is_informal or not group.rules.accepts_members:
        raise Http404(_("This group has no visitors."))
    rights = rights_in(user, group)
    if not (rights.active_member or can_run(rights)):
        raise PermissionDenied(_("Visitors are for the members of this group."))
    return rights


def visitors_for(rights: Rights) -> QuerySet[Visitor]:
    """The group's visitors whose contacts this person may see: all of them for its leaders
    and hosts, those they invited for a member, none for anyone else."""
    qs = Visitor.objects.filter(group=rights.group)
    if sees_visitors(rights):
        return qs
    if rights.membership is None or not rights.active_member:
        return qs.none()
    return qs.filter(invited_by_q(rights.membership.user_id))


def access_visitor(user: Any, visitor_id: int, *, group: Group | None = None) -> Visitor:
    """One visitor, for the group's leaders and hosts and whoever invited them; 404 for
    everyone else — nobody learns that someone visited a group."""
    groups = Group.objects.visible_to(user)
    if group is not None:
        groups = groups.filter(pk=group.pk)
    visitor = (
        Visitor.objects.filter(pk=visitor_id, group__in=groups)
        .select_related("group__parent", "profession", "invited_by__profile")
        .first()
    )
    if visitor is None:
        raise Http404(_("No such visitor"))
    rights = rights_in(user, visitor.group)
    if not visitors_for(rights).filter(pk=visitor.pk).exists():
        raise Http404(_("No such visitor"))
    return visitor


def access_task(user: Any, task_id: int) -> FollowUpTask:
    """A follow-up task, for the group's leaders and hosts and its assignee; 404 otherwise."""
    found = (
        FollowUpTask.objects.filter(pk=task_id, group__in=Group.objects.visible_to(user))
        .select_related("group__parent", "visitor", "meeting", "assignee__profile")
        .first()
    )
    if found is None:
        raise Http404(_("No such task"))
    if found.assignee_id != getattr(user, "pk", None) and not sees_visitors(
        rights_in(user, found.group)
    ):
        raise Http404(_("No such task"))
    return found


def access_meeting_to_invite(user: Any, meeting_id: int) -> Meeting:
    """A meeting ``user`` may invite visitors to: its group's active members and leaders
    (404 where the meeting cannot be seen, 403 for anyone else)."""
    meeting, rights = access_meeting(user, meeting_id)
    if not (rights.active_member or can_run(rights)):
        raise PermissionDenied(_("Only members of the group invite visitors."))
    return meeting


@dataclass(frozen=True)
class Invitation:
    """What an invitation link says: the meeting, the visitor invited and who invited them."""

    meeting: Meeting
    visitor: Visitor | None
    inviter: User | None


def invitation_token(meeting: Meeting, visitor: Visitor, inviter: Any) -> str:
    data = {"m": meeting.pk, "v": visitor.pk, "i": getattr(inviter, "pk", None)}
    return signing.dumps(data, salt=INVITATION_SALT, compress=True)


def invitation_url(meeting: Meeting, visitor: Visitor, inviter: Any) -> str:
    path = reverse("visitors:visit", args=[meeting.pk])
    return f"{path}?t={invitation_token(meeting, visitor, inviter)}"


def read_invitation(meeting: Meeting, token: str) -> Invitation | None:
    """The invitation a link's token carries, if it is genuine, recent and for this meeting."""
    try:
        data = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("m") != meeting.pk:
        return None
    visitor_id, inviter_id = data.get("v"), data.get("i")
    visitor = (
        Visitor.objects.filter(pk=visitor_id, group_id=meeting.group_id).first()
        if isinstance(visitor_id, int)
        else None
    )
    inviter = (
        User.objects.filter(pk=inviter_id, is_active=True).first()
        if isinstance(inviter_id, int)
        else None
    )
    return Invitation(meeting=meeting, visitor=visitor, inviter=inviter)


def access_visit_page(meeting_id: int, token: str = "") -> tuple[Meeting, Invitation | None]:
    """The public visitor page of a meeting: open to anyone for a public group's meetings,
    and for any other group's only through a genuine invitation link; 404 otherwise."""
    meeting = (
        Meeting.objects.filter(pk=meeting_id).select_related("group__parent", "series").first()
    )
    if meeting is None or meeting.group.is_informal:
        raise Http404(_("No such meeting"))
    invitation = read_invitation(meeting, token) if token else None
    if invitation is None and meeting.group.visibility != GroupVisibility.PUBLIC:
        raise Http404(_("No such meeting"))
    return meeting, invitation


# --- reads for the pages ------------------------------------------------------------------


def visitor_list(rights: Rights, now: datetime.datetime | None = None) -> QuerySet[Visitor]:
    """The visitors this person may see, with visit counts, latest visit first."""
    return (
        with_visits(visitors_for(rights), now)
        .select_related("profession", "invited_by__profile")
        .order_by(Coalesce("last_visit", "created_at").desc(), "name", "pk")
    )


def visits_of(visitor: Visitor, now: datetime.datetime | None = None) -> list[Registration]:
    """A visitor's registrations in their group, newest first, each marked ``attended``."""
    now = now or timezone.now()
    rows = (
        Registration.objects.filter(visitor=visitor)
        .select_related("meeting", "registered_by__profile")
        .annotate(attended=ExpressionWrapper(attended_q(now), output_field=BooleanField()))
        .order_by("-meeting__starts_at", "-pk")
    )
    return list(rows)


def visitors_at(meeting: Meeting) -> list[str]:
    """The names of the visitors coming to a meeting (what members may see)."""
    return list(
        Registration.objects.filter(
            meeting=meeting, visitor__isnull=False, status__in=[Status.REGISTERED, Status.OFFERED]
        )
        .order_by("name", "pk")
        .values_list("name", flat=True)
    )


def upcoming_visits(group: Group, now: datetime.datetime | None = None) -> list[dict[str, Any]]:
    """The group's next meetings open to visitors with the names of the visitors coming to
    each (for members: names only). Two queries."""
    meetings = list(open_meetings(group, now)[:8])
    names: dict[int, list[str]] = defaultdict(list)
    rows = Registration.objects.filter(
        meeting__in=meetings,
        visitor__isnull=False,
        status__in=[Status.REGISTERED, Status.OFFERED],
    ).order_by("name", "pk")
    for meeting_id, name in rows.values_list("meeting_id", "name"):
        names[meeting_id].append(name)
    return [{"meeting": m, "visitors": names.get(m.pk, [])} for m in meetings]


def open_meetings(group: Group, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """The group's meetings visitors may still come to: not over, not cancelled, not for
    members only."""
    now = now or timezone.now()
    return Meeting.objects.filter(
        group=group, ends_at__gt=now, cancelled_at__isnull=True, members_only=False
    ).order_by("starts_at", "pk")


def recent_meetings(group: Group, now: datetime.datetime | None = None) -> QuerySet[Meeting]:
    """Meetings of the last week that have started and had visitors: to follow up now."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            group=group,
            starts_at__lte=now,
            starts_at__gt=now - datetime.timedelta(days=7),
            cancelled_at__isnull=True,
        )
        .filter(Exists(Registration.objects.filter(meeting=OuterRef("pk"), visitor__isnull=False)))
        .order_by("-starts_at")
    )


def visitors_brought(
    group: Group, since: datetime.datetime, until: datetime.datetime
) -> list[dict[str, Any]]:
    """Per member: the visits they brought to the group's meetings that started in
    [since, until) — attended visits credited to each visit's inviter — and how many
    different visitors. Most first. One query."""
    now = timezone.now()
    rows = (
        Registration.objects.filter(
            meeting__group=group,
            registered_by__isnull=False,
            meeting__starts_at__gte=since,
            meeting__starts_at__lt=until,
        )
        .filter(attended_q(now))
        .values("registered_by_id", "registered_by__profile__display_name", "registered_by__email")
        .annotate(visits=Count("pk"), visitors=Count("visitor_id", distinct=True))
        .order_by("-visits", "registered_by__profile__display_name", "registered_by_id")
    )
    return [
        {
            "user_id": row["registered_by_id"],
            "name": row["registered_by__profile__display_name"] or row["registered_by__email"],
            "visits": row["visits"],
            "visitors": row["visitors"],
        }
        for row in rows
    ]


def tasks_for(rights: Rights, *, done: bool | None = False) -> QuerySet[FollowUpTask]:
    """The group's follow-up tasks: all for its leaders and hosts, their own for anyone
    else. ``done``: False open ones (default), True finished ones, None all."""
    qs = FollowUpTask.objects.filter(group=rights.group)
    if not sees_visitors(rights):
        user_id = rights.membership.user_id if rights.membership is not None else None
        qs = qs.filter(assignee_id=user_id) if user_id is not None else qs.none()
    if done is not None:
        qs = qs.filter(done_at__isnull=not done)
    return qs.select_related("visitor", "meeting", "assignee__profile").order_by(
        "done_at", "due_on", "pk"
    )


# --- writes -------------------------------------------------------------------------------


def _clean_person(name: str, email: str, phone: str, company: str) -> tuple[str, str, str, str]:
    name, email = (name or "").strip(), (email or "").strip().lower()
    phone, company = (phone or "").strip(), (company or "").strip()
    if not name or len(name) > MAX_NAME:
        raise VisitorError(
            _("A visitor needs a name of at most %(count)s characters.") % {"count": MAX_NAME}
        )
    try:
        validate_email(email)
    except ValidationError:
        raise VisitorError(_("Enter the visitor's email address.")) from None
    if len(phone) > 32:
        raise VisitorError(_("A phone number has at most 32 characters."))
    if len(company) > 160:
        raise VisitorError(_("A company name has at most 160 characters."))
    return name, email, phone, company


def _member_account(group: Group, email: str, user: Any = None) -> User | None:
    """The account of an active member of ``group`` with this address (or ``user`` if they
    are one): a member is not a visitor."""
    accounts = Q(user__email__iexact=email)
    if getattr(user, "is_authenticated", False):
        accounts |= Q(user=user)
    membership = (
        Membership.objects.filter(accounts, group=group, status=Membership.Status.ACTIVE)
        .select_related("user")
        .first()
    )
    return membership.user if membership is not None else None


def _check_meeting_open(meeting: Meeting, now: datetime.datetime) -> None:
    if meeting.is_cancelled:
        raise VisitorError(_("This meeting was cancelled."))
    if meeting.ends_at <= now:
        raise VisitorError(_("This meeting is over."))
    if meeting.members_only:
        raise VisitorError(
            _("%(meeting)s is for members only: visitors cannot come.") % {"meeting": meeting.title}
        )


def _upsert_visitor(
    group: Group,
    *,
    name: str,
    email: str,
    phone: str,
    company: str,
    profession: Profession | None,
    inviter: Any,
    account: Any,
) -> tuple[Visitor, bool]:
    """The group's visitor with this address, created or locked; blank details are filled
    in, given ones never overwritten (anyone may type any address on the public page)."""
    visitor, created = Visitor.objects.get_or_create(
        group=group,
        email=email,
        defaults={
            "name": name,
            "phone": phone,
            "company": company,
            "profession": profession,
            "invited_by": inviter if getattr(inviter, "is_authenticated", False) else None,
            "user": account if getattr(account, "is_authenticated", False) else None,
        },
    )
    # One visit at a time per visitor: two registrations at once cannot both slip under
    # the limit.
    visitor = Visitor.objects.select_for_update().get(pk=visitor.pk)
    if not created:
        changed: list[str] = []
        for field, value in (("phone", phone), ("company", company), ("profession", profession)):
            if value and not getattr(visitor, field):
                setattr(visitor, field, value)
                changed.append(field)
        if visitor.invited_by_id is None and getattr(inviter, "is_authenticated", False):
            visitor.invited_by = inviter
            changed.append("invited_by")
        if visitor.user_id is None and getattr(account, "is_authenticated", False):
            visitor.user = account
            changed.append("user")
        if changed:
            visitor.save(update_fields=changed)
    visitor.group = group
    return visitor, created


def _limit_error(check: VisitCheck, meeting: Meeting, *, name: str = "") -> VisitLimitReached:
    """What a visitor past the limit is told: by name to the member inviting them, as "you"
    on the visitor page (``name`` empty)."""
    group = meeting.group
    params = {
        "name": name,
        "group": group.name,
        "count": check.prior,
        "price": meeting.price_display(Audience.NON_MEMBER),
    }
    if check.non_member_price:
        message = (
            _(
                "%(name)s has already had %(count)s visits to %(group)s, the most a visitor "
                "may. %(name)s can still come to this meeting at the non-member price of "
                "%(price)s — or join the group."
            )
            if name
            else _(
                "You have already had %(count)s visits to %(group)s, the most a visitor may. "
                "You can still come to this meeting at the non-member price of %(price)s — or "
                "join the group."
            )
        )
        return NonMemberPriceOnly(message % params, check=check, group=group)
    message = (
        _(
            "%(name)s has already had %(count)s visits to %(group)s, the most a visitor may: "
            "invite %(name)s to join the group instead."
        )
        if name
        else _(
            "You have already had %(count)s visits to %(group)s, the most a visitor may. To "
            "come again, join the group."
        )
    )
    return VisitLimitReached(message % params, check=check, group=group)


def _visit(
    meeting: Meeting,
    visitor: Visitor,
    *,
    actor: Any,
    inviter: Any,
    check: VisitCheck,
    name: str,
    email: str,
) -> Registration:
    """Register the visitor (the limit already checked) and credit the inviter."""
    registration = register(meeting, actor=actor, visitor=visitor, name=name, email=email)
    changed: list[str] = []
    if check.past_limit:
        # Past the limit where the group allows it: they come, at the non-member price.
        registration.audience = Audience.NON_MEMBER
        registration.price_minor = meeting.price_for(Audience.NON_MEMBER)
        changed += ["audience", "price_minor"]
    inviter_id = (
        getattr(inviter, "pk", None) if getattr(inviter, "is_authenticated", False) else None
    )
    if registration.registered_by_id != inviter_id:
        registration.registered_by = inviter if inviter_id is not None else None
        changed.append("registered_by")
    if changed:
        registration.save(update_fields=changed)
    return registration


@transaction.atomic
def invite_visitor(
    meeting: Meeting,
    *,
    actor: User,
    name: str,
    email: str,
    phone: str = "",
    company: str = "",
    profession: Profession | None = None,
    register_now: bool = False,
) -> tuple[Visitor, Registration | None]:
    """A member invites someone to visit ``meeting``: the group's visitor record is created
    (or completed), the visitor is emailed a link to the meeting's visitor page — and, with
    ``register_now``, registered at once (a walk-in, or someone who asked by phone).

    Refused for a member of the group, a meeting visitors cannot come to, and — where the
    group does not let them pay the non-member price — a visitor past the visitor limit."""
    rights = rights_in(actor, meeting.group)
    if not (rights.active_member or can_run(rights)):
        raise VisitorError(_("Only members of the group invite visitors."))
    now = timezone.now()
    _check_meeting_open(meeting, now)
    name, email, phone, company = _clean_person(name, email, phone, company)
    if _member_account(meeting.group, email) is not None:
        raise VisitorError(
            _("%(email)s is a member of %(group)s, not a visitor.")
            % {"email": email, "group": meeting.group.name}
        )
    visitor, created = _upsert_visitor(
        meeting.group,
        name=name,
        email=email,
        phone=phone,
        company=company,
        profession=profession,
        inviter=actor,
        account=None,
    )
    check = check_visit(meeting, visitor, now)
    if check.refused:
        raise _limit_error(check, meeting, name=visitor.name)
    registration = None
    if register_now:
        registration = _visit(
            meeting,
            visitor,
            actor=actor,
            inviter=actor,
            check=check,
            name=visitor.name,
            email=visitor.email,
        )
    record(
        actor,
        "meetings.visitor.invited",
        visitor,
        {
            "meeting": meeting.pk,
            "new": created,
            "registration": registration.pk if registration is not None else None,
            "non_member_price": check.past_limit,
        },
    )
    language = get_language() or ""
    if registration is None:
        transaction.on_commit(
            lambda: send_visitor_invitation.enqueue(visitor.pk, meeting.pk, actor.pk, language)
        )
    else:
        # Registered already: the email they need is their ticket, not a link to register.
        registration_id = registration.pk
        transaction.on_commit(lambda: send_visit_confirmation.enqueue(registration_id, language))
    return visitor, registration


@transaction.atomic
def add_visitor(
    group: Group,
    *,
    actor: User,
    name: str,
    email: str,
    phone: str = "",
    company: str = "",
    profession: Profession | None = None,
) -> Visitor:
    """Put someone on the group's visitor list without inviting them to a meeting yet (a
    prospect a member met); nothing is sent."""
    rights = rights_in(actor, group)
    if not (rights.active_member or can_run(rights)):
        raise VisitorError(_("Only members of the group invite visitors."))
    name, email, phone, company = _clean_person(name, email, phone, company)
    if _member_account(group, email) is not None:
        raise VisitorError(
            _("%(email)s is a member of %(group)s, not a visitor.")
            % {"email": email, "group": group.name}
        )
    visitor, created = _upsert_visitor(
        group,
        name=name,
        email=email,
        phone=phone,
        company=company,
        profession=profession,
        inviter=actor,
        account=None,
    )
    record(actor, "meetings.visitor.added", visitor, {"new": created})
    return visitor


@transaction.atomic
def register_visit(
    meeting: Meeting,
    *,
    name: str,
    email: str,
    company: str = "",
    profession: Profession | None = None,
    phone: str = "",
    user: Any = None,
    invitation: Invitation | None = None,
    accept_non_member_price: bool = False,
) -> Registration:
    """A visitor registers on the public visitor page (``user``: their account, if signed
    in). Counts their visits to the group first: past the limit they are refused — or, where
    the group allows it, registered at the non-member price once they ``accept`` it.

    Raises ``VisitLimitReached`` / ``NonMemberPriceOnly`` (a ``VisitorError``) for the page to
    say what to do, and ``VisitorError`` for everything else."""
    now = timezone.now()
    group = meeting.group
    _check_meeting_open(meeting, now)
    name, email, phone, company = _clean_person(name, email, phone, company)
    if _member_account(group, email, user) is not None:
        raise VisitorError(
            _(
                "You are a member of %(group)s: sign in and register from the meeting's page "
                "(members are not visitors)."
            )
            % {"group": group.name}
        )
    recent = Registration.objects.filter(
        visitor__email=email, created_at__gte=now - datetime.timedelta(hours=1)
    ).count()
    if recent >= REGISTRATIONS_PER_EMAIL_PER_HOUR:
        raise VisitorError(
            _("Too many registrations for this address in the last hour: try again later.")
        )
    inviter = invitation.inviter if invitation is not None else None
    # Typing an address proves nothing: the visitor is linked to an account only when its
    # owner is signed in.
    account = user if getattr(user, "is_authenticated", False) else None
    visitor, created = _upsert_visitor(
        group,
        name=name,
        email=email,
        phone=phone,
        company=company,
        profession=profession,
        inviter=inviter,
        account=account,
    )
    existing = Registration.objects.filter(meeting=meeting, visitor=visitor, status__in=LIVE)
    if existing.exists():
        raise VisitorError(
            _("%(email)s is already registered for %(meeting)s.")
            % {"email": email, "meeting": meeting.title}
        )
    check = check_visit(meeting, visitor, now)
    if check.past_limit and (check.refused or not accept_non_member_price):
        raise _limit_error(check, meeting)
    registration = _visit(
        meeting,
        visitor,
        actor=account,
        inviter=inviter,
        check=check,
        name=name,
        email=email,
    )
    record(
        account,
        "meetings.visitor.registered",
        registration,
        {
            "meeting": meeting.pk,
            "visitor": visitor.pk,
            "new_visitor": created,
            "visits_before": check.prior,
            "audience": registration.audience,
            "invited_by": getattr(inviter, "pk", None),
        },
    )
    if inviter is not None:
        notify(
            inviter,
            "visitors.registered",
            {"visitor": visitor.name, "meeting": meeting.title, "group": group.name},
            url=reverse("visitors:detail", args=[group.slug, visitor.pk]),
            key=f"visitors.registered:{registration.pk}",
        )
    language = get_language() or ""
    registration_id = registration.pk
    transaction.on_commit(lambda: send_visit_confirmation.enqueue(registration_id, language))
    return registration


# --- follow-up tasks ----------------------------------------------------------------------


def _hosts(group: Group) -> list[int]:
    """Who follows visitors up: the group's visitor hosts; else its president; else its
    administrators (ids, in a stable order)."""
    active = Membership.objects.filter(group=group, status=Membership.Status.ACTIVE)
    for roles in (
        [Membership.Role.VISITOR_HOST],
        [Membership.Role.PRESIDENT],
        list(MANAGER_ROLES),
    ):
        ids = list(active.filter(role__in=roles).order_by("pk").values_list("user_id", flat=True))
        if ids:
            return ids
    return []


def _due_on(meeting: Meeting) -> datetime.date:
    local_day = timezone.localtime(meeting.starts_at, ZoneInfo(meeting.group.time_zone)).date()
    return local_day + datetime.timedelta(days=FOLLOW_UP_DUE_DAYS)


def follow_up_meeting(
    meeting: Meeting, *, actor: Any = None, now: datetime.datetime | None = None
) -> list[FollowUpTask]:
    """The follow-up tasks of a meeting's visits: a thank-you after a visitor's first visit,
    an invitation to apply after the second (nothing after later ones, nor for a visitor who
    has joined since). Assigned to the visitor host with the fewest open tasks, due two days
    after the meeting. Idempotent: each task exists once (``followup_once_per_visit``).
    Returns the tasks it created."""
    now = now or timezone.now()
    group = meeting.group
    attended = list(
        Registration.objects.filter(meeting=meeting)
        .filter(attended_q(now))
        .select_related("visitor")
    )
    if not attended:
        return []
    visitor_ids = [r.visitor_id for r in attended]
    # Each visitor's visits up to this meeting: which one was this?
    earlier = (
        Registration.objects.filter(visitor_id__in=visitor_ids)
        .filter(attended_q(now))
        .filter(
            Q(meeting__starts_at__lt=meeting.starts_at)
            | Q(meeting__starts_at=meeting.starts_at, meeting_id__lt=meeting.pk)
        )
        .values("visitor_id")
        .annotate(n=Count("pk"))
    )
    before = {row["visitor_id"]: row["n"] for row in earlier}
    joined = set(
        Visitor.objects.filter(pk__in=visitor_ids)
        .filter(
            Exists(
                Membership.objects.filter(group=group, status=Membership.Status.ACTIVE).filter(
                    Q(user_id=OuterRef("user_id")) | Q(user__email__iexact=OuterRef("email"))
                )
            )
        )
        .values_list("pk", flat=True)
    )
    kinds = {1: FollowUpTask.Kind.THANK_YOU, 2: FollowUpTask.Kind.INVITE_TO_APPLY}
    hosts = _hosts(group)
    load: dict[int, int] = defaultdict(int)
    for row in (
        FollowUpTask.objects.filter(group=group, done_at__isnull=True, assignee_id__in=hosts)
        .values("assignee_id")
        .annotate(n=Count("pk"))
    ):
        load[row["assignee_id"]] = row["n"]
    created: list[FollowUpTask] = []
    for registration in attended:
        visitor = registration.visitor
        assert visitor is not None
        kind = kinds.get(before.get(visitor.pk, 0) + 1)
        if kind is None or visitor.pk in joined:
            continue
        assignee_id = min(hosts, key=lambda pk: (load[pk], hosts.index(pk))) if hosts else None
        with transaction.atomic():
            found, was_created = FollowUpTask.objects.get_or_create(
                visitor=visitor,
                meeting=meeting,
                kind=kind,
                defaults={
                    "group": group,
                    "assignee_id": assignee_id,
                    "due_on": _due_on(meeting),
                },
            )
        if not was_created:
            continue
        if assignee_id is not None:
            load[assignee_id] += 1
        found.meeting = meeting
        found.visitor = visitor
        record(
            actor,
            "meetings.visitor_task.created",
            found,
            {"kind": kind, "visitor": visitor.pk, "meeting": meeting.pk, "assignee": assignee_id},
        )
        if assignee_id is not None:
            notify(
                User(pk=assignee_id),
                "visitors.follow_up",
                {
                    "task": found.get_kind_display(),
                    "visitor": visitor.name,
                    "group": group.name,
                    "meeting": meeting.title,
                    "date": found.due_on.isoformat(),
                },
                url=reverse("visitors:list", args=[group.slug]),
                key=f"visitors.follow_up:{found.pk}",
            )
        created.append(found)
    return created


@transaction.atomic
def close_visits(meeting: Meeting, *, actor: User) -> list[FollowUpTask]:
    """A leader closes the door (or the day): follow-up tasks for this meeting's visits now,
    without waiting for the daily job."""
    if not can_run(rights_in(actor, meeting.group)):
        raise VisitorError(_("Only the group's leaders may do this."))
    if meeting.starts_at > timezone.now():
        raise VisitorError(_("Visits are followed up once the meeting has started."))
    tasks = follow_up_meeting(meeting, actor=actor)
    record(actor, "meetings.visitors.closed", meeting, {"tasks": len(tasks)})
    return tasks


def run_daily_visitors(today: datetime.date | None = None) -> dict[str, int]:
    """The daily step: follow-up tasks for the visits of meetings that ended by the end of
    ``today`` (up to two weeks back, so a missed day is caught up). Idempotent."""
    now = timezone.now()
    if today is not None:
        end_of_day = timezone.make_aware(
            datetime.datetime.combine(today + datetime.timedelta(days=1), datetime.time.min)
        )
        now = min(now, end_of_day)
    meetings = (
        Meeting.objects.filter(
            ends_at__lte=now,
            ends_at__gt=now - datetime.timedelta(days=FOLLOW_UP_LOOKBACK_DAYS),
            cancelled_at__isnull=True,
        )
        .filter(Exists(Registration.objects.filter(meeting=OuterRef("pk"), visitor__isnull=False)))
        .select_related("group__parent")
    )
    created = 0
    for meeting in meetings:
        with transaction.atomic():
            created += len(follow_up_meeting(meeting, now=now))
    return {"visitor_tasks": created}


@transaction.atomic
def complete_task(found: FollowUpTask, *, actor: User) -> FollowUpTask:
    """Mark a follow-up task done: its assignee, or the group's leaders and hosts."""
    if found.assignee_id != actor.pk and not sees_visitors(rights_in(actor, found.group)):
        raise VisitorError(_("Only the group's visitor hosts and leaders may do this."))
    if found.done_at is not None:
        raise VisitorError(_("This task is already done."))
    found.done_at = timezone.now()
    found.save(update_fields=["done_at"])
    record(actor, "meetings.visitor_task.done", found, {"kind": found.kind})
    return found


# --- emails to people without an account --------------------------------------------------


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _where(meeting: Meeting) -> str:
    return ", ".join(part for part in (meeting.venue, meeting.online_url) if part)


@task()
def send_visitor_invitation(
    visitor_id: int, meeting_id: int, inviter_id: int, language: str = ""
) -> bool:
    """Email a visitor their invitation: the meeting and the link to its visitor page (a
    signed link, so it opens the page of a private group's meeting too)."""
    visitor = Visitor.objects.filter(pk=visitor_id).first()
    meeting = Meeting.objects.filter(pk=meeting_id).select_related("group").first()
    inviter = User.objects.filter(pk=inviter_id).select_related("profile").first()
    if visitor is None or meeting is None or meeting.is_cancelled:
        return False
    with translation.override(language or settings.LANGUAGE_CODE):
        inviter_name = (
            (getattr(getattr(inviter, "profile", None), "display_name", "") or inviter.email)
            if inviter is not None
            else meeting.group.name
        )
        params = {
            "name": visitor.name,
            "inviter": inviter_name,
            "group": meeting.group.name,
            "meeting": meeting.title,
            "start": local_time(meeting, meeting.starts_at),
            "where": _where(meeting) or "—",
            "link": _absolute(invitation_url(meeting, visitor, inviter)),
        }
        check = check_visit(meeting, visitor)
        price = ""
        if check.past_limit and not check.refused:
            price = "\n\n" + _(
                "You have already visited %(group)s %(count)s times, the most a visitor may: "
                "you can come at the non-member price of %(price)s."
            ) % {
                "group": meeting.group.name,
                "count": check.prior,
                "price": meeting.price_display(Audience.NON_MEMBER),
            }
        send_mail(
            subject=_("%(inviter)s invites you to %(meeting)s") % params,
            message=_(
                "Hello %(name)s,\n\n%(inviter)s invites you to visit %(group)s at "
                "%(meeting)s on %(start)s (%(where)s).\n\nRegister here — no account "
                "needed:\n%(link)s"
            )
            % params
            + price,
            from_email=None,
            recipient_list=[visitor.email],
        )
    return True


@task()
def send_visit_confirmation(registration_id: int, language: str = "") -> bool:
    """Email a visitor what became of their registration, with their ticket code."""
    registration = (
        Registration.objects.filter(pk=registration_id, visitor__isnull=False)
        .select_related("meeting__group", "visitor")
        .first()
    )
    if registration is None or not registration.email:
        return False
    meeting = registration.meeting
    with translation.override(language or settings.LANGUAGE_CODE):
        params = {
            "name": registration.name,
            "group": meeting.group.name,
            "meeting": meeting.title,
            "start": local_time(meeting, meeting.starts_at),
            "where": _where(meeting) or "—",
            "status": status_message(registration),
            "code": registration.code,
            "price": format_money(registration.price_minor, meeting.group.currency),
            "link": _absolute(reverse("registrations:ticket", args=[registration.code])),
        }
        send_mail(
            subject=_("Your visit to %(group)s: %(meeting)s") % params,
            message=_(
                "Hello %(name)s,\n\n%(status)s\n\n%(meeting)s, %(start)s (%(where)s).\n"
                "Price: %(price)s.\nYour ticket code: %(code)s — show it at the door:\n%(link)s"
            )
            % params,
            from_email=None,
            recipient_list=[registration.email],
        )
    return True
