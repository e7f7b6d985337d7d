"""Every write to a person's own contacts. Each checks the input, runs in a transaction and
records an audit entry that names the fields changed but never their values: the audit
trail is readable by administrators, the contacts are not."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Field
from django.http import Http404
from django.utils.translation import gettext as _

from cerchia.accounts.models import Profile, User
from cerchia.accounts.selectors import card_for
from cerchia.accounts.services import AccountError, normalise_phone, normalise_tags
from cerchia.audit.services import record
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.models import Contact, Relationship

MAX_TAGS = 20
MAX_TAG_LENGTH = 20
# Nobody has more addresses than this; a longer list is a paste gone wrong.
MAX_EMAILS = 20
MAX_PHONES = 20

TEXT_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "company",
    "title",
    "city",
    "how_we_met",
    "notes",
)
# Everything a person may set on a contact; the rest (source, stay in touch...) is set by
# imports and by the stay-in-touch services.
EDITABLE = (
    *TEXT_FIELDS,
    "emails",
    "phones",
    "profile_url",
    "tags",
    "relationship",
    "closeness",
    "introduced_by",
    "member",
)


# --- checks -------------------------------------------------------------------------------


def _field(name: str) -> Field[Any, Any]:
    field = Contact._meta.get_field(name)
    assert isinstance(field, Field)
    return field


def _max_length(field: str) -> int | None:
    return _field(field).max_length


def clean_text(field: str, value: Any) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ContactsError(_("%(field)s must be text.") % {"field": _label(field)})
    value = value.strip()
    limit = _max_length(field)
    if limit is not None and len(value) > limit:
        raise ContactsError(
            _("%(field)s may have at most %(n)d characters.") % {"field": _label(field), "n": limit}
        )
    return value


def _label(field: str) -> str:
    return str(_field(field).verbose_name).capitalize()


def _as_list(value: Any, field: str) -> list[str]:
    """A list of strings from a list or from text with one value a line (or comma)."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", "\n").splitlines()
    if not isinstance(value, list | tuple):
        raise ContactsError(_("%(field)s must be a list.") % {"field": _label(field)})
    if not all(isinstance(item, str) for item in value):
        raise ContactsError(_("%(field)s must be a list of text.") % {"field": _label(field)})
    return [item.strip() for item in value if item.strip()]


def clean_emails(value: Any) -> list[str]:
    emails: list[str] = []
    for email in _as_list(value, "emails"):
        try:
            validate_email(email)
        except ValidationError:
            raise ContactsError(
                _("“%(email)s” is not an email address.") % {"email": email}
            ) from None
        if email.lower() not in (known.lower() for known in emails):
            emails.append(email)
    if len(emails) > MAX_EMAILS:
        raise ContactsError(_("At most %(n)d email addresses.") % {"n": MAX_EMAILS})
    return emails


def clean_phones(value: Any, *, country: str = "") -> list[str]:
    """Phones in international form; numbers without a prefix are read as the owner's
    country's."""
    phones: list[str] = []
    for raw in _as_list(value, "phones"):
        try:
            phone = normalise_phone(raw, country=country)
        except AccountError as exc:
            raise ContactsError(str(exc)) from None
        if phone not in phones:
            phones.append(phone)
    if len(phones) > MAX_PHONES:
        raise ContactsError(_("At most %(n)d phone numbers.") % {"n": MAX_PHONES})
    return phones


def clean_tags(value: Any) -> list[str]:
    """Lowercase tags, each once: at most 20, of at most 20 characters each."""
    if value is None:
        return []
    try:
        tags = normalise_tags(list(value) if isinstance(value, tuple) else value)
    except AccountError as exc:
        raise ContactsError(str(exc)) from None
    for tag in tags:
        if len(tag) > MAX_TAG_LENGTH:
            raise ContactsError(
                _("A tag may have at most %(n)d characters: “%(tag)s”.")
                % {"n": MAX_TAG_LENGTH, "tag": tag}
            )
    if len(tags) > MAX_TAGS:
        raise ContactsError(_("At most %(n)d tags.") % {"n": MAX_TAGS})
    return tags


def clean_profile_url(value: Any) -> str:
    url = clean_text("profile_url", value)
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            raise ContactsError(_("“%(url)s” is not a web address.") % {"url": url}) from None
    return url


def clean_relationship(value: Any) -> str:
    if value not in Relationship.values:
        raise ContactsError(
            _("Unknown relationship: %(value)s. Choose one of: %(choices)s.")
            % {"value": value, "choices": ", ".join(Relationship.values)}
        )
    return str(value)


