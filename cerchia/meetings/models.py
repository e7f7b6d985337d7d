"""Meetings and events: one model for a chapter's weekly meeting and a 500-seat trade show.

A recurring series is an RFC 5545 rule (``Series.rrule``) with exceptions; its occurrences are
materialised as ``Meeting`` rows (each keeps its ``original_start``, the RECURRENCE-ID), so
registrations and attendance hang on a real row and a moved or cancelled week is just that
row changed. Times are stored aware (UTC) and shown in the group's time zone."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cerchia.lib.money import format_money


class MeetingKind(models.TextChoices):
    CHAPTER_MEETING = "chapter_meeting", _("Chapter meeting")
    MIXER = "mixer", _("Mixer")
    TRADE_SHOW = "trade_show", _("Trade show")
    WORKSHOP = "workshop", _("Workshop")
    SEMINAR = "seminar", _("Seminar")
    CONFERENCE = "conference", _("Conference")
    MEETUP = "meetup", _("Meetup")


# Kinds of meeting visitors may attend even where the group's other events are members-only.
OPEN_TO_VISITORS = (MeetingKind.CHAPTER_MEETING,)


class Audience(models.TextChoices):
    """Who pays which price: checked for each attendee, guests included."""

    MEMBER = "member", _("Member in good standing")
    NON_MEMBER = "non_member", _("Non-member")
    VISITOR = "visitor", _("Visitor")


class EventFields(models.Model):
    """What a series and each of its meetings share."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=160)
    description = models.TextField(_("description"), max_length=5000, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    members_only = models.BooleanField(_("members only"), default=False)
    approval_required = models.BooleanField(_("registrations need approval"), default=False)
    # Questions asked on registering (a list of strings).
    questions = models.JSONField(_("registration questions"), default=list, blank=True)
    price_member_minor = models.PositiveIntegerField(
        _("price for members (minor units)"), default=0
    )
    price_non_member_minor = models.PositiveIntegerField(
        _("price for non-members (minor units)"), default=0
    )
    price_visitor_minor = models.PositiveIntegerField(
        _("price for visitors (minor units)"), default=0
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        abstract = True

    def price_for(self, audience: str) -> int:
        return {
            Audience.MEMBER: self.price_member_minor,
            Audience.NON_MEMBER: self.price_non_member_minor,
            Audience.VISITOR: self.price_visitor_minor,
        }[Audience(audience)]


class Series(EventFields):
    """A recurring meeting: an RFC 5545 RRULE from ``dtstart`` (local time in ``time_zone``),
    with exception dates (holidays, a cancelled week) in ``exdates``."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="series"
    )
    rrule = models.CharField(_("recurrence rule (RFC 5545)"), max_length=300)
    dtstart = models.DateTimeField(_("first start"))
    time_zone = models.CharField(_("time zone"), max_length=64)
    duration_minutes = models.PositiveIntegerField(_("length (minutes)"))
    # Local start times (ISO, no offset) that do not happen.
    exdates = models.JSONField(_("exceptions"), default=list, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["group", "dtstart"]

    def __str__(self) -> str:
        return f"{self.title} ({self.rrule})"


class Meeting(EventFields):
    """One meeting or event of a group (alone, or one occurrence of a series)."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="meetings"
    )
    series = models.ForeignKey(
        Series,
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meetings",
    )
    # For an occurrence of a series: when the rule said it starts (the RECURRENCE-ID), even
    # when the meeting was moved.
    original_start = models.DateTimeField(_("scheduled start"), null=True, blank=True)
    starts_at = models.DateTimeField(_("starts"), db_index=True)
    ends_at = models.DateTimeField(_("ends"))
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Meeting mode: which agenda segment is running and since when (None: not live).
    live_segment = models.PositiveSmallIntegerField(_("running segment"), null=True, blank=True)
    live_since = models.DateTimeField(_("running since"), null=True, blank=True)
    # Meeting mode's round of 60-second presentations: whose turn it is and since when (a
    # person, not a position, so marking someone absent mid-round does not move the turn).
    live_member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("presenting now"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    live_member_since = models.DateTimeField(_("presenting since"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="meeting_ends_after_start"
            ),
            models.UniqueConstraint(
                fields=["series", "original_start"], name="meeting_one_per_occurrence"
            ),
        ]
        indexes = [models.Index(fields=["group", "starts_at"], name="meeting_group_start_idx")]

    def __str__(self) -> str:
        return f"{self.title} {self.starts_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.pk])

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600

    def price_display(self, audience: str) -> str:
        return format_money(self.price_for(audience), self.group.currency)


def new_ticket_code() -> str:
    """A ticket code people can type: 10 characters without look-alikes (0/O, 1/I/L)."""
    alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class Registration(models.Model):
    """A seat (or a place in the queue) at a meeting for one attendee: a user, a visitor
    without an account, or a guest brought by a member. Each attendee has their own row,
    audience and price."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waiting list")
        OFFERED = "offered", _("Seat offered")
        CANCELLED = "cancelled", _("Cancelled")
        DECLINED = "declined", _("Declined")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    visitor = models.ForeignKey(
        "meetings.Visitor",
        verbose_name=_("visitor"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    # A guest registered by someone else (who is not charged the guest's price by standing).
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=160)
    email = models.EmailField(_("email"), blank=True)
    audience = models.CharField(_("price"), max_length=12, choices=Audience.choices)
    price_minor = models.PositiveIntegerField(_("price (minor units)"), default=0)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, db_index=True)
    # The seat number held (1..capacity) while registered: unique per meeting, so two
    # registrations can never hold the same seat and a full meeting can never oversell.
    seat = models.PositiveIntegerField(_("seat"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offer open until"), null=True, blank=True)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    code = models.CharField(_("ticket code"), max_length=12, unique=True, default=new_ticket_code)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    # Cancelled too late (the group's rule) or registered and never came.
    no_show = models.BooleanField(_("no-show"), default=False)
    paid_minor = models.PositiveIntegerField(_("paid (minor units)"), default=0)
    payment_method = models.CharField(_("payment method"), max_length=16, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=120, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["meeting", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "seat"],
                condition=Q(seat__isnull=False),
                name="registration_one_per_seat",
            ),
            models.UniqueConstraint(
                fields=["meeting", "user"],
                condition=Q(user__isnull=False) & ~Q(status__in=["cancelled", "declined"]),
                name="registration_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["meeting", "visitor"],
                condition=Q(visitor__isnull=False) & ~Q(status__in=["cancelled", "declined"]),
                name="registration_once_per_visitor",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "status", "created_at"], name="registration_queue_idx")
        ]

    def __str__(self) -> str:
        return f"{self.name} → {self.meeting} ({self.status})"


class Attendance(models.Model):
    """A member's attendance at a meeting (BNI's PALMS: present, absent, late, medical,
    substitute)."""

    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        LATE = "late", _("Late")
        ABSENT = "absent", _("Absent")
        MEDICAL = "medical", _("Medical leave")
        SUBSTITUTE = "substitute", _("Sent a substitute")

    class Via(models.TextChoices):
        LEADER = "leader", _("Recorded by a leader")
        QR = "qr", _("Self check-in (QR code)")
        CODE = "code", _("Self check-in (code)")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="attendance"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="attendance",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    substitute_name = models.CharField(_("substitute"), max_length=160, blank=True)
    via = models.CharField(_("recorded"), max_length=8, choices=Via.choices, default=Via.LEADER)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["meeting", "user"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "user"], name="attendance_once"),
        ]
        indexes = [models.Index(fields=["user", "status"], name="attendance_user_status_idx")]

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}: {self.status}"

    @property
    def attended(self) -> bool:
        return self.status in (self.Status.PRESENT, self.Status.LATE)


class Visitor(models.Model):
    """Someone who visits a group's meetings before (maybe) joining: with or without an
    account. Visits are counted per visitor per group against the group's visitor limit."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="visitors"
    )
    name = models.CharField(_("name"), max_length=160)
    email = models.EmailField(_("email"))
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    company = models.CharField(_("company"), max_length=160, blank=True)
    profession = models.ForeignKey(
        "accounts.Profession",
        verbose_name=_("profession"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("visitor")
        verbose_name_plural = _("visitors")
        ordering = ["group", "name"]
        constraints = [
            # One visitor record per address per group: visits add up, whoever invites.
            models.UniqueConstraint(fields=["group", "email"], name="visitor_once_per_group"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.group})"


class FollowUpTask(models.Model):
    """Something a visitor host (or leader) should do: thank a first-time visitor, invite a
    second-time visitor to apply."""

    class Kind(models.TextChoices):
        THANK_YOU = "thank_you", _("Thank the visitor")
        INVITE_TO_APPLY = "invite_to_apply", _("Invite the visitor to apply")

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    visitor = models.ForeignKey(
        Visitor, verbose_name=_("visitor"), on_delete=models.CASCADE, related_name="tasks"
    )
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("after the meeting"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("for"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_on = models.DateField(_("due"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("follow-up task")
        verbose_name_plural = _("follow-up tasks")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["visitor", "meeting", "kind"], name="followup_once_per_visit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.visitor}"


class AgendaTemplate(models.Model):
    """An organisation's meeting agenda, used by every chapter below it."""

    group = models.OneToOneField(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="agenda"
    )
    name = models.CharField(_("name"), max_length=160)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("agenda template")
        verbose_name_plural = _("agenda templates")

    def __str__(self) -> str:
        return self.name


class AgendaSegment(models.Model):
    class Lead(models.TextChoices):
        PRESIDENT = "president", _("President")
        VICE_PRESIDENT = "vice_president", _("Vice-president")
        SECRETARY_TREASURER = "secretary_treasurer", _("Secretary-treasurer")
        MEMBERSHIP_COMMITTEE = "membership_committee", _("Membership committee")
        VISITOR_HOST = "visitor_host", _("Visitor host")
        EDUCATION = "education", _("Education coordinator")
        FEATURE_SPEAKER = "feature_speaker", _("Feature speaker")
        EVERY_MEMBER = "every_member", _("Every member in turn")
        VISITORS = "visitors", _("Visitors")

    template = models.ForeignKey(
        AgendaTemplate, verbose_name=_("agenda"), on_delete=models.CASCADE, related_name="segments"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=120)
    minutes = models.PositiveSmallIntegerField(_("minutes"))
    lead = models.CharField(_("led by"), max_length=24, choices=Lead.choices, blank=True)
    # Chapters may change this segment's title and minutes only where the organisation allows.
    adjustable = models.BooleanField(_("chapters may adjust"), default=False)

    class Meta:
        verbose_name = _("agenda segment")
        verbose_name_plural = _("agenda segments")
        ordering = ["template", "position"]
        constraints = [
            models.UniqueConstraint(fields=["template", "code"], name="segment_code_once"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title} ({self.minutes}′)"


class AgendaAdjustment(models.Model):
    """A chapter's own title or minutes for an adjustable segment of its organisation's agenda."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("chapter"), on_delete=models.CASCADE, related_name="+"
    )
    segment = models.ForeignKey(
        AgendaSegment,
        verbose_name=_("segment"),
        on_delete=models.CASCADE,
        related_name="adjustments",
    )
    title = models.CharField(_("title"), max_length=120, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), null=True, blank=True)

    class Meta:
        verbose_name = _("agenda adjustment")
        verbose_name_plural = _("agenda adjustments")
        constraints = [
            models.UniqueConstraint(fields=["group", "segment"], name="adjustment_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.segment}"


class SpeakerSlot(models.Model):
    """Who gives the feature presentation at a meeting (the rotation, weeks ahead)."""

    meeting = models.OneToOneField(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="speaker"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("speaker"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("feature speaker")
        verbose_name_plural = _("feature speakers")

    def __str__(self) -> str:
        return f"{self.user} at {self.meeting}"


class SpeakerOptOut(models.Model):
    """A member who asked not to be scheduled for the feature presentation in a group."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(_("asked"), auto_now_add=True)

    class Meta:
        verbose_name = _("feature presentation opt-out")
        verbose_name_plural = _("feature presentation opt-outs")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="speaker_opt_out_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.group}"


class CalendarToken(models.Model):
    """The secret in a person's private calendar feed address; revoking makes a new one."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="calendar_token",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user}"
