"""Small helpers shared by the groups tests (the cast itself lives in cerchia/conftest.py)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib.messages import get_messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.test import Client

from cerchia.accounts.models import User
from cerchia.accounts.services import create_api_token
from cerchia.audit.models import AuditEntry
from cerchia.conftest import make_user
from cerchia.groups.forms import GroupSettingsForm
from cerchia.groups.models import Group, Membership

API = "/api/v1/groups"


def group_audit(action: str = "groups.") -> QuerySet[AuditEntry]:
    """Audit entries left by the groups app (an exact action, or every one by default)."""
    if action.endswith("."):
        return AuditEntry.objects.filter(action__startswith=action)
    return AuditEntry.objects.filter(action=action)


def audit_of(membership: Membership, action: str) -> AuditEntry:
    return AuditEntry.objects.get(
        action=action, target_type="groups.membership", target_id=str(membership.pk)
    )


def send_json(client: Client, method: str, url: str, data: Any = None) -> HttpResponse:
    """Call the API with a JSON body (or an empty one), as a program would."""
    if method == "get":
        return client.get(url, data)
    body = "" if data is None else json.dumps(data)
    return getattr(client, method)(url, body, content_type="application/json")


def api_client(user: User) -> Client:
    """A bearer-token API client for someone outside the cast."""
    _token, key = create_api_token(user, name="test")
    return Client(headers={"Authorization": f"Bearer {key}"})


def page_client(user: User) -> Client:
    """A signed-in page client for someone outside the cast."""
    client = Client()
    client.force_login(user)
    return client


def messages_of(response: HttpResponse) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def settings_form_data(group: Group, **changes: Any) -> dict[str, Any]:
    """Every field of the settings form as the page would post it, with ``changes`` applied."""
    values = {**GroupSettingsForm.initial_for(group), **changes}
    data: dict[str, Any] = {}
    for name, value in values.items():
        if value is True:
            data[name] = "on"
        elif value is False:
            continue  # an unticked checkbox is not sent at all
        else:
            data[name] = value
    return data


PROFESSIONS = [
    "architect",
    "recruiter",
    "translator",
    "dj",
    "interior_designer",
    "business_coach",
    "surveyor",
    "event_planner",
    "videographer",
    "cake_designer",
]


def make_people(count: int, prefix: str = "person") -> list[User]:
    """``count`` registered people with a profession each (so cards have nested data)."""
    return [
        make_user(
            f"{prefix}{i}@example.org",
            f"{prefix.title()} {i:03d}",
            profession=PROFESSIONS[i % len(PROFESSIONS)],
        )
        for i in range(count)
    ]
