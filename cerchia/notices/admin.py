from django.contrib import admin

from cerchia.notices.models import Notice


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "created_at", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__email", "kind"]
    raw_id_fields = ["user"]
