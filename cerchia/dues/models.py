"""Tiers, invoices and payments: what members owe a group and what they paid."""

from __future__ import annotations

import calendar
import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy as _

from cerchia.lib.money import format_money

MONTHS = {"month": 1, "quarter": 3, "year": 12}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


class Tier(models.Model):
    """A level of membership in a group: its dues, period, joining fee, term and listing."""

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")

    class Term(models.TextChoices):
        ROLLING = "rolling", _("Rolling: each period starts when the last one ends")
        FIXED = "fixed", _("Fixed: periods follow the calendar (months, quarters, years)")

    class Listing(models.TextChoices):
        BASIC = "basic", _("Basic listing")
        ENHANCED = "enhanced", _("Enhanced listing")

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="tiers"
    )
    name = models.CharField(_("name"), max_length=80)
    dues_minor = models.PositiveIntegerField(_("dues (minor units)"))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices)
    joining_fee_minor = models.PositiveIntegerField(_("joining fee (minor units)"), default=0)
    term = models.CharField(_("term"), max_length=8, choices=Term.choices, default=Term.ROLLING)
    benefits = models.TextField(_("benefits"), max_length=2000, blank=True)
    listing = models.CharField(
        _("directory listing"), max_length=8, choices=Listing.choices, default=Listing.BASIC
    )
    offered = models.BooleanField(_("offered to new members"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")
        ordering = ["group", "position", "dues_minor", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "name"], name="tier_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.group})"

    @property
    def currency(self) -> str:
        return self.group.currency

    @property
    def dues_display(self) -> str:
        return format_money(self.dues_minor, self.group.currency)

    @property
    def joining_fee_display(self) -> str:
        return format_money(self.joining_fee_minor, self.group.currency)

    def period_from(self, start: datetime.date) -> tuple[datetime.date, datetime.date]:
        """The dues period that begins on (rolling) or contains (fixed) ``start``."""
        months = MONTHS[self.period]
        if self.term == self.Term.FIXED:
            first_month = (start.month - 1) // months * months + 1
            start = datetime.date(start.year, first_month, 1)
        return start, add_months(start, months) - datetime.timedelta(days=1)


class InvoiceQuerySet(models.QuerySet["Invoice"]):
    def open(self) -> InvoiceQuerySet:
        return self.filter(status=Invoice.Status.ISSUED)

    def overdue_beyond(self, today: datetime.date, grace_days: int) -> InvoiceQuerySet:
        """Open invoices unpaid more than ``grace_days`` after they fell due."""
        return self.open().filter(due_on__lt=today - datetime.timedelta(days=grace_days))


class Invoice(models.Model):
    """A bill to one member: dues for a period, a joining fee, or another fee."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        PAID = "paid", _("Paid")
        VOID = "void", _("Void")

    class Kind(models.TextChoices):
        DUES = "dues", _("Dues")
        JOINING_FEE = "joining_fee", _("Joining fee")
        FEE = "fee", _("Other fee")

    group = models.ForeignKey(
        "groups.Group", verbose_name=_("group"), on_delete=models.CASCADE, related_name="invoices"
    )
    membership = models.ForeignKey(
        "groups.Membership",
        verbose_name=_("membership"),
        on_delete=models.CASCADE,
        related_name="invoices",
    )
    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.PROTECT
    )
    number = models.CharField(_("number"), max_length=20)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    description = models.CharField(_("description"), max_length=200)
    amount_minor = models.PositiveIntegerField(_("amount (minor units)"))
    currency = models.CharField(_("currency"), max_length=3)
    # The dues period this invoice pays for (dues only): paying it extends the membership.
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period to"), null=True, blank=True)
    issued_on = models.DateField(_("issued"))
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ISSUED, db_index=True
    )
    paid_on = models.DateField(_("paid"), null=True, blank=True)
    void_reason = models.CharField(_("why void"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="invoice_unique_number"),
            # One live invoice per dues period: the daily job and a member's click cannot
            # both bill the same renewal.
            models.UniqueConstraint(
                fields=["membership", "period_start"],
                condition=Q(kind="dues") & ~Q(status="void"),
                name="invoice_one_per_dues_period",
            ),
        ]
        indexes = [
            models.Index(fields=["membership", "status", "due_on"], name="invoice_member_due_idx")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.get_status_display()})"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount_minor, self.currency)

    def paid_minor(self) -> int:
        return self.payments.aggregate(total=Sum("amount_minor"))["total"] or 0

    @property
    def balance_display(self) -> str:
        return format_money(self.amount_minor - self.paid_minor(), self.currency)


class Payment(models.Model):
    """Money received for an invoice, recorded by a treasurer or administrator."""

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        BANK_TRANSFER = "bank_transfer", _("Bank transfer")
        CARD_ELSEWHERE = "card_elsewhere", _("Card (taken elsewhere)")

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="payments"
    )
    amount_minor = models.PositiveIntegerField(_("amount (minor units)"))
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    reference = models.CharField(_("reference"), max_length=120, blank=True)
    received_on = models.DateField(_("received"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_on", "pk"]

    def __str__(self) -> str:
        return f"{format_money(self.amount_minor, self.invoice.currency)} → {self.invoice.number}"

    @property
    def amount_display(self) -> str:
        return format_money(self.amount_minor, self.invoice.currency)


class DailyRun(models.Model):
    """One row per day the daily job ran: several workers never run it twice the same day."""

    day = models.DateField(_("day"), unique=True)
    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("daily run")
        verbose_name_plural = _("daily runs")
        ordering = ["-day"]

    def __str__(self) -> str:
        return str(self.day)
