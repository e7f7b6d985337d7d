"""The contacts pages, as their owner uses them: list with search and filters, add, edit,
delete, import and export."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cerchia.accounts.models import User
from cerchia.audit.models import AuditEntry
from cerchia.conftest import Cast, make_user
from cerchia.contacts.models import Contact, Relationship, Source
from cerchia.contacts.tests.contacts_helpers import (
    LINKEDIN,
    SECRET_NAME,
    many_contacts,
    secret_contact,
)

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Ada Lovelace",
        "first_name": "",
        "last_name": "",
        "company": "Analytical Engines",
        "title": "",
        "emails": "ada@example.org\nADA@example.org\n\nada.l@example.com",
        "phones": "051 123 4567\n+44 20 7946 0958",
        "profile_url": "",
        "city": "London",
        "tags": "Maths, poetry ,maths",
        "relationship": Relationship.FRIEND,
        "closeness": "5",
        "how_we_met": "A lecture",
        "introduced_by": "",
        "member": "",
        "notes": "Ask about the engine.",
    }
    data.update(fields)
    return data


# --- list -----------------------------------------------------------------------------------


def test_the_list_shows_my_contacts_with_counts_and_tag_chips(cast: Cast) -> None:
    secret_contact(cast.member)
    Contact.objects.create(owner=cast.member, name="Bea Baker", tags=["printing", "food"])
    response = _client(cast.member).get("/contacts/")
    assert response.status_code == 200
    text = response.content.decode()
    assert SECRET_NAME in text and "Bea Baker" in text
    assert 'id="contact-total">(2)' in text
    # Chips: most used first, each with its count.
    assert text.index("#printing") < text.index("#food")
    assert "tag=printing" in text
    assert 'id="nav-contacts"' in text


def test_an_empty_list_explains_how_to_start(cast: Cast) -> None:
    text = _client(cast.member).get("/contacts/").content.decode()
    assert "No contacts yet" in text
    assert 'id="contact-export"' not in text


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=quillfeather", {SECRET_NAME}),  # name, any case
        ("q=inks", {SECRET_NAME}),  # company
        ("q=zebulon.quillfeather%40example", {SECRET_NAME}),  # email
        ("q=modena+favour", {SECRET_NAME}),  # notes, every word
        ("q=bakery", {"Bea Baker"}),
        ("tag=printing", {SECRET_NAME, "Bea Baker"}),
        ("tag=PRINTING", {SECRET_NAME, "Bea Baker"}),
        ("tag=food", {"Bea Baker"}),
        ("tag=foo", set()),  # a tag is matched whole, never a part of one
        ("relationship=client", {SECRET_NAME}),
        ("closeness=1", {"Bea Baker"}),
        ("closeness=4&relationship=friend", set()),
    ],
)
def test_search_and_filters(cast: Cast, query: str, expected: set[str]) -> None:
    secret_contact(cast.member)
    Contact.objects.create(
        owner=cast.member,
        name="Bea Baker",
        company="Bakery Bea",
        tags=["printing", "food"],
        closeness=1,
        relationship=Relationship.VENDOR,
    )
    text = _client(cast.member).get(f"/contacts/?{query}").content.decode()
    shown = {name for name in (SECRET_NAME, "Bea Baker") if f"<strong>{name}</strong>" in text}
    assert shown == expected


def test_sorting_by_closeness_puts_the_closest_first(cast: Cast) -> None:
    Contact.objects.create(owner=cast.member, name="Anna Far", closeness=1)
    Contact.objects.create(owner=cast.member, name="Zoe Close", closeness=5)
    by_name = _client(cast.member).get("/contacts/").content.decode()
    assert by_name.index("Anna Far") < by_name.index("Zoe Close")
    by_closeness = _client(cast.member).get("/contacts/?sort=closeness").content.decode()
    assert by_closeness.index("Zoe Close") < by_closeness.index("Anna Far")


def test_a_bad_filter_is_ignored_not_an_error(cast: Cast) -> None:
    secret_contact(cast.member)
    response = _client(cast.member).get("/contacts/?closeness=9&sort=nonsense&page=99")
    assert response.status_code == 200
    assert SECRET_NAME in response.content.decode()


def test_the_list_pages_through_many_contacts_in_a_few_queries(
    cast: Cast, django_assert_max_num_queries: Any
) -> None:
    many_contacts(cast.member, 80)
    client = _client(cast.member)
    client.get("/contacts/")  # warm the session and the caches
    with django_assert_max_num_queries(9):
        response = client.get("/contacts/?tag=crowd&sort=closeness")
    text = response.content.decode()
    assert text.count('<article id="contact-') == 30
    assert "Introduced by Aaron First" in text
    with django_assert_max_num_queries(9):
        second = client.get("/contacts/?page=3")
    assert second.content.decode().count('<article id="contact-') == 20


# --- add and edit ---------------------------------------------------------------------------


def test_adding_a_contact_cleans_what_was_typed(cast: Cast) -> None:
    response = _client(cast.member).post("/contacts/new/", _form())
    contact = Contact.objects.get(owner=cast.member)
    assert response.status_code == 302
    assert response["Location"] == f"/contacts/{contact.pk}/"
    assert contact.name == "Ada Lovelace"
    assert contact.emails == ["ada@example.org", "ada.l@example.com"]
    assert contact.phones == ["+390511234567", "+442079460958"]
    assert contact.tags == ["maths", "poetry"]
    assert contact.closeness == 5
    assert contact.relationship == Relationship.FRIEND
    assert contact.source == Source.MANUAL
    entry = AuditEntry.objects.get(action="contacts.contact.created")
    assert entry.target_id == str(contact.pk)
    assert "Ada" not in str(entry.data)


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"emails": "ada@example.org\nnot-an-email"}, "“not-an-email” is not an email address."),
        ({"phones": "12"}, "“12” is not a valid phone number."),
        ({"tags": "a-tag-far-longer-than-twenty"}, "at most 20 characters"),
        ({"tags": ", ".join(f"t{n}" for n in range(21))}, "At most 20 tags."),
        ({"name": "", "first_name": "", "last_name": ""}, "Give the contact a name."),
        ({"closeness": "6"}, "Select a valid choice."),
        ({"relationship": "lover"}, "Select a valid choice."),
        ({"profile_url": "javascript:alert(1)"}, "is not a web address"),
        ({"introduced_by": "Nobody Known"}, "None of your contacts is called “Nobody Known”."),
    ],
)
def test_a_bad_contact_is_refused_with_the_reason_and_nothing_saved(
    cast: Cast, fields: dict[str, str], error: str
) -> None:
    response = _client(cast.member).post("/contacts/new/", _form(**fields))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not Contact.objects.filter(owner=cast.member).exists()
    assert not AuditEntry.objects.filter(action__startswith="contacts.").exists()


def test_the_name_can_come_from_first_and_last_name(cast: Cast) -> None:
    _client(cast.member).post(
        "/contacts/new/", _form(name="", first_name="Grace", last_name="Hopper")
    )
    assert Contact.objects.get(owner=cast.member).name == "Grace Hopper"


def test_a_contact_links_to_a_co_member_card_but_never_to_myself(cast: Cast) -> None:
    client = _client(cast.member)
    form = client.get("/contacts/new/").content.decode()
    assert f'<option value="{cast.leader.pk}">Leo Leader</option>' in form
    assert ">Mia Member</option>" not in form  # myself
    assert "Oscar Outsider" not in form  # no group or connection in common
    client.post("/contacts/new/", _form(member=str(cast.leader.pk)))
    contact = Contact.objects.get(owner=cast.member)
    assert contact.member == cast.leader
    detail = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'href="/people/{cast.leader.pk}/" id="contact-member"' in detail
    refused = client.post("/contacts/new/", _form(name="Me", member=str(cast.member.pk)))
    assert "Select a valid choice" in refused.content.decode()
    assert Contact.objects.filter(owner=cast.member).count() == 1


def test_introduced_by_names_one_of_my_contacts(cast: Cast) -> None:
    client = _client(cast.member)
    introducer = secret_contact(cast.member)
    secret_contact(cast.leader, name="Leo's Friend")
    form = client.get("/contacts/new/").content.decode()
    assert f'<option value="{SECRET_NAME}">' in form  # suggested while typing
    assert "Leo&#x27;s Friend" not in form
    client.post("/contacts/new/", _form(introduced_by=SECRET_NAME.upper()))
    contact = Contact.objects.get(owner=cast.member, name="Ada Lovelace")
    assert contact.introduced_by == introducer
    detail = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert f'href="/contacts/{introducer.pk}/" id="contact-introducer">{SECRET_NAME}' in detail
    # Somebody else's contact is "none of mine", even by its exact name.
    refused = client.post("/contacts/new/", _form(name="Other", introduced_by="Leo's Friend"))
    assert "None of your contacts is called" in refused.content.decode()


def test_the_detail_page_shows_every_field_and_a_place_for_the_history(cast: Cast) -> None:
    contact = secret_contact(cast.member, profile_url="https://www.linkedin.com/in/zq")
    text = _client(cast.member).get(f"/contacts/{contact.pk}/").content.decode()
    for value in (
        SECRET_NAME,
        "zebulon.quillfeather@example.net",
        "tel:+390511234567",
        "Quillfeather Inks",
        "Founder",
        "Modena",
        "owes me a favour",
        "#ink",
        "Client",
        "4/5",
        "close tie",
        "the Modena fair",
        "https://www.linkedin.com/in/zq",
        "Added by hand",
    ):
        assert value in text, value
    assert "<!-- history" in text


def test_editing_changes_the_fields_and_audits_their_names_only(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    client = _client(cast.member)
    form = client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert "zebulon.quillfeather@example.net</textarea>" in form
    assert 'value="ink, printing"' in form
    data = _form(
        name=SECRET_NAME,
        emails="new@example.org",
        phones="",
        tags="ink",
        closeness="2",
        relationship=Relationship.FORMER_COLLEAGUE,
    )
    response = client.post(f"/contacts/{contact.pk}/edit/", data)
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.emails == ["new@example.org"]
    assert contact.phones == []
    assert contact.tags == ["ink"]
    assert contact.closeness == 2
    entry = AuditEntry.objects.get(action="contacts.contact.updated")
    assert "emails" in entry.data["fields"] and "closeness" in entry.data["fields"]
    assert "new@example.org" not in str(entry.data)


def test_a_contact_cannot_have_introduced_itself(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    response = _client(cast.member).post(
        f"/contacts/{contact.pk}/edit/", _form(name=SECRET_NAME, introduced_by=SECRET_NAME)
    )
    assert "None of your contacts is called" in response.content.decode()
    contact.refresh_from_db()
    assert contact.introduced_by is None
    assert contact.emails == ["zebulon.quillfeather@example.net"]


def test_a_refused_edit_changes_nothing(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    response = _client(cast.member).post(
        f"/contacts/{contact.pk}/edit/", _form(name="Renamed", emails="broken@")
    )
    assert "“broken@” is not an email address." in response.content.decode()
    contact.refresh_from_db()
    assert contact.name == SECRET_NAME
    assert not AuditEntry.objects.filter(action="contacts.contact.updated").exists()


def test_two_contacts_cannot_share_a_profile_address(cast: Cast) -> None:
    secret_contact(cast.member, profile_url="https://www.linkedin.com/in/zq")
    response = _client(cast.member).post(
        "/contacts/new/", _form(profile_url="https://www.linkedin.com/in/zq")
    )
    assert (
        f"You already have a contact with this profile address: {SECRET_NAME}."
        in response.content.decode()
    )
    assert Contact.objects.filter(owner=cast.member).count() == 1


# --- delete ---------------------------------------------------------------------------------


def test_deleting_asks_first_then_deletes_and_keeps_whom_it_introduced(cast: Cast) -> None:
    contact = secret_contact(cast.member)
    introduced = Contact.objects.create(owner=cast.member, name="Ida", introduced_by=contact)
    client = _client(cast.member)
    confirm = client.get(f"/contacts/{contact.pk}/delete/")
    assert confirm.status_code == 200
    assert f"Delete {SECRET_NAME}?" in confirm.content.decode()
    assert Contact.objects.filter(pk=contact.pk).exists()
    response = client.post(f"/contacts/{contact.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == "/contacts/"
    assert not Contact.objects.filter(pk=contact.pk).exists()
    introduced.refresh_from_db()
    assert introduced.introduced_by is None
    assert AuditEntry.objects.filter(
        action="contacts.contact.deleted", target_id=str(contact.pk)
    ).exists()


# --- import and export ----------------------------------------------------------------------


def _upload(content: bytes, name: str = "Connections.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_importing_the_linkedin_export_twice_adds_the_people_once(cast: Cast) -> None:
    client = _client(cast.member)
    page = client.get("/contacts/import/").content.decode()
    assert '<option value="linkedin">' in page and '<option value="vcard">' in page
    data = LINKEDIN.read_bytes()
    first = client.post(
        "/contacts/import/", {"format": "linkedin", "file": _upload(data)}, follow=True
    )
    assert "Imported 40, already present 0." in first.content.decode()
    assert Contact.objects.filter(owner=cast.member, source=Source.LINKEDIN).count() == 40
    assert "Mary-Kate Giordano" in first.content.decode()
    again = client.post(
        "/contacts/import/", {"format": "linkedin", "file": _upload(data)}, follow=True
    )
    assert "Imported 0, already present 40." in again.content.decode()
    assert Contact.objects.filter(owner=cast.member).count() == 40


def test_a_malformed_file_names_its_line_and_saves_nothing(cast: Cast) -> None:
    lines = LINKEDIN.read_bytes().split(b"\n")
    lines[9] = b"Broken,Row,https://www.linkedin.com/in/broken,,Acme,Boss,not a date"
    response = _client(cast.member).post(
        "/contacts/import/", {"format": "linkedin", "file": _upload(b"\n".join(lines))}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Line 10:" in text
    assert not Contact.objects.filter(owner=cast.member).exists()


def test_an_import_needs_a_file_and_a_known_format(cast: Cast) -> None:
    client = _client(cast.member)
    no_file = client.post("/contacts/import/", {"format": "linkedin"})
    assert "This field is required." in no_file.content.decode()
    bad_format = client.post(
        "/contacts/import/", {"format": "excel", "file": _upload(LINKEDIN.read_bytes())}
    )
    assert "Select a valid choice" in bad_format.content.decode()
    assert not Contact.objects.exists()


def test_the_export_is_a_vcard_of_my_contacts_only(cast: Cast) -> None:
    secret_contact(cast.member)
    Contact.objects.create(owner=cast.leader, name="Leader's Own Contact")
    response = _client(cast.member).get("/contacts/export.vcf")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/vcard")
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert body.startswith("BEGIN:VCARD")
    assert f"FN:{SECRET_NAME}" in body
    assert "Leader" not in body


def test_another_members_linked_card_does_not_need_an_account_to_exist(cast: Cast) -> None:
    """A linked member who deletes their account leaves the contact, unlinked."""
    friend = make_user("friend@example.org", "Fran Friend")
    contact = secret_contact(cast.member, member=friend)
    friend.delete()
    contact.refresh_from_db()
    assert contact.member is None
    assert _client(cast.member).get(f"/contacts/{contact.pk}/").status_code == 200
