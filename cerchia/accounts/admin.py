from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.models import ApiToken, Connection, ContactSphere, Profession, Profile, User
from cerchia.accounts.services import ensure_profile
from cerchia.contacts.privacy import hide_contacts


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["profession"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "display_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "profile__display_name", "profile__company"]
    inlines = [ProfileInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        ensure_profile(obj)

    def get_deleted_objects(self, objs, request):  # type: ignore[no-untyped-def]
        # A person's contacts are theirs alone: not even this page names them.
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        return hide_contacts(deleted), counts, perms_needed, protected

    @admin.display(description=_("display name"))
    def display_name(self, obj: User) -> str:
        profile = getattr(obj, "profile", None)
        return profile.display_name if profile else ""


@admin.register(ContactSphere)
class ContactSphereAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_it"]
    search_fields = ["code", "name_en", "name_it"]


@admin.register(Profession)
class ProfessionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_en", "name_it", "sphere"]
    list_filter = ["sphere"]
    search_fields = ["code", "name_en", "name_it"]


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["display_name", "user", "company", "profession", "city", "clientele_scope"]
    list_filter = ["clientele_scope", "company_size", "country", "profession__sphere"]
    search_fields = ["display_name", "company", "user__email", "city"]
    autocomplete_fields = ["profession"]
    list_select_related = ["user", "profession"]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["owner", "other", "created_at"]
    search_fields = ["owner__email", "other__email"]
    raw_id_fields = ["owner", "other"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__email"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]
    raw_id_fields = ["user"]
