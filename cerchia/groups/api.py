from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from cerchia.accounts.api import CardOut, CoordinatesOut, ProfessionOut
from cerchia.accounts.models import User
from cerchia.api.auth import OPTIONAL
from cerchia.api.pagination import page
from cerchia.groups import services
from cerchia.groups.access import (
    access_application,
    access_group,
    access_member_directory,
    access_membership,
    access_mentoring,
    rights_in,
)
from cerchia.groups.directory import directory_entries, directory_rows
from cerchia.groups.kinds import ELIGIBILITY_QUESTIONS
from cerchia.groups.models import (
    Group,
    JobPost,
    Membership,
    Mentoring,
    MentoringPreference,
    Objection,
)
from cerchia.groups.selectors import (
    directory,
    filter_members,
    member_cards,
    member_rows,
    mentors_in,
    my_mentorings,
    open_jobs,
    open_seats,
    sections_of,
)
from cerchia.lib.http import ApiRequest

router = Router(tags=["groups"])


class GroupOut(Schema):
    id: int
    slug: str
    name: str
    kind: str
    parent: int | None
    unit: str
    description: str
    place: str
    service_area: str
    currency: str
    time_zone: str
    visibility: str
    join_policy: str
    rules: dict[str, Any]
    url: str
    custom_questions: list[str]
    locked_rules: list[str]
    application_questions: list[dict[str, Any]]

    @staticmethod
    def resolve_application_questions(obj: Group) -> list[dict[str, Any]]:
        """What an applicant must answer: the standard questions the rules ask, by code."""
        return [
            {
                "code": code,
                "label": str(ELIGIBILITY_QUESTIONS[code].label),
                "number": ELIGIBILITY_QUESTIONS[code].number,
                "choices": [
                    {"value": value, "label": str(label)}
                    for value, label in ELIGIBILITY_QUESTIONS[code].choices
                ],
            }
            for code in obj.rules.eligibility_questions
        ]

    @staticmethod
    def resolve_parent(obj: Group) -> int | None:
        return obj.parent_id

    @staticmethod
    def resolve_rules(obj: Group) -> dict[str, Any]:
        return obj.rules.as_dict()

    @staticmethod
    def resolve_url(obj: Group) -> str:
        return obj.get_absolute_url()


class GroupIn(Schema):
    name: str
    kind: str = ""  # a section or committee takes its parent's
    parent: int | None = None
    unit: str = ""  # "section" or "committee" of ``parent``; empty for a group of its own
    slug: str = ""
    description: str = ""
    place: str = ""
    service_area: str = ""
    currency: str = "EUR"
    time_zone: str = "Europe/Rome"
    visibility: str = ""
    join_policy: str = ""
    rule_overrides: dict[str, Any] = {}
    custom_questions: list[str] = []


class GroupPatch(Schema):
    name: str | None = None
    description: str | None = None
    place: str | None = None
    service_area: str | None = None
    currency: str | None = None
    time_zone: str | None = None
    visibility: str | None = None
    join_policy: str | None = None
    rule_overrides: dict[str, Any] | None = None
    custom_questions: list[str] | None = None
    locked_rules: list[str] | None = None


class GroupPage(Schema):
    items: list[GroupOut]
    count: int


class SectionOut(GroupOut):
    member_count: int


class SectionPage(Schema):
    items: list[SectionOut]
    count: int


class MembershipOut(Schema):
    id: int
    group: int
    user: int
    status: str
    role: str
    role_until: datetime.date | None
    category: str
    leave_reason: str
    answers: dict[str, Any]
    info_request: str  # the reviewers' open question to the applicant, if any
    info_requested_at: datetime.datetime | None
    sponsor: int | None
    applied_at: datetime.datetime | None
    objections_close_at: datetime.datetime | None

    @staticmethod
    def resolve_sponsor(obj: Membership) -> int | None:
        return obj.sponsor_id

    @staticmethod
    def resolve_group(obj: Membership) -> int:
        return obj.group_id

    @staticmethod
    def resolve_user(obj: Membership) -> int:
        return obj.user_id


class MemberOut(Schema):
    membership_id: int
    status: str
    role: str
    role_until: datetime.date | None
    category: str
    person: CardOut


class MemberPage(Schema):
    items: list[MemberOut]
    count: int


