from __future__ import annotations

from typing import Any

from django.contrib.auth.management.commands.createsuperuser import Command as BaseCommand

from cerchia.accounts.models import User
from cerchia.accounts.services import ensure_profile


class Command(BaseCommand):
    """Django's createsuperuser; the new administrator also gets a card and informal network."""

    def handle(self, *args: Any, **options: Any) -> None:
        before = set(User.objects.filter(is_superuser=True).values_list("pk", flat=True))
        super().handle(*args, **options)
        for user in User.objects.filter(is_superuser=True).exclude(pk__in=before):
            ensure_profile(user)
