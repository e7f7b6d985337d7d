from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cerchia.accounts.models import User
from cerchia.accounts.services import create_api_token


class Command(BaseCommand):
    help = "Manage API tokens: `token create EMAIL [--name NAME]` prints a new token."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["create"])
        parser.add_argument("email")
        parser.add_argument("--name", default="cli", help="A name to recognise the token by")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"No user with the email {options['email']}")
        if not user.is_active:
            raise CommandError(f"{user.email} is deactivated")
        token, key = create_api_token(user, name=options["name"])
        self.stderr.write(f"Created API token “{token.name}” for {user.email}. Keep it secret:")
        self.stdout.write(key)
