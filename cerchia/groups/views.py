from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cerchia.accounts.models import ContactSphere, Profession, User
from cerchia.dues.services import offered_tiers
from cerchia.groups import services
from cerchia.groups.access import (
    Rights,
    access_application,
    access_group,
    access_member_directory,
    access_membership,
    access_mentoring,
    membership_of,
    rights_in,
)
from cerchia.groups.directory import directory_entries, directory_rows
from cerchia.groups.forms import GroupForm, GroupSettingsForm, InviteForm, JobForm, RoleForm
from cerchia.groups.kinds import CREATABLE_KINDS, ELIGIBILITY_QUESTIONS, Kind
from cerchia.groups.models import GONE_STATUSES, Group, Membership, MentoringPreference
from cerchia.groups.selectors import (
    applications_open_to_objection,
    filter_members,
    groups_run_by,
    member_cards,
    member_rows,
    mentors_in,
    my_mentorings,
    open_jobs,
    open_seats,
    sections_of,
)
from cerchia.groups.selectors import directory as directory_query
from cerchia.lib.http import AuthedRequest, HtmxRequest


def directory(request: HtmxRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    kind = kind if kind in CREATABLE_KINDS else ""
    query = request.GET.get("q", "").strip()
    page = Paginator(directory_query(request.user, kind=kind, query=query), 24).get_page(
        request.GET.get("page")
    )
    context = {
        "page": page,
        "kind": kind,
        "q": query,
        "kinds": [(k, Kind(k).label) for k in CREATABLE_KINDS],
    }
    template = "groups/_directory_results.html" if request.htmx else "groups/directory.html"
    return render(request, template, context)


@login_required
def create(request: AuthedRequest) -> HttpResponse:
    form = GroupForm(
        request.POST or None,
        parents=groups_run_by(request.user),
        initial={key: request.GET.get(key, "") for key in ("kind", "parent", "unit")},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            group = services.create_group(request.user, **data)
        except services.GroupError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("%(group)s is ready. You are its administrator.") % {"group": group.name}
            )
            return redirect(group)
    return render(request, "groups/create.html", {"form": form})


def _panel_context(
    request: HttpRequest, group: Group, rights: Rights | None = None
) -> dict[str, object]:
    rights = rights or rights_in(request.user, group)
    return {
        "group": group,
        "membership": rights.membership,
        "manager": rights.manager,
        "leave_reasons": Membership.LeaveReason.choices,
        "questions": [
            (code, ELIGIBILITY_QUESTIONS[code]) for code in group.rules.eligibility_questions
        ],
        # What an applicant may add to a waiting application.
        "evidence_limits": {
            "files": services.MAX_EVIDENCE_FILES,
            "mb": services.MAX_EVIDENCE_MB,
        },
        # The tiers to choose from, shown beside the join button to those who may join.
        "tiers": offered_tiers(group) if _may_join(group, rights.membership) else [],
    }


def _may_join(group: Group, membership: Membership | None) -> bool:
    if group.is_informal or not group.rules.accepts_members:
        return False
    return membership is None or membership.status in GONE_STATUSES


def _tier_choice(value: str) -> int | None:
    """The tier picked on the join form (None: none picked)."""
    value = value.strip()
    if not value:
        return None
    if not value.isdigit():
        raise services.GroupError(_("Choose a membership tier from the list."))
    return int(value)


def detail(request: HttpRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    rights = rights_in(request.user, group)
    viewer = request.user
    filters = {key: request.GET.get(key, "").strip() for key in ("profession", "sphere", "place")}
    rows = filter_members(member_rows(viewer, group, rights=rights), rights, **filters)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    context = _panel_context(request, group, rights)
    # Members see the applications they may still object to (not their own).
    own = rights.membership
    objectable = (
        list(applications_open_to_objection(group).exclude(user_id=own.user_id))
        if own is not None and own.is_active
        else []
    )
    context.update(
        {
            "reviewer": rights.reviewer,
            "show_members": rights.sees_members,
            "page": page,
            "members": member_cards(viewer, list(page.object_list)),
            "awaiting": member_cards(
                viewer, list(member_rows(viewer, group, status="awaiting", rights=rights))
            ),
            "invited": list(member_rows(viewer, group, status="invited", rights=rights)),
            "children": Group.objects.visible_to(viewer).filter(parent=group, unit=""),
            "sections": sections_of(viewer, group),
            "rules": group.rules,
            "objectable": objectable,
            "open_seats": open_seats(group) if rights.sees_members else [],
            "invite_form": InviteForm(),
            "roles": Membership.Role.choices,
            "filters": filters,
            "spheres": ContactSphere.objects.order_by("name_en"),
            "professions": Profession.objects.order_by("name_en"),
        }
    )
    return render(request, "groups/detail.html", context)


def member_directory(request: HtmxRequest, slug: str) -> HttpResponse:
    """The group's member directory with the good-standing badge; htmx swaps the results."""
    rights = access_member_directory(request.user, slug)
    filters = {key: request.GET.get(key, "").strip() for key in ("profession", "sphere", "place")}
    query = request.GET.get("q", "").strip()
    rows = directory_rows(
        request.user,
        rights.group,
        rights,
        profession=filters["profession"],
        sphere=filters["sphere"],
        place=filters["place"],
        query=query,
    )
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    context = {
        "group": rights.group,
        "page": page,
        "entries": directory_entries(request.user, list(page.object_list)),
        "filters": filters,
        "q": query,
    }
    if request.htmx:
        return render(request, "groups/_member_directory_results.html", context)
    context.update(
        {
            "spheres": ContactSphere.objects.order_by("name_en"),
            "professions": Profession.objects.order_by("name_en"),
        }
    )
    return render(request, "groups/member_directory.html", context)


@login_required
def settings_view(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug, write=True)
    form = GroupSettingsForm(
        request.POST or None, group=group, initial=GroupSettingsForm.initial_for(group)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_group(group, actor=request.user, changes=form.changes())
        except services.GroupError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Settings saved."))
            return redirect(group)
    return render(request, "groups/settings.html", {"group": group, "form": form})


def _after_action(request: HtmxRequest, group: Group) -> HttpResponse:
    if request.htmx:
        return render(request, "groups/_membership_panel.html", _panel_context(request, group))
    return redirect(group)


@login_required
@require_POST
def join(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    try:
        membership = services.join_group(
            group,
            request.user,
            message=request.POST.get("message", ""),
            sponsor_email=request.POST.get("sponsor", ""),
            answers={
                **{
                    key[7:]: value
                    for key, value in request.POST.items()
                    if key.startswith("answer_")
                },
                "custom": request.POST.getlist("custom_answer"),
            },
            tier_id=_tier_choice(request.POST.get("tier", "")),
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        text = {
            "active": _("Welcome to %(group)s!"),
            "requested": _("Your request to join %(group)s is sent."),
            "applied": _("Your application to %(group)s is sent."),
        }[membership.status]
        messages.success(request, text % {"group": group.name})
    return _after_action(request, group)


@login_required
@require_POST
def leave(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    try:
        services.leave_group(
            group,
            request.user,
            reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("You left %(group)s.") % {"group": group.name})
    return _after_action(request, group)


@login_required
@require_POST
def answer_invitation(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    membership = membership_of(request.user, group)
    try:
        if membership is None:
            raise services.GroupError(_("There is no open invitation to answer."))
        if request.POST.get("answer") == "accept":
            services.accept_invitation(membership, actor=request.user)
            messages.success(request, _("Welcome to %(group)s!") % {"group": group.name})
        else:
            services.decline_invitation(membership, actor=request.user)
            messages.info(request, _("Invitation declined."))
    except services.GroupError as exc:
        messages.error(request, str(exc))
    return _after_action(request, group)


@login_required
@require_POST
def invite(request: AuthedRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug, write=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid email address."))
        return redirect(group)
    try:
        services.invite_member(group, actor=request.user, email=form.cleaned_data["email"])
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Invitation sent."))
    return redirect(group)


@login_required
@require_POST
def decide(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    group = access_group(request.user, slug)
    membership = access_membership(request.user, group, membership_id, write=True)
    try:
        decision = request.POST.get("decision")
        if decision in ("approve", "approve_despite_objections"):
            services.approve_membership(
                membership,
                actor=request.user,
                despite_objections=decision == "approve_despite_objections",
            )
            messages.success(request, _("Approved."))
        else:
            services.reject_membership(
                membership,
                actor=request.user,
                reason=request.POST.get("reason", ""),
            )
            messages.info(request, _("Rejected."))
    except services.GroupError as exc:
        messages.error(request, str(exc))
    return redirect(group)


@login_required
@require_POST
def object_to(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    group = access_group(request.user, slug)
    membership = access_application(request.user, group, membership_id)
    try:
        services.object_to_application(
            membership, actor=request.user, reason=request.POST.get("reason", "")
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("Your objection is recorded for the membership committee."))
    return redirect(group)


@login_required
@require_POST
def change_role(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    group = access_group(request.user, slug, write=True)
    membership = access_membership(request.user, group, membership_id, write=True)
    form = RoleForm(request.POST)
    try:
        if not form.is_valid():
            if "role" in form.errors:
                raise services.GroupError(_("Choose a role from the list."))
            raise services.GroupError(_("Give the end of the term as a date."))
        services.set_role(
            membership,
            actor=request.user,
            role=form.cleaned_data["role"],
            until=form.cleaned_data["until"],
        )
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Role changed."))
    return redirect(group)


def jobs(request: HtmxRequest, slug: str) -> HttpResponse:
    group = access_group(request.user, slug)
    if not group.rules.jobs_board:
        raise Http404(_("This group has no jobs board."))
    rights = rights_in(request.user, group)
    member = rights.active_member
    form = JobForm(
        request.POST or None,
        initial={"expires_on": timezone.localdate() + datetime.timedelta(days=30)},
    )
    if request.method == "POST":
        if not member:
            raise PermissionDenied(_("Only members may post jobs."))
        if form.is_valid():
            try:
                services.post_job(group, author=request.user, **form.cleaned_data)  # type: ignore[arg-type]
            except services.GroupError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Your job post is on the board."))
                return redirect("groups:jobs", slug=group.slug)
    page = Paginator(open_jobs(group, rights), 20).get_page(request.GET.get("page"))
    return render(
        request,
        "groups/jobs.html",
        {"group": group, "page": page, "form": form if member else None, "rights": rights},
    )


@login_required
@require_POST
def close_job(request: AuthedRequest, slug: str, job_id: int) -> HttpResponse:
    group = access_group(request.user, slug)
    job = get_object_or_404(open_jobs(group, rights_in(request.user, group)), pk=job_id)
    try:
        services.close_job(job, actor=request.user)
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("The job post is closed."))
    return redirect("groups:jobs", slug=group.slug)


@login_required
def mentoring(request: AuthedRequest, slug: str) -> HttpResponse:
    """Mentoring in a group: my preferences, the mentors with room, my requests and pairs."""
    group = access_mentoring(request.user, slug)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "preference":
                services.set_mentoring_preference(
                    group,
                    request.user,
                    as_mentor=bool(request.POST.get("as_mentor")),
                    as_mentee=bool(request.POST.get("as_mentee")),
                    topics=request.POST.get("topics", ""),
                )
            elif action == "request":
                mentor = get_object_or_404(User, pk=request.POST.get("mentor", 0))
                services.request_mentoring(
                    group, mentee=request.user, mentor=mentor, note=request.POST.get("note", "")
                )
            else:
                pair = get_object_or_404(
                    my_mentorings(group, request.user), pk=request.POST.get("mentoring", 0)
                )
                if action == "end":
                    services.end_mentoring(pair, actor=request.user)
                else:
                    services.answer_mentoring(pair, actor=request.user, accept=action == "accept")
        except services.GroupError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Saved."))
        return redirect("groups:mentoring", slug=group.slug)
    preference = MentoringPreference.objects.filter(group=group, user=request.user).first()
    return render(
        request,
        "groups/mentoring.html",
        {
            "group": group,
            "preference": preference,
            "mentors": mentors_in(group),
            "pairs": my_mentorings(group, request.user),
        },
    )
