from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.privacy import PROFILE_FIELDS, Visibility


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with an email address."""

    email = models.EmailField(_("email address"), unique=True)
    is_staff = models.BooleanField(_("staff"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email


class TaxonomyEntry(models.Model):
    """A coded entry of the shipped taxonomy, named in both languages Cerchia speaks."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_it = models.CharField(_("name (Italian)"), max_length=120)

    class Meta:
        abstract = True
        ordering = ["name_en"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language."""
        return self.name_it if (get_language() or "en").startswith("it") else self.name_en


class ContactSphere(TaxonomyEntry):
    """Complementary professions that serve the same clients (e.g. weddings & events)."""

    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("contact sphere")
        verbose_name_plural = _("contact spheres")


class Profession(TaxonomyEntry):
    sphere = models.ForeignKey(
        ContactSphere,
        verbose_name=_("contact sphere"),
        on_delete=models.PROTECT,
        related_name="professions",
    )

    class Meta(TaxonomyEntry.Meta):
        verbose_name = _("profession")
        verbose_name_plural = _("professions")


VISIBILITY_LEVELS = frozenset(Visibility.values)


def level_of(visibility: Any, field: str) -> str:
    """Who may see ``field`` under a profile's ``visibility`` choices (its default when the
    choice is missing or unknown)."""
    level = visibility.get(field) if isinstance(visibility, dict) else None
    return level if level in VISIBILITY_LEVELS else PROFILE_FIELDS[field]


class Profile(models.Model):
    """The business card. What a viewer sees of it depends on each field's visibility."""

    class ClienteleScope(models.TextChoices):
        LOCAL = "local", _("Local")
        REGIONAL = "regional", _("Regional")
        NATIONAL = "national", _("National")
        INTERNATIONAL = "international", _("International")

    class CompanySize(models.TextChoices):
        SOLO = "solo", _("Just me")
        MICRO = "2-9", _("2–9 people")
        SMALL = "10-49", _("10–49 people")
        MEDIUM = "50-249", _("50–249 people")
        LARGE = "250+", _("250 or more people")

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    company = models.CharField(_("company"), max_length=160, blank=True)
    profession = models.ForeignKey(
        Profession,
        verbose_name=_("profession"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="profiles",
    )
    bio = models.TextField(_("short bio"), max_length=1000, blank=True)
    offers = models.JSONField(_("what I offer"), default=list, blank=True)
    seeks = models.JSONField(_("what I seek"), default=list, blank=True)
    # Client segments served ("weddings", "restaurants"): the matching engine's shared clientele.
    clients = models.JSONField(_("my clients"), default=list, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    region = models.CharField(_("region"), max_length=120, blank=True)
    country = models.CharField(_("country"), max_length=2, blank=True, help_text=_("ISO code"))
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    clientele_scope = models.CharField(
        _("clientele"), max_length=20, choices=ClienteleScope.choices, blank=True
    )
    company_size = models.CharField(
        _("company size"), max_length=10, choices=CompanySize.choices, blank=True
    )
    website = models.URLField(_("website"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True, help_text=_("E.164"))
    # {field: level} for the fields in privacy.PROFILE_FIELDS; missing keys use the defaults.
    visibility = models.JSONField(_("visibility"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name or self.user.email

    def get_absolute_url(self) -> str:
        return reverse("profile", args=[self.user_id])

    def level_of(self, field: str) -> str:
        return level_of(self.visibility, field)


class Connection(models.Model):
    """Someone the owner counts among their connections (widens "my connections" fields).

    One-directional on purpose: the owner decides whom to share their card with.
    """

    owner = models.ForeignKey(
        User, verbose_name=_("owner"), on_delete=models.CASCADE, related_name="connections"
    )
    other = models.ForeignKey(
        User, verbose_name=_("connection"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [
            models.UniqueConstraint(fields=["owner", "other"], name="connection_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(owner=models.F("other")), name="connection_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.owner} → {self.other}"


class Block(models.Model):
    """``blocker`` blocks ``blocked``: no messages, no connection requests, and none of the
    blocker's fields above "public" are shown to them."""

    blocker = models.ForeignKey(
        User, verbose_name=_("blocked by"), on_delete=models.CASCADE, related_name="blocks"
    )
    blocked = models.ForeignKey(
        User, verbose_name=_("blocked"), on_delete=models.CASCADE, related_name="blocked_by"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique_pair"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class ConnectionRequest(models.Model):
    """A request to connect; accepting it makes each a connection of the other. Outgoing
    requests are capped per day (a group's rule); incoming ones are not."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    sender = models.ForeignKey(
        User, verbose_name=_("from"), on_delete=models.CASCADE, related_name="requests_sent"
    )
    recipient = models.ForeignKey(
        User, verbose_name=_("to"), on_delete=models.CASCADE, related_name="requests_received"
    )
    message = models.CharField(_("message"), max_length=500, blank=True)
    # Where it was made (a community, event or chapter), for the limits and the context.
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)

    class Meta:
        verbose_name = _("connection request")
        verbose_name_plural = _("connection requests")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "recipient"],
                condition=models.Q(status="pending"),
                name="connection_request_one_pending",
            ),
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("recipient")),
                name="connection_request_not_self",
            ),
        ]
        indexes = [models.Index(fields=["sender", "created_at"], name="conn_request_sender_idx")]

    def __str__(self) -> str:
        return f"{self.sender_id} → {self.recipient_id} ({self.status})"


class ApiToken(models.Model):
    """A bearer token for the JSON API. Only its SHA-256 is stored."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    prefix = models.CharField(_("prefix"), max_length=12)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
