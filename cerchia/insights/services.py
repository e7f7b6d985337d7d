"""Insights writes: a business profile kept as the advisor's prior, and the traffic-light rule
table a group chooses. Everything else in the insights only reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from cerchia.audit.services import record
from cerchia.groups.access import can_manage
from cerchia.groups.models import Group
from cerchia.insights.advisor import Profile, profile_as_dict
from cerchia.insights.models import BusinessProfile, ScoringRules
from cerchia.insights.scoring import ScoringError, build_table


@transaction.atomic
def save_business_profile(user: Any, profile: Profile) -> BusinessProfile:
    """Keep ``profile`` as ``user``'s business profile (the advisor's prior for them)."""
    fields = profile_as_dict(profile)
    fields["hours_per_week"] = Decimal(str(profile.hours_per_week))
    saved, created = BusinessProfile.objects.update_or_create(user=user, defaults=fields)
    record(
        user,
        "insights.business_profile.created" if created else "insights.business_profile.updated",
        saved,
        profile_as_dict(profile),
    )
    return saved


# --- traffic-light rules --------------------------------------------------------------------------


@transaction.atomic
def set_scoring_rules(
    group: Group, *, actor: Any, preset: str, overrides: dict[str, Any] | None = None
) -> ScoringRules:
    """Choose ``group``'s table: a preset and overrides (validated). Administrators of the
    group or of an organisation above it only; audited."""
    if group.is_informal or not group.rules.accepts_members:
        raise ScoringError(_("This group has no members to score."))
    if not can_manage(actor, group):
        raise PermissionDenied(_("Only the group's administrators may do this"))
    overrides = overrides or {}
    build_table(preset, overrides)
    rules, created = ScoringRules.objects.update_or_create(
        group=group, defaults={"preset": preset, "overrides": overrides, "updated_by": actor}
    )
    record(
        actor,
        "insights.scoring_rules.set",
        rules,
        {"group": group.pk, "preset": preset, "overrides": overrides, "created": created},
    )
    return rules


@transaction.atomic
def clear_scoring_rules(group: Group, *, actor: Any) -> bool:
    """Drop ``group``'s own rules: it follows its organisation (or the default) again."""
    if not can_manage(actor, group):
        raise PermissionDenied(_("Only the group's administrators may do this"))
    rules = ScoringRules.objects.filter(group=group).first()
    if rules is None:
        return False
    record(actor, "insights.scoring_rules.cleared", rules, {"group": group.pk})
    rules.delete()
    return True
