"""Every write to groups and memberships. Each runs in a transaction and leaves an audit entry."""

from __future__ import annotations

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cerchia.accounts.models import Profession, User
from cerchia.audit.services import record
from cerchia.groups.access import can_manage, can_review
from cerchia.groups.kinds import (
    CREATABLE_KINDS,
    ELIGIBILITY_QUESTIONS,
    JoinPolicy,
    Kind,
    KindRules,
    clean_overrides,
    rules_for,
)
from cerchia.groups.models import (
    AWAITING_STATUSES,
    GONE_STATUSES,
    INFORMAL_NETWORK_NAME,
    MANAGER_ROLES,
    ApplicationEvidence,
    Group,
    JobPost,
    Membership,
    Mentoring,
    MentoringPreference,
    Objection,
)
from cerchia.lib.files import ACCEPTED_EXTENSIONS, base_name, extension_of, sniff_document_type
from cerchia.lib.validators import validate_currency, validate_time_zone


class GroupError(Exception):
    """A group action the rules refuse; the message is shown to the person."""


# Addresses a group may not take: /groups/new/ is the creation page, and "informal-<user id>"
# is kept for each person's informal network (created when they register).
_RESERVED_SLUG = re.compile(r"new|informal-\d+")


def _slug_taken(slug: str) -> bool:
    return bool(_RESERVED_SLUG.fullmatch(slug)) or Group.objects.filter(slug=slug).exists()


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "group"
    slug, n = base, 2
    while _slug_taken(slug):
        slug = f"{base}-{n}"
        n += 1
    return slug


def _validate_fields(fields: dict[str, Any], kind: str) -> None:
    rules = rules_for(kind)
    if "name" in fields and not str(fields["name"]).strip():
        raise GroupError(_("A group needs a name."))
    if fields.get("join_policy") and fields["join_policy"] not in rules.join_policies:
        raise GroupError(
            _("This kind of group cannot use the join policy “%(policy)s”.")
            % {"policy": fields["join_policy"]}
        )
    if fields.get("visibility") and fields["visibility"] not in ("public", "members", "private"):
        raise GroupError(_("Unknown visibility: %(v)s") % {"v": fields["visibility"]})
    try:
        if "currency" in fields:
            validate_currency(fields["currency"])
        if "time_zone" in fields:
            validate_time_zone(fields["time_zone"])
        if "locked_rules" in fields:
            fields["locked_rules"] = clean_locked_rules(fields["locked_rules"])
        if "custom_questions" in fields:
            fields["custom_questions"] = clean_custom_questions(fields["custom_questions"])
        if "rule_overrides" in fields:
            fields["rule_overrides"] = clean_overrides(fields["rule_overrides"] or {})
    except ValidationError as exc:
        raise GroupError(" ".join(exc.messages)) from None


@transaction.atomic
def create_group(
    actor: User,
    *,
    name: str,
    kind: str,
    parent: Group | None = None,
    slug: str = "",
    description: str = "",
    place: str = "",
    service_area: str = "",
    currency: str = "EUR",
    time_zone: str = "Europe/Rome",
    visibility: str = "",
    join_policy: str = "",
    rule_overrides: dict[str, Any] | None = None,
    custom_questions: list[str] | None = None,
    unit: str = "",
) -> Group:
    """Create a group; its creator becomes its first administrator. A section or committee
    (``unit``) hangs under a group of its own kind, follows its rules and takes its members
    from it."""
    if unit:
        kind = _unit_kind(unit, kind, parent)
    if not kind:
        raise GroupError(_("Choose the kind of group."))
    if kind not in CREATABLE_KINDS:
        raise GroupError(_("Groups of this kind cannot be created: %(kind)s") % {"kind": kind})
    rules = rules_for(kind)
    if parent is not None:
        if kind not in rules_for(parent.kind).child_kinds:
            raise GroupError(
                _("A %(parent)s cannot have a %(kind)s under it.")
                % {"parent": parent.get_kind_display(), "kind": Kind(kind).label}
            )
        if not can_manage(actor, parent):
            raise GroupError(
                _("Only administrators of %(group)s may add groups under it.")
                % {"group": parent.name}
            )
    if unit and parent is not None:
        # A section is no more visible than its parent by default, and its people were
        # already vetted by the parent: they ask to join rather than apply again.
        visibility = visibility or parent.visibility
        if JoinPolicy.REQUEST in rules.join_policies:
            join_policy = join_policy or JoinPolicy.REQUEST
    fields: dict[str, Any] = {
        "name": name.strip(),
        "currency": (currency or "EUR").upper(),
        "time_zone": time_zone or "Europe/Rome",
        "visibility": visibility or rules.default_visibility,
        "join_policy": join_policy or rules.default_join_policy,
        "rule_overrides": rule_overrides or {},
        "custom_questions": custom_questions or [],
    }
    _validate_fields(fields, kind)
    if slug:
        slug = slugify(slug)
        if not slug or _slug_taken(slug):
            raise GroupError(_("The address “%(slug)s” is taken or invalid.") % {"slug": slug})
    group = Group.objects.create(
        slug=slug or _unique_slug(name),
        kind=kind,
        parent=parent,
        unit=unit,
        description=description.strip(),
        place=place.strip(),
        service_area=service_area.strip(),
        owner=actor,
        **fields,
    )
    # The creator takes their profession's seat where the group has seats (a new group has
    # every seat free); without a profession they run the group without one.
    creator_profession = Profession.objects.filter(profiles__user=actor).first()
    # A section's members come from its parent: an administrator from higher up who is not a
    # member there runs the section from above (as for any group below) without joining it.
    if _drawn_from_parent(group, actor):
        Membership.objects.create(
            seat_profession=creator_profession if group.rules.one_seat_per_profession else None,
            group=group,
            user=actor,
            status=Membership.Status.ACTIVE,
            role=Membership.Role.ADMINISTRATOR,
            joined_at=timezone.now(),
        )
    data: dict[str, Any] = {"kind": kind, "parent": parent.pk if parent else None}
    if unit:
        data["unit"] = unit
    record(actor, "groups.group.created", group, data)
    return group


