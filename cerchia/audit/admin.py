from django.contrib import admin

from cerchia.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "action", "actor", "target_type", "target_id"]
    list_filter = ["action", "target_type"]
    search_fields = ["action", "actor__email", "target_id"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "action", "actor", "target_type", "target_id", "data"]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
