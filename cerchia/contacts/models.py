"""The informal network: each person's own contacts, what happened with them, and the
introductions they make. Private by construction: every row has an ``owner`` and nothing but
the owner's own queries (``cerchia.contacts.access``) ever reads it — no leader, moderator or
administrator page or endpoint lists another person's contacts."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Relationship(models.TextChoices):
    """The kind of tie (vCard ``RELATED;TYPE=`` values map onto these, see importers)."""

    FRIEND = "friend", _("Friend")
    FAMILY = "family", _("Family")
    PARTNER = "partner", _("Partner or spouse")
    NEIGHBOUR = "neighbour", _("Neighbour")
    ACQUAINTANCE = "acquaintance", _("Acquaintance")
    COLLEAGUE = "colleague", _("Colleague")
    FORMER_COLLEAGUE = "former_colleague", _("Former colleague")
    CLIENT = "client", _("Client")
    VENDOR = "vendor", _("Vendor or supplier")
    MENTOR = "mentor", _("Mentor")
    CLASSMATE = "classmate", _("Classmate or alumnus")
    MET = "met", _("Met once")
    OTHER = "other", _("Other")


class Source(models.TextChoices):
    MANUAL = "manual", _("Added by hand")
    LINKEDIN = "linkedin", _("LinkedIn")
    GOOGLE = "google", _("Google Contacts")
    VCARD = "vcard", _("vCard")


# A close tie: introductions that involve one carry a warning.
CLOSE_TIE = 4


class Contact(models.Model):
    """Someone in the owner's informal network. Emails, phones and tags are lists; tags are
    lowercase. ``member`` links the contact to a Cerchia account when the owner says so."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    first_name = models.CharField(_("first name"), max_length=120, blank=True)
    last_name = models.CharField(_("last name"), max_length=120, blank=True)
    # The full name as shown (vCard FN); required.
    name = models.CharField(_("name"), max_length=250)
    emails = models.JSONField(_("emails"), default=list, blank=True)
    phones = models.JSONField(_("phones"), default=list, blank=True)
    company = models.CharField(_("company"), max_length=200, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    profile_url = models.URLField(_("profile address"), max_length=400, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    relationship = models.CharField(
        _("relationship"),
        max_length=20,
        choices=Relationship.choices,
        default=Relationship.ACQUAINTANCE,
    )
    closeness = models.PositiveSmallIntegerField(
        _("closeness"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = barely know them, 5 = one of my closest."),
    )
    how_we_met = models.CharField(_("how we met"), max_length=300, blank=True)
    introduced_by = models.ForeignKey(
        "self",
        verbose_name=_("introduced by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="introduced",
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Cerchia member"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(
        _("source"), max_length=10, choices=Source.choices, default=Source.MANUAL
    )
    connected_on = models.DateField(_("connected on"), null=True, blank=True)
    # Stay in touch: every `stay_in_touch_days` after the last interaction (None = no reminder).
    stay_in_touch_days = models.PositiveIntegerField(
        _("stay in touch every (days)"), null=True, blank=True
    )
    last_interaction_on = models.DateField(_("last interaction"), null=True, blank=True)
    snoozed_until = models.DateField(_("snoozed until"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closeness__gte=1) & Q(closeness__lte=5),
                name="contact_closeness_1_5",
            ),
            models.UniqueConstraint(
                fields=["owner", "profile_url"],
                condition=~Q(profile_url=""),
                name="contact_unique_profile_url",
            ),
        ]
        indexes = [
            models.Index(fields=["owner", "name"], name="contact_owner_name_idx"),
            models.Index(
                fields=["owner", "last_interaction_on"],
                condition=Q(stay_in_touch_days__isnull=False),
                name="contact_stay_in_touch_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_close_tie(self) -> bool:
        return self.closeness >= CLOSE_TIE

    @property
    def primary_email(self) -> str:
        return self.emails[0] if self.emails else ""

    def touch_due_on(self) -> datetime.date | None:
        """When the owner should be in touch next (None: no interval set)."""
        if self.stay_in_touch_days is None:
            return None
        base = self.last_interaction_on or self.created_at.date()
        due = base + datetime.timedelta(days=self.stay_in_touch_days)
        if self.snoozed_until is not None and self.snoozed_until > due:
            return self.snoozed_until
        return due


class Interaction(models.Model):
    """Something that happened with a contact. Any of them resets stay-in-touch. Rows made
    from the ledger (a one-to-one, a referral...) name their source, so recording the same
    ledger row twice logs it once."""

    class Kind(models.TextChoices):
        CALL = "call", _("Call")
        MEETING = "meeting", _("Meeting")
        MESSAGE = "message", _("Message")
        EMAIL = "email", _("Email")
        ONE_TO_ONE = "one_to_one", _("One-to-one")
        FOLLOW_UP = "follow_up", _("Follow-up")
        REFERRAL = "referral", _("Referral")
        INTRODUCTION = "introduction", _("Introduction")
        NOTE = "note", _("Note")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    contact = models.ForeignKey(
        Contact,
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    happened_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)
    # "ledger.referral:12", "ledger.onetoone:7", "contacts.introduction:3"; blank when by hand.
    source = models.CharField(_("source"), max_length=60, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        ordering = ["-happened_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contact", "source", "kind"],
                condition=~Q(source=""),
                name="interaction_once_per_source",
            )
        ]
        indexes = [
            models.Index(fields=["owner", "-happened_on"], name="interaction_owner_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} with {self.contact_id} on {self.happened_on}"

    @property
    def source_url(self) -> str:
        """Where the fact this interaction was made from lives ("" when logged by hand)."""
        name, _sep, pk = self.source.partition(":")
        if not pk.isdigit():
            return ""
        return {
            "ledger.referral": f"/ledger/referrals/{pk}/",
            "ledger.onetoone": "/ledger/one-to-ones/",
            "ledger.connection": f"/ledger/connections/{pk}/",
            "contacts.introduction": f"/introductions/{pk}/",
        }.get(name, "")


class Introduction(models.Model):
    """The owner introduces two people — each side a contact of theirs or a member — with
    double opt-in: neither side sees the other's details until both have accepted. A contact
    without an account answers through a link carrying that side's token."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for both sides")
        ACCEPTED = "accepted", _("Both accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    class Answer(models.TextChoices):
        WAITING = "waiting", _("Not answered yet")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    class Outcome(models.TextChoices):
        NONE = "", _("Not recorded")
        GOOD = "good", _("Went well")
        NEUTRAL = "neutral", _("Nothing came of it")
        BAD = "bad", _("Went badly")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("introduced by"),
        on_delete=models.CASCADE,
        related_name="introductions_made",
    )
    a_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    a_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    b_contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    b_member = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.TextField(_("why they should meet"), blank=True)
    a_answer = models.CharField(
        _("first side"), max_length=10, choices=Answer.choices, default=Answer.WAITING
    )
    b_answer = models.CharField(
        _("second side"), max_length=10, choices=Answer.choices, default=Answer.WAITING
    )
    # Secrets for the answer links sent to sides without an account.
    a_token = models.CharField(max_length=64, unique=True)
    b_token = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The owner saw (and confirmed) the close-tie warning when making it.
    close_tie_warned = models.BooleanField(_("close-tie warning shown"), default=False)
    outcome = models.CharField(
        _("outcome"), max_length=10, choices=Outcome.choices, default=Outcome.NONE, blank=True
    )
    outcome_note = models.TextField(_("how it went"), blank=True)
    outcome_on = models.DateField(_("outcome recorded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("introduction")
        verbose_name_plural = _("introductions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(a_contact__isnull=False) ^ Q(a_member__isnull=False),
                name="introduction_one_first_side",
            ),
            models.CheckConstraint(
                condition=Q(b_contact__isnull=False) ^ Q(b_member__isnull=False),
                name="introduction_one_second_side",
            ),
        ]

    def __str__(self) -> str:
        return f"introduction #{self.pk} by {self.owner_id}"
