"""What each kind of notice says. Stored as a kind and its parameters, so every reader sees
it in their own language; the email goes out in the site's language."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

# kind -> (subject, body); both are formatted with the notice's parameters.
NOTICE_TEXTS: dict[str, tuple[Any, Any]] = {
    "application.approved": (
        _("Welcome to %(group)s"),
        _("Your application to %(group)s was approved: you are a member."),
    ),
    "application.rejected": (
        _("Your application to %(group)s"),
        _("Your application to %(group)s was not accepted. Reason: %(reason)s"),
    ),
    "application.more_info": (
        _("%(group)s asks for more about your application"),
        _("The reviewers of %(group)s ask: %(question)s — answer on the group's page."),
    ),
    "membership.terminated": (
        _("Your membership of %(group)s has ended"),
        _("The administrators of %(group)s ended your membership. Reason: %(reason)s"),
    ),
    "application.received": (
        _("Application received by %(group)s"),
        _("Your application to %(group)s is with its reviewers. You will hear from them."),
    ),
    "dues.renewal_reminder": (
        _("Your membership of %(group)s expires on %(date)s"),
        _(
            "Your %(tier)s membership of %(group)s expires on %(date)s. Renew it from the "
            "group's page to stay in good standing (%(amount)s)."
        ),
    ),
    "dues.auto_renew_warning": (
        _("Your membership of %(group)s renews automatically on %(date)s"),
        _(
            "Your %(tier)s membership of %(group)s renews automatically on %(date)s and "
            "%(amount)s will be invoiced. If you do not want to renew, turn automatic renewal "
            "off before then."
        ),
    ),
    "dues.invoice_issued": (
        _("Invoice %(number)s from %(group)s"),
        _("%(group)s issued invoice %(number)s for %(amount)s, due on %(date)s."),
    ),
    "dues.payment_recorded": (
        _("Payment received by %(group)s"),
        _("%(group)s recorded your payment of %(amount)s for invoice %(number)s."),
    ),
    "dues.grace": (
        _("Your membership of %(group)s has expired"),
        _(
            "Your membership of %(group)s expired on %(date)s. You keep your membership "
            "during the grace period, until %(until)s: renew before then."
        ),
    ),
    "dues.lapsed": (
        _("Your membership of %(group)s has lapsed"),
        _(
            "Your membership of %(group)s lapsed on %(date)s: you are no longer a member in "
            "good standing. Renew from the group's page to be reinstated."
        ),
    ),
    "dues.reinstated": (
        _("Your membership of %(group)s is active"),
        _("Your membership of %(group)s is active until %(date)s."),
    ),
    "roles.term_ended": (
        _("Your term as %(role)s of %(group)s has ended"),
        _("Your term as %(role)s of %(group)s ended on %(date)s."),
    ),
    "roles.term_ending": (
        _("Your term as %(role)s of %(group)s ends on %(date)s"),
        _(
            "Your term as %(role)s of %(group)s ends on %(date)s; the group's administrators "
            "can renew it."
        ),
    ),
    # Registrations (cerchia/meetings/registrations.py).
    "meetings.seat_offered": (
        _("A seat at %(meeting)s is held for %(name)s until %(until)s"),
        _(
            "A seat freed up at %(meeting)s (%(group)s, %(start)s) and it is held for "
            "%(name)s until %(until)s. Confirm on the ticket page to take it; after that it "
            "goes to the next in line."
        ),
    ),
    "meetings.offer_expired": (
        _("The seat offered at %(meeting)s went to the next in line"),
        _(
            "The seat held for %(name)s at %(meeting)s (%(start)s) was not confirmed in time, "
            "so it was offered to the next person on the waiting list."
        ),
    ),
    "meetings.registration_approved": (
        _("Your registration for %(meeting)s was approved"),
        _("The organisers of %(group)s approved the registration. %(status_text)s"),
    ),
    "meetings.registration_declined": (
        _("Your registration for %(meeting)s"),
        _("The organisers of %(group)s did not accept the registration of %(name)s."),
    ),
    "meetings.registration_cancelled": (
        _("Your registration for %(meeting)s was cancelled"),
        _(
            "The organisers of %(group)s cancelled the registration of %(name)s for "
            "%(meeting)s (%(start)s)."
        ),
    ),
    # The absence policy (cerchia/meetings/attendance.py).
    "attendance.near_limit": (
        _("You are close to the absence limit of %(group)s"),
        _(
            "You have %(count)s absences at %(group)s in the last six months; the group "
            "allows %(limit)s. Send a substitute if you cannot come."
        ),
    ),
    "attendance.over_limit": (
        _("You are past the absence limit of %(group)s"),
        _(
            "You have %(count)s absences at %(group)s in the last six months, more than the "
            "%(limit)s the group allows. The membership committee will be in touch."
        ),
    ),
    "attendance.member_near_limit": (
        _("%(member)s is close to the absence limit of %(group)s"),
        _(
            "%(member)s has %(count)s absences at %(group)s in the last six months; the "
            "group allows %(limit)s."
        ),
    ),
    "attendance.member_over_limit": (
        _("%(member)s is past the absence limit of %(group)s"),
        _(
            "%(member)s has %(count)s absences at %(group)s in the last six months, more "
            "than the %(limit)s the group allows."
        ),
    ),
    "visitors.follow_up": (
        _("Follow up with %(visitor)s"),
        _(
            "%(task)s: %(visitor)s visited %(group)s at %(meeting)s. Please do it by "
            "%(date)s and mark the task done on the visitors page."
        ),
    ),
    "visitors.registered": (
        _("%(visitor)s is coming to %(meeting)s"),
        _("%(visitor)s, whom you invited, registered for %(meeting)s of %(group)s."),
    ),
    # Meetings and series (cerchia/meetings/services.py).
    "meetings.cancelled": (
        _("%(meeting)s on %(start)s is cancelled"),
        _("%(group)s cancelled %(meeting)s on %(start)s. Reason: %(reason)s"),
    ),
    "meetings.moved": (
        _("%(meeting)s has moved"),
        _("%(group)s moved %(meeting)s: it now starts on %(start)s."),
    ),
    "ledger.referral_received": (
        _("A referral from %(giver)s"),
        _("%(giver)s passed you a referral: %(prospect)s. Open it to see the details."),
    ),
    "ledger.referral_step": (
        _("Referral %(prospect)s: %(status)s"),
        _("The referral for %(prospect)s moved on: %(status)s."),
    ),
    "ledger.closed_business": (
        _("%(receiver)s thanks you for closed business"),
        _("%(receiver)s recorded %(amount)s of business closed thanks to you."),
    ),
    "ledger.one_to_one_proposed": (
        _("%(person)s proposes a one-to-one"),
        _("%(person)s would like a one-to-one with you."),
    ),
    "ledger.one_to_one_held": (
        _("One-to-one with %(person)s recorded"),
        _("%(person)s recorded your one-to-one as held."),
    ),
    "ledger.one_to_one_cancelled": (
        _("One-to-one with %(person)s cancelled"),
        _("%(person)s cancelled the one-to-one you had planned."),
    ),
    "ledger.follow_ups_due": (
        _("%(count)s follow-ups due"),
        _("You have %(count)s people to follow up: %(names)s."),
    ),
    # Connection requests (cerchia/community/connections.py).
    "connections.request_received": (
        _("%(person)s asks to connect"),
        _("%(person)s would like to connect with you: %(message)s"),
    ),
    "connections.request_accepted": (
        _("%(person)s accepted your request to connect"),
        _(
            "You and %(person)s are now connected: each of you sees what the other shares "
            "with connections."
        ),
    ),
    # Stay in touch and introductions (cerchia/contacts/interactions.py, introductions.py).
    # The two a side receives name the introducer only, never the other side.
    "contacts.losing_touch": (
        _("Time to get back in touch with %(count)s people"),
        _("It is time to get in touch with: %(names)s."),
    ),
    "contacts.introduction_request": (
        _("%(introducer)s would like to introduce you to someone"),
        _(
            "%(introducer)s would like to introduce you to someone they know. Open the link "
            "to read why and to answer: nothing about you is shared unless both of you accept."
        ),
    ),
    "contacts.introduction_accepted": (
        _("Your introduction by %(introducer)s: both of you accepted"),
        _(
            "You and the person %(introducer)s introduced you to both accepted. Open the link "
            "to see how to reach each other."
        ),
    ),
    "contacts.introduction_made": (
        _("%(a)s and %(b)s accepted your introduction"),
        _(
            "%(a)s and %(b)s both accepted your introduction and can now reach each other. "
            "Record later how it went."
        ),
    ),
    "contacts.introduction_declined": (
        _("Your introduction of %(a)s and %(b)s was declined"),
        _("Your introduction of %(a)s and %(b)s was declined: nothing was shared between them."),
    ),
    # Boards and messages (cerchia/community/services.py).
    "community.mention": (
        _("%(person)s mentioned you in “%(topic)s”"),
        _("%(person)s mentioned you in “%(topic)s” on the board of %(group)s."),
    ),
    "community.reply": (
        _("%(person)s replied to you in “%(topic)s”"),
        _("%(person)s replied to your post in “%(topic)s” on the board of %(group)s."),
    ),
    "community.message": (
        _("A message from %(person)s"),
        _("%(person)s sent you a message. Open your messages to read and answer it."),
    ),
    "community.post_hidden": (
        _("A post in %(group)s was hidden by flags"),
        _(
            '%(count)s members flagged a post in "%(topic)s" (%(group)s); it is hidden '
            "until a moderator decides. See the moderation queue."
        ),
    ),
    "community.silenced": (
        _("You are silenced in %(group)s"),
        _(
            "The moderators of %(group)s silenced you until %(until)s: you cannot post there "
            "or send messages. Reason: %(reason)s"
        ),
    ),
}


def render_notice(kind: str, params: dict[str, Any]) -> tuple[str, str]:
    """The subject and body of a notice, in the active language."""
    subject, body = NOTICE_TEXTS[kind]
    safe = _Defaulting(params)
    return str(subject) % safe, str(body) % safe


class _Defaulting(dict[str, Any]):
    """Parameters that show an empty string for a missing key instead of failing."""

    def __missing__(self, key: str) -> str:
        return ""
