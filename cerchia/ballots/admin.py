from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cerchia.ballots.models import Ballot, BallotOption


class BallotOptionInline(admin.TabularInline):
    model = BallotOption
    extra = 0


@admin.register(Ballot)
class BallotAdmin(admin.ModelAdmin):
    list_display = ["question", "group", "opens_at", "closes_at", "secret", "cancelled_at"]
    list_filter = ["secret"]
    search_fields = ["question", "group__name"]
    raw_id_fields = ["group", "created_by"]
    list_select_related = ["group"]
    inlines = [BallotOptionInline]
    # Votes are not shown here: who voted what on a secret ballot is never displayed.

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Ballots are cancelled, never deleted: the record of a vote stays whole.
        return False
