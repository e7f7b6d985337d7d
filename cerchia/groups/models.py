from __future__ import annotations

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from cerchia.groups.kinds import (
    ELIGIBILITY_QUESTIONS,
    GroupVisibility,
    JoinPolicy,
    Kind,
    KindRules,
    rules_for,
)
from cerchia.lib.files import safe_stored_name
from cerchia.lib.validators import validate_currency, validate_time_zone

# Stored untranslated; ``Group.title`` shows it in the reader's language.
INFORMAL_NETWORK_NAME = gettext_noop("My informal network")

# How far up the organisation tree administrators' authority reaches (organisation → region →
# chapter → subgroup is already deeper than real trees).
MAX_DEPTH = 5


class GroupQuerySet(models.QuerySet["Group"]):
    def listed(self) -> GroupQuerySet:
        return self.exclude(kind=Kind.INFORMAL)

    def visible_to(self, user: Any) -> GroupQuerySet:
        """Groups whose page ``user`` may open (informal networks: their owner only)."""
        if not getattr(user, "is_authenticated", False):
            return self.filter(visibility=GroupVisibility.PUBLIC).listed()
        mine = (
            Membership.objects.filter(user=user)
            .exclude(status__in=GONE_STATUSES)
            .values("group_id")
        )
        active = Membership.objects.filter(user=user, status=Membership.Status.ACTIVE)
        managed = active.filter(role__in=MANAGER_ROLES).values("group_id")
        # Administrators of an organisation see every group below it, however deep.
        below_managed = Q()
        for depth in range(1, MAX_DEPTH):
            below_managed |= Q(**{"__".join(["parent"] * depth) + "_id__in": managed})
        return self.filter(
            Q(kind=Kind.INFORMAL, owner=user)
            | (
                ~Q(kind=Kind.INFORMAL)
                & (
                    Q(visibility__in=[GroupVisibility.PUBLIC, GroupVisibility.MEMBERS])
                    | Q(pk__in=mine)
                    | below_managed
                    # A group's members see its sections and committees, which they may join.
                    | (~Q(unit="") & Q(parent_id__in=active.values("group_id")))
                )
            )
        )