class DirectoryEntryOut(Schema):
    """A member in the group directory: the badge, category and listing, and the card's fields
    the listing shows and the viewer may see (hidden fields are left out)."""

    user_id: int
    display_name: str
    in_good_standing: bool
    category: str
    listing: str
    profession: ProfessionOut | None = None
    place: str | None = None
    company: str | None = None
    bio: str | None = None
    offers: list[str] | None = None
    seeks: list[str] | None = None
    coordinates: CoordinatesOut | None = None
    clientele_scope: str | None = None
    company_size: str | None = None
    website: str | None = None
    phone: str | None = None
    email: str | None = None


class DirectoryPage(Schema):
    items: list[DirectoryEntryOut]
    count: int


class SeatSphereOut(Schema):
    code: str
    name: str
    professions: list[ProfessionOut]


class OpenSeatsOut(Schema):
    one_seat_per_profession: bool
    count: int
    spheres: list[SeatSphereOut]


class JobOut(Schema):
    id: int
    group: int
    author: int
    title: str
    description: str
    place: str
    contact: str
    public: bool
    expires_on: datetime.date
    created_at: datetime.datetime

    @staticmethod
    def resolve_group(obj: JobPost) -> int:
        return obj.group_id

    @staticmethod
    def resolve_author(obj: JobPost) -> int:
        return obj.author_id


class JobIn(Schema):
    title: str
    description: str
    contact: str
    place: str = ""
    expires_on: datetime.date | None = None
    public: bool = False


class JobPage(Schema):
    items: list[JobOut]
    count: int


class MentorOut(Schema):
    user_id: int
    display_name: str
    topics: str
    room: int


class MentorPage(Schema):
    items: list[MentorOut]
    count: int


class PreferenceIn(Schema):
    as_mentor: bool
    as_mentee: bool
    topics: str = ""


class PreferenceOut(Schema):
    as_mentor: bool
    as_mentee: bool
    topics: str


class MentoringIn(Schema):
    mentor: int
    note: str = ""


class MentoringOut(Schema):
    id: int
    group: int
    mentor: int
    mentee: int
    status: str
    note: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_group(obj: Mentoring) -> int:
        return obj.group_id

    @staticmethod
    def resolve_mentor(obj: Mentoring) -> int:
        return obj.mentor_id

    @staticmethod
    def resolve_mentee(obj: Mentoring) -> int:
        return obj.mentee_id


class MentoringPage(Schema):
    items: list[MentoringOut]
    count: int


class JoinIn(Schema):
    message: str = ""
    sponsor_email: str = ""  # where the group asks applicants for a sponsor
    # Answers to the group's application questions: {code: answer, "custom": [answers]}.
    answers: dict[str, Any] = {}
    # The membership tier (see GET /groups/{id}/tiers); required where it offers several.
    tier_id: int | None = None


class ApproveIn(Schema):
    despite_objections: bool = False


class ObjectionIn(Schema):
    reason: str


class ObjectionOut(Schema):
    id: int
    membership: int
    member: int
    reason: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_membership(obj: Objection) -> int:
        return obj.membership_id

    @staticmethod
    def resolve_member(obj: Objection) -> int:
        return obj.member_id


class ObjectionPage(Schema):
    items: list[ObjectionOut]
    count: int


class LeaveIn(Schema):
    reason: str = ""  # moved, cost, no_referrals, time, other
    note: str = ""


class InviteIn(Schema):
    email: str


class RoleIn(Schema):
    role: str
    until: datetime.date | None = None  # the end of the term; the group's usual term if empty


class RejectIn(Schema):
    reason: str = ""  # required: the applicant is told


class QuestionIn(Schema):
    question: str


class AnswerIn(Schema):
    answer: str


class TerminationIn(Schema):
    reason: str