def _unit_kind(unit: str, kind: str, parent: Group | None) -> str:
    """The kind of a new section or committee: its parent's, which must allow it."""
    if unit not in Group.Unit.values:
        raise GroupError(_("Unknown kind of subgroup: %(unit)s") % {"unit": unit})
    if parent is None:
        raise GroupError(_("A section or committee belongs to a group: choose which."))
    if kind and kind != parent.kind:
        raise GroupError(
            _("A section or committee of %(group)s is a %(kind)s like it.")
            % {"group": parent.name, "kind": parent.get_kind_display()}
        )
    if parent.kind not in rules_for(parent.kind).child_kinds:
        raise GroupError(
            _("A %(kind)s cannot have sections or committees.")
            % {"kind": parent.get_kind_display()}
        )
    return parent.kind


def _drawn_from_parent(group: Group, user: User) -> bool:
    """Whether ``user`` may be a member of ``group``: anyone for a group of its own; for a
    section or committee, active members of its parent only."""
    if not group.unit or group.parent_id is None:
        return True
    return Membership.objects.active().filter(group_id=group.parent_id, user=user).exists()


def _not_in_parent_message(group: Group) -> str:
    return _("%(group)s is for members of %(parent)s only.") % {
        "group": group.name,
        "parent": group.parent.name if group.parent else "",
    }


EDITABLE_GROUP_FIELDS = {
    "custom_questions",
    "locked_rules",
    "name",
    "description",
    "place",
    "service_area",
    "currency",
    "time_zone",
    "visibility",
    "join_policy",
    "rule_overrides",
}


@transaction.atomic
def update_group(group: Group, *, actor: User, changes: dict[str, Any]) -> Group:
    if not can_manage(actor, group):
        raise GroupError(_("Only the group's administrators may change it."))
    unknown = set(changes) - EDITABLE_GROUP_FIELDS
    if unknown:
        raise GroupError(_("This cannot be changed: %(field)s") % {"field": sorted(unknown)[0]})
    if group.is_informal and any(
        changes[f] != getattr(group, f) for f in ("visibility", "join_policy") if f in changes
    ):
        raise GroupError(_("Your informal network is always private."))
    changes = {k: (v.strip() if isinstance(v, str) else v) for k, v in changes.items()}
    locked = group.locked_by_organisation & set(changes.get("rule_overrides") or {})
    if locked:
        raise GroupError(
            _("%(rule)s is set by %(organisation)s for all its groups.")
            % {"rule": sorted(locked)[0], "organisation": group.organisation}
        )
    if isinstance(changes.get("currency"), str):
        changes["currency"] = changes["currency"].upper()
    _validate_fields(changes, group.kind)
    for field, value in changes.items():
        setattr(group, field, value)
    group.save()
    record(actor, "groups.group.updated", group, {"fields": sorted(changes)})
    return group


def ensure_informal_network(user: User) -> Group:
    """Each person's private informal network, created on first need, never listed."""
    existing = Group.objects.filter(kind=Kind.INFORMAL, owner=user).first()
    if existing is not None:
        return existing
    rules = rules_for(Kind.INFORMAL)
    try:
        with transaction.atomic():
            group = Group.objects.create(
                name=INFORMAL_NETWORK_NAME,
                slug=f"informal-{user.pk}",
                kind=Kind.INFORMAL,
                owner=user,
                visibility=rules.default_visibility,
                join_policy=rules.default_join_policy,
            )
    except IntegrityError:  # created at the same moment by another request
        return Group.objects.get(kind=Kind.INFORMAL, owner=user)
    record(user, "groups.informal.created", group)
    return group


def _seat_taken_message(group: Group, profession: Profession) -> str:
    return _(
        "The %(profession)s seat in %(group)s is taken: this group has one member per profession."
    ) % {"profession": profession.name, "group": group.name}


def _save_new_or_refuse(membership: Membership, message: str) -> None:
    """Save; a row inserted at the same moment by a concurrent request (the same person, or
    someone taking the same seat) becomes a clear error."""
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError:
        if membership.seat_profession is not None and seat_holder(
            membership.group, membership.seat_profession, exclude_user=membership.user
        ):
            raise GroupError(
                _seat_taken_message(membership.group, membership.seat_profession)
            ) from None
        raise GroupError(message) from None


def seat_holder(group: Group, profession: Profession, *, exclude_user: User | None = None) -> bool:
    holders = Membership.objects.filter(
        group=group, status=Membership.Status.ACTIVE, seat_profession=profession
    )
    if exclude_user is not None:
        holders = holders.exclude(user=exclude_user)
    return holders.exists()


def _seat_for(group: Group, user: User) -> Profession | None:
    """The seat a person would take in ``group``: None where the group does not seat one
    member per profession. Refused when they have no profession or its seat is taken."""
    if not group.rules.one_seat_per_profession:
        return None
    profession = Profession.objects.filter(profiles__user=user).first()
    if profession is None:
        raise GroupError(
            _(
                "%(group)s has one member per profession: choose your profession on your "
                "business card first."
            )
            % {"group": group.name}
        )
    if seat_holder(group, profession, exclude_user=user):
        raise GroupError(_seat_taken_message(group, profession))
    return profession


