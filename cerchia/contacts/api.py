"""My private contacts in the API. Every route starts from the caller's own contacts: any
other id — someone else's or one that does not exist — is the same 404, whoever asks."""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Schema, Status, UploadedFile

from cerchia.accounts.models import User
from cerchia.api.pagination import page
from cerchia.contacts import services
from cerchia.contacts.access import access_contact, owned_contacts
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.exports import export_vcard
from cerchia.contacts.forms import MAX_IMPORT_BYTES
from cerchia.contacts.imports import import_contacts
from cerchia.contacts.models import Contact, Relationship
from cerchia.contacts.selectors import contacts_of
from cerchia.lib.http import ApiRequest

router = Router(tags=["contacts"])


class ContactOut(Schema):
    id: int
    name: str
    first_name: str
    last_name: str
    emails: list[str]
    phones: list[str]
    company: str
    title: str
    profile_url: str
    city: str
    notes: str
    tags: list[str]
    relationship: str
    closeness: int
    how_we_met: str
    introduced_by_id: int | None
    member_id: int | None
    source: str
    connected_on: datetime.date | None
    stay_in_touch_days: int | None
    last_interaction_on: datetime.date | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    url: str

    @staticmethod
    def resolve_url(obj: Contact) -> str:
        return f"/contacts/{obj.pk}/"


class ContactPage(Schema):
    items: list[ContactOut]
    count: int


class ContactIn(Schema):
    name: str = ""  # blank: made from first_name and last_name
    first_name: str = ""
    last_name: str = ""
    emails: list[str] = []
    phones: list[str] = []
    company: str = ""
    title: str = ""
    profile_url: str = ""
    city: str = ""
    notes: str = ""
    tags: list[str] = []
    relationship: str = Relationship.ACQUAINTANCE
    closeness: int = 2
    how_we_met: str = ""
    introduced_by_id: int | None = None  # one of my contacts
    member_id: int | None = None  # a member whose card I may see


class ContactPatch(Schema):
    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    company: str | None = None
    title: str | None = None
    profile_url: str | None = None
    city: str | None = None
    notes: str | None = None
    tags: list[str] | None = None
    relationship: str | None = None
    closeness: int | None = None
    how_we_met: str | None = None
    introduced_by_id: int | None = None
    member_id: int | None = None


class ImportOut(Schema):
    imported: int
    already_present: int
    rows: int


def _introducer(owner: User, contact_id: int | None) -> Contact | None:
    if contact_id is None:
        return None
    introducer = owned_contacts(owner).filter(pk=contact_id).first()
    if introducer is None:
        raise ContactsError(_("Who introduced you must be one of your own contacts."))
    return introducer


def _member(user_id: int | None) -> User | None:
    """The account by id; whether the caller may link it is the service's check, which
    answers the same for a hidden account as for a missing one."""
    if user_id is None:
        return None
    member = User.objects.filter(pk=user_id, is_active=True).first()
    if member is None:
        raise ContactsError(_("No such member among the people you can see."))
    return member


def _changes(owner: User, fields: dict[str, Any]) -> dict[str, Any]:
    """The payload's fields as the services take them (ids become objects)."""
    changes = {k: v for k, v in fields.items() if k not in ("introduced_by_id", "member_id")}
    if "introduced_by_id" in fields:
        changes["introduced_by"] = _introducer(owner, fields["introduced_by_id"])
    if "member_id" in fields:
        changes["member"] = _member(fields["member_id"])
    for field, value in changes.items():
        # null means "empty" for text and lists; a choice or a number must be given.
        if value is None and field not in ("introduced_by", "member"):
            if field in ("relationship", "closeness"):
                raise ContactsError(_("%(field)s cannot be null.") % {"field": field})
            changes[field] = [] if field in ("emails", "phones", "tags") else ""
    return changes


@router.get(
    "/contacts",
    response=ContactPage,
    summary="My contacts: search q (name, company, email, notes), filter by tag, "
    "relationship, closeness; sort by name, closeness, recent or company",
)
def list_contacts(
    request: ApiRequest,
    q: str = "",
    tag: str = "",
    relationship: str = "",
    closeness: int | None = None,
    sort: Literal["name", "closeness", "recent", "company"] = "name",
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    found = contacts_of(
        request.auth,
        q=q,
        tag=tag,
        relationship=relationship,
        closeness=closeness,
        sort=sort,
    )
    items, count = page(found, limit, offset)
    return {"items": items, "count": count}


@router.post("/contacts", response={201: ContactOut}, summary="Add a contact")
def create_contact(request: ApiRequest, payload: ContactIn) -> Status[Contact]:
    changes = _changes(request.auth, payload.dict())
    contact = services.create_contact(request.auth, **changes)
    return Status(201, contact)


@router.post(
    "/contacts/import",
    response=ImportOut,
    summary="Import a file (multipart: file, format=linkedin|google|vcard): all of it or, "
    'at the first bad line, nothing ({"detail": "Line N: ..."})',
)
def import_file(
    request: ApiRequest,
    file: File[UploadedFile],
    fmt: str = Form(..., alias="format"),  # "format" in the request; fmt spares the builtin
) -> dict[str, Any]:
    if file.size is not None and file.size > MAX_IMPORT_BYTES:
        raise ContactsError(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // 1024 // 1024}
        )
    result = import_contacts(request.auth, fmt=fmt, data=file.read())
    return {
        "imported": result.imported,
        "already_present": result.already_present,
        "rows": result.rows,
    }


@router.get(
    "/contacts/export",
    summary="All my contacts as one vCard 4.0 file (text/vcard)",
)
def export_file(
    request: ApiRequest, fmt: Literal["vcard"] = Query("vcard", alias="format")
) -> HttpResponse:
    response = HttpResponse(export_vcard(request.auth), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get("/contacts/{int:contact_id}", response=ContactOut, summary="One of my contacts")
def get_contact(request: ApiRequest, contact_id: int) -> Contact:
    return access_contact(request.auth, contact_id)


@router.patch(
    "/contacts/{int:contact_id}",
    response=ContactOut,
    summary="Change fields of one of my contacts (only the fields sent)",
)
def patch_contact(request: ApiRequest, contact_id: int, payload: ContactPatch) -> Contact:
    contact = access_contact(request.auth, contact_id)
    changes = _changes(request.auth, payload.dict(exclude_unset=True))
    services.update_contact(contact, actor=request.auth, changes=changes)
    return access_contact(request.auth, contact_id)


@router.delete(
    "/contacts/{int:contact_id}", response={204: None}, summary="Delete one of my contacts"
)
def delete_contact(request: ApiRequest, contact_id: int) -> Status[None]:
    contact = access_contact(request.auth, contact_id)
    services.delete_contact(contact, actor=request.auth)
    return Status(204, None)
