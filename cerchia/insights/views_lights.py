"""Traffic-light pages: a member's own light (and, for managers, every member's), the rule
table a manager chooses, the credits a member logs, and the organisation view."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.groups.access import access_group
from cerchia.insights.forms_lights import CreditForm, RulesForm
from cerchia.insights.lights import (
    SWATCHES,
    access_credit,
    access_credits,
    access_lights,
    access_organisation,
    chapter_lights,
    credits_of,
    factor_rows,
    organisation_lights,
    organisation_window,
    sort_members,
)
from cerchia.insights.models import ScoringRules
from cerchia.insights.scoring import (
    COLOUR_LABELS,
    COLOURS,
    DEFAULT_PRESET,
    PRESET_CURRENCIES,
    PRESET_LABELS,
    PRESETS,
    ScoringError,
    rules_for_group,
)
from cerchia.insights.services import clear_scoring_rules, set_scoring_rules
from cerchia.ledger import services as ledger_services
from cerchia.lib.http import AuthedRequest

SORTS = ("colour", "score", "name")


@login_required
def lights(request: AuthedRequest, slug: str) -> HttpResponse:
    """My light, trend and path; managers also see every member's, sortable by colour."""
    rights = access_lights(request.user, slug)
    group = rights.group
    resolved = rules_for_group(group)
    context: dict[str, object] = {"group": group, "manager": rights.manager, "lights": None}
    if resolved is not None:
        today = timezone.localdate()
        # A member's page never computes anyone else's light.
        only = None if rights.manager else request.user.pk
        result = chapter_lights(group, today, resolved=resolved, only_user=only)
        assert result is not None
        mine = result.member(request.user.pk)
        sort = request.GET.get("sort", "colour")
        sort = sort if sort in SORTS else "colour"
        context.update(
            {
                "lights": result,
                "table": resolved.table,
                "words": resolved.table.describe(group.currency),
                "mine": mine,
                "breakdown": factor_rows(resolved.table, mine, group.currency) if mine else [],
                "rows": [
                    (m, [m.points.get(code) for code in resolved.table.codes])
                    for m in sort_members(result.members, sort)
                ]
                if rights.manager
                else [],
                "counts": result.colour_counts if rights.manager else {},
                "chart": _colour_chart(result.colour_counts) if rights.manager else [],
                "sort": sort,
                "sorts": [("colour", _("colour")), ("score", _("score")), ("name", _("name"))],
            }
        )
    return render(request, "insights/lights.html", context)


def _colour_chart(counts: dict[str, int]) -> list[dict[str, object]]:
    """Bars for the inline SVG: one per colour, the largest 200 units wide."""
    top = max([counts[c] for c in COLOURS] + [1])
    return [
        {
            "colour": c,
            "label": COLOUR_LABELS[c],
            "fill": SWATCHES[c],
            "count": counts[c],
            "width": round(200 * counts[c] / top),
            "count_x": 74 + round(200 * counts[c] / top),
            "y": 4 + 28 * i,
            "text_y": 20 + 28 * i,
        }
        for i, c in enumerate(COLOURS)
    ]


@login_required
def lights_rules(request: AuthedRequest, slug: str) -> HttpResponse:
    """Managers choose the preset and its overrides, and read the resulting table."""
    group = access_group(request.user, slug, write=True)
    if group.is_informal or not group.rules.accepts_members:
        raise PermissionDenied(_("This group has no members to score."))
    own = ScoringRules.objects.filter(group=group).first()
    resolved = rules_for_group(group)
    if request.method == "POST" and request.POST.get("action") == "clear":
        if clear_scoring_rules(group, actor=request.user):
            messages.success(request, _("This group follows its organisation's rules again."))
        return redirect("insights:lights_rules", slug=group.slug)
    initial = {
        "preset": resolved.preset if resolved is not None else DEFAULT_PRESET,
        "overrides": (
            json.dumps(resolved.overrides, indent=2) if resolved and resolved.overrides else ""
        ),
    }
    form = RulesForm(request.POST or None, initial=initial)
    preview = None
    if request.method == "POST" and form.is_valid() and request.POST.get("action") == "preview":
        preview = form.cleaned_data["table"]
    elif request.method == "POST" and form.is_valid():
        try:
            set_scoring_rules(
                group,
                actor=request.user,
                preset=form.cleaned_data["preset"],
                overrides=form.cleaned_data["overrides_obj"],
            )
        except ScoringError as exc:
            form.add_error("overrides", exc.messages)
        else:
            messages.success(request, _("Traffic-light rules saved."))
            return redirect("insights:lights_rules", slug=group.slug)
    return render(
        request,
        "insights/lights_rules.html",
        {
            "group": group,
            "form": form,
            "own": own,
            "resolved": resolved,
            "words": resolved.table.describe(group.currency) if resolved else [],
            "preview": preview.describe(group.currency) if preview else [],
            "presets": [
                (code, PRESET_LABELS[code], table.describe(PRESET_CURRENCIES[code]))
                for code, table in PRESETS.items()
            ],
        },
    )


@login_required
def credits(request: AuthedRequest, slug: str) -> HttpResponse:
    """An active member logs an education unit or a testimonial and sees their own."""
    group = access_credits(request.user, slug)
    form = CreditForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            credit = ledger_services.record_credit(
                request.user,
                group,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                earned_on=form.cleaned_data["earned_on"],
            )
        except ledger_services.LedgerError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Logged: %(kind)s on %(date)s.")
                % {"kind": credit.get_kind_display(), "date": credit.earned_on.isoformat()},
            )
            return redirect("insights:credits", slug=group.slug)
    return render(
        request,
        "insights/credits.html",
        {"group": group, "form": form, "credits": list(credits_of(request.user, group))},
    )


@login_required
@require_POST
def credit_delete(request: AuthedRequest, slug: str, credit_id: int) -> HttpResponse:
    credit = access_credit(request.user, credit_id)
    try:
        ledger_services.delete_credit(credit, actor=request.user)
    except ledger_services.LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Credit removed."))
    return redirect("insights:credits", slug=credit.group.slug)


@login_required
def organisation(request: AuthedRequest, slug: str) -> HttpResponse:
    """Every chapter's lights, size, growth, retention and referrals per member per week."""
    group = access_organisation(request.user, slug)
    today = timezone.localdate()
    rows = organisation_lights(group, today)
    totals = dict.fromkeys([*COLOURS, "unscored"], 0)
    for row in rows:
        for key, value in row.colours.items():
            totals[key] += value
    return render(
        request,
        "insights/organisation.html",
        {
            "group": group,
            "rows": rows,
            "totals": totals,
            "window": organisation_window(today),
            "size": sum(row.size for row in rows),
            "chart": _colour_chart(totals),
        },
    )
