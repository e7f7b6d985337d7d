from django.contrib import admin

from cerchia.groups.models import (
    Group,
    JobPost,
    Membership,
    Mentoring,
    MentoringPreference,
    Objection,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user", "invited_by"]
    fields = ["user", "status", "role", "joined_at", "left_at"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "slug",
        "kind",
        "parent",
        "unit",
        "visibility",
        "join_policy",
        "created_at",
    ]
    list_filter = ["kind", "unit", "visibility", "join_policy", "currency"]
    search_fields = ["name", "slug", "place", "service_area"]
    raw_id_fields = ["parent", "owner"]
    inlines = [MembershipInline]

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        # Informal networks are private to their owner: not even staff browse them here.
        return super().get_queryset(request).exclude(kind="informal")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "status", "standing", "role", "expires_on", "joined_at"]
    list_filter = ["status", "standing", "role", "category", "group__kind"]
    search_fields = ["user__email", "group__name", "group__slug"]
    raw_id_fields = ["user", "group", "invited_by", "sponsor", "seat_profession", "tier"]
    list_select_related = ["user", "group"]


@admin.register(Objection)
class ObjectionAdmin(admin.ModelAdmin):
    list_display = ["membership", "member", "created_at"]
    search_fields = ["member__email", "membership__user__email", "membership__group__name"]
    raw_id_fields = ["membership", "member"]
    list_select_related = ["membership__user", "membership__group", "member"]


@admin.register(JobPost)
class JobPostAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "author", "public", "expires_on", "closed_at"]
    list_filter = ["public", "group__kind"]
    search_fields = ["title", "group__name", "author__email"]
    raw_id_fields = ["group", "author"]
    list_select_related = ["group", "author"]


@admin.register(Mentoring)
class MentoringAdmin(admin.ModelAdmin):
    list_display = ["mentor", "mentee", "group", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["mentor__email", "mentee__email", "group__name"]
    raw_id_fields = ["group", "mentor", "mentee"]
    list_select_related = ["group", "mentor", "mentee"]


@admin.register(MentoringPreference)
class MentoringPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "group", "as_mentor", "as_mentee"]
    list_filter = ["as_mentor", "as_mentee"]
    search_fields = ["user__email", "group__name", "topics"]
    raw_id_fields = ["group", "user"]
