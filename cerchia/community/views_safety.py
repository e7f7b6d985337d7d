"""Pages that keep a community safe and worth the time: my trust level, flagging a post, the
moderation queue and silencing, blocks, the safety guide, drop-out, and community hours."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.accounts.blocking import block_member, blocks_of, unblock_member
from cerchia.accounts.models import User
from cerchia.accounts.selectors import card_for, reach_map, visible_card
from cerchia.accounts.services import AccountError
from cerchia.community import hours, moderation, trust
from cerchia.community.access import access_board, access_post
from cerchia.community.dropout import dropout_report
from cerchia.community.errors import CommunityError
from cerchia.community.models import Flag, Post
from cerchia.groups.access import access_group, rights_in
from cerchia.ledger.models import Investment
from cerchia.lib.http import AuthedRequest


def safety_guide(request: HttpRequest) -> HttpResponse:
    """The safety guide: public, so anyone can read it before joining."""
    return render(request, "community/safety.html")


@login_required
def my_trust(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    if not group.rules.trust_levels:
        raise Http404(_("This group has no trust levels."))
    if not rights_in(request.user, group).active_member:
        raise Http404(_("You are not a member of this group."))
    context = {
        "group": group,
        "progress": trust.progress(request.user, group),
        "levels": trust.LEVEL_NAMES,
        "moderator": moderation.is_moderator(request.user, group),
    }
    return render(request, "community/trust.html", context)


@login_required
def member_levels(request: AuthedRequest, slug: str) -> HttpResponse:
    group = moderation.access_moderation(request.user, slug)
    if not group.rules.trust_levels:
        raise Http404(_("This group has no trust levels."))
    if request.method == "POST":
        user = get_object_or_404(User, pk=_int(request.POST.get("user_id")))
        raw = request.POST.get("level", "")
        level = None if raw == "auto" else _int(raw)
        try:
            trust.set_level_by_hand(user, group, actor=request.user, level=level)
        except CommunityError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("The trust level is saved."))
        return redirect("safety:trust_members", slug=group.slug)
    rows = trust.member_levels(group, request.user)
    return render(
        request,
        "community/trust_members.html",
        {"group": group, "rows": rows, "levels": trust.LEVEL_NAMES},
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404(_("Not found")) from None


@login_required
def flag_post(request: AuthedRequest, slug: str, post_id: int) -> HttpResponse:
    board = access_board(request.user, slug, post=True)
    post = access_post(board, post_id)
    if request.method == "POST":
        try:
            moderation.flag_post(
                post,
                flagger=request.user,
                reason=request.POST.get("reason", ""),
                note=request.POST.get("note", ""),
            )
        except CommunityError as exc:
            messages.error(request, str(exc))
            return render(
                request,
                "community/flag.html",
                {"group": board.group, "post": post, "reasons": Flag.Reason.choices},
                status=400,
            )
        messages.success(request, _("Thank you: the moderators will look at this post."))
        return redirect("community:topic", slug=board.group.slug, topic_id=post.topic_id)
    return render(
        request,
        "community/flag.html",
        {"group": board.group, "post": post, "reasons": Flag.Reason.choices},
    )


@login_required
def moderation_queue(request: AuthedRequest, slug: str) -> HttpResponse:
    group = moderation.access_moderation(request.user, slug)
    posts = list(moderation.moderation_queue(group))
    people = {p.author_id for p in posts if p.author_id} | {
        f.flagger_id
        for p in posts
        for f in p.open_flag_list  # type: ignore[attr-defined]
    }
    silenced = list(moderation.silenced_members(group))
    people |= {t.user_id for t in silenced}
    profiles = {p.author_id: p.author.profile for p in posts if p.author_id and p.author}
    for p in posts:
        for f in p.open_flag_list:  # type: ignore[attr-defined]
            profiles[f.flagger_id] = f.flagger.profile
    for t in silenced:
        profiles[t.user_id] = t.user.profile
    reach = reach_map(request.user, people)
    names = {
        uid: visible_card(profile, reach[uid]).get("display_name", "")
        for uid, profile in profiles.items()
    }
    for p in posts:
        p.author_name = names.get(p.author_id or 0, "")  # type: ignore[attr-defined]
        for f in p.open_flag_list:  # type: ignore[attr-defined]
            f.flagger_name = names.get(f.flagger_id, "")
    for t in silenced:
        t.name = names.get(t.user_id, "")  # type: ignore[attr-defined]
    return render(
        request,
        "community/moderation.html",
        {
            "group": group,
            "posts": posts,
            "silenced": silenced,
            "threshold": group.rules.flags_to_hide_post,
        },
    )


@login_required
@require_POST
def moderate_post(request: AuthedRequest, slug: str, post_id: int) -> HttpResponse:
    group = moderation.access_moderation(request.user, slug)
    post = get_object_or_404(Post.objects.select_related("topic"), pk=post_id, topic__group=group)
    post.topic.group = group
    try:
        moderation.moderate_post(post, actor=request.user, action=request.POST.get("action", ""))
    except CommunityError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Done."))
    return redirect("safety:moderation", slug=group.slug)


@login_required
@require_POST
def silence(request: AuthedRequest, slug: str) -> HttpResponse:
    group = moderation.access_moderation(request.user, slug)
    user = get_object_or_404(User, pk=_int(request.POST.get("user_id")))
    try:
        if request.POST.get("action") == "unsilence":
            moderation.unsilence_member(user, group, actor=request.user)
            messages.success(request, _("The member may post again."))
        else:
            days = _int(request.POST.get("days", "0") or "0")
            until = timezone.now() + datetime.timedelta(days=days)
            moderation.silence_member(
                user, group, actor=request.user, until=until, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("The member is silenced."))
    except CommunityError as exc:
        messages.error(request, str(exc))
    return redirect("safety:moderation", slug=group.slug)


@login_required
def blocks(request: AuthedRequest) -> HttpResponse:
    rows = list(blocks_of(request.user))
    reach = reach_map(request.user, [b.blocked_id for b in rows])
    entries = [
        {
            "block": b,
            "name": visible_card(b.blocked.profile, reach[b.blocked_id]).get("display_name", ""),
        }
        for b in rows
    ]
    return render(request, "community/blocks.html", {"entries": entries})


@login_required
@require_POST
def block_toggle(request: AuthedRequest, user_id: int) -> HttpResponse:
    """Block (or, with ``action=unblock``, unblock) a person from their profile page."""
    if request.POST.get("action") == "unblock":
        try:
            unblock_member(request.user, blocked_id=user_id)
        except AccountError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Unblocked."))
        return redirect("safety:blocks")
    profile, _card = card_for(request.user, user_id)
    try:
        block_member(request.user, blocked=profile.user)
    except AccountError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _(
                "Blocked: they can no longer message you, ask to connect or see your restricted "
                "fields."
            ),
        )
    return redirect("safety:blocks")


@login_required
def dropout(request: AuthedRequest, slug: str) -> HttpResponse:
    group = moderation.access_organiser(request.user, slug)
    report = dropout_report(group, request.user)
    return render(request, "community/dropout.html", {"group": group, "report": report})


@login_required
def community_hours(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    if group.is_informal or not rights_in(request.user, group).active_member:
        raise Http404(_("You are not a member of this group."))
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "start":
                hours.start_timer(request.user, group)
                messages.success(request, _("The timer is running."))
            elif action == "stop":
                investment = hours.stop_timer(request.user)
                messages.success(
                    request,
                    _("%(hours)s hours logged in %(group)s.")
                    % {"hours": investment.hours, "group": group.name},
                )
            elif action == "cancel":
                hours.cancel_timer(request.user)
                messages.info(request, _("The timer is cancelled; nothing was logged."))
            else:
                spent_on = _date(request.POST.get("spent_on", ""))
                hours.log_hours(
                    request.user,
                    group,
                    hours=request.POST.get("hours", ""),
                    spent_on=spent_on,
                    notes=request.POST.get("notes", ""),
                )
                messages.success(request, _("Hours logged."))
        except CommunityError as exc:
            messages.error(request, str(exc))
            status = 400
        else:
            return redirect("safety:hours", slug=group.slug)
    logged = Investment.objects.filter(
        user=request.user, group=group, kind=Investment.Kind.ONLINE_HOURS
    ).order_by("-spent_on", "-pk")[:20]
    return render(
        request,
        "community/hours.html",
        {
            "group": group,
            "timer": hours.running_timer(request.user),
            "logged": logged,
            "total": hours.hours_in(request.user, group),
            "today": timezone.localdate(),
        },
        status=status,
    )


def _date(value: str) -> datetime.date | None:
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommunityError(_("Give the date as YYYY-MM-DD.")) from None
