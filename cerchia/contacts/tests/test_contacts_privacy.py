"""Contacts are their owner's alone. For every contacts route — pages and API, every method —
another member, a leader of the owner's group, the group's administrator, a superuser and an
anonymous visitor get a 404 (anonymous: the login page or a 401), never a name, and nothing
changes. Contacts are not in the admin, the audit trail's data, the people directory or its
search, the owner's card, or any other export."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client

from cerchia.accounts.models import User
from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, make_user
from cerchia.contacts import services
from cerchia.contacts.models import Contact, Interaction
from cerchia.contacts.tests.contacts_helpers import (
    LINKEDIN,
    SECRET_EMAIL,
    SECRET_NAME,
    SECRET_NOTE,
    secret_contact,
)

pytestmark = pytest.mark.django_db

SECRETS = (SECRET_NAME, SECRET_EMAIL, SECRET_NOTE, "Quillfeather Inks")
# Everyone but the owner (cast.member): a stranger, the president of the owner's chapter, the
# chapter's administrator, and the site's superuser.
OTHERS = ("outsider", "leader", "owner", "superuser")


def _superuser() -> User:
    found = User.objects.filter(email="root@example.org").first()
    if found is not None:
        return found
    user = make_user("root@example.org", "Root Admin")
    user.is_staff = True
    user.is_superuser = True
    user.save()
    return user


def _page_client(cast: Cast, who: str) -> Client:
    client = Client()
    if who == "superuser":
        client.force_login(_superuser())
    elif who != "anonymous":
        client.force_login(getattr(cast, who))
    return client


def _api_client(cast: Cast, who: str) -> Client:
    if who == "superuser":
        from cerchia.accounts.services import create_api_token

        _token, key = create_api_token(_superuser(), name="test")
        return Client(headers={"Authorization": f"Bearer {key}"})
    if who == "anonymous":
        return Client()
    return cast.api(who)


def _no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


def _snapshot(contact: Contact) -> dict[str, Any]:
    return Contact.objects.filter(pk=contact.pk).values().get()


# Each object route: method, path template, form data.
OBJECT_PAGES = [
    ("get", "/contacts/{id}/", None),
    ("get", "/contacts/{id}/edit/", None),
    ("post", "/contacts/{id}/edit/", {"name": "Hijacked", "relationship": "friend"}),
    ("get", "/contacts/{id}/delete/", None),
    ("post", "/contacts/{id}/delete/", {}),
]


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize(("method", "path", "data"), OBJECT_PAGES)
def test_nobody_else_opens_a_contact_page(
    cast: Cast, who: str, method: str, path: str, data: dict[str, str] | None
) -> None:
    contact = secret_contact(cast.member)
    before = _snapshot(contact)
    client = _page_client(cast, who)
    response = getattr(client, method)(path.format(id=contact.pk), data or {})
    missing = getattr(client, method)(path.format(id=contact.pk + 1000), data or {})
    assert response.status_code == 404
    # The same answer as for an id that does not exist.
    assert response.content == missing.content
    _no_secret(response.content.decode())
    assert _snapshot(contact) == before


@pytest.mark.parametrize(("method", "path", "data"), OBJECT_PAGES)
def test_an_anonymous_visitor_is_sent_to_log_in(
    cast: Cast, method: str, path: str, data: dict[str, str] | None
) -> None:
    contact = secret_contact(cast.member)
    before = _snapshot(contact)
    url = path.format(id=contact.pk)
    response = getattr(Client(), method)(url, data or {})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/?next=")
    assert _snapshot(contact) == before


LIST_PAGES = [
    "/contacts/",
    f"/contacts/?q={SECRET_NAME.split()[1]}",
    "/contacts/?tag=ink",
    "/contacts/?relationship=client&closeness=4&sort=closeness",
    "/contacts/new/",
    "/contacts/import/",
    "/contacts/export.vcf",
]


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize("path", LIST_PAGES)
def test_the_list_pages_show_everyone_only_their_own(cast: Cast, who: str, path: str) -> None:
    secret_contact(cast.member)
    response = _page_client(cast, who).get(path)
    assert response.status_code == 200
    _no_secret(response.content.decode())


@pytest.mark.parametrize("path", LIST_PAGES)
def test_anonymous_visitors_get_no_list_page(cast: Cast, path: str) -> None:
    secret_contact(cast.member)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login/")


@pytest.mark.parametrize("who", OTHERS)
def test_nobody_links_their_contact_to_someone_elses(cast: Cast, who: str) -> None:
    """ "Introduced by" reaches only one's own contacts: a page form and the API both refuse
    another person's contact, by name or by id, as if it did not exist."""
    secret = secret_contact(cast.member)
    client = _page_client(cast, who)
    page = client.post(
        "/contacts/new/",
        {"name": "Probe", "relationship": "friend", "closeness": "2", "introduced_by": SECRET_NAME},
    )
    assert "None of your contacts is called" in page.content.decode()
    api = _api_client(cast, who).post(
        "/api/v1/contacts",
        {"name": "Probe", "introduced_by_id": secret.pk},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert api.json() == {"detail": "Who introduced you must be one of your own contacts."}
    assert not Contact.objects.filter(name="Probe").exists()


def test_an_import_only_ever_touches_the_importers_own_contacts(cast: Cast) -> None:
    """The leader imports the same LinkedIn file the member did: the member's contacts are
    not "already present" for the leader, and stay exactly as they were."""
    member_api = cast.api("member")
    with LINKEDIN.open("rb") as file:
        member_api.post("/api/v1/contacts/import", {"format": "linkedin", "file": file})
    before = list(Contact.objects.filter(owner=cast.member).values().order_by("pk"))
    with LINKEDIN.open("rb") as file:
        leader = cast.api("leader").post(
            "/api/v1/contacts/import", {"format": "linkedin", "file": file}
        )
    assert leader.json() == {"imported": 40, "already_present": 0, "rows": 40}
    assert list(Contact.objects.filter(owner=cast.member).values().order_by("pk")) == before


# --- the API --------------------------------------------------------------------------------

OBJECT_API = [
    ("get", None),
    ("patch", {"name": "Hijacked"}),
    ("delete", None),
]


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize(("method", "body"), OBJECT_API)
def test_nobody_else_reaches_a_contact_in_the_api(
    cast: Cast, who: str, method: str, body: dict[str, str] | None
) -> None:
    contact = secret_contact(cast.member)
    before = _snapshot(contact)
    client = _api_client(cast, who)

    def call(contact_id: int) -> Any:
        url = f"/api/v1/contacts/{contact_id}"
        if body is None:
            return getattr(client, method)(url)
        return getattr(client, method)(url, body, content_type="application/json")

    response = call(contact.pk)
    assert response.status_code == 404
    assert response.json() == call(contact.pk + 1000).json() == {"detail": "No such contact"}
    assert _snapshot(contact) == before


def test_a_superuser_signed_in_with_the_session_gets_404_too(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    client = _page_client(cast, "superuser")
    response = client.get(f"/api/v1/contacts/{contact.pk}")
    assert response.status_code == 404
    listed = client.get("/api/v1/contacts")
    assert listed.json() == {"items": [], "count": 0}


@pytest.mark.parametrize("who", OTHERS)
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contacts",
        f"/api/v1/contacts?q={SECRET_NAME.split()[0]}",
        "/api/v1/contacts?tag=ink",
        "/api/v1/contacts/export?format=vcard",
    ],
)
def test_the_api_lists_and_exports_show_everyone_only_their_own(
    cast: Cast, who: str, path: str
) -> None:
    secret_contact(cast.member)
    response = _api_client(cast, who).get(path)
    assert response.status_code == 200
    _no_secret(response.content.decode())