def _lock_membership(group: Group, user: User) -> Membership | None:
    return Membership.objects.select_for_update().filter(group=group, user=user).first()


def clean_locked_rules(names: Any) -> list[str]:
    if not isinstance(names, list | tuple):
        raise GroupError(_("Locked rules must be a list of rule names."))
    tunable = {f.name for f in KindRules.tunable_fields()}
    for name in names:
        if name not in tunable:
            raise GroupError(_("Unknown rule: %(rule)s") % {"rule": name})
    return sorted(set(names))


MAX_CUSTOM_QUESTIONS = 10
MAX_ANSWER_LENGTH = 500


def clean_custom_questions(questions: Any) -> list[str]:
    if isinstance(questions, str):
        questions = questions.splitlines()
    if not isinstance(questions, list | tuple):
        raise GroupError(_("Questions for applicants must be a list."))
    cleaned = [str(q).strip() for q in questions if str(q).strip()]
    if len(cleaned) > MAX_CUSTOM_QUESTIONS:
        raise GroupError(_("At most %(n)d questions for applicants.") % {"n": MAX_CUSTOM_QUESTIONS})
    if any(len(q) > 200 for q in cleaned):
        raise GroupError(_("A question for applicants may have at most 200 characters."))
    return cleaned


def clean_answers(group: Group, answers: Any) -> dict[str, Any]:
    """The applicant's answers to every question the group asks, validated; each is required."""
    answers = answers if isinstance(answers, dict) else {}
    cleaned: dict[str, Any] = {}
    for code in group.rules.eligibility_questions:
        question = ELIGIBILITY_QUESTIONS[code]
        value = str(answers.get(code, "") or "").strip()
        if not value:
            raise GroupError(_("Please answer: %(question)s") % {"question": question.label})
        if question.choices and value not in dict(question.choices):
            raise GroupError(
                _("“%(value)s” is not an answer to: %(question)s")
                % {"value": value, "question": question.label}
            )
        if question.number:
            if not value.isdigit() or int(value) > 200:
                raise GroupError(
                    _("Answer with a whole number: %(question)s") % {"question": question.label}
                )
            cleaned[code] = int(value)
        else:
            cleaned[code] = value[:MAX_ANSWER_LENGTH]
    custom = answers.get("custom") or []
    if not isinstance(custom, list | tuple):
        raise GroupError(_("Answers to the group's own questions must be a list."))
    custom_answers = []
    for index, question in enumerate(group.custom_questions or []):
        value = str(custom[index]).strip() if index < len(custom) else ""
        if not value:
            raise GroupError(_("Please answer: %(question)s") % {"question": question})
        custom_answers.append(value[:MAX_ANSWER_LENGTH])
    if custom_answers:
        cleaned["custom"] = custom_answers
    return cleaned


def _sponsor(group: Group, user: User, email: str) -> User | None:
    """The member who vouches for an applicant: an active member of the group, not oneself."""
    email = email.strip()
    if not email:
        if group.rules.sponsor_required and group.join_policy == JoinPolicy.APPLICATION:
            raise GroupError(
                _("%(group)s asks for a sponsor: give the email of a member who vouches for you.")
                % {"group": group.name}
            )
        return None
    sponsor = User.objects.filter(
        email__iexact=email,
        memberships__group=group,
        memberships__status=Membership.Status.ACTIVE,
    ).first()
    if sponsor is None or sponsor.pk == user.pk:
        raise GroupError(
            _("%(email)s is not a member of %(group)s who can sponsor you.")
            % {"email": email, "group": group.name}
        )
    return sponsor


@transaction.atomic
def join_group(
    group: Group,
    user: User,
    *,
    message: str = "",
    sponsor_email: str = "",
    answers: dict[str, Any] | None = None,
    tier_id: int | None = None,
) -> Membership:
    """Join as the group's policy allows: open → active; request/application → awaiting
    review; invitation → refused unless invited (then the invitation is accepted)."""
    if not group.rules.accepts_members:
        raise GroupError(_("Nobody can join this group."))
    membership = _lock_membership(group, user)
    if membership is not None and membership.status == Membership.Status.ACTIVE:
        raise GroupError(_("You are already a member of %(group)s.") % {"group": group.name})
    if membership is not None and membership.status == Membership.Status.TERMINATED:
        # Only the group's administrators can let someone back in (by inviting them).
        raise GroupError(
            _(
                "Your membership of %(group)s was terminated: only its administrators can "
                "invite you back."
            )
            % {"group": group.name}
        )
    if membership is not None and membership.status in (
        Membership.Status.REQUESTED,
        Membership.Status.APPLIED,
    ):
        raise GroupError(
            _("Your request to join %(group)s is waiting for a decision.") % {"group": group.name}
        )
    if membership is not None and membership.status == Membership.Status.INVITED:
        if tier_id is not None:  # the invited person picks their tier on accepting
            membership.tier = _tier_for_joining(group, tier_id)
        return accept_invitation(membership, actor=user)
    if not _drawn_from_parent(group, user):
        raise GroupError(_not_in_parent_message(group))
    policy = group.join_policy
    if policy == JoinPolicy.INVITATION:
        raise GroupError(_("%(group)s is by invitation only.") % {"group": group.name})
    status = {
        JoinPolicy.OPEN: Membership.Status.ACTIVE,
        JoinPolicy.REQUEST: Membership.Status.REQUESTED,
        JoinPolicy.APPLICATION: Membership.Status.APPLIED,
    }[JoinPolicy(policy)]
    now = timezone.now()
    if membership is None:
        membership = Membership(group=group, user=user)
    membership.status = status
    membership.role = Membership.Role.MEMBER
    membership.message = message.strip()[:2000]
    # A new request starts afresh: no question left over from an earlier one.
    membership.info_request = ""
    membership.info_requested_at = None
    membership.joined_at = now if status == Membership.Status.ACTIVE else None
    membership.left_at = None
    # Checked on asking too, so nobody applies for a seat that is already taken.
    seat = _seat_for(group, user)
    membership.sponsor = (
        _sponsor(group, user, sponsor_email) if status == Membership.Status.APPLIED else None
    )
    membership.applied_at = now if status == Membership.Status.APPLIED else None
    membership.answers = (
        clean_answers(group, answers) if status == Membership.Status.APPLIED else {}
    )
    membership.seat_profession = seat if status == Membership.Status.ACTIVE else None
    membership.tier = _tier_for_joining(group, tier_id)
    membership.standing = Membership.Standing.PENDING
    _save_new_or_refuse(
        membership, _("You already have a membership in %(group)s.") % {"group": group.name}
    )
    if status == Membership.Status.ACTIVE:
        _after_activation(membership, actor=user)
    elif status == Membership.Status.APPLIED:
        _notify_applicant(membership, "application.received")
    action = {
        Membership.Status.ACTIVE: "groups.membership.joined",
        Membership.Status.REQUESTED: "groups.membership.requested",
        Membership.Status.APPLIED: "groups.membership.applied",
    }[status]
    record(user, action, membership, {"group": group.pk})
    return membership