@router.get("", response=GroupPage, auth=OPTIONAL, summary="Groups I may see (never informal)")
def list_groups(
    request: ApiRequest, kind: str = "", q: str = "", limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    items, count = page(directory(request.auth, kind=kind, query=q), limit, offset)
    return {"items": items, "count": count}


@router.post("", response={201: GroupOut}, summary="Create a group; I become its administrator")
def create_group(request: ApiRequest, payload: GroupIn) -> Status[Group]:
    user: User = request.auth
    data = payload.dict()
    parent_id = data.pop("parent")
    parent = access_group(user, parent_id) if parent_id else None
    return Status(201, services.create_group(user, parent=parent, **data))


@router.get("/{group_id}", response=GroupOut, auth=OPTIONAL, summary="One group")
def get_group(request: ApiRequest, group_id: int) -> Group:
    return access_group(request.auth, group_id)


@router.patch("/{group_id}", response=GroupOut, summary="Change a group (administrators)")
def patch_group(request: ApiRequest, group_id: int, payload: GroupPatch) -> Group:
    group = access_group(request.auth, group_id, write=True)
    return services.update_group(
        group,
        actor=request.auth,
        # A null is "not sent": every editable field is required in the database.
        changes=payload.dict(exclude_unset=True, exclude_none=True),
    )


@router.post(
    "/{group_id}/join",
    response=MembershipOut,
    summary="Join, ask to join or apply, as the group's policy says",
)
def join(request: ApiRequest, group_id: int, payload: JoinIn | None = None) -> Membership:
    group = access_group(request.auth, group_id)
    return services.join_group(
        group,
        request.auth,
        message=payload.message if payload else "",
        sponsor_email=payload.sponsor_email if payload else "",
        answers=payload.answers if payload else {},
        tier_id=payload.tier_id if payload else None,
    )


@router.post("/{group_id}/leave", response=MembershipOut, summary="Leave a group")
def leave(request: ApiRequest, group_id: int, payload: LeaveIn | None = None) -> Membership:
    group = access_group(request.auth, group_id)
    reason, note = (payload.reason, payload.note) if payload else ("", "")
    return services.leave_group(group, request.auth, reason=reason, note=note)


@router.get(
    "/{group_id}/members",
    response=MemberPage,
    auth=OPTIONAL,
    exclude_unset=True,
    summary="Members as I may see them; reviewers may list pending ones by status",
)
def members(
    request: ApiRequest,
    group_id: int,
    status: str = "active",
    profession: str = "",
    sphere: str = "",
    place: str = "",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    viewer = request.auth
    group = access_group(viewer, group_id)
    rights = rights_in(viewer, group)
    matching = filter_members(
        member_rows(viewer, group, status=status, rights=rights),
        rights,
        profession=profession.strip(),
        sphere=sphere.strip(),
        place=place.strip(),
    )
    rows, count = page(matching, limit, offset)
    items = [
        {
            "membership_id": r["membership"].pk,
            "status": r["membership"].status,
            "role": r["membership"].role,
            "role_until": r["membership"].role_until,
            "category": r["membership"].category,
            "person": r["card"],
        }
        for r in member_cards(viewer, rows)
    ]
    return {"items": items, "count": count}


@router.get(
    "/{group_id}/directory",
    response=DirectoryPage,
    auth=OPTIONAL,
    exclude_unset=True,
    summary="The member directory with the good-standing badge, enhanced listings first",
)
def member_directory(
    request: ApiRequest,
    group_id: int,
    profession: str = "",
    sphere: str = "",
    place: str = "",
    q: str = "",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    viewer = request.auth
    rights = access_member_directory(viewer, group_id)
    rows = directory_rows(
        viewer,
        rights.group,
        rights,
        profession=profession.strip(),
        sphere=sphere.strip(),
        place=place.strip(),
        query=q.strip(),
    )
    items, count = page(rows, limit, offset)
    return {"items": directory_entries(viewer, items), "count": count}


@router.get(
    "/{group_id}/open-seats",
    response=OpenSeatsOut,
    auth=OPTIONAL,
    summary="Professions nobody holds yet, by contact sphere (one-seat-per-profession groups)",
)
def get_open_seats(request: ApiRequest, group_id: int) -> dict[str, Any]:
    group = access_group(request.auth, group_id)
    if not rights_in(request.auth, group).sees_members:
        # Free seats tell who is in the group: only for those who may see its members.
        raise PermissionDenied(_("Only members see the open seats of this group."))
    seats = open_seats(group)
    return {
        "one_seat_per_profession": group.rules.one_seat_per_profession,
        "count": sum(len(professions) for _sphere, professions in seats),
        "spheres": [
            {"code": sphere.code, "name": sphere.name, "professions": professions}
            for sphere, professions in seats
        ],
    }


@router.post(
    "/{group_id}/invitations",
    response={201: MembershipOut},
    summary="Invite someone by email (administrators)",
)
def invite(request: ApiRequest, group_id: int, payload: InviteIn) -> Status[Membership]:
    group = access_group(request.auth, group_id, write=True)
    return Status(201, services.invite_member(group, actor=request.auth, email=payload.email))


@router.post(
    "/{group_id}/invitation/accept", response=MembershipOut, summary="Accept my invitation"
)
def accept(request: ApiRequest, group_id: int) -> Membership:
    user = request.auth
    group = access_group(user, group_id)
    membership = get_object_or_404(Membership, group=group, user=user)
    return services.accept_invitation(membership, actor=user)


@router.post(
    "/{group_id}/invitation/decline", response=MembershipOut, summary="Decline my invitation"
)
def decline(request: ApiRequest, group_id: int) -> Membership:
    user = request.auth
    group = access_group(user, group_id)
    membership = get_object_or_404(Membership, group=group, user=user)
    return services.decline_invitation(membership, actor=user)


@router.post(
    "/{group_id}/members/{membership_id}/approve",
    response=MembershipOut,
    summary="Approve a request or application (reviewers)",
)
def approve(
    request: ApiRequest, group_id: int, membership_id: int, payload: ApproveIn | None = None
) -> Membership:
    user = request.auth
    group = access_group(user, group_id)
    membership = access_membership(user, group, membership_id, write=True)
    return services.approve_membership(
        membership, actor=user, despite_objections=bool(payload and payload.despite_objections)
    )


@router.post(
    "/{group_id}/members/{membership_id}/objections",
    response={201: ObjectionOut},
    summary="Object to an application while its objection window is open (members)",
)
def object_to(
    request: ApiRequest, group_id: int, membership_id: int, payload: ObjectionIn
) -> Status[Objection]:
    group = access_group(request.auth, group_id)
    membership = access_application(request.auth, group, membership_id)
    objection = services.object_to_application(
        membership, actor=request.auth, reason=payload.reason
    )
    return Status(201, objection)


@router.get(
    "/{group_id}/members/{membership_id}/objections",
    response=ObjectionPage,
    summary="The objections to an application (reviewers)",
)
def objections(request: ApiRequest, group_id: int, membership_id: int) -> dict[str, Any]:
    group = access_group(request.auth, group_id)
    membership = access_membership(request.auth, group, membership_id, write=True)
    items = list(membership.objections.all())
    return {"items": items, "count": len(items)}


@router.post(
    "/{group_id}/members/{membership_id}/reject",
    response=MembershipOut,
    summary="Reject a request or application (reviewers)",
)
def reject(
    request: ApiRequest, group_id: int, membership_id: int, payload: RejectIn | None = None
) -> Membership:
    user = request.auth
    group = access_group(user, group_id)
    membership = access_membership(user, group, membership_id, write=True)
    return services.reject_membership(
        membership, actor=user, reason=payload.reason if payload else ""
    )


@router.put(
    "/{group_id}/members/{membership_id}/role",
    response=MembershipOut,
    summary="Give a member a role (administrators)",
)
def put_role(request: ApiRequest, group_id: int, membership_id: int, payload: RoleIn) -> Membership:
    user = request.auth
    group = access_group(user, group_id, write=True)
    membership = access_membership(user, group, membership_id, write=True)
    return services.set_role(membership, actor=user, role=payload.role, until=payload.until)


@router.post(
    "/{group_id}/members/{membership_id}/questions",
    response=MembershipOut,
    summary="Ask an applicant for more before deciding (reviewers)",
)
def ask_applicant(
    request: ApiRequest, group_id: int, membership_id: int, payload: QuestionIn
) -> Membership:
    group = access_group(request.auth, group_id)
    membership = access_membership(request.auth, group, membership_id, write=True)
    return services.ask_applicant(membership, actor=request.auth, question=payload.question)


@router.post(
    "/{group_id}/answers",
    response=MembershipOut,
    summary="Answer the reviewers' question about my application",
)
def answer_reviewers(request: ApiRequest, group_id: int, payload: AnswerIn) -> Membership:
    group = access_group(request.auth, group_id)
    membership = get_object_or_404(Membership, group=group, user=request.auth)
    return services.answer_reviewers(membership, actor=request.auth, answer=payload.answer)


@router.post(
    "/{group_id}/members/{membership_id}/termination",
    response=MembershipOut,
    summary="End a membership, saying why (administrators)",
)
def terminate(
    request: ApiRequest, group_id: int, membership_id: int, payload: TerminationIn
) -> Membership:
    group = access_group(request.auth, group_id, write=True)
    membership = access_membership(request.auth, group, membership_id, write=True)
    return services.terminate_membership(membership, actor=request.auth, reason=payload.reason)


@router.get(
    "/{group_id}/sections",
    response=SectionPage,
    auth=OPTIONAL,
    summary="The group's sections and committees I may see, with their member counts",
)
def list_sections(
    request: ApiRequest, group_id: int, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    group = access_group(request.auth, group_id)
    items, count = page(sections_of(request.auth, group), limit, offset)
    for section in items:
        section.parent = group  # their rules follow the group's: worked out once, not per item
    return {"items": items, "count": count}


@router.get(
    "/{group_id}/jobs",
    response=JobPage,
    auth=OPTIONAL,
    summary="Open job posts: all for members, the public ones for others where allowed",
)
def list_jobs(
    request: ApiRequest, group_id: int, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    group = access_group(request.auth, group_id)
    items, count = page(open_jobs(group, rights_in(request.auth, group)), limit, offset)
    return {"items": items, "count": count}


@router.post("/{group_id}/jobs", response={201: JobOut}, summary="Post a job (members)")
def create_job(request: ApiRequest, group_id: int, payload: JobIn) -> Status[JobPost]:
    group = access_group(request.auth, group_id)
    return Status(201, services.post_job(group, author=request.auth, **payload.dict()))


@router.post(
    "/{group_id}/jobs/{job_id}/close",
    response=JobOut,
    summary="Close a job post (its author or the administrators)",
)
def close_job(request: ApiRequest, group_id: int, job_id: int) -> JobPost:
    group = access_group(request.auth, group_id)
    job = get_object_or_404(open_jobs(group, rights_in(request.auth, group)), pk=job_id)
    return services.close_job(job, actor=request.auth)


@router.get(
    "/{group_id}/mentors",
    response=MentorPage,
    summary="Members who offer mentoring, with the room they have (members)",
)
def list_mentors(request: ApiRequest, group_id: int) -> dict[str, Any]:
    group = access_mentoring(request.auth, group_id)
    items = [
        {
            "user_id": row["preference"].user_id,
            "display_name": row["preference"].user.profile.display_name,
            "topics": row["preference"].topics,
            "room": row["room"],
        }
        for row in mentors_in(group)
    ]
    return {"items": items, "count": len(items)}


@router.put(
    "/{group_id}/mentoring/preference",
    response=PreferenceOut,
    summary="Opt in or out as mentor and/or mentee (members)",
)
def put_preference(
    request: ApiRequest, group_id: int, payload: PreferenceIn
) -> MentoringPreference:
    group = access_mentoring(request.auth, group_id)
    return services.set_mentoring_preference(group, request.auth, **payload.dict())


@router.get(
    "/{group_id}/mentoring",
    response=MentoringPage,
    summary="My mentoring requests and pairs in this group",
)
def list_my_mentoring(request: ApiRequest, group_id: int) -> dict[str, Any]:
    group = access_mentoring(request.auth, group_id)
    items = list(my_mentorings(group, request.auth))
    return {"items": items, "count": len(items)}


@router.post(
    "/{group_id}/mentoring", response={201: MentoringOut}, summary="Ask a mentor for mentoring"
)
def ask_mentor(request: ApiRequest, group_id: int, payload: MentoringIn) -> Status[Mentoring]:
    group = access_mentoring(request.auth, group_id)
    mentor = get_object_or_404(User, pk=payload.mentor)
    pair = services.request_mentoring(group, mentee=request.auth, mentor=mentor, note=payload.note)
    return Status(201, pair)


@router.post(
    "/{group_id}/mentoring/{mentoring_id}/{action}",
    response=MentoringOut,
    summary="Accept or decline a request (the mentor), or end a pair (either)",
)
def act_on_mentoring(
    request: ApiRequest, group_id: int, mentoring_id: int, action: str
) -> Mentoring:
    group = access_mentoring(request.auth, group_id)
    pair = get_object_or_404(my_mentorings(group, request.auth), pk=mentoring_id)
    if action == "end":
        return services.end_mentoring(pair, actor=request.auth)
    if action not in ("accept", "decline"):
        raise Http404(_("Not found"))
    return services.answer_mentoring(pair, actor=request.auth, accept=action == "accept")
