"""The advisor page (/advisor/): anyone fills in a short business profile and sees how well
each kind of networking fits, with the reasons; signed-in people can keep it as their business
profile, which then comes back prefilled and becomes the prior of their report's advice."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cerchia.groups.kinds import Kind
from cerchia.insights.advisor import (
    AdvisorError,
    Profile,
    fit,
    parse_profile,
    rules_table,
    saved_profile,
)
from cerchia.insights.forms_advisor import AdvisorForm, initial_from
from cerchia.insights.services import save_business_profile
from cerchia.lib.http import HtmxRequest


def _cards(profile: Profile) -> list[dict[str, Any]]:
    return [{**item, "label": Kind(item["group_kind"]).label} for item in fit(profile)]


def advisor(request: HtmxRequest) -> HttpResponse:
    signed_in = request.user.is_authenticated
    saved = saved_profile(request.user)
    results = None
    if request.method == "POST":
        form = AdvisorForm(request.POST, can_save=signed_in)
        if form.is_valid():
            try:
                profile = parse_profile(form.profile_data())
            except AdvisorError as exc:
                form.add_error(None, str(exc))
            else:
                if signed_in and form.cleaned_data.get("save"):
                    save_business_profile(request.user, profile)
                    messages.success(request, _("Saved as your business profile."))
                    return redirect("insights:advisor")
                results = _cards(profile)
    else:
        form = AdvisorForm(
            initial=initial_from(saved) if saved is not None else None, can_save=signed_in
        )
        if saved is not None:
            results = _cards(saved)
    return render(
        request,
        "insights/advisor.html",
        {
            "form": form,
            "results": results,
            "has_saved": saved is not None,
            "rules": rules_table(),
        },
    )