@transaction.atomic
def invite_member(group: Group, *, actor: User, email: str) -> Membership:
    if not can_manage(actor, group) or not group.rules.accepts_members:
        raise GroupError(_("Only the group's administrators may invite people."))
    user = User.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if user is None:
        raise GroupError(
            _("Nobody has a Cerchia account with the address %(email)s.") % {"email": email.strip()}
        )
    membership = _lock_membership(group, user)
    if membership is not None and membership.status not in GONE_STATUSES:
        if membership.status in (Membership.Status.REQUESTED, Membership.Status.APPLIED):
            raise GroupError(
                _("%(email)s has already asked to join: approve the request.")
                % {"email": user.email}
            )
        raise GroupError(_("%(email)s is already invited or a member.") % {"email": user.email})
    if not _drawn_from_parent(group, user):
        raise GroupError(
            _("%(email)s is not a member of %(parent)s, and %(group)s is for its members only.")
            % {
                "email": user.email,
                "parent": group.parent.name if group.parent else "",
                "group": group.name,
            }
        )
    if membership is None:
        membership = Membership(group=group, user=user)
    membership.status = Membership.Status.INVITED
    membership.role = Membership.Role.MEMBER
    membership.invited_by = actor
    membership.left_at = None
    _save_new_or_refuse(
        membership, _("%(email)s is already invited or a member.") % {"email": user.email}
    )
    record(actor, "groups.membership.invited", membership, {"group": group.pk, "user": user.pk})
    return membership


def _tier_for_joining(group: Group, tier_id: int | None) -> Any:
    from cerchia.dues.services import DuesError, tier_for_joining

    try:
        return tier_for_joining(group, tier_id)
    except DuesError as exc:
        raise GroupError(str(exc)) from None


def _default_tier(group: Group) -> Any:
    from cerchia.dues.services import offered_tiers

    tiers = offered_tiers(group)
    return tiers[0] if tiers else None


def _associate(membership: Membership) -> bool:
    """In a women's network, applicants who are not women are admitted as associates. Only
    applications ask the gender question: people admitted otherwise (invited, on request)
    were chosen by the administrators and are full members."""
    if not membership.group.rules.women_network:
        return False
    answers = membership.answers if isinstance(membership.answers, dict) else {}
    return "gender" in answers and answers["gender"] != "woman"


def _after_activation(membership: Membership, *, actor: User) -> None:
    """A new member: bill the first dues (pending until paid) or stand active at once."""
    from cerchia.dues.services import start_dues

    start_dues(membership, actor=actor, today=timezone.localdate())


def _activate(membership: Membership, *, actor: User) -> None:
    if not _drawn_from_parent(membership.group, membership.user):
        raise GroupError(_not_in_parent_message(membership.group))
    membership.seat_profession = _seat_for(membership.group, membership.user)
    membership.status = Membership.Status.ACTIVE
    membership.joined_at = timezone.now()
    membership.info_request = ""
    membership.category = (
        Membership.Category.ASSOCIATE if _associate(membership) else Membership.Category.FULL
    )
    if membership.tier_id is None:
        membership.tier = _default_tier(membership.group)
    _save_new_or_refuse(membership, _("This person is already a member."))
    _after_activation(membership, actor=actor)


def _notify_applicant(membership: Membership, kind: str, **params: Any) -> None:
    from cerchia.notices.services import notify

    notify(
        membership.user,
        kind,
        {"group": membership.group.name, **params},
        url=membership.group.get_absolute_url(),
    )


@transaction.atomic
def accept_invitation(membership: Membership, *, actor: User) -> Membership:
    if membership.user_id != actor.pk:
        raise GroupError(_("Only the invited person may accept this invitation."))
    if membership.status != Membership.Status.INVITED:
        raise GroupError(_("There is no open invitation to accept."))
    _activate(membership, actor=actor)
    record(actor, "groups.membership.accepted", membership, {"group": membership.group_id})
    return membership


