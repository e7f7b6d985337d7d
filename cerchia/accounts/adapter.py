from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from cerchia.accounts.services import register_user


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up goes through the accounts service, so every new person gets a card."""

    def save_user(self, request: HttpRequest, user: Any, form: Any, commit: bool = True) -> Any:
        user = super().save_user(request, user, form, commit=commit)
        if commit:
            register_user(user)
        return user
