"""Importing a file of contacts: all-or-nothing and idempotent.

Every row is parsed and checked first (``cerchia.contacts.importers``); only then, in one
transaction, are the rows matched against the owner's contacts — loaded in one query — and the
new people saved with ``bulk_create`` in batches. A person already in the owner's contacts
(same profile address, else any same email, else same name and company) is left exactly as it
is: an import never changes an existing contact, not even its empty fields."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from cerchia.accounts.models import Profile, User
from cerchia.audit.services import record
from cerchia.contacts.errors import ImportFailed
from cerchia.contacts.importers import PARSERS, ParsedContact, collapse, normalise_url
from cerchia.contacts.models import Contact, Source

FORMATS = ("linkedin", "google", "vcard")
SOURCES = {"linkedin": Source.LINKEDIN, "google": Source.GOOGLE, "vcard": Source.VCARD}
BATCH_SIZE = 1000

# Who a row is: ("db", contact pk) for a saved contact, ("file", row index) for a new person.
PersonKey = tuple[str, int]


@dataclass(frozen=True)
class ImportResult:
    rows: int  # people rows (or cards) in the file
    imported: int  # contacts added
    already_present: int  # rows matching a contact the owner already had
    repeated: int  # rows repeating a person earlier in the same file (counted once)


def name_key(name: str, company: str) -> tuple[str, str]:
    return collapse(name).casefold(), collapse(company).casefold()


class _Matcher:
    """The owner's match keys — profile address, emails, name + company — for saved contacts
    and for the people met so far in the file."""

    def __init__(self) -> None:
        self.urls: dict[str, PersonKey] = {}
        self.emails: dict[str, PersonKey] = {}
        # name + company → (profile address, who) for each person with that name and company.
        self.names: dict[tuple[str, str], list[tuple[str, PersonKey]]] = {}

    def add(
        self, person: PersonKey, *, url: str, emails: list[str], name: str, company: str
    ) -> None:
        if url:
            self.urls.setdefault(url, person)
        for email in emails:
            self.emails.setdefault(email.casefold(), person)
        self.names.setdefault(name_key(name, company), []).append((url, person))

    def find(self, row: ParsedContact) -> PersonKey | None:
        if row.profile_url and row.profile_url in self.urls:
            return self.urls[row.profile_url]
        for email in row.emails:
            person = self.emails.get(email.casefold())
            if person is not None:
                return person
        for url, person in self.names.get(name_key(row.name, row.company), []):
            # Two different profile addresses are two different people, whatever their names.
            if not url or not row.profile_url:
                return person
        return None


def import_contacts(
    owner: User,
    *,
    fmt: str,
    data: bytes,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import ``data`` (a file in format ``fmt``, one of :data:`FORMATS`) into ``owner``'s
    contacts. Raises ImportFailed (with ``line``) before saving anything when any row is
    malformed. ``progress(saved, to_save)`` is called after each batch saved."""
    parser = PARSERS.get(fmt)
    if parser is None:
        raise ImportFailed(
            _("Unknown format %(format)s; use one of %(formats)s.")
            % {"format": repr(fmt), "formats": ", ".join(FORMATS)}
        )
    profile = Profile.objects.filter(user=owner).only("country").first()
    rows = parser(data, country=profile.country if profile is not None else "")
    try:
        return _save(owner, fmt, rows, progress)
    except IntegrityError:
        # Only a contact with the same profile address saved meanwhile can cause it.
        raise ImportFailed(
            _("Your contacts changed while the file was imported; import it again.")
        ) from None


@transaction.atomic
def _save(
    owner: User,
    fmt: str,
    rows: list[ParsedContact],
    progress: Callable[[int, int], None] | None,
) -> ImportResult:
    # One import at a time per owner (PostgreSQL): both would add the same new people.
    User.objects.select_for_update().filter(pk=owner.pk).values_list("pk").first()
    matcher = _Matcher()
    existing = Contact.objects.filter(owner=owner).values_list(
        "pk", "profile_url", "emails", "name", "company"
    )
    for pk, url, emails, name, company in existing.iterator(chunk_size=5000):
        matcher.add(
            ("db", pk),
            url=normalise_url(url) if url else "",
            emails=[email for email in emails or [] if isinstance(email, str)],
            name=name,
            company=company,
        )
    seen: set[PersonKey] = set()
    new: list[Contact] = []
    already_present = repeated = 0
    source = SOURCES[fmt]
    for index, row in enumerate(rows):
        person = matcher.find(row)
        if person is None:
            person = ("file", index)
            new.append(_contact(owner, row, source))
        elif person in seen:
            repeated += 1
        else:
            already_present += 1
        seen.add(person)
        matcher.add(
            person, url=row.profile_url, emails=row.emails, name=row.name, company=row.company
        )
    for start in range(0, len(new), BATCH_SIZE):
        Contact.objects.bulk_create(new[start : start + BATCH_SIZE], batch_size=BATCH_SIZE)
        if progress is not None:
            progress(min(start + BATCH_SIZE, len(new)), len(new))
    result = ImportResult(
        rows=len(rows), imported=len(new), already_present=already_present, repeated=repeated
    )
    record(
        owner,
        "contacts.imported",
        owner,
        {
            "format": fmt,
            "rows": result.rows,
            "imported": result.imported,
            "already_present": result.already_present,
        },
    )
    return result


def _contact(owner: User, row: ParsedContact, source: str) -> Contact:
    contact = Contact(
        owner=owner,
        name=row.name,
        first_name=row.first_name,
        last_name=row.last_name,
        emails=row.emails,
        phones=row.phones,
        company=row.company,
        title=row.title,
        profile_url=row.profile_url,
        city=row.city,
        notes=row.notes,
        tags=row.tags,
        source=source,
        connected_on=row.connected_on,
        how_we_met=row.how_we_met,
    )
    if row.relationship:
        contact.relationship = row.relationship
    if row.closeness is not None:
        contact.closeness = row.closeness
    return contact