ANONYMOUS_API = [
    ("get", "/api/v1/contacts"),
    ("post", "/api/v1/contacts"),
    ("get", "/api/v1/contacts/{id}"),
    ("patch", "/api/v1/contacts/{id}"),
    ("delete", "/api/v1/contacts/{id}"),
    ("post", "/api/v1/contacts/import"),
    ("get", "/api/v1/contacts/export?format=vcard"),
]


@pytest.mark.parametrize(("method", "path"), ANONYMOUS_API)
def test_the_api_wants_a_signed_in_caller(cast: Cast, method: str, path: str) -> None:
    contact = secret_contact(cast.member)
    before = _snapshot(contact)
    response = getattr(Client(), method)(path.format(id=contact.pk))
    assert response.status_code == 401
    _no_secret(response.content.decode())
    assert _snapshot(contact) == before


# --- everywhere else ------------------------------------------------------------------------


def test_contacts_are_not_in_the_admin(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    services.update_contact(contact, actor=cast.member, changes={"notes": "changed"})
    Interaction.objects.create(
        owner=cast.member, contact=contact, kind="call", happened_on="2026-01-05"
    )
    assert not any(model._meta.app_label == "contacts" for model in admin.site._registry)
    client = _page_client(cast, "superuser")
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/contacts/" not in index.content.decode()
    assert client.get("/admin/contacts/contact/").status_code == 404
    assert client.get(f"/admin/contacts/contact/{contact.pk}/change/").status_code == 404
    # The audit trail records that a contact changed, never what it holds.
    audit = client.get("/admin/audit/auditentry/")
    assert audit.status_code == 200
    _no_secret(audit.content.decode())
    entry = AuditEntry.objects.get(action="contacts.contact.updated")
    assert client.get(f"/admin/audit/auditentry/{entry.pk}/change/").status_code == 200
    _no_secret(client.get(f"/admin/audit/auditentry/{entry.pk}/change/").content.decode())
    # Deleting the owner's account deletes their contacts, but the confirmation page (which
    # lists every related object) names none of them.
    confirm = client.get(f"/admin/accounts/user/{cast.member.pk}/delete/")
    assert confirm.status_code == 200
    _no_secret(confirm.content.decode())


@pytest.mark.parametrize("who", ["member", *OTHERS])
def test_contacts_are_not_in_the_people_directory_or_its_search(cast: Cast, who: str) -> None:
    # Even linked to a member's card, and even for the owner: the directory lists accounts.
    secret_contact(cast.member, member=cast.leader)
    client = _page_client(cast, who)
    for path in ("/people/", "/people/?q=Zebulon", "/people/?q=Quillfeather"):
        response = client.get(path)
        assert response.status_code == 200
        _no_secret(response.content.decode())
    for path in ("/api/v1/people?q=Zebulon", "/api/v1/people?q=Quillfeather"):
        assert client.get(path).json()["count"] == 0


def test_a_linked_member_never_learns_they_are_someone_elses_contact(cast: Cast) -> None:
    secret_contact(cast.member, member=cast.leader)
    client = _page_client(cast, "leader")
    for path in (
        "/",
        "/contacts/",
        f"/people/{cast.leader.pk}/",
        f"/people/{cast.member.pk}/",
        "/notices/",
        "/api/v1/me",
        "/api/v1/contacts",
        "/ledger/export.csv",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        _no_secret(response.content.decode())


def test_contacts_are_in_no_other_export(cast: Cast) -> None:
    """The owner's own ledger export and the chapter's retention export for its leader carry
    no contact; only the contacts' own export does."""
    secret_contact(cast.member)
    member = _page_client(cast, "member")
    ledger = member.get("/ledger/export.csv")
    assert ledger.status_code == 200
    _no_secret(ledger.content.decode())
    retention = _page_client(cast, "owner").get(f"/groups/{cast.group.slug}/retention.csv")
    assert retention.status_code == 200
    _no_secret(retention.content.decode())
    assert SECRET_NAME in member.get("/contacts/export.vcf").content.decode()


def test_every_contacts_route_is_tried_above() -> None:
    """A new page or endpoint in ``cerchia.contacts.urls`` or ``cerchia.contacts.api`` must be
    added to the lists above, so that it is tried with everyone."""
    from cerchia.contacts.api import router
    from cerchia.contacts.urls import urlpatterns

    tried_pages = {path.split("?")[0] for _m, path, _d in OBJECT_PAGES} | {
        path.split("?")[0] for path in LIST_PAGES
    }
    pages = {"/contacts/" + str(p.pattern).replace("<int:contact_id>", "{id}") for p in urlpatterns}
    assert pages and pages <= tried_pages
    endpoints = {
        (method.lower(), "/api/v1" + route.replace("{int:contact_id}", "{id}"))
        for route, path_view in router.path_operations.items()
        for operation in path_view.operations
        for method in operation.methods
    }
    tried_api = {(method, path.split("?")[0]) for method, path in ANONYMOUS_API}
    assert endpoints == tried_api