@transaction.atomic
def decline_invitation(membership: Membership, *, actor: User) -> Membership:
    if membership.user_id != actor.pk:
        raise GroupError(_("Only the invited person may decline this invitation."))
    if membership.status != Membership.Status.INVITED:
        raise GroupError(_("There is no open invitation to decline."))
    membership.status = Membership.Status.DECLINED
    membership.save()
    record(actor, "groups.membership.declined", membership, {"group": membership.group_id})
    return membership


@transaction.atomic
def approve_membership(
    membership: Membership, *, actor: User, despite_objections: bool = False
) -> Membership:
    """Admit an applicant. Where the group has an objection window, members have it in full
    first; silence is consent, and objections must be read and overruled explicitly."""
    if not can_review(actor, membership.group):
        raise GroupError(_("Only the group's reviewers may approve members."))
    if membership.status not in (Membership.Status.REQUESTED, Membership.Status.APPLIED):
        raise GroupError(_("This person is not waiting for approval."))
    closes = membership.objections_close_at
    if closes is not None and membership.objection_window_open:
        raise GroupError(
            _("Members may object until %(date)s: decide after that.")
            % {"date": date_format(timezone.localtime(closes), "DATETIME_FORMAT")}
        )
    objections = membership.objections.count()
    if objections and not despite_objections:
        raise GroupError(
            ngettext(
                "%(n)d member objected: read the objection, then approve despite it or reject.",
                "%(n)d members objected: read the objections, then approve despite them or reject.",
                objections,
            )
            % {"n": objections}
        )
    _activate(membership, actor=actor)
    data: dict[str, Any] = {"group": membership.group_id}
    if objections:
        data["objections_overruled"] = objections
    record(actor, "groups.membership.approved", membership, data)
    _notify_applicant(membership, "application.approved")
    return membership


@transaction.atomic
def ask_applicant(membership: Membership, *, actor: User, question: str) -> Membership:
    """Reviewers ask an applicant for more (evidence, a clarification) before deciding."""
    if not can_review(actor, membership.group):
        raise GroupError(_("Only the group's reviewers may question applicants."))
    if membership.status not in (Membership.Status.REQUESTED, Membership.Status.APPLIED):
        raise GroupError(_("This person is not waiting for approval."))
    question = question.strip()
    if not question:
        raise GroupError(_("Write what you want to know."))
    membership.info_request = question[:1000]
    membership.info_requested_at = timezone.now()
    membership.save(update_fields=["info_request", "info_requested_at", "updated_at"])
    record(actor, "groups.application.more_asked", membership, {"group": membership.group_id})
    _notify_applicant(membership, "application.more_info", question=membership.info_request)
    return membership


@transaction.atomic
def answer_reviewers(membership: Membership, *, actor: User, answer: str) -> Membership:
    """The applicant answers the reviewers' question; it is kept with the application."""
    if membership.user_id != actor.pk:
        raise GroupError(_("Only the applicant may answer."))
    if not membership.info_request:
        raise GroupError(_("Nobody has asked you anything about this application."))
    answer = answer.strip()
    if not answer:
        raise GroupError(_("Write your answer."))
    answers = dict(membership.answers or {})
    answers["more"] = [
        *answers.get("more", []),
        {"question": membership.info_request, "answer": answer[:MAX_ANSWER_LENGTH]},
    ]
    membership.answers = answers
    membership.info_request = ""
    membership.save(update_fields=["answers", "info_request", "updated_at"])
    record(actor, "groups.application.answered", membership, {"group": membership.group_id})
    return membership


# Evidence an applicant may add to an application: how many documents, and how big each.
MAX_EVIDENCE_FILES = 5
MAX_EVIDENCE_MB = 5


def _lock_application(membership: Membership, *, actor: User) -> Membership:
    """The applicant's own application, locked so two uploads (or an upload and a decision)
    cannot pass the checks at once; refused while it is not waiting for a decision."""
    locked = (
        Membership.objects.select_for_update(of=("self",))
        .select_related("group")
        .get(pk=membership.pk)
    )
    if locked.user_id != actor.pk:
        raise GroupError(_("Only the applicant may add or remove documents of an application."))
    if locked.status not in AWAITING_STATUSES:
        raise GroupError(
            _("Documents can be added or removed only while the application waits for a decision.")
        )
    return locked


@transaction.atomic
def add_evidence(membership: Membership, *, actor: User, file: UploadedFile) -> ApplicationEvidence:
    """The applicant adds a document to their application while it waits: a PDF, PNG or JPEG
    (proved by its content, not its name), at most 5 MB, at most five per application."""
    membership = _lock_application(membership, actor=actor)
    if membership.evidence.count() >= MAX_EVIDENCE_FILES:
        raise GroupError(
            ngettext(
                "An application takes at most %(n)d document: remove one to add another.",
                "An application takes at most %(n)d documents: remove one to add another.",
                MAX_EVIDENCE_FILES,
            )
            % {"n": MAX_EVIDENCE_FILES}
        )
    name = base_name(file.name or "")[:200]
    if extension_of(name) not in ACCEPTED_EXTENSIONS:
        raise GroupError(_("Only PDF, PNG and JPEG files can be added."))
    size = file.size or 0
    if size == 0:
        raise GroupError(_("The file “%(name)s” is empty.") % {"name": name})
    if size > MAX_EVIDENCE_MB * 1024 * 1024:
        raise GroupError(
            _("The file “%(name)s” is too big: at most %(mb)d MB.")
            % {"name": name, "mb": MAX_EVIDENCE_MB}
        )
    content_type = sniff_document_type(file)
    if not content_type:
        raise GroupError(
            _("The file “%(name)s” is not really a PDF, PNG or JPEG document.") % {"name": name}
        )
    evidence = ApplicationEvidence(
        membership=membership,
        original_name=name,
        content_type=content_type,
        size=size,
        uploaded_by=actor,
    )
    # The storage path comes from ``evidence_upload_to``; the name only lends its stem.
    evidence.file.save(name, file, save=False)
    try:
        evidence.save()
        record(
            actor,
            "groups.application.evidence_added",
            membership,
            {"group": membership.group_id, "evidence": evidence.pk, "name": name},
        )
    except Exception:
        # Nothing kept when the row is not: no orphan file on disk.
        evidence.file.delete(save=False)
        raise
    return evidence