class Group(models.Model):
    """A networking group of one of the six kinds; chapters hang under their organisation."""

    class Unit(models.TextChoices):
        """What a group is to its parent: a group of its own (a chapter), or a section or
        committee drawn from the parent's members."""

        GROUP = "", _("Group")
        SECTION = "section", _("Section")
        COMMITTEE = "committee", _("Committee")

    name = models.CharField(_("name"), max_length=160)
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Sections and committees share their parent's kind (and so its rules); their members
    # must be active members of the parent.
    unit = models.CharField(
        _("section or committee"), max_length=10, choices=Unit.choices, blank=True, default=""
    )
    description = models.TextField(_("description"), blank=True)
    place = models.CharField(_("place"), max_length=160, blank=True)
    service_area = models.CharField(_("service area"), max_length=200, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, default="EUR", validators=[validate_currency]
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Europe/Rome", validators=[validate_time_zone]
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=10,
        choices=GroupVisibility.choices,
        default=GroupVisibility.PUBLIC,
    )
    join_policy = models.CharField(
        _("join policy"), max_length=12, choices=JoinPolicy.choices, default=JoinPolicy.REQUEST
    )
    # The group's own questions for applicants, on top of the standard ones its rules ask.
    custom_questions = models.JSONField(_("questions for applicants"), default=list, blank=True)
    # Per-group overrides of the kind's tunable rules (validated by kinds.clean_overrides).
    rule_overrides = models.JSONField(_("rule overrides"), default=dict, blank=True)
    # Rules an organisation sets for every group of its kind below it: they cannot override them.
    locked_rules = models.JSONField(_("rules set for the groups below"), default=list, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = GroupQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["name"]
        constraints = [
            # Each person has exactly one informal network.
            models.UniqueConstraint(
                fields=["owner"], condition=Q(kind="informal"), name="group_one_informal_per_owner"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("groups:detail", args=[self.slug])

    @property
    def rules(self) -> KindRules:
        """The kind's defaults, then the organisation's rules (chapters follow their
        organisation), then this group's own overrides except those the organisation locked."""
        locked = self.locked_by_organisation
        own = {k: v for k, v in (self.rule_overrides or {}).items() if k not in locked}
        return self.inherited_rules.with_overrides(own)

    @property
    def organisation(self) -> Group | None:
        """The group above of the same kind, whose rules this one follows (chapters)."""
        parent = self.parent
        return parent if parent is not None and parent.kind == self.kind else None

    @property
    def inherited_rules(self) -> KindRules:
        organisation = self.organisation
        return organisation.rules if organisation is not None else rules_for(self.kind)

    @property
    def locked_by_organisation(self) -> set[str]:
        organisation = self.organisation
        if organisation is None:
            return set()
        return set(organisation.locked_rules or []) | organisation.locked_by_organisation

    @property
    def title(self) -> str:
        """The name to show: an informal network's stored name is shown in the reader's language."""
        return gettext(self.name) if self.is_informal else self.name

    @property
    def is_informal(self) -> bool:
        return not rules_for(self.kind).listed


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.ACTIVE)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status__in=AWAITING_STATUSES)


class Membership(models.Model):
    class Status(models.TextChoices):
        INVITED = "invited", _("Invited")
        REQUESTED = "requested", _("Requested")
        APPLIED = "applied", _("Applied")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        REJECTED = "rejected", _("Rejected")
        LEFT = "left", _("Left")
        TERMINATED = "terminated", _("Terminated")

    class Standing(models.TextChoices):
        """Where a membership stands by date (CiviCRM-style), worked out by the status engine."""

        PENDING = "pending", _("Pending")
        ACTIVE = "active", _("Active")
        GRACE = "grace", _("In grace")
        LAPSED = "lapsed", _("Lapsed")
        RESIGNED = "resigned", _("Resigned")
        TERMINATED = "terminated", _("Terminated")

    class Category(models.TextChoices):
        FULL = "full", _("Full member")
        ASSOCIATE = "associate", _("Associate member")

    class LeaveReason(models.TextChoices):
        MOVED = "moved", _("I moved")
        COST = "cost", _("It costs too much")
        NO_REFERRALS = "no_referrals", _("Not enough referrals")
        TIME = "time", _("It takes too much time")
        OTHER = "other", _("Another reason")

    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        PRESIDENT = "president", _("President")
        VICE_PRESIDENT = "vice_president", _("Vice-president")
        SECRETARY_TREASURER = "secretary_treasurer", _("Secretary-treasurer")
        MEMBERSHIP_COMMITTEE = "membership_committee", _("Membership committee")
        VISITOR_HOST = "visitor_host", _("Visitor host")
        MODERATOR = "moderator", _("Moderator")
        ADMINISTRATOR = "administrator", _("Administrator")

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="memberships"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    role = models.CharField(_("role"), max_length=24, choices=Role.choices, default=Role.MEMBER)
    message = models.TextField(_("message"), blank=True, max_length=2000)
    # An applicant's answers to the eligibility questions: {code: answer, "custom": [answers]}.
    # Seen by the applicant and the group's reviewers only.
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    # The profession seat an active member holds where the group seats one member per
    # profession; a snapshot, so editing one's card does not move the seat.
    seat_profession = models.ForeignKey(
        "accounts.Profession",
        verbose_name=_("seat"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sponsor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sponsor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # When the application was made: the objection window runs from here.
    applied_at = models.DateTimeField(_("applied"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Why a member left: read by the retention reports.
    leave_reason = models.CharField(
        _("reason for leaving"), max_length=20, choices=LeaveReason.choices, blank=True
    )
    leave_note = models.CharField(_("note on leaving"), max_length=500, blank=True)
    # Dues: the tier (None: no dues, e.g. a free group or an honorary member) and the day the
    # paid-up term runs to (None with a tier: the first dues are not paid yet).
    tier = models.ForeignKey(
        "dues.Tier",
        verbose_name=_("tier"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    expires_on = models.DateField(_("paid up to"), null=True, blank=True)
    auto_renew = models.BooleanField(_("renews automatically"), default=True)
    # As last worked out by the daily status engine (``standing_on`` gives it for any day).
    standing = models.CharField(
        _("standing"),
        max_length=10,
        choices=Standing.choices,
        default=Standing.PENDING,
        db_index=True,
    )
    category = models.CharField(
        _("category"), max_length=10, choices=Category.choices, default=Category.FULL
    )
    # The end of a leadership role's term (None: a plain member, or no end set).
    role_until = models.DateField(_("role held until"), null=True, blank=True)
    # Reviewers asking an applicant for more before deciding.
    info_request = models.CharField(_("question for the applicant"), max_length=1000, blank=True)
    info_requested_at = models.DateTimeField(_("asked"), null=True, blank=True)
    joined_at = models.DateTimeField(_("joined"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["group", "user"]
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="membership_unique_person"),
            # One active member per profession per group: two approvals at the same moment
            # cannot both take a seat.
            models.UniqueConstraint(
                fields=["group", "seat_profession"],
                condition=Q(status="active", seat_profession__isnull=False),
                name="membership_one_seat_per_profession",
            ),
        ]
        indexes = [models.Index(fields=["user", "status"], name="membership_user_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    def standing_on(self, today: datetime.date) -> str:
        """The status engine: where this membership stands on ``today``, from its dates alone.

        pending (awaiting a decision or the first dues) → active (paid up) → grace (expired,
        within the group's grace days) → lapsed; resigned and terminated end it."""
        if self.status == self.Status.LEFT:
            return self.Standing.RESIGNED
        if self.status == self.Status.TERMINATED:
            return self.Standing.TERMINATED
        if self.status != self.Status.ACTIVE:
            return self.Standing.PENDING
        if self.tier_id is None:
            return self.Standing.ACTIVE
        if self.expires_on is None:
            return self.Standing.PENDING
        if today <= self.expires_on:
            return self.Standing.ACTIVE
        if today <= self.expires_on + datetime.timedelta(days=self.group.rules.grace_days):
            return self.Standing.GRACE
        return self.Standing.LAPSED

    def in_good_standing_on(self, today: datetime.date) -> bool:
        """Good standing: active (or in grace) by date and nothing overdue beyond the grace
        period. Checked for each person — it gates member prices, members-only events, the
        directory badge and voting. ``dues.selectors.good_standing_q`` is the same in SQL."""
        if self.standing_on(today) not in (self.Standing.ACTIVE, self.Standing.GRACE):
            return False
        grace = self.group.rules.grace_days
        return not self.invoices.overdue_beyond(today, grace).exists()

    @property
    def in_good_standing(self) -> bool:
        return self.in_good_standing_on(timezone.localdate())

    def answer_rows(self) -> list[tuple[Any, Any]]:
        """The application's answers as (question, answer) pairs, in the reader's language."""
        answers = self.answers if isinstance(self.answers, dict) else {}
        rows: list[tuple[Any, Any]] = []
        for code, question in ELIGIBILITY_QUESTIONS.items():
            if code in answers:
                rows.append(
                    (question.label, dict(question.choices).get(answers[code], answers[code]))
                )
        rows.extend(zip(self.group.custom_questions or [], answers.get("custom", []), strict=False))
        # What the reviewers asked afterwards, and what the applicant answered.
        rows.extend(
            (item.get("question", ""), item.get("answer", ""))
            for item in answers.get("more", [])
            if isinstance(item, dict)
        )
        return rows

    @property
    def objections_close_at(self) -> datetime.datetime | None:
        """Until when members may object to this application (None: no window)."""
        days = self.group.rules.objection_window_days
        if self.status != self.Status.APPLIED or not days or self.applied_at is None:
            return None
        return self.applied_at + datetime.timedelta(days=days)

    @property
    def objection_window_open(self) -> bool:
        closes = self.objections_close_at
        return closes is not None and timezone.now() < closes

    @property
    def can_manage(self) -> bool:
        return self.is_active and self.role in MANAGER_ROLES

    @property
    def can_review(self) -> bool:
        return self.is_active and self.role in REVIEWER_ROLES


class JobPostQuerySet(models.QuerySet["JobPost"]):
    def open_on(self, day: datetime.date) -> JobPostQuerySet:
        """Posts still open that day: not closed, not expired."""
        return self.filter(closed_at__isnull=True, expires_on__gte=day)


class JobPost(models.Model):
    """A career opportunity on a group's jobs board; it expires on its own."""

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="jobs"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("posted by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), max_length=4000)
    place = models.CharField(_("place"), max_length=160, blank=True)
    contact = models.CharField(_("how to apply"), max_length=200)
    public = models.BooleanField(_("shown to the public"), default=False)
    expires_on = models.DateField(_("open until"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(_("posted"), auto_now_add=True)

    objects = JobPostQuerySet.as_manager()

    class Meta:
        verbose_name = _("job post")
        verbose_name_plural = _("job posts")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["group", "expires_on"], name="job_group_expiry_idx")]

    def __str__(self) -> str:
        return self.title


class MentoringPreference(models.Model):
    """A member's opt-in to mentoring in a group, as mentor and/or mentee, with topics."""

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    as_mentor = models.BooleanField(_("offers mentoring"), default=False)
    as_mentee = models.BooleanField(_("seeks a mentor"), default=False)
    topics = models.CharField(_("topics"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("mentoring preference")
        verbose_name_plural = _("mentoring preferences")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="mentoring_preference_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class Mentoring(models.Model):
    """A mentoring pair in a group: requested by the mentee, accepted by the mentor."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        ACTIVE = "active", _("Active")
        DECLINED = "declined", _("Declined")
        ENDED = "ended", _("Ended")

    group = models.ForeignKey(
        Group, verbose_name=_("group"), on_delete=models.CASCADE, related_name="mentorings"
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor"),
        on_delete=models.CASCADE,
        related_name="mentorings_as_mentor",
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentee"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    note = models.CharField(_("what the mentee asks for"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("mentoring")
        verbose_name_plural = _("mentorings")
        ordering = ["-created_at"]
        constraints = [
            # One open request or running pair between the same two people in a group.
            models.UniqueConstraint(
                fields=["group", "mentor", "mentee"],
                condition=Q(status__in=["requested", "active"]),
                name="mentoring_one_open_pair",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.status})"


class Objection(models.Model):
    """A member's objection to an application, during the group's objection window."""

    membership = models.ForeignKey(
        Membership,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="objections",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    reason = models.TextField(_("reason"), max_length=2000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["membership", "member"], name="objection_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} objects to {self.membership}"


def evidence_upload_to(instance: ApplicationEvidence, filename: str) -> str:
    """Where an applicant's document is stored: under its group, in a folder of its own named
    by a random token, under a cleaned name — never the uploaded name as a path."""
    name = safe_stored_name(filename, instance.content_type)
    return f"evidence/{instance.membership.group_id}/{secrets.token_hex(16)}/{name}"


class ApplicationEvidence(models.Model):
    """A document an applicant adds to their application (a licence, a certificate); seen by
    the applicant and the group's reviewers only, and served only through an access check."""

    membership = models.ForeignKey(
        Membership,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="evidence",
    )
    file = models.FileField(_("file"), upload_to=evidence_upload_to, max_length=200)
    # The uploaded name's last part, shown to readers and offered on download.
    original_name = models.CharField(_("file name"), max_length=200)
    # What the file's first bytes proved it to be, never what the browser claimed.
    content_type = models.CharField(_("content type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("evidence document")
        verbose_name_plural = _("evidence documents")
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.original_name} for {self.membership}"

    def get_absolute_url(self) -> str:
        return reverse(
            "groups:evidence",
            args=[self.membership.group.slug, self.membership_id, self.pk],
        )


# Waiting for the group's decision.
AWAITING_STATUSES = (Membership.Status.REQUESTED, Membership.Status.APPLIED)
# No longer (or never) a member: these rows keep history only.
GONE_STATUSES = (
    Membership.Status.DECLINED,
    Membership.Status.REJECTED,
    Membership.Status.LEFT,
    Membership.Status.TERMINATED,
)
# Roles that run the group: settings, invitations, approvals, roles.
MANAGER_ROLES = (
    Membership.Role.PRESIDENT,
    Membership.Role.VICE_PRESIDENT,
    Membership.Role.ADMINISTRATOR,
)
# Roles that may decide on requests and applications.
REVIEWER_ROLES = (*MANAGER_ROLES, Membership.Role.MEMBERSHIP_COMMITTEE)
# Roles that see dues and invoices and record payments.
TREASURER_ROLES = (*MANAGER_ROLES, Membership.Role.SECRETARY_TREASURER)
# Roles that carry a term (everything but a plain member).
LEADERSHIP_ROLES = tuple(r for r in Membership.Role.values if r != Membership.Role.MEMBER)
