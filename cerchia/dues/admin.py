from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cerchia.dues.models import DailyRun, Invoice, Payment, Tier


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "group", "dues_minor", "period", "joining_fee_minor", "term", "listing"]
    list_filter = ["period", "term", "listing", "offered"]
    search_fields = ["name", "group__name"]
    raw_id_fields = ["group"]


class PaymentInline(admin.TabularInline):
    model = Payment
    extra = 0
    raw_id_fields = ["recorded_by"]


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    list_display = ["number", "group", "membership", "kind", "amount_minor", "status", "due_on"]
    list_filter = ["status", "kind"]
    search_fields = ["number", "group__name", "membership__user__email"]
    raw_id_fields = ["group", "membership", "tier", "created_by"]
    list_select_related = ["group", "membership__user"]
    inlines = [PaymentInline]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Invoices are voided, never deleted: numbers stay gapless and history stays whole.
        return False


@admin.register(DailyRun)
class DailyRunAdmin(admin.ModelAdmin):
    list_display = ["day", "started_at", "finished_at"]
    readonly_fields = ["day", "started_at", "finished_at", "summary"]
