"""The one function every service calls to leave an audit trail."""

from __future__ import annotations

from typing import Any

from django.db import models

from cerchia.audit.models import AuditEntry


def record(
    actor: Any, action: str, target: models.Model, data: dict[str, Any] | None = None
) -> AuditEntry:
    """Record ``action`` (e.g. ``groups.membership.joined``) by ``actor`` on ``target``."""
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=user,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
