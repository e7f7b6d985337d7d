"""Introductions with double opt-in. The owner introduces two people — each a contact of
theirs or a member they can see — and says why. Each side is asked on its own: a member in
Cerchia (a notice), a contact by email (a link carrying that side's token). Until both have
accepted, each side sees only who introduces them and why; then each sees the other's name,
emails, phones and company.

A close tie (closeness 4 or 5) makes the owner confirm first: a bad outcome can hurt that
relationship. How it went is kept in the history of the contacts involved; a bad outcome
lowers no closeness by itself — that stays the owner's call."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cerchia.accounts.blocks import blocked_between
from cerchia.accounts.models import User
from cerchia.accounts.selectors import card_for
from cerchia.audit.services import record
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.interactions import add_interaction
from cerchia.contacts.models import CLOSE_TIE, Contact, Interaction, Introduction
from cerchia.contacts.tasks_introductions import send_introduction_email
from cerchia.notices.services import notify

Side = Literal["a", "b"]
SIDES: tuple[Side, Side] = ("a", "b")
MAX_REASON = 2000
MAX_OUTCOME_NOTE = 4000


class CloseTieWarning(ContactsError):
    """The introduction involves a close tie and the owner has not confirmed it yet."""


def member_name(user: User) -> str:
    profile = getattr(user, "profile", None)
    # Never the email address: it follows its owner's visibility choice.
    return (profile.display_name if profile is not None else "") or _("a member")


def introducer_name(introduction: Introduction) -> str:
    return member_name(introduction.owner)


def side_contact(introduction: Introduction, side: Side) -> Contact | None:
    return introduction.a_contact if side == "a" else introduction.b_contact


def side_member(introduction: Introduction, side: Side) -> User | None:
    return introduction.a_member if side == "a" else introduction.b_member


def side_answer(introduction: Introduction, side: Side) -> str:
    return introduction.a_answer if side == "a" else introduction.b_answer


def side_token(introduction: Introduction, side: Side) -> str:
    return introduction.a_token if side == "a" else introduction.b_token


def other(side: Side) -> Side:
    return "b" if side == "a" else "a"


def side_name(introduction: Introduction, side: Side) -> str:
    """The side's name as the owner knows it (for the owner's eyes only)."""
    contact = side_contact(introduction, side)
    if contact is not None:
        return contact.name
    member = side_member(introduction, side)
    return member_name(member) if member is not None else ""


def answer_path(token: str) -> str:
    return f"/introductions/answer/{token}/"


def introduction_path(introduction: Introduction) -> str:
    return f"/introductions/{introduction.pk}/"


# --- what each side may see ---------------------------------------------------------------


def side_details(introduction: Introduction, side: Side) -> dict[str, Any] | None:
    """What the other side sees of ``side``: nothing (None) until both have accepted; then
    the name, emails, phones and company (a member's from their card)."""
    if introduction.status != Introduction.Status.ACCEPTED:
        return None
    contact = side_contact(introduction, side)
    if contact is not None:
        return {
            "name": contact.name,
            "emails": list(contact.emails or []),
            "phones": list(contact.phones or []),
            "company": contact.company,
        }
    member = side_member(introduction, side)
    assert member is not None  # one side is a contact or a member (a check constraint)
    profile = getattr(member, "profile", None)
    return {
        "name": member_name(member),
        "emails": [member.email],
        "phones": [profile.phone] if profile is not None and profile.phone else [],
        "company": profile.company if profile is not None else "",
    }


def side_view(introduction: Introduction, side: Side) -> dict[str, Any]:
    """Everything one side is shown — on its page, in the API and after its token link: who
    introduces them and why, their own answer, the state, and the other side's details once
    both accepted. Nothing else about the other side, ever."""
    return {
        "id": introduction.pk,
        "introducer": introducer_name(introduction),
        "reason": introduction.reason,
        "status": introduction.status,
        "status_label": introduction.get_status_display(),
        "my_answer": side_answer(introduction, side),
        "other": side_details(introduction, other(side)),
        "created_at": introduction.created_at,
    }


# --- access -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IntroductionAccess:
    introduction: Introduction
    role: Literal["owner", "a", "b"]

    @property
    def is_owner(self) -> bool:
        return self.role == "owner"

    @property
    def side(self) -> Side:
        assert self.role != "owner"
        return "a" if self.role == "a" else "b"


def _with_people(qs: QuerySet[Introduction]) -> QuerySet[Introduction]:
    return qs.select_related(
        "owner__profile", "a_contact", "b_contact", "a_member__profile", "b_member__profile"
    )


def access_introduction(user: Any, introduction_id: int) -> IntroductionAccess:
    """The introduction for its owner or one of its member sides; 404 for anyone else
    (staff included: an introduction is part of someone's private network)."""
    user_id = user.pk if getattr(user, "is_authenticated", False) else None
    introduction = (
        _with_people(Introduction.objects.filter(pk=introduction_id))
        .filter(Q(owner_id=user_id) | Q(a_member_id=user_id) | Q(b_member_id=user_id))
        .first()
        if user_id is not None
        else None
    )
    if introduction is None:
        raise Http404(_("No such introduction"))
    if introduction.owner_id == user_id:
        return IntroductionAccess(introduction, "owner")
    return IntroductionAccess(introduction, "a" if introduction.a_member_id == user_id else "b")


def introduction_by_token(token: str) -> tuple[Introduction, Side]:
    """The introduction a contact side's link opens, and which side it is. Member sides
    answer signed in, so their tokens open nothing."""
    if not token or len(token) > 64:
        raise Http404(_("No such introduction"))
    introduction = (
        _with_people(Introduction.objects.filter(Q(a_token=token) | Q(b_token=token)))
        .filter(
            Q(a_token=token, a_contact__isnull=False) | Q(b_token=token, b_contact__isnull=False)
        )
        .first()
    )
    if introduction is None:
        raise Http404(_("No such introduction"))
    return introduction, "a" if introduction.a_token == token else "b"


def introductions_made(owner: User) -> QuerySet[Introduction]:
    return _with_people(Introduction.objects.filter(owner=owner))


def introductions_to(user: User) -> QuerySet[Introduction]:
    """The introductions that ask ``user`` (a member side), newest first."""
    return _with_people(Introduction.objects.filter(Q(a_member=user) | Q(b_member=user)))


def introductions_of_contact(contact: Contact) -> QuerySet[Introduction]:
    return _with_people(
        Introduction.objects.filter(owner_id=contact.owner_id).filter(
            Q(a_contact=contact) | Q(b_contact=contact)
        )
    )


# --- writes -------------------------------------------------------------------------------


def _identity(person: Contact | User) -> set[tuple[str, int]]:
    """Who a side is, so the same person is not introduced to themselves (a contact linked to
    a member is that member)."""
    if isinstance(person, Contact):
        found = {("contact", person.pk)}
        if person.member_id is not None:
            found.add(("member", person.member_id))
        return found
    return {("member", person.pk)}


def _check_side(owner: User, person: Contact | User) -> None:
    if isinstance(person, Contact):
        if person.owner_id != owner.pk:
            raise ContactsError(_("No such contact."))
        if not person.primary_email:
            raise ContactsError(
                _("%(name)s has no email address: add one so they can answer.")
                % {"name": person.name}
            )
        return
    unknown = ContactsError(_("No such person among the people you can see."))
    if person.pk == owner.pk:
        raise ContactsError(_("That is you: choose someone else."))
    if not person.is_active or blocked_between(owner.pk, person.pk):
        raise unknown
    try:
        card_for(owner, person.pk)
    except Http404:
        raise unknown from None


def _member_of(person: Contact | User) -> int | None:
    if isinstance(person, Contact):
        return person.member_id
    return person.pk


def close_ties(owner: User, *people: Contact | User) -> list[str]:
    """The names of the close ties among ``people``: a contact with closeness 4 or more, or a
    member linked to such a contact of the owner's."""
    names = [p.name for p in people if isinstance(p, Contact) and p.is_close_tie]
    members = [p.pk for p in people if isinstance(p, User)]
    if members:
        linked = Contact.objects.filter(
            owner=owner, member_id__in=members, closeness__gte=CLOSE_TIE
        ).values_list("name", flat=True)
        names.extend(linked)
    return names


def close_tie_message(names: list[str]) -> str:
    return _(
        "%(names)s: a close tie. If this introduction goes badly, it can hurt your "
        "relationship. Confirm to make it anyway."
    ) % {"names": ", ".join(names)}


def _side_fields(side: Side, person: Contact | User) -> dict[str, Any]:
    if isinstance(person, Contact):
        return {f"{side}_contact": person}
    return {f"{side}_member": person}


def _pending_between(owner: User, a: Contact | User, b: Contact | User) -> bool:
    def side_q(side: Side, person: Contact | User) -> Q:
        return Q(**{f"{side}_{'contact' if isinstance(person, Contact) else 'member'}": person})

    return (
        Introduction.objects.filter(owner=owner, status=Introduction.Status.PENDING)
        .filter((side_q("a", a) & side_q("b", b)) | (side_q("a", b) & side_q("b", a)))
        .exists()
    )


def _ask(introduction: Introduction, side: Side) -> None:
    """Ask one side: a member by a notice, a contact by email with its answer link only."""
    member = side_member(introduction, side)
    if member is not None:
        notify(
            member,
            "contacts.introduction_request",
            {"introducer": introducer_name(introduction)},
            url=introduction_path(introduction),
        )
        return
    _email(introduction, side, "contacts.introduction_request")


def _email(introduction: Introduction, side: Side, kind: str) -> None:
    language = get_language() or ""
    pk = introduction.pk
    transaction.on_commit(lambda: send_introduction_email.enqueue(pk, side, kind, language))


@transaction.atomic
def introduce(
    owner: User,
    *,
    a: Contact | User,
    b: Contact | User,
    reason: str,
    confirm_close_tie: bool = False,
) -> Introduction:
    """Introduce ``a`` and ``b``: each is asked, and nothing of either is shown to the other
    until both accept. A close tie needs ``confirm_close_tie``."""
    reason = (reason or "").strip()
    if not reason:
        raise ContactsError(_("Say why they should meet: it is all they see before answering."))
    if len(reason) > MAX_REASON:
        raise ContactsError(
            _("The reason is too long: %(max)s characters at most.") % {"max": MAX_REASON}
        )
    _check_side(owner, a)
    _check_side(owner, b)
    if _identity(a) & _identity(b):
        raise ContactsError(_("Choose two different people."))
    a_member, b_member = _member_of(a), _member_of(b)
    if a_member is not None and b_member is not None and blocked_between(a_member, b_member):
        raise ContactsError(_("These two people cannot be introduced."))
    if _pending_between(owner, a, b):
        raise ContactsError(_("You already introduced them: that introduction awaits answers."))
    ties = close_ties(owner, a, b)
    if ties and not confirm_close_tie:
        raise CloseTieWarning(close_tie_message(ties))
    introduction = Introduction.objects.create(
        owner=owner,
        reason=reason,
        a_token=secrets.token_urlsafe(32),
        b_token=secrets.token_urlsafe(32),
        close_tie_warned=bool(ties),
        **_side_fields("a", a),
        **_side_fields("b", b),
    )
    record(owner, "contacts.introduction.created", introduction, {"close_tie": bool(ties)})
    for side in SIDES:
        _ask(introduction, side)
    return introduction


def _locked(introduction: Introduction) -> Introduction:
    return (
        _with_people(Introduction.objects.select_for_update(of=("self",)))
        .filter(pk=introduction.pk)
        .get()
    )


@transaction.atomic
def answer_introduction(
    introduction: Introduction, *, side: Side, accept: bool, actor: User | None = None
) -> Introduction:
    """One side's answer (``actor``: the member side, or None through a token link). A decline
    ends it; the second acceptance shares both sides' details and tells everyone."""
    if side not in SIDES:
        raise ContactsError(_("Unknown side."))
    introduction = _locked(introduction)
    if introduction.status != Introduction.Status.PENDING:
        raise ContactsError(
            _("This introduction is closed (%(status)s): it takes no more answers.")
            % {"status": introduction.get_status_display().lower()}
        )
    if side_answer(introduction, side) != Introduction.Answer.WAITING:
        raise ContactsError(_("You have answered already."))
    answer = Introduction.Answer.ACCEPTED if accept else Introduction.Answer.DECLINED
    setattr(introduction, f"{side}_answer", answer)
    if not accept:
        introduction.status = Introduction.Status.DECLINED
    elif side_answer(introduction, other(side)) == Introduction.Answer.ACCEPTED:
        introduction.status = Introduction.Status.ACCEPTED
    if introduction.status != Introduction.Status.PENDING:
        introduction.decided_at = timezone.now()
    introduction.save(update_fields=[f"{side}_answer", "status", "decided_at"])
    record(actor, "contacts.introduction.answered", introduction, {"side": side, "accept": accept})
    names = {"a": side_name(introduction, "a"), "b": side_name(introduction, "b")}
    if introduction.status == Introduction.Status.ACCEPTED:
        for each in SIDES:
            member = side_member(introduction, each)
            if member is not None:
                notify(
                    member,
                    "contacts.introduction_accepted",
                    {"introducer": introducer_name(introduction)},
                    url=introduction_path(introduction),
                )
            else:
                _email(introduction, each, "contacts.introduction_accepted")
        notify(
            introduction.owner,
            "contacts.introduction_made",
            names,
            url=introduction_path(introduction),
        )
    elif introduction.status == Introduction.Status.DECLINED:
        notify(
            introduction.owner,
            "contacts.introduction_declined",
            names,
            url=introduction_path(introduction),
        )
    return introduction


@transaction.atomic
def withdraw_introduction(introduction: Introduction, *, actor: User) -> Introduction:
    """The owner takes a waiting introduction back; its links then open a closed page."""
    introduction = _locked(introduction)
    if introduction.owner_id != actor.pk:
        raise ContactsError(_("Only whoever made an introduction withdraws it."))
    if introduction.status != Introduction.Status.PENDING:
        raise ContactsError(_("Only an introduction still waiting for answers can be withdrawn."))
    introduction.status = Introduction.Status.WITHDRAWN
    introduction.decided_at = timezone.now()
    introduction.save(update_fields=["status", "decided_at"])
    record(actor, "contacts.introduction.withdrawn", introduction)
    return introduction


def _involved_contacts(introduction: Introduction) -> list[Contact]:
    """The owner's contacts the introduction involves: the contact sides, and the owner's
    contacts linked to a member side."""
    found = [c for c in (introduction.a_contact, introduction.b_contact) if c is not None]
    members = [m for m in (introduction.a_member_id, introduction.b_member_id) if m is not None]
    if members:
        seen = {c.pk for c in found}
        linked = Contact.objects.filter(owner_id=introduction.owner_id, member_id__in=members)
        found.extend(c for c in linked if c.pk not in seen)
    return found


@transaction.atomic
def record_outcome(
    introduction: Introduction,
    *,
    actor: User,
    outcome: str,
    note: str = "",
    on: datetime.date | None = None,
) -> Introduction:
    """How an accepted introduction went. Kept as an interaction of kind introduction in the
    history of each contact involved (recording again updates it). A bad outcome changes no
    closeness: the owner decides that."""
    introduction = _locked(introduction)
    if introduction.owner_id != actor.pk:
        raise ContactsError(_("Only whoever made an introduction records how it went."))
    if introduction.status != Introduction.Status.ACCEPTED:
        raise ContactsError(_("Record how it went once both sides have accepted."))
    if outcome not in {v for v in Introduction.Outcome.values if v}:
        raise ContactsError(_("Choose how it went: well, nothing came of it, or badly."))
    note = (note or "").strip()
    if len(note) > MAX_OUTCOME_NOTE:
        raise ContactsError(
            _("The note is too long: %(max)s characters at most.") % {"max": MAX_OUTCOME_NOTE}
        )
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ContactsError(_("An outcome cannot be in the future."))
    if on < timezone.localdate(introduction.created_at):
        raise ContactsError(_("An outcome cannot come before the introduction."))
    introduction.outcome = outcome
    introduction.outcome_note = note
    introduction.outcome_on = on
    introduction.save(update_fields=["outcome", "outcome_note", "outcome_on"])
    source = f"contacts.introduction:{introduction.pk}"
    for contact in _involved_contacts(introduction):
        interaction = add_interaction(
            contact,
            actor=actor,
            kind=Interaction.Kind.INTRODUCTION,
            on=on,
            note=note,
            source=source,
        )
        if (interaction.happened_on, interaction.note) != (on, note):
            # Recorded before: the history keeps the latest word on it.
            interaction.happened_on, interaction.note = on, note
            interaction.save(update_fields=["happened_on", "note"])
            Contact.objects.filter(pk=contact.pk, last_interaction_on__lt=on).update(
                last_interaction_on=on
            )
    record(actor, "contacts.introduction.outcome", introduction, {"outcome": outcome})
    return introduction
