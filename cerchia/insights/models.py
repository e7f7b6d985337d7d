"""What the insights keep of their own: a business's profile (the advisor's prior) and the
traffic-light rule table an organisation or chapter chose. Everything else they read from the
ledger and its rollups."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class BusinessProfile(models.Model):
    """The short profile the advisor scores the six kinds against (the keys of
    ``cerchia advise --profile FILE.json``)."""

    class Clientele(models.TextChoices):
        LOCAL = "local", _("Local")
        REGIONAL = "regional", _("Regional")
        NATIONAL = "national", _("National")
        INTERNATIONAL = "international", _("International")

    class DealSize(models.TextChoices):
        SMALL = "small", _("Small")
        MEDIUM = "medium", _("Medium")
        LARGE = "large", _("Large")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("member"),
        on_delete=models.CASCADE,
        related_name="business_profile",
    )
    clientele = models.CharField(_("clientele"), max_length=16, choices=Clientele.choices)
    budget_per_year_minor = models.BigIntegerField(_("yearly budget"), default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    hours_per_week = models.DecimalField(
        _("hours per week"), max_digits=5, decimal_places=1, default=0
    )
    weekly_meetings_ok = models.BooleanField(_("weekly meetings are possible"), default=False)
    online_comfort = models.PositiveSmallIntegerField(
        _("comfort online"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    deal_size = models.CharField(_("typical deal size"), max_length=8, choices=DealSize.choices)
    b2b = models.BooleanField(_("sells to businesses (B2B)"), default=True)
    competitors_for_overflow = models.BooleanField(
        _("competitors could pass overflow work"), default=False
    )
    career_goals = models.BooleanField(_("career goals"), default=False)
    privacy_sensitivity = models.PositiveSmallIntegerField(
        _("privacy sensitivity"), default=3, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("business profile")
        verbose_name_plural = _("business profiles")

    def __str__(self) -> str:
        return f"{self.user_id} {self.clientele}"


class ScoringRules(models.Model):
    """The traffic-light rule table of an organisation (its chapters follow it) or of one
    group: a published preset, then the overrides (factors, bands, window, colour cut-offs)."""

    group = models.OneToOneField(
        "groups.Group",
        verbose_name=_("group"),
        on_delete=models.CASCADE,
        related_name="scoring_rules",
    )
    preset = models.CharField(_("preset"), max_length=32)
    overrides = models.JSONField(_("overrides"), default=dict, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("traffic-light rules")
        verbose_name_plural = _("traffic-light rules")

    def __str__(self) -> str:
        return f"{self.group_id} {self.preset}"
