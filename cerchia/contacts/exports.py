"""The owner's contacts as vCard 4.0 (RFC 6350): CRLF line ends, lines folded at 75 octets,
text escaped. Cerchia's own fields travel as ``X-CERCHIA-*`` properties, which the vCard
importer reads back, so an export imports into another Cerchia unchanged."""

from __future__ import annotations

import uuid

from cerchia.accounts.models import User
from cerchia.contacts.models import Contact

# UIDs are derived from this namespace and the contact's id: the same contact always exports
# with the same UID.
UID_NAMESPACE = uuid.UUID("6f1e8c2a-4b7d-4f0e-9a53-2d8c1b7e4a90")
MAX_OCTETS = 75


def escape(value: str) -> str:
    """Escape a text value (RFC 6350 §3.4): backslash, comma, semicolon and newline."""
    return (
        value.replace("\\", "\\\\")
        .replace(",", "\\,")
        .replace(";", "\\;")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
    )


def fold(line: str) -> str:
    """``line`` folded into physical lines of at most 75 octets, each continuation starting
    with a space; a UTF-8 character is never split."""
    if len(line.encode("utf-8")) <= MAX_OCTETS:
        return line + "\r\n"
    out: list[str] = []
    current: list[str] = []
    size = 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > MAX_OCTETS:
            out.append("".join(current))
            current, size = [" "], 1
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out) + "\r\n"


def contact_uid(contact: Contact) -> str:
    return f"urn:uuid:{uuid.uuid5(UID_NAMESPACE, f'contact:{contact.pk}')}"


def vcard(contact: Contact) -> str:
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"UID:{contact_uid(contact)}",
        f"FN:{escape(contact.name)}",
        f"N:{escape(contact.last_name)};{escape(contact.first_name)};;;",
    ]
    lines += [f"EMAIL:{escape(email)}" for email in contact.emails if isinstance(email, str)]
    lines += [
        f"TEL;VALUE=text:{escape(phone)}" for phone in contact.phones if isinstance(phone, str)
    ]
    if contact.company:
        lines.append(f"ORG:{escape(contact.company)}")
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    if contact.profile_url:
        lines.append(f"URL:{contact.profile_url}")
    if contact.city:
        lines.append(f"ADR:;;;{escape(contact.city)};;;")
    if contact.notes:
        lines.append(f"NOTE:{escape(contact.notes)}")
    tags = [escape(tag) for tag in contact.tags if isinstance(tag, str) and tag]
    if tags:
        lines.append(f"CATEGORIES:{','.join(tags)}")
    lines.append(f"X-CERCHIA-RELATIONSHIP:{contact.relationship}")
    lines.append(f"X-CERCHIA-CLOSENESS:{contact.closeness}")
    if contact.connected_on is not None:
        lines.append(f"X-CERCHIA-CONNECTED-ON:{contact.connected_on.isoformat()}")
    if contact.how_we_met:
        lines.append(f"X-CERCHIA-HOW-WE-MET:{escape(contact.how_we_met)}")
    lines.append("END:VCARD")
    return "".join(fold(line) for line in lines)


def export_vcard(owner: User) -> str:
    """All of ``owner``'s contacts — and nobody else's — as one vCard 4.0 file."""
    contacts = Contact.objects.filter(owner=owner).order_by("name", "pk")
    return "".join(vcard(contact) for contact in contacts.iterator(chunk_size=2000))
