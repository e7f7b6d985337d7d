"""Connection requests and "not interested": the writes behind the matching pages.

Asking to connect is refused, with the reason in words, when: it is yourself; the two are
already connected (each counts the other in); a request between the two is already waiting
(either way: the answer to theirs is on your requests page); the other declined you in the
last 90 days; the daily cap or the newcomer limit is reached (``limits``); or either has
blocked the other. A block is never named: the same neutral sentence answers a block either
way and a deactivated account, and it is also what ``limits`` says, so nothing tells which.

Accepting makes each a connection of the other (``accounts.Connection`` both ways). Declining
tells the sender nothing (their outgoing list says "declined"); withdrawing is the sender's.
The database keeps one pending request per pair and direction; both people's rows are locked
in id order while asking, so two requests at once (the same or opposite directions) never
leave two waiting.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cerchia.accounts.blocks import blocked_between
from cerchia.accounts.models import Connection, ConnectionRequest, User
from cerchia.audit.services import record
from cerchia.community.errors import CommunityError
from cerchia.community.limits import check_connection_request
from cerchia.community.models import Dismissal
from cerchia.groups.models import Group, Membership
from cerchia.notices.services import notify

DECLINE_COOLDOWN = datetime.timedelta(days=90)
MESSAGE_MAX = 500
Status = ConnectionRequest.Status


def _unreachable() -> CommunityError:
    # The same words as cerchia.community.limits, so a block is never told apart.
    return CommunityError(_("You cannot send a connection request to this member."))


def _name(user: User) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile is not None else "") or _("A member")


def are_connected(a_id: int, b_id: int) -> bool:
    """Each counts the other among their connections."""
    return (
        Connection.objects.filter(
            Q(owner_id=a_id, other_id=b_id) | Q(owner_id=b_id, other_id=a_id)
        ).count()
        == 2
    )


@transaction.atomic
def send_connection_request(
    sender: User, recipient: User, *, message: str = "", group: Group | None = None
) -> ConnectionRequest:
    """Ask ``recipient`` to connect, from ``group`` (a community, event network or chapter
    the sender is an active member of: its rules set the daily cap)."""
    if sender.pk == recipient.pk:
        raise CommunityError(_("You cannot ask yourself to connect."))
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise CommunityError(
            _("The message may have at most %(n)d characters.") % {"n": MESSAGE_MAX}
        )
    # Serialise requests between these two (and the sender's daily count) on both rows.
    locked = list(
        User.objects.select_for_update().filter(pk__in=[sender.pk, recipient.pk]).order_by("pk")
    )
    if len(locked) < 2 or not all(u.is_active for u in locked):
        raise _unreachable()
    if blocked_between(sender.pk, recipient.pk):
        raise _unreachable()
    if group is not None and not (
        Membership.objects.active().filter(group=group, user=sender).exists()
    ):
        raise CommunityError(
            _("You can ask to connect from %(group)s only as an active member of it.")
            % {"group": group.title}
        )
    name = _name(recipient)
    if are_connected(sender.pk, recipient.pk):
        raise CommunityError(_("You are already connected with %(name)s.") % {"name": name})
    between = ConnectionRequest.objects.filter(
        Q(sender=sender, recipient=recipient) | Q(sender=recipient, recipient=sender)
    )
    for waiting in between.filter(status=Status.PENDING):
        if waiting.sender_id == sender.pk:
            raise CommunityError(
                _("You already asked %(name)s: the request is waiting for an answer.")
                % {"name": name}
            )
        raise CommunityError(
            _("%(name)s already asked to connect with you: answer on your requests page.")
            % {"name": name}
        )
    since = timezone.now() - DECLINE_COOLDOWN
    declined = between.filter(sender=sender, status=Status.DECLINED, decided_at__gte=since).first()
    if declined is not None and declined.decided_at is not None:
        again = timezone.localdate(declined.decided_at + DECLINE_COOLDOWN)
        raise CommunityError(
            _("%(name)s did not accept your last request; you may ask again from %(date)s.")
            % {"name": name, "date": again.isoformat()}
        )
    check_connection_request(sender, group)
    try:
        with transaction.atomic():
            request = ConnectionRequest.objects.create(
                sender=sender, recipient=recipient, message=message, group=group
            )
    except IntegrityError:
        raise CommunityError(
            _("You already asked %(name)s: the request is waiting for an answer.") % {"name": name}
        ) from None
    record(
        sender,
        "community.connection_request.sent",
        request,
        {"recipient": recipient.pk, "group": group.pk if group else None},
    )
    notify(
        recipient,
        "connections.request_received",
        {"person": _name(sender), "message": message or "—"},
        url=reverse("matching:requests"),
    )
    return request


def _decide(request: ConnectionRequest, status: str, *, actor: User, sender_side: bool) -> None:
    if (request.sender_id if sender_side else request.recipient_id) != actor.pk:
        raise CommunityError(
            _("Only its sender may withdraw a request.")
            if sender_side
            else _("Only the person asked may answer a request.")
        )
    now = timezone.now()
    changed = ConnectionRequest.objects.filter(pk=request.pk, status=Status.PENDING).update(
        status=status, decided_at=now
    )
    if not changed:
        raise CommunityError(_("This request is no longer waiting for an answer."))
    request.status, request.decided_at = status, now


@transaction.atomic
def accept_connection_request(request: ConnectionRequest, *, actor: User) -> ConnectionRequest:
    """The recipient accepts: each becomes a connection of the other."""
    if actor.pk == request.recipient_id and blocked_between(
        request.sender_id, request.recipient_id
    ):
        raise CommunityError(_("You cannot connect with this member."))
    _decide(request, Status.ACCEPTED, actor=actor, sender_side=False)
    for owner, other in (
        (request.sender_id, request.recipient_id),
        (request.recipient_id, request.sender_id),
    ):
        Connection.objects.get_or_create(owner_id=owner, other_id=other)
    record(actor, "community.connection_request.accepted", request, {"sender": request.sender_id})
    notify(
        request.sender,
        "connections.request_accepted",
        {"person": _name(request.recipient)},
        url=reverse("profile", args=[request.recipient_id]),
    )
    return request


@transaction.atomic
def decline_connection_request(request: ConnectionRequest, *, actor: User) -> ConnectionRequest:
    """The recipient declines; the sender is not told (their list says so)."""
    _decide(request, Status.DECLINED, actor=actor, sender_side=False)
    record(actor, "community.connection_request.declined", request, {"sender": request.sender_id})
    return request


@transaction.atomic
def withdraw_connection_request(request: ConnectionRequest, *, actor: User) -> ConnectionRequest:
    _decide(request, Status.WITHDRAWN, actor=actor, sender_side=True)
    record(
        actor,
        "community.connection_request.withdrawn",
        request,
        {"recipient": request.recipient_id},
    )
    return request


@transaction.atomic
def dismiss_suggestion(user: User, *, other: User) -> Dismissal:
    """ "Not interested": ``other`` is never suggested to ``user`` again, in any context."""
    if user.pk == other.pk:
        raise CommunityError(_("You cannot dismiss yourself."))
    dismissal, created = Dismissal.objects.get_or_create(user=user, other=other)
    if created:
        record(user, "community.suggestion.dismissed", dismissal, {"other": other.pk})
    return dismissal


def access_connection_request(user: Any, request_id: int) -> ConnectionRequest:
    """A request ``user`` sent or received; 404 for anyone else, as if it did not exist."""
    request = (
        ConnectionRequest.objects.filter(pk=request_id)
        .filter(Q(sender_id=user.pk) | Q(recipient_id=user.pk))
        .select_related("sender__profile", "recipient__profile")
        .first()
    )
    if request is None:
        raise Http404(_("No such request"))
    return request


def requests_of(user: User, *, incoming: bool) -> QuerySet[ConnectionRequest]:
    """Requests waiting for ``user``'s answer, or every request ``user`` sent; newest first."""
    if incoming:
        return ConnectionRequest.objects.filter(
            recipient=user, status=Status.PENDING
        ).select_related("sender__profile", "group")
    return ConnectionRequest.objects.filter(sender=user).select_related(
        "recipient__profile", "group"
    )