@transaction.atomic
def remove_evidence(evidence: ApplicationEvidence, *, actor: User) -> None:
    """The applicant removes one of their documents while the application waits."""
    membership = _lock_application(evidence.membership, actor=actor)
    storage, path = evidence.file.storage, evidence.file.name
    data = {"group": membership.group_id, "evidence": evidence.pk, "name": evidence.original_name}
    evidence.delete()
    record(actor, "groups.application.evidence_removed", membership, data)
    # The file goes only once the row is gone for good.
    transaction.on_commit(lambda: storage.delete(path))


@transaction.atomic
def object_to_application(membership: Membership, *, actor: User, reason: str) -> Objection:
    """An active member objects to an application while the objection window is open."""
    group = membership.group
    if not Membership.objects.active().filter(group=group, user=actor).exists():
        raise GroupError(_("Only members of %(group)s may object.") % {"group": group.name})
    if membership.user_id == actor.pk:
        raise GroupError(_("You cannot object to your own application."))
    if not membership.objection_window_open:
        raise GroupError(_("This application is not open to objections."))
    reason = reason.strip()
    if not reason:
        raise GroupError(_("Say why you object: the membership committee reads it."))
    objection, created = Objection.objects.get_or_create(
        membership=membership, member=actor, defaults={"reason": reason[:2000]}
    )
    if not created:
        raise GroupError(_("You have already objected to this application."))
    record(actor, "groups.application.objected", membership, {"group": group.pk})
    return objection


@transaction.atomic
def reject_membership(membership: Membership, *, actor: User, reason: str = "") -> Membership:
    if not can_review(actor, membership.group):
        raise GroupError(_("Only the group's reviewers may reject requests."))
    if membership.status not in (Membership.Status.REQUESTED, Membership.Status.APPLIED):
        raise GroupError(_("This person is not waiting for approval."))
    reason = reason.strip()[:500]
    if not reason:
        raise GroupError(_("Give the applicant a reason."))
    membership.status = Membership.Status.REJECTED
    membership.save()
    record(
        actor,
        "groups.membership.rejected",
        membership,
        {"group": membership.group_id, "reason": reason},
    )
    _notify_applicant(membership, "application.rejected", reason=reason)
    return membership


def _void_future_dues(membership: Membership, why: str) -> None:
    from cerchia.dues.models import Invoice

    Invoice.objects.filter(
        membership=membership,
        status=Invoice.Status.ISSUED,
        kind=Invoice.Kind.DUES,
        period_start__gt=timezone.localdate(),
        payments__isnull=True,
    ).update(status=Invoice.Status.VOID, void_reason=why)


@transaction.atomic
def terminate_membership(membership: Membership, *, actor: User, reason: str) -> Membership:
    """Administrators end a membership (unpaid dues after lapse, a breach of the rules)."""
    if not can_manage(actor, membership.group):
        raise GroupError(_("Only the group's administrators may end a membership."))
    if membership.status != Membership.Status.ACTIVE:
        raise GroupError(_("Only an active membership can be terminated."))
    if membership.user_id == actor.pk:
        raise GroupError(_("Leave the group instead of terminating your own membership."))
    reason = reason.strip()
    if not reason:
        raise GroupError(_("Say why the membership ends: the member is told."))
    membership.status = Membership.Status.TERMINATED
    membership.standing = Membership.Standing.TERMINATED
    membership.role = Membership.Role.MEMBER
    membership.role_until = None
    membership.left_at = timezone.now()
    membership.leave_note = reason[:500]
    membership.save()
    _void_future_dues(membership, "terminated")
    record(
        actor,
        "groups.membership.terminated",
        membership,
        {"group": membership.group_id, "reason": reason[:500]},
    )
    _end_unit_memberships(membership, actor=actor)
    _notify_applicant(membership, "membership.terminated", reason=reason[:500])
    return membership


def _end_unit_memberships(membership: Membership, *, actor: User) -> None:
    """Someone who is no longer a member of a group leaves its sections and committees
    (and theirs, in turn): they are drawn from its members only."""
    below = (
        Membership.objects.select_for_update(of=("self",))
        .filter(user_id=membership.user_id, group__parent_id=membership.group_id)
        .exclude(group__unit="")
        .exclude(status__in=GONE_STATUSES)
        .order_by("pk")
    )
    for row in below:
        previous = row.status
        row.status = Membership.Status.LEFT
        row.standing = Membership.Standing.RESIGNED
        row.role = Membership.Role.MEMBER
        row.role_until = None
        row.left_at = timezone.now()
        row.save()
        _void_future_dues(row, "resigned")
        record(
            actor,
            "groups.membership.left_with_parent",
            row,
            {"group": row.group_id, "parent": membership.group_id, "previous_status": previous},
        )
        _end_unit_memberships(row, actor=actor)


