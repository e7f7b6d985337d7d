"""/api/v1/contacts: list, create, read, change, delete, import and export, with the
validation errors as 400 {"detail"} and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast
from cerchia.contacts.models import Contact, Source
from cerchia.contacts.tests.contacts_helpers import (
    LINKEDIN,
    SECRET_EMAIL,
    SECRET_NAME,
    many_contacts,
    secret_contact,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/contacts"


def _json(client: Any, method: str, url: str, body: dict[str, Any]) -> Any:
    return getattr(client, method)(url, body, content_type="application/json")


def test_create_read_list_patch_and_delete(cast: Cast) -> None:
    client = cast.api("member")
    created = _json(
        client,
        "post",
        API,
        {
            "name": "Ada Lovelace",
            "emails": ["ada@example.org", "ADA@example.org"],
            "phones": ["051 123 4567"],
            "company": "Analytical Engines",
            "tags": ["Maths", "poetry"],
            "relationship": "friend",
            "closeness": 5,
            "member_id": cast.leader.pk,
        },
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["emails"] == ["ada@example.org"]
    assert body["phones"] == ["+390511234567"]
    assert body["tags"] == ["maths", "poetry"]
    assert body["member_id"] == cast.leader.pk
    assert body["source"] == Source.MANUAL
    assert body["url"] == f"/contacts/{body['id']}/"
    contact_id = body["id"]

    assert client.get(f"{API}/{contact_id}").json()["name"] == "Ada Lovelace"
    listed = client.get(API).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == contact_id

    patched = _json(client, "patch", f"{API}/{contact_id}", {"closeness": 3, "notes": "Hi"})
    assert patched.status_code == 200
    assert patched.json()["closeness"] == 3
    assert patched.json()["notes"] == "Hi"
    assert patched.json()["tags"] == ["maths", "poetry"]  # unsent fields stay
    unlinked = _json(client, "patch", f"{API}/{contact_id}", {"member_id": None, "tags": None})
    assert unlinked.json()["member_id"] is None
    assert unlinked.json()["tags"] == []

    assert client.delete(f"{API}/{contact_id}").status_code == 204
    assert not Contact.objects.filter(pk=contact_id).exists()
    assert client.get(f"{API}/{contact_id}").status_code == 404
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {
        "contacts.contact.created",
        "contacts.contact.updated",
        "contacts.contact.deleted",
    } <= actions


def test_the_list_searches_filters_sorts_and_pages(cast: Cast) -> None:
    secret_contact(cast.member)
    many_contacts(cast.member, 12)
    client = cast.api("member")
    assert [c["name"] for c in client.get(f"{API}?q=quill").json()["items"]] == [SECRET_NAME]
    assert client.get(f"{API}?q={SECRET_EMAIL}").json()["count"] == 1
    assert client.get(f"{API}?tag=ink").json()["count"] == 1
    assert client.get(f"{API}?tag=crowd").json()["count"] == 12
    assert client.get(f"{API}?relationship=client").json()["count"] >= 1
    closest = client.get(f"{API}?sort=closeness&limit=1").json()
    assert closest["items"][0]["closeness"] == 5 and closest["count"] == 13
    page_two = client.get(f"{API}?limit=5&offset=5").json()
    assert len(page_two["items"]) == 5 and page_two["count"] == 13
    assert client.get(f"{API}?sort=sideways").status_code == 422


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"name": "X", "emails": ["nope"]}, "“nope” is not an email address."),
        ({"name": "X", "phones": ["123"]}, "“123” is not a valid phone number."),
        ({"name": "X", "tags": ["x" * 21]}, "A tag may have at most 20 characters"),
        ({"name": "X", "tags": [f"t{n}" for n in range(21)]}, "At most 20 tags."),
        ({"name": "X", "closeness": 0}, "Closeness goes from 1"),
        ({"name": "X", "closeness": 6}, "Closeness goes from 1"),
        ({"name": "X", "relationship": "lover"}, "Unknown relationship: lover."),
        ({"name": ""}, "Give the contact a name."),
        ({"name": "X" * 251}, "Name may have at most 250 characters."),
        ({"name": "X", "profile_url": "ftp://example.org/x"}, "is not a web address"),
        ({"name": "X", "member_id": 999_999}, "No such member among the people you can see."),
        ({"name": "X", "introduced_by_id": 999_999}, "must be one of your own contacts"),
    ],
)
def test_a_bad_create_is_a_400_with_the_reason_and_saves_nothing(
    cast: Cast, body: dict[str, Any], detail: str
) -> None:
    response = _json(cast.api("member"), "post", API, body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert not Contact.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="contacts.").exists()


def test_a_contact_links_only_to_a_card_i_may_see_and_never_to_myself(cast: Cast) -> None:
    client = cast.api("member")
    for user_id in (cast.outsider.pk, cast.member.pk):
        # Oscar's name is public in the directory, but he is in none of Mia's groups: yes.
        # Mia herself: never.
        response = _json(client, "post", API, {"name": "X", "member_id": user_id})
        if user_id == cast.outsider.pk:
            assert response.status_code == 201
        else:
            assert response.status_code == 400
            assert "That is you" in response.json()["detail"]
    profile = cast.outsider.profile
    profile.visibility = {**profile.visibility, "display_name": "private"}
    profile.save()
    hidden = _json(client, "post", API, {"name": "Y", "member_id": cast.outsider.pk})
    assert hidden.status_code == 400
    # Hidden and missing accounts get the same answer.
    assert hidden.json()["detail"] == "No such member among the people you can see."
    assert Contact.objects.filter(owner=cast.member).count() == 1


def test_introduced_by_must_be_one_of_my_own_contacts(cast: Cast) -> None:
    mine = secret_contact(cast.member)
    theirs = secret_contact(cast.leader)
    client = cast.api("member")
    refused = _json(client, "post", API, {"name": "X", "introduced_by_id": theirs.pk})
    assert refused.status_code == 400
    assert refused.json()["detail"] == "Who introduced you must be one of your own contacts."
    made = _json(client, "post", API, {"name": "X", "introduced_by_id": mine.pk})
    assert made.json()["introduced_by_id"] == mine.pk
    itself = _json(client, "patch", f"{API}/{mine.pk}", {"introduced_by_id": mine.pk})
    assert itself.status_code == 400
    assert "cannot have introduced you to themselves" in itself.json()["detail"]


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"emails": ["a@b.org", "broken"]}, "“broken” is not an email address."),
        ({"closeness": 9}, "Closeness goes from 1"),
        ({"closeness": None}, "closeness cannot be null."),
        ({"relationship": "enemy"}, "Unknown relationship: enemy."),
        ({"tags": ["ok", "y" * 30]}, "at most 20 characters"),
        ({"name": "   ", "first_name": "", "last_name": ""}, "Give the contact a name."),
        ({"member_id": 999_999}, "No such member among the people you can see."),
    ],
)
def test_a_bad_patch_is_a_400_and_changes_nothing(
    cast: Cast, body: dict[str, Any], detail: str
) -> None:
    contact = secret_contact(cast.member)
    before = Contact.objects.filter(pk=contact.pk).values().get()
    response = _json(cast.api("member"), "patch", f"{API}/{contact.pk}", body)
    assert response.status_code == 400
    assert detail in response.json()["detail"]
    assert Contact.objects.filter(pk=contact.pk).values().get() == before
    assert not AuditEntry.objects.filter(action="contacts.contact.updated").exists()


def test_a_patch_of_the_wrong_type_is_a_422_and_changes_nothing(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    response = _json(cast.api("member"), "patch", f"{API}/{contact.pk}", {"closeness": "lots"})
    assert response.status_code == 422
    contact.refresh_from_db()
    assert contact.closeness == 4


def test_unknown_ids_are_404_for_every_method(cast: Cast) -> None:
    client = cast.api("member")
    missing = f"{API}/999999"
    assert client.get(missing).status_code == 404
    assert _json(client, "patch", missing, {"name": "X"}).status_code == 404
    assert client.delete(missing).status_code == 404
    assert client.get(missing).json() == {"detail": "No such contact"}


def test_import_and_export_through_the_api(cast: Cast) -> None:
    client = cast.api("member")
    with LINKEDIN.open("rb") as file:
        first = client.post(f"{API}/import", {"format": "linkedin", "file": file})
    assert first.status_code == 200, first.json()
    assert first.json() == {"imported": 40, "already_present": 0, "rows": 40}
    with LINKEDIN.open("rb") as file:
        again = client.post(f"{API}/import", {"format": "linkedin", "file": file})
    assert again.json() == {"imported": 0, "already_present": 40, "rows": 40}
    exported = client.get(f"{API}/export?format=vcard")
    assert exported.status_code == 200
    assert exported["Content-Type"].startswith("text/vcard")
    assert exported.content.decode().count("BEGIN:VCARD") == 40
    assert client.get(f"{API}/export?format=csv").status_code == 422


def test_a_malformed_import_is_a_400_naming_the_line_and_saves_nothing(cast: Cast) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    lines = LINKEDIN.read_bytes().split(b"\n")
    lines[20] = b"Bad,Row,https://www.linkedin.com/in/bad,,Acme,Boss,31 Foo 2020"
    upload = SimpleUploadedFile("Connections.csv", b"\n".join(lines))
    response = cast.api("member").post(f"{API}/import", {"format": "linkedin", "file": upload})
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Line 21: ")
    assert not Contact.objects.exists()


def test_an_import_in_an_unknown_format_is_a_400(cast: Cast) -> None:
    with LINKEDIN.open("rb") as file:
        response = cast.api("member").post(f"{API}/import", {"format": "excel", "file": file})
    assert response.status_code == 400
    assert "Unknown format" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_the_api_list_reads_many_contacts_in_a_few_queries(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    many_contacts(cast.member, 60)
    client = cast.api("member")
    with django_assert_max_num_queries(5):
        response = client.get(f"{API}?limit=50&tag=crowd")
    assert len(response.json()["items"]) == 50
    assert response.json()["count"] == 60
