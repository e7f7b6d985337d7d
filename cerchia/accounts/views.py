from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.accounts.forms import ProfileForm, TokenForm
from cerchia.accounts.models import ApiToken, Connection
from cerchia.accounts.privacy import FIELD_LABELS, Visibility
from cerchia.accounts.selectors import (
    card_for,
    profiles_for_directory,
    reach_map,
    visible_card,
)
from cerchia.accounts.services import (
    AccountError,
    add_connection,
    create_api_token,
    ensure_profile,
    remove_connection,
    revoke_api_token,
    update_profile,
)
from cerchia.groups.models import AWAITING_STATUSES
from cerchia.groups.selectors import my_memberships, pending_for_reviewer
from cerchia.lib.http import AuthedRequest


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return render(request, "home_anonymous.html")
    ensure_profile(request.user)
    memberships = list(my_memberships(request.user))
    context = {
        "active": [m for m in memberships if m.status == "active" and not m.group.is_informal],
        "invited": [m for m in memberships if m.status == "invited"],
        "waiting": [m for m in memberships if m.status in AWAITING_STATUSES],
        "to_review": list(pending_for_reviewer(request.user)[:20]),
    }
    return render(request, "home.html", context)


def profile(request: HttpRequest, user_id: int) -> HttpResponse:
    profile, card = card_for(request.user, user_id)
    is_self = request.user.is_authenticated and request.user.pk == profile.user_id
    connected = (
        request.user.is_authenticated
        and not is_self
        and Connection.objects.filter(owner=request.user, other=profile.user).exists()
    )
    level_names = dict(Visibility.choices)
    rows = [
        {
            "field": field,
            "label": FIELD_LABELS[field],
            "value": card[field],
            "level": level_names[profile.level_of(field)] if is_self else "",
        }
        for field in FIELD_LABELS
        if field in card and field != "display_name"
    ]
    return render(
        request,
        "accounts/profile.html",
        {
            "profile": profile,
            "card": card,
            "rows": rows,
            "is_self": is_self,
            "connected": connected,
        },
    )


@login_required
def profile_edit(request: AuthedRequest) -> HttpResponse:
    profile = ensure_profile(request.user)
    form = ProfileForm(request.POST or None, initial=ProfileForm.initial_for(profile))
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(profile, actor=request.user, changes=form.changes())
        except AccountError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Your business card is saved."))
            return redirect("profile", user_id=request.user.pk)
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
def people(request: AuthedRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    paginator = Paginator(profiles_for_directory(request.user, query=query), 30)
    page = paginator.get_page(request.GET.get("page"))
    reach = reach_map(request.user, [p.user_id for p in page.object_list])
    cards = [visible_card(p, reach[p.user_id]) for p in page.object_list]
    template = "accounts/_people_results.html" if request.htmx else "accounts/people.html"
    return render(request, template, {"cards": cards, "page": page, "q": query})


@login_required
@require_POST
def connection_toggle(request: AuthedRequest, user_id: int) -> HttpResponse:
    try:
        if request.POST.get("action") == "remove":
            remove_connection(request.user, other_id=user_id)
            messages.info(request, _("Removed from your connections."))
        else:
            # Only someone whose card I can see: the answer must not reveal who exists.
            profile, _card = card_for(request.user, user_id)
            add_connection(request.user, other=profile.user)
            messages.success(
                request,
                _("Added to your connections: they now see what you share with connections."),
            )
    except AccountError as exc:
        messages.error(request, str(exc))
    return redirect("profile", user_id=user_id)


@login_required
def tokens(request: AuthedRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        _token, new_key = create_api_token(request.user, name=form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": ApiToken.objects.filter(user=request.user),
        },
    )


@login_required
@require_POST
def token_revoke(request: AuthedRequest, token_id: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    revoke_api_token(token, actor=request.user)
    messages.info(request, _("The token is revoked."))
    return redirect("tokens")