def _other_managers(membership: Membership) -> bool:
    return (
        Membership.objects.active()
        .filter(group_id=membership.group_id, role__in=MANAGER_ROLES)
        .exclude(pk=membership.pk)
        .exists()
    )


@transaction.atomic
def leave_group(group: Group, user: User, *, reason: str = "", note: str = "") -> Membership:
    """Leave, saying why if one wishes (moved, cost, no referrals, time, other)."""
    if reason and reason not in Membership.LeaveReason.values:
        raise GroupError(_("Unknown reason for leaving: %(reason)s") % {"reason": reason})
    membership = _lock_membership(group, user)
    if membership is None or membership.status in GONE_STATUSES:
        raise GroupError(_("You are not a member of %(group)s.") % {"group": group.name})
    if membership.can_manage and not _other_managers(membership):
        raise GroupError(
            _(
                "You are the last administrator of %(group)s: give the role to "
                "someone else before leaving."
            )
            % {"group": group.name}
        )
    previous = membership.status
    membership.status = Membership.Status.LEFT
    membership.role = Membership.Role.MEMBER
    membership.left_at = timezone.now()
    membership.leave_reason = reason
    membership.leave_note = note.strip()[:500]
    membership.standing = Membership.Standing.RESIGNED
    membership.role_until = None
    membership.save()
    _void_future_dues(membership, "resigned")
    record(
        user,
        "groups.membership.left",
        membership,
        {"group": group.pk, "previous_status": previous, "reason": reason},
    )
    _end_unit_memberships(membership, actor=user)
    return membership


@transaction.atomic
def set_role(
    membership: Membership, *, actor: User, role: str, until: datetime.date | None = None
) -> Membership:
    if not can_manage(actor, membership.group):
        raise GroupError(_("Only the group's administrators may change roles."))
    if role not in Membership.Role.values:
        raise GroupError(_("Unknown role: %(role)s") % {"role": role})
    if not membership.is_active:
        raise GroupError(_("Only active members can hold a role."))
    if membership.can_manage and role not in MANAGER_ROLES and not _other_managers(membership):
        raise GroupError(_("The group needs at least one administrator."))
    if until is not None and until <= timezone.localdate():
        raise GroupError(_("A term must end in the future."))
    previous = membership.role
    membership.role = role
    # Leadership roles carry a term (the group's rule, 12 months by default); members none.
    membership.role_until = (
        None if role == Membership.Role.MEMBER else until or role_term_end(membership.group)
    )
    membership.save()
    record(
        actor,
        "groups.membership.role_changed",
        membership,
        {
            "group": membership.group_id,
            "from": previous,
            "to": role,
            "until": membership.role_until.isoformat() if membership.role_until else None,
        },
    )
    return membership


def role_term_end(group: Group, start: datetime.date | None = None) -> datetime.date:
    from cerchia.dues.models import add_months

    start = start or timezone.localdate()
    return add_months(start, group.rules.role_term_months)


# Officers hear this many days ahead that their term is ending.
ROLE_TERM_NOTICE_DAYS = 30


def end_role_terms(today: datetime.date) -> dict[str, int]:
    """The roles part of the daily job: warn officers a month before their term ends; at the
    end they go back to being members — except a group's last administrator, who keeps the
    role (a group is never left without one) and is reminded instead."""
    from cerchia.notices.services import notify

    summary = {"roles_ended": 0, "term_notices": 0}
    ending = Membership.objects.filter(
        status=Membership.Status.ACTIVE,
        role_until__isnull=False,
        role_until__lte=today + datetime.timedelta(days=ROLE_TERM_NOTICE_DAYS),
    ).select_related("group", "user")
    for membership in ending.order_by("pk"):
        role_label = Membership.Role(membership.role).label
        params = {
            "group": membership.group.name,
            "role": role_label,
            "date": membership.role_until.isoformat() if membership.role_until else "",
        }
        url = f"/groups/{membership.group.slug}/"
        key = f"roles.{membership.pk}:{membership.role}:{params['date']}"
        with transaction.atomic():
            last_manager = membership.can_manage and not _other_managers(membership)
            if membership.role_until and membership.role_until < today and not last_manager:
                previous = membership.role
                membership.role = Membership.Role.MEMBER
                membership.role_until = None
                membership.save(update_fields=["role", "role_until", "updated_at"])
                record(
                    None,
                    "groups.membership.role_term_ended",
                    membership,
                    {"group": membership.group_id, "from": previous},
                )
                notify(membership.user, "roles.term_ended", params, url=url, key=key + ":ended")
                summary["roles_ended"] += 1
            elif notify(membership.user, "roles.term_ending", params, url=url, key=key):
                summary["term_notices"] += 1
    return summary


MAX_JOB_DAYS = 120


@transaction.atomic
def post_job(
    group: Group,
    *,
    author: User,
    title: str,
    description: str,
    contact: str,
    place: str = "",
    expires_on: datetime.date | None = None,
    public: bool = False,
) -> JobPost:
    """An active member posts a career opportunity; it is open until ``expires_on``."""
    if not group.rules.jobs_board:
        raise GroupError(_("%(group)s has no jobs board.") % {"group": group.name})
    if not Membership.objects.active().filter(group=group, user=author).exists():
        raise GroupError(_("Only members of %(group)s may post jobs.") % {"group": group.name})
    title, description, contact = title.strip(), description.strip(), contact.strip()
    if not title or not description or not contact:
        raise GroupError(_("A job post needs a title, a description and how to apply."))
    if len(title) > 160 or len(description) > 4000 or len(contact) > 200 or len(place) > 160:
        raise GroupError(_("The job post is too long."))
    today = timezone.localdate()
    expires_on = expires_on or today + datetime.timedelta(days=30)
    if not today <= expires_on <= today + datetime.timedelta(days=MAX_JOB_DAYS):
        raise GroupError(
            _("A job post stays open from today to at most %(n)d days ahead.") % {"n": MAX_JOB_DAYS}
        )
    if public and not group.rules.jobs_public:
        raise GroupError(_("Jobs in %(group)s are for members only.") % {"group": group.name})
    job = JobPost.objects.create(
        group=group,
        author=author,
        title=title,
        description=description,
        contact=contact,
        place=place.strip(),
        expires_on=expires_on,
        public=public,
    )
    record(author, "groups.job.posted", job, {"group": group.pk, "public": public})
    return job