def clean_closeness(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise ContactsError(_("Closeness goes from 1 (barely know them) to 5 (closest)."))
    return value


def _check_introducer(owner: User, introducer: Contact | None, contact: Contact | None) -> None:
    if introducer is None:
        return
    if introducer.owner_id != owner.pk:
        raise ContactsError(_("Who introduced you must be one of your own contacts."))
    if contact is not None and introducer.pk == contact.pk:
        raise ContactsError(_("A contact cannot have introduced you to themselves."))


def _check_member(owner: User, member: User | None) -> None:
    """Only someone whose card the owner may see (the same rule as the people directory),
    and never the owner: the answer is the same for hidden and for missing accounts."""
    if member is None:
        return
    if member.pk == owner.pk:
        raise ContactsError(_("That is you: link the contact to someone else's card."))
    try:
        card_for(owner, member.pk)
    except Http404:
        raise ContactsError(_("No such member among the people you can see.")) from None


def _owner_country(owner: User) -> str:
    profile = Profile.objects.filter(user=owner).only("country").first()
    return profile.country if profile is not None else ""


def _clean(owner: User, changes: Mapping[str, Any], contact: Contact | None) -> dict[str, Any]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ContactsError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    clean: dict[str, Any] = {}
    for field, value in changes.items():
        if field in TEXT_FIELDS:
            clean[field] = clean_text(field, value)
        elif field == "emails":
            clean[field] = clean_emails(value)
        elif field == "phones":
            clean[field] = clean_phones(value, country=_owner_country(owner))
        elif field == "tags":
            clean[field] = clean_tags(value)
        elif field == "profile_url":
            clean[field] = clean_profile_url(value)
        elif field == "relationship":
            clean[field] = clean_relationship(value)
        elif field == "closeness":
            clean[field] = clean_closeness(value)
        elif field == "introduced_by":
            _check_introducer(owner, value, contact)
            clean[field] = value
        elif field == "member":
            _check_member(owner, value)
            clean[field] = value
    if "name" in clean and not clean["name"]:
        # The shown name may come from its parts, as in a vCard without FN.
        parts = (
            clean.get("first_name", contact.first_name if contact else ""),
            clean.get("last_name", contact.last_name if contact else ""),
        )
        clean["name"] = " ".join(part for part in parts if part)
        if not clean["name"]:
            raise ContactsError(_("Give the contact a name."))
    url = clean.get("profile_url")
    if url:
        same = Contact.objects.filter(owner=owner, profile_url=url)
        if contact is not None:
            same = same.exclude(pk=contact.pk)
        if same.exists():
            raise ContactsError(
                _("You already have a contact with this profile address: %(name)s.")
                % {"name": same.values_list("name", flat=True)[0]}
            )
    return clean


# --- writes -------------------------------------------------------------------------------


@transaction.atomic
def create_contact(
    owner: User,
    *,
    name: str,
    first_name: str = "",
    last_name: str = "",
    emails: Iterable[str] | str = (),
    phones: Iterable[str] | str = (),
    company: str = "",
    title: str = "",
    profile_url: str = "",
    city: str = "",
    notes: str = "",
    tags: Iterable[str] | str = (),
    relationship: str = Relationship.ACQUAINTANCE,
    closeness: int = 2,
    how_we_met: str = "",
    introduced_by: Contact | None = None,
    member: User | None = None,
) -> Contact:
    """Add someone to ``owner``'s own contacts by hand."""
    data = _clean(
        owner,
        {
            "name": name,
            "first_name": first_name,
            "last_name": last_name,
            "emails": emails if isinstance(emails, str) else list(emails),
            "phones": phones if isinstance(phones, str) else list(phones),
            "company": company,
            "title": title,
            "profile_url": profile_url,
            "city": city,
            "notes": notes,
            "tags": tags if isinstance(tags, str) else list(tags),
            "relationship": relationship,
            "closeness": closeness,
            "how_we_met": how_we_met,
            "introduced_by": introduced_by,
            "member": member,
        },
        None,
    )
    contact = Contact.objects.create(owner=owner, **data)
    record(owner, "contacts.contact.created", contact)
    return contact


@transaction.atomic
def update_contact(contact: Contact, *, actor: User, changes: Mapping[str, Any]) -> Contact:
    """Change the fields named in ``changes`` (see ``EDITABLE``); only the owner may."""
    if contact.owner_id != actor.pk:
        raise ContactsError(_("Only the contact's owner may change it."))
    data = _clean(actor, changes, contact)
    changed = sorted(field for field, value in data.items() if getattr(contact, field) != value)
    if not changed:
        return contact
    for field in changed:
        setattr(contact, field, data[field])
    contact.save(update_fields=[*changed, "updated_at"])
    # Field names only: the audit trail is for administrators, the values are private.
    record(actor, "contacts.contact.updated", contact, {"fields": changed})
    return contact


@transaction.atomic
def delete_contact(contact: Contact, *, actor: User) -> None:
    """Remove a contact with its interactions; contacts it introduced keep everything else."""
    if contact.owner_id != actor.pk:
        raise ContactsError(_("Only the contact's owner may delete it."))
    record(actor, "contacts.contact.deleted", contact)
    contact.delete()
