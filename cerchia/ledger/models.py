"""The ledger: every referral, closed deal, one-to-one, connection, follow-up and every euro and
hour spent on networking. Insights read it (through the monthly rollup at scale)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cerchia.lib.money import format_money


class Referral(models.Model):
    """A referral slip: a prospect passed from a giver to a receiver.

    The prospect's details are for the giver and the receiver only; a confidential slip shows
    nothing but its existence (counts) to anyone else."""

    class Kind(models.TextChoices):
        INSIDE = "inside", _("Inside (business from the giver)")
        OUTSIDE = "outside", _("Outside (a third party)")
        OVERFLOW = "overflow", _("Overflow (work the giver passes on)")

    class Status(models.TextChoices):
        GIVEN = "given", _("Given")
        CONTACTED = "contacted", _("Contacted")
        MEETING = "meeting", _("Meeting")
        PROPOSAL = "proposal", _("Proposal")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    # None: passed outside any group (the informal network).
    group = models.ForeignKey(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals",
    )
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("giver"),
        on_delete=models.PROTECT,
        related_name="referrals_given",
    )
    # A member (or a tie from the giver's informal network with an account)...
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("receiver"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referrals_received",
    )
    # ... or an external person without an account.
    receiver_name = models.CharField(_("receiver's name"), max_length=160, blank=True)
    receiver_email = models.EmailField(_("receiver's email"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.OUTSIDE)
    prospect_name = models.CharField(_("prospect"), max_length=160)
    prospect_company = models.CharField(_("prospect's company"), max_length=160, blank=True)
    prospect_email = models.EmailField(_("prospect's email"), blank=True)
    prospect_phone = models.CharField(_("prospect's phone"), max_length=32, blank=True)
    temperature = models.PositiveSmallIntegerField(
        _("temperature"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How well you prepared the prospect: 1 = a name, 5 = expecting the call."),
    )
    notes = models.TextField(_("notes"), blank=True)
    confidential = models.BooleanField(
        _("confidential"),
        default=False,
        help_text=_("Only you and the receiver see anything but the count."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.GIVEN, db_index=True
    )
    lost_reason = models.CharField(_("reason lost"), max_length=240, blank=True)
    given_on = models.DateField(_("given on"), db_index=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-given_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature__gte=1) & Q(temperature__lte=5),
                name="referral_temperature_1_5",
            ),
            models.CheckConstraint(
                condition=Q(receiver__isnull=False) | ~Q(receiver_name=""),
                name="referral_has_receiver",
            ),
            models.CheckConstraint(
                condition=~Q(receiver=models.F("giver")), name="referral_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["giver", "given_on"], name="referral_giver_idx"),
            models.Index(fields=["receiver", "given_on"], name="referral_receiver_idx"),
            models.Index(fields=["group", "given_on"], name="referral_group_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.giver_id} → {self.receiver_id or self.receiver_name}"

    @property
    def closed(self) -> bool:
        return self.status in (self.Status.WON, self.Status.LOST)

    @property
    def receiver_label(self) -> str:
        if self.receiver_id is not None:
            return str(self.receiver)
        return self.receiver_name


class ReferralStep(models.Model):
    """One move of a referral along the pipeline, for its history."""

    referral = models.ForeignKey(
        Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="steps"
    )
    status = models.CharField(_("status"), max_length=10, choices=Referral.Status.choices)
    note = models.CharField(_("note"), max_length=240, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("referral step")
        verbose_name_plural = _("referral steps")
        ordering = ["referral", "at", "pk"]

    def __str__(self) -> str:
        return f"#{self.referral_id} {self.status}"


class WeekClose(models.Model):
    """A leader closed a week of a chapter's slips: from then on only leaders change them."""

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    week_start = models.DateField(_("week starting"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed week")
        verbose_name_plural = _("closed weeks")
        ordering = ["group", "-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["group", "week_start"], name="weekclose_once"),
        ]

    def __str__(self) -> str:
        return f"{self.group_id} {self.week_start}"


class ClosedBusiness(models.Model):
    """Business the receiver closed thanks to the giver ("thank you for closed business"):
    against a referral or as a thank-you not tied to one slip."""

    class Kind(models.TextChoices):
        NEW = "new", _("New")
        REPEAT = "repeat", _("Repeat")

    referral = models.ForeignKey(
        Referral,
        verbose_name=_("referral"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="closed_business",
    )
    group = models.ForeignKey(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The person thanked (who passed the business) and the one who earned it.
    giver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("thanked"),
        on_delete=models.PROTECT,
        related_name="closed_business_given",
    )
    receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="closed_business_received",
    )
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.NEW)
    closed_on = models.DateField(_("closed on"), db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("closed business")
        verbose_name_plural = _("closed business")
        ordering = ["-closed_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_minor__gt=0), name="closed_amount_positive"),
            models.CheckConstraint(
                condition=~Q(receiver=models.F("giver")), name="closed_not_to_self"
            ),
        ]
        indexes = [
            models.Index(fields=["receiver", "closed_on"], name="closed_receiver_idx"),
            models.Index(fields=["giver", "closed_on"], name="closed_giver_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.amount_display} {self.giver_id} → {self.receiver_id}"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount_minor, self.currency)


class OneToOne(models.Model):
    """A one-to-one between two members: proposed, held (with notes) or cancelled."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        on_delete=models.PROTECT,
        related_name="one_to_ones_proposed",
    )
    partner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("with"),
        on_delete=models.PROTECT,
        related_name="one_to_ones_invited",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    scheduled_for = models.DateTimeField(_("planned for"), null=True, blank=True)
    held_on = models.DateField(_("held on"), null=True, blank=True, db_index=True)
    place = models.CharField(_("where"), max_length=160, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("one-to-one")
        verbose_name_plural = _("one-to-ones")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(proposer=models.F("partner")), name="one_to_one_not_self"
            ),
            models.CheckConstraint(
                condition=~Q(status="held") | Q(held_on__isnull=False),
                name="one_to_one_held_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proposer_id} ↔ {self.partner_id} ({self.status})"

    def other(self, user_id: int) -> int:
        return self.partner_id if self.proposer_id == user_id else self.proposer_id


class Connection(models.Model):
    """Someone I met: where and when, with the follow-up it calls for."""

    class Where(models.TextChoices):
        MEETING = "meeting", _("At a meeting or event")
        ONLINE = "online", _("In an online community")
        INTRODUCTION = "introduction", _("Through an introduction")
        ELSEWHERE = "elsewhere", _("Elsewhere")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="met",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    name = models.CharField(_("name"), max_length=160)
    email = models.EmailField(_("email"), blank=True)
    company = models.CharField(_("company"), max_length=160, blank=True)
    where = models.CharField(_("where"), max_length=14, choices=Where.choices)
    group = models.ForeignKey(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        verbose_name=_("meeting or event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    met_on = models.DateField(_("met on"), db_index=True)
    notes = models.TextField(_("notes"), blank=True)
    follow_up_due = models.DateField(_("follow up by"), db_index=True)
    followed_up_on = models.DateField(_("followed up on"), null=True, blank=True)
    # "done" (marked by hand) or what completed it: referral, one_to_one, closed_business...
    followed_up_via = models.CharField(_("followed up by"), max_length=20, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("connection made")
        verbose_name_plural = _("connections made")
        ordering = ["-met_on", "-pk"]
        constraints = [
            # One connection per person per meeting: the "people I met" list confirms in one
            # tap, twice is still once.
            models.UniqueConstraint(
                fields=["owner", "person", "meeting"],
                condition=Q(person__isnull=False) & Q(meeting__isnull=False),
                name="connection_once_per_meeting",
            ),
            models.CheckConstraint(
                condition=~Q(person=models.F("owner")), name="ledger_connection_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "met_on"], name="ledger_conn_owner_idx"),
            models.Index(
                fields=["owner", "follow_up_due"],
                condition=Q(followed_up_on__isnull=True),
                name="ledger_conn_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner_id} met {self.name}"

    @property
    def followed_up(self) -> bool:
        return self.followed_up_on is not None

    @property
    def followed_up_in_time(self) -> bool:
        return self.followed_up_on is not None and self.followed_up_on <= self.follow_up_due

    def overdue_on(self, day: datetime.date) -> bool:
        return self.followed_up_on is None and self.follow_up_due < day


class Investment(models.Model):
    """Money or hours a member put into networking: automatic (dues, fees, tickets, meeting
    hours) or entered by hand (travel, meals, materials, online hours, preparation)."""

    class Kind(models.TextChoices):
        DUES = "dues", _("Dues")
        FEE = "fee", _("Fees")
        TICKET = "ticket", _("Tickets")
        MEETING_HOURS = "meeting_hours", _("Meetings attended")
        TRAVEL = "travel", _("Travel")
        MEALS = "meals", _("Meals")
        MATERIALS = "materials", _("Materials")
        ONLINE_HOURS = "online_hours", _("Online hours")
        PREPARATION = "preparation", _("Preparation")
        OTHER = "other", _("Other")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="investments",
    )
    group = models.ForeignKey(
        "groups.Group",
        verbose_name=_("group"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    amount_minor = models.PositiveBigIntegerField(_("amount (minor units)"), default=0)
    # Blank when the entry is hours only.
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    hours = models.DecimalField(_("hours"), max_digits=8, decimal_places=2, default=0)
    spent_on = models.DateField(_("date"), db_index=True)
    notes = models.CharField(_("notes"), max_length=240, blank=True)
    automatic = models.BooleanField(_("automatic"), default=False)
    # Where an automatic entry comes from (one entry per source).
    payment = models.OneToOneField(
        "dues.Payment",
        verbose_name=_("payment"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="investment",
    )
    registration = models.OneToOneField(
        "meetings.Registration",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="investment",
    )
    attendance = models.OneToOneField(
        "meetings.Attendance",
        verbose_name=_("attendance"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="investment",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("investment")
        verbose_name_plural = _("investments")
        ordering = ["-spent_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_minor__gt=0) | Q(hours__gt=0), name="investment_not_empty"
            ),
            models.CheckConstraint(
                condition=Q(amount_minor=0) | ~Q(currency=""), name="investment_money_currency"
            ),
        ]
        indexes = [models.Index(fields=["user", "spent_on"], name="investment_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.spent_on}"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount_minor, self.currency) if self.amount_minor else ""


ROLLUP_COUNTERS = (
    "referrals_given",
    "referrals_received",
    "closed_given_count",
    "closed_received_count",
    "closed_given_minor",
    "closed_received_minor",
    "one_to_ones",
    "visitors_brought",
    "attended",
    "absent",
    "substituted",
    "connections",
    "follow_ups_done",
    "money_minor",
    "late",
    "education",
    "testimonials",
)


class Credit(models.Model):
    """What a member did for the chapter besides referrals, as the traffic lights count it: an
    education unit (a podcast, a book, a training module; BNI's CEU) or a testimonial given
    for another member at a meeting."""

    class Kind(models.TextChoices):
        EDUCATION = "education", _("Education unit")
        TESTIMONIAL = "testimonial", _("Testimonial")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="credits",
    )
    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="credits"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("what"), max_length=200)
    earned_on = models.DateField(_("date"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("credit")
        verbose_name_plural = _("credits")
        ordering = ["-earned_on", "-pk"]
        indexes = [
            models.Index(fields=["group", "earned_on"], name="credit_group_idx"),
            models.Index(fields=["user", "earned_on"], name="credit_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.earned_on}"


class Rollup(models.Model):
    """One member's month in one group, kept in step with the ledger in the same transaction.

    Money is kept per currency, so a member × group × month may have more than one row; counts
    are in the row of the group's currency. The informal network is the owner's informal group.
    ``cerchia rebuild-rollups`` recomputes every row from the ledger."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(_("month"))
    currency = models.CharField(_("currency"), max_length=3)
    referrals_given = models.IntegerField(default=0)
    referrals_received = models.IntegerField(default=0)
    closed_given_count = models.IntegerField(default=0)
    closed_received_count = models.IntegerField(default=0)
    closed_given_minor = models.BigIntegerField(default=0)
    closed_received_minor = models.BigIntegerField(default=0)
    one_to_ones = models.IntegerField(default=0)
    visitors_brought = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    absent = models.IntegerField(default=0)
    substituted = models.IntegerField(default=0)
    connections = models.IntegerField(default=0)
    follow_ups_done = models.IntegerField(default=0)
    money_minor = models.BigIntegerField(default=0)
    hours = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    late = models.IntegerField(default=0)
    education = models.IntegerField(default=0)
    testimonials = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("monthly rollup")
        verbose_name_plural = _("monthly rollups")
        ordering = ["group", "month", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group", "month", "currency"], name="rollup_once"
            ),
        ]
        indexes = [models.Index(fields=["group", "month"], name="rollup_group_month_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.group_id} {self.month:%Y-%m} {self.currency}"


# The counters the six-month rollup keeps: what the traffic lights score.
WINDOW_COUNTERS = (
    "referrals_given",
    "closed_received_minor",
    "one_to_ones",
    "visitors_brought",
    "attended",
    "absent",
    "substituted",
    "late",
    "education",
    "testimonials",
)


class SixMonthWindow(models.Model):
    """A six-month window whose ``SixMonthRollup`` rows exist: built once from the monthly
    rollup, then kept in step with it by every ledger write (``rollups.apply``)."""

    start = models.DateField(_("first month"), unique=True)
    last_month = models.DateField(_("last month"))
    built_at = models.DateTimeField(_("built"), auto_now_add=True)

    class Meta:
        verbose_name = _("six-month window")
        verbose_name_plural = _("six-month windows")
        ordering = ["-start"]

    def __str__(self) -> str:
        return f"{self.start:%Y-%m}..{self.last_month:%Y-%m}"


class SixMonthRollup(models.Model):
    """One member's six months (``SixMonthWindow``) in one group: the monthly rollup's rows of
    those months summed, one row per currency as there (counts in the group's currency's
    row). The organisation view reads one row per member instead of six."""

    start = models.DateField(_("first month"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="+"
    )
    currency = models.CharField(_("currency"), max_length=3)
    referrals_given = models.IntegerField(default=0)
    closed_received_minor = models.BigIntegerField(default=0)
    one_to_ones = models.IntegerField(default=0)
    visitors_brought = models.IntegerField(default=0)
    attended = models.IntegerField(default=0)
    absent = models.IntegerField(default=0)
    substituted = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    education = models.IntegerField(default=0)
    testimonials = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("six-month rollup")
        verbose_name_plural = _("six-month rollups")
        ordering = ["start", "group", "user"]
        constraints = [
            models.UniqueConstraint(
                fields=["start", "group", "user", "currency"], name="six_month_rollup_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.group_id} {self.start:%Y-%m}+6 {self.currency}"
