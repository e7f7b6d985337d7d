from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.test import override_settings

from cerchia.demo import builder


class Command(BaseCommand):
    help = "Build the demo world (idempotent) and print the persona logins."

    def handle(self, *args: Any, **options: Any) -> None:
        # The world's history is written, not lived: nobody is emailed about it.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            builder.build(out=self.stderr)
        self.stdout.write(f"Logins (password for all: {builder.PASSWORD})")
        for email, _password, story in builder.logins():
            self.stdout.write(f"  {email:<48} {story}")