@transaction.atomic
def close_job(job: JobPost, *, actor: User) -> JobPost:
    """Its author or the group's administrators take a post down before it expires."""
    if job.author_id != actor.pk and not can_manage(actor, job.group):
        raise GroupError(_("Only its author or the group's administrators may close this post."))
    if job.closed_at is not None:
        raise GroupError(_("This job post is already closed."))
    job.closed_at = timezone.now()
    job.save(update_fields=["closed_at"])
    record(actor, "groups.job.closed", job, {"group": job.group_id})
    return job


def _require_mentoring(group: Group, user: User) -> None:
    if not group.rules.mentoring:
        raise GroupError(_("%(group)s has no mentoring.") % {"group": group.name})
    if not Membership.objects.active().filter(group=group, user=user).exists():
        raise GroupError(_("Mentoring is for members of %(group)s.") % {"group": group.name})


@transaction.atomic
def set_mentoring_preference(
    group: Group, user: User, *, as_mentor: bool, as_mentee: bool, topics: str = ""
) -> MentoringPreference:
    """Opt in (or out) as a mentor and/or a mentee, with the topics one offers or seeks."""
    _require_mentoring(group, user)
    preference, _created = MentoringPreference.objects.update_or_create(
        group=group,
        user=user,
        defaults={"as_mentor": as_mentor, "as_mentee": as_mentee, "topics": topics.strip()[:300]},
    )
    record(
        user,
        "groups.mentoring.preference_set",
        preference,
        {"group": group.pk, "as_mentor": as_mentor, "as_mentee": as_mentee},
    )
    return preference


def _mentees_of(group: Group, mentor: User) -> int:
    return Mentoring.objects.filter(
        group=group, mentor=mentor, status=Mentoring.Status.ACTIVE
    ).count()


@transaction.atomic
def request_mentoring(group: Group, *, mentee: User, mentor: User, note: str = "") -> Mentoring:
    _require_mentoring(group, mentee)
    if mentor.pk == mentee.pk:
        raise GroupError(_("You cannot be your own mentor."))
    offers = MentoringPreference.objects.filter(
        group=group,
        user=mentor,
        as_mentor=True,
        user__memberships__group=group,
        user__memberships__status=Membership.Status.ACTIVE,
    ).exists()
    if not offers:
        raise GroupError(
            _("This member does not offer mentoring in %(group)s.") % {"group": group.name}
        )
    if _mentees_of(group, mentor) >= group.rules.mentee_cap:
        raise GroupError(_("This mentor has no room for another mentee."))
    mentoring = Mentoring(
        group=group,
        mentor=mentor,
        mentee=mentee,
        status=Mentoring.Status.REQUESTED,
        note=note.strip()[:500],
    )
    try:
        with transaction.atomic():
            mentoring.save()
    except IntegrityError:
        raise GroupError(_("You have already asked this mentor.")) from None
    record(mentee, "groups.mentoring.requested", mentoring, {"group": group.pk})
    return mentoring


@transaction.atomic
def answer_mentoring(mentoring: Mentoring, *, actor: User, accept: bool) -> Mentoring:
    """The mentor accepts (within the group's mentee cap) or declines a request."""
    if mentoring.mentor_id != actor.pk:
        raise GroupError(_("Only the mentor may answer this request."))
    if mentoring.status != Mentoring.Status.REQUESTED:
        raise GroupError(_("This request has already been answered."))
    # Serialise a mentor's answers so two acceptances cannot pass the cap together.
    MentoringPreference.objects.select_for_update().filter(
        group=mentoring.group, user=actor
    ).first()
    if accept and _mentees_of(mentoring.group, actor) >= mentoring.group.rules.mentee_cap:
        raise GroupError(
            _("You already have %(n)d mentees, the most %(group)s allows.")
            % {"n": mentoring.group.rules.mentee_cap, "group": mentoring.group.name}
        )
    mentoring.status = Mentoring.Status.ACTIVE if accept else Mentoring.Status.DECLINED
    mentoring.answered_at = timezone.now()
    mentoring.save()
    record(
        actor,
        "groups.mentoring.accepted" if accept else "groups.mentoring.declined",
        mentoring,
        {"group": mentoring.group_id},
    )
    return mentoring


@transaction.atomic
def end_mentoring(mentoring: Mentoring, *, actor: User) -> Mentoring:
    if actor.pk not in (mentoring.mentor_id, mentoring.mentee_id):
        raise GroupError(_("Only the mentor or the mentee may end this mentoring."))
    if mentoring.status != Mentoring.Status.ACTIVE:
        raise GroupError(_("This mentoring is not running."))
    mentoring.status = Mentoring.Status.ENDED
    mentoring.ended_at = timezone.now()
    mentoring.save()
    record(actor, "groups.mentoring.ended", mentoring, {"group": mentoring.group_id})
    return mentoring
