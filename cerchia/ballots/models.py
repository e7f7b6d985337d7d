"""Ballots: a question put to a group's members, its options, and one vote per person."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

MIN_OPTIONS = 2
MAX_OPTIONS = 10


class BallotQuerySet(models.QuerySet["Ballot"]):
    def live(self) -> BallotQuerySet:
        return self.filter(cancelled_at__isnull=True)

    def open_at(self, now: datetime.datetime) -> BallotQuerySet:
        """Ballots taking votes at ``now``."""
        return self.live().filter(opens_at__lte=now, closes_at__gt=now)

    def upcoming_at(self, now: datetime.datetime) -> BallotQuerySet:
        return self.live().filter(opens_at__gt=now)

    def closed_at(self, now: datetime.datetime) -> BallotQuerySet:
        """Ballots over at ``now``: closed, or cancelled."""
        return self.filter(Q(closes_at__lte=now) | Q(cancelled_at__isnull=False))


class Ballot(models.Model):
    """A question put to a group's members in good standing, open between two moments."""

    class State(models.TextChoices):
        UPCOMING = "upcoming", _("Not open yet")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        CANCELLED = "cancelled", _("Cancelled")

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="ballots"
    )
    question = models.CharField(_("question"), max_length=300)
    description = models.TextField(_("description"), max_length=4000, blank=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    # Secret: results are counts only. Otherwise the administrators may see who voted what.
    secret = models.BooleanField(_("secret ballot"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)

    objects = BallotQuerySet.as_manager()

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["-closes_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=F("opens_at")), name="ballot_closes_after_opening"
            ),
        ]
        indexes = [models.Index(fields=["group", "closes_at"], name="ballot_group_closes_idx")]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("ballots:detail", args=[self.group.slug, self.pk])

    def state_at(self, now: datetime.datetime) -> str:
        if self.cancelled_at is not None:
            return self.State.CANCELLED
        if now < self.opens_at:
            return self.State.UPCOMING
        if now < self.closes_at:
            return self.State.OPEN
        return self.State.CLOSED


class BallotOption(models.Model):
    """One answer a voter may choose."""

    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="options"
    )
    label = models.CharField(_("option"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"))

    class Meta:
        verbose_name = _("ballot option")
        verbose_name_plural = _("ballot options")
        ordering = ["ballot", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "position"], name="ballot_option_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Vote(models.Model):
    """One person's vote on a ballot. Who voted what is shown only on open (not secret)
    ballots, and only to the group's administrators."""

    ballot = models.ForeignKey(
        Ballot, verbose_name=_("ballot"), on_delete=models.CASCADE, related_name="votes"
    )
    option = models.ForeignKey(
        BallotOption, verbose_name=_("option"), on_delete=models.CASCADE, related_name="votes"
    )
    voter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("voter"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    cast_at = models.DateTimeField(_("cast"), auto_now_add=True)

    class Meta:
        verbose_name = _("vote")
        verbose_name_plural = _("votes")
        ordering = ["cast_at", "pk"]
        constraints = [
            # One vote per person, even with two requests at the same moment.
            models.UniqueConstraint(fields=["ballot", "voter"], name="vote_once_per_ballot"),
        ]

    def __str__(self) -> str:
        return f"{self.voter} → {self.option}"
