"""Referrals in the informal network, recorded from a contact's page: "I referred this contact
to someone" or "I referred someone to this contact". They are ledger referrals outside any
group (``group=None``), so the reports count them under the informal network, and each is an
interaction on the contacts involved."""

from __future__ import annotations

import datetime
from typing import Literal

from django.db import transaction
from django.utils.translation import gettext as _

from cerchia.accounts.models import User
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.interactions import log_interaction
from cerchia.contacts.models import Contact, Interaction
from cerchia.ledger.models import Referral
from cerchia.ledger.services import record_referral

# "prospect": the contact is the business I passed on; "receiver": the contact got it.
Role = Literal["prospect", "receiver"]
ROLES: tuple[Role, Role] = ("prospect", "receiver")


def _phone(contact: Contact) -> str:
    return contact.phones[0] if contact.phones else ""


@transaction.atomic
def refer_from_contact(
    contact: Contact,
    *,
    role: str,
    receiver: User | None = None,
    receiver_contact: Contact | None = None,
    receiver_name: str = "",
    receiver_email: str = "",
    prospect_name: str = "",
    prospect_company: str = "",
    prospect_email: str = "",
    prospect_phone: str = "",
    notes: str = "",
    temperature: int = 3,
    given_on: datetime.date | None = None,
) -> Referral:
    """Record an informal referral with ``contact`` as the prospect (passed to a member,
    another contact or a named person) or as the receiver (of the prospect named here; a
    contact linked to a member receives it in Cerchia)."""
    owner = contact.owner
    logged = [contact]
    if role == "prospect":
        if receiver_contact is not None:
            if receiver_contact.owner_id != owner.pk:
                raise ContactsError(_("No such contact."))
            if receiver_contact.pk == contact.pk:
                raise ContactsError(_("A contact cannot be referred to themselves."))
            logged.append(receiver_contact)
            receiver = receiver_contact.member
            receiver_name = receiver_contact.name
            receiver_email = receiver_contact.primary_email
        referral = record_referral(
            owner,
            group=None,
            receiver=receiver,
            receiver_name=receiver_name,
            receiver_email=receiver_email,
            prospect_name=contact.name,
            prospect_company=contact.company,
            prospect_email=contact.primary_email,
            prospect_phone=_phone(contact),
            notes=notes,
            temperature=temperature,
            given_on=given_on,
        )
    elif role == "receiver":
        referral = record_referral(
            owner,
            group=None,
            receiver=contact.member,
            receiver_name=contact.name,
            receiver_email=contact.primary_email,
            prospect_name=prospect_name,
            prospect_company=prospect_company,
            prospect_email=prospect_email,
            prospect_phone=prospect_phone,
            notes=notes,
            temperature=temperature,
            given_on=given_on,
        )
    else:
        raise ContactsError(_("Say whether the contact is the prospect or the receiver."))
    for each in logged:
        # Logged once: when the receiver is a linked member, the ledger has logged it already.
        log_interaction(
            each,
            kind=Interaction.Kind.REFERRAL,
            on=referral.given_on,
            source=f"ledger.referral:{referral.pk}",
        )
    return referral
