"""Evidence documents kept with an application: the applicant adds PDF, PNG or JPEG files
(proved by their content) while the application waits; the applicant and the group's reviewers
download them; everyone else gets 404 and never learns a document exists."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cerchia.audit.models import AuditEntry
from cerchia.conftest import add_member, make_user
from cerchia.groups.models import ApplicationEvidence, Membership
from cerchia.groups.services import (
    GroupError,
    add_evidence,
    approve_membership,
    join_group,
    reject_membership,
)
from cerchia.groups.tests.helpers import API, api_client, audit_of, messages_of, page_client

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
HTML = b"<!doctype html><html><script>alert(document.cookie)</script></html>"
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def application(cast):
    return Membership.objects.get(group=cast.group, user=cast.visitor)


@pytest.fixture
def committee(cast):
    person = make_user("committee@example.org", "Carla Committee")
    add_member(cast.group, person, role="membership_committee")
    return person


@pytest.fixture
def org_admin(cast):
    """Runs the organisation above the chapter, without being a member of the chapter."""
    person = make_user("orgadmin@example.org", "Ada Admin")
    add_member(cast.organisation, person, role="administrator")
    return person


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def document(cast, application):
    return add_evidence(application, actor=cast.visitor, file=upload("licence.pdf", PDF))


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def page_url(cast, evidence):
    return f"/groups/{cast.group.slug}/members/{evidence.membership_id}/evidence/{evidence.pk}/"


def api_url(cast, evidence):
    return f"{API}/{cast.group.pk}/members/{evidence.membership_id}/evidence/{evidence.pk}"


# Adding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_type", "stored_ext"),
    [
        ("licence.pdf", PDF, "application/pdf", ".pdf"),
        ("badge.png", PNG, "image/png", ".png"),
        ("photo.JPEG", JPEG, "image/jpeg", ".jpg"),
    ],
)
def test_applicant_adds_a_document_from_the_page(
    cast, application, media, name, content, stored_type, stored_ext
):
    response = cast.client("visitor").post(
        f"/groups/{cast.group.slug}/evidence/",
        # The browser's claim is ignored: the first bytes decide.
        {"file": upload(name, content, content_type="text/html")},
    )

    assert response.status_code == 302
    assert messages_of(response) == [f"“{name}” is added to your application."]
    [evidence] = ApplicationEvidence.objects.filter(membership=application)
    assert evidence.original_name == name
    assert evidence.content_type == stored_type
    assert evidence.size == len(content)
    assert evidence.uploaded_by == cast.visitor
    assert evidence.file.name.endswith(stored_ext)
    [stored] = files_in(media)
    assert stored.read_bytes() == content
    assert stored == media / evidence.file.name
    entry = audit_of(application, "groups.application.evidence_added")
    assert entry.actor == cast.visitor
    assert entry.data == {"group": cast.group.pk, "evidence": evidence.pk, "name": name}


def test_the_panel_offers_the_upload_after_applying_with_htmx(cast, media):
    group = cast.group
    applicant = make_user("newcomer@example.org", "Nina Newcomer", profession="architect")
    group.visibility = "members"
    group.join_policy = "request"
    group.save()

    response = page_client(applicant).post(
        f"/groups/{group.slug}/join/", {"message": "Hello"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert 'id="evidence"' in html
    assert f'action="/groups/{group.slug}/evidence/"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'hx-encoding="multipart/form-data"' in html


def test_applicant_adds_through_the_api(cast, application, media):
    response = api_client(cast.visitor).post(
        f"{API}/{cast.group.pk}/application/evidence", {"file": upload("scan.png", PNG)}
    )

    assert response.status_code == 201
    body = response.json()
    evidence = ApplicationEvidence.objects.get(membership=application)
    assert body == {
        "id": evidence.pk,
        "membership": application.pk,
        "name": "scan.png",
        "content_type": "image/png",
        "size": len(PNG),
        "uploaded_at": body["uploaded_at"],
        "url": api_url(cast, evidence),
    }
    assert len(files_in(media)) == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("licence.pdf", HTML, "The file “licence.pdf” is not really a PDF, PNG or JPEG document."),
        ("page.html", HTML, "Only PDF, PNG and JPEG files can be added."),
        # The right bytes under a name that is not a document's is refused too.
        ("licence.docx", PDF, "Only PDF, PNG and JPEG files can be added."),
        ("no-extension", PDF, "Only PDF, PNG and JPEG files can be added."),
        ("empty.pdf", b"", "The file “empty.pdf” is empty."),
        ("huge.pdf", PDF + b"0" * (5 * MB), "The file “huge.pdf” is too big: at most 5 MB."),
    ],
)
def test_refused_files_leave_nothing_behind(cast, application, media, name, content, message):
    response = cast.client("visitor").post(
        f"/groups/{cast.group.slug}/evidence/", {"file": upload(name, content)}
    )

    assert response.status_code == 302
    assert messages_of(response) == [message]
    assert not ApplicationEvidence.objects.exists()
    assert files_in(media) == []
    assert not AuditEntry.objects.filter(action="groups.application.evidence_added").exists()


def test_exactly_five_megabytes_is_accepted(cast, application, media):
    content = PDF + b"0" * (5 * MB - len(PDF))
    evidence = add_evidence(application, actor=cast.visitor, file=upload("big.pdf", content))
    assert evidence.size == 5 * MB
    assert len(files_in(media)) == 1


def test_a_sixth_document_is_refused(cast, application, media):
    client = api_client(cast.visitor)
    url = f"{API}/{cast.group.pk}/application/evidence"
    for n in range(5):
        assert client.post(url, {"file": upload(f"page{n}.pdf", PDF)}).status_code == 201

    response = client.post(url, {"file": upload("page5.pdf", PDF)})

    assert response.status_code == 400
    assert response.json() == {
        "detail": "An application takes at most 5 documents: remove one to add another."
    }
    assert application.evidence.count() == 5
    assert len(files_in(media)) == 5


def test_a_missing_file_is_refused(cast, application, media):
    response = cast.client("visitor").post(f"/groups/{cast.group.slug}/evidence/", {})
    assert messages_of(response) == ["Choose a file to add."]
    assert not ApplicationEvidence.objects.exists()
    response = api_client(cast.visitor).post(f"{API}/{cast.group.pk}/application/evidence", {})
    assert response.status_code == 422
    assert not ApplicationEvidence.objects.exists()


@pytest.mark.parametrize("decide", ["approve", "reject"])
def test_no_documents_once_the_application_is_decided(cast, application, document, media, decide):
    if decide == "approve":
        approve_membership(application, actor=cast.leader)
    else:
        reject_membership(application, actor=cast.leader, reason="Not this year")
    before = files_in(media)

    with pytest.raises(GroupError, match="only while the application waits for a decision"):
        add_evidence(application, actor=cast.visitor, file=upload("late.pdf", PDF))
    if decide == "approve":  # a rejected applicant no longer sees the private group at all
        response = api_client(cast.visitor).post(
            f"{API}/{cast.group.pk}/application/evidence", {"file": upload("late.pdf", PDF)}
        )
        assert response.status_code == 400
        response = api_client(cast.visitor).delete(
            f"{API}/{cast.group.pk}/application/evidence/{document.pk}"
        )
        assert response.status_code == 400

    assert list(ApplicationEvidence.objects.all()) == [document]
    assert files_in(media) == before


def test_active_members_and_invited_people_cannot_add_documents(cast, media):
    membership = Membership.objects.get(group=cast.group, user=cast.member)
    response = cast.client("member").post(
        f"/groups/{cast.group.slug}/evidence/", {"file": upload("cv.pdf", PDF)}
    )
    assert messages_of(response) == [
        "Documents can be added or removed only while the application waits for a decision."
    ]
    invited = add_member(cast.group, cast.outsider, status="invited")
    with pytest.raises(GroupError):
        add_evidence(invited, actor=cast.outsider, file=upload("cv.pdf", PDF))
    with pytest.raises(GroupError, match="Only the applicant"):
        add_evidence(
            Membership.objects.get(group=cast.group, user=cast.visitor),
            actor=cast.leader,
            file=upload("cv.pdf", PDF),
        )
    assert not membership.evidence.exists()
    assert not ApplicationEvidence.objects.exists()
    assert files_in(media) == []


def test_requests_take_documents_too(cast, media):
    group = cast.public_group
    group.join_policy = "request"
    group.save()
    applicant = make_user("asker@example.org")
    membership = join_group(group, applicant)
    assert membership.status == "requested"

    evidence = add_evidence(membership, actor=applicant, file=upload("id.jpg", JPEG))

    assert evidence.content_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("../../x.pdf", "x.pdf"),
        ("..\\..\\settings.pdf", "settings.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\me\\My Licence (2024).pdf", "My Licence (2024).pdf"),
        ("....pdf", "....pdf"),
    ],
)
def test_the_stored_path_never_takes_the_uploaded_names_path(cast, application, media, name, shown):
    evidence = add_evidence(application, actor=cast.visitor, file=upload(name, PDF))

    parts = evidence.file.name.split("/")
    assert parts[:2] == ["evidence", str(cast.group.pk)]
    assert len(parts) == 4
    assert len(parts[2]) == 32  # the random folder
    assert ".." not in evidence.file.name
    assert "\\" not in evidence.file.name
    assert not parts[3].startswith(".")
    assert parts[3].endswith(".pdf")
    assert evidence.original_name == shown
    [stored] = files_in(media)
    assert stored.resolve().is_relative_to(media.resolve())


def test_two_uploads_of_the_same_name_never_collide(cast, application, media):
    first = add_evidence(application, actor=cast.visitor, file=upload("same.pdf", PDF))
    second = add_evidence(application, actor=cast.visitor, file=upload("same.pdf", PDF + b"2"))
    assert first.file.name != second.file.name
    assert first.file.name.split("/")[2] != second.file.name.split("/")[2]


# Reading -------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["visitor", "leader", "owner", "committee", "org_admin"])
def test_the_applicant_and_the_reviewers_download(cast, document, committee, org_admin, who):
    person = {"committee": committee, "org_admin": org_admin}.get(who) or getattr(cast, who)

    for response in (
        page_client(person).get(page_url(cast, document)),
        api_client(person).get(api_url(cast, document)),
    ):
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="licence.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"


def test_the_applicant_and_the_reviewers_list_the_documents(cast, application, document, committee):
    for person in (cast.visitor, cast.leader, committee):
        response = api_client(person).get(
            f"{API}/{cast.group.pk}/members/{application.pk}/evidence"
        )
        assert response.status_code == 200
        body = response.json()
        assert body["count"] == 1
        assert [item["name"] for item in body["items"]] == ["licence.pdf"]
        assert body["items"][0]["url"] == api_url(cast, document)


def _nobody_else(cast):
    stranger_applicant = make_user("other-applicant@example.org")
    add_member(cast.group, stranger_applicant, status="applied")
    visitor_host = make_user("host@example.org")
    add_member(cast.group, visitor_host, role="visitor_host")
    return {
        "member": cast.member,
        "outsider": cast.outsider,
        "another applicant": stranger_applicant,
        "visitor host": visitor_host,
    }


def test_nobody_else_learns_a_document_exists(cast, application, document, media):
    people = _nobody_else(cast)
    list_url = f"{API}/{cast.group.pk}/members/{application.pk}/evidence"
    clients = {name: (page_client(p), api_client(p)) for name, p in people.items()}
    clients["anonymous"] = (Client(), Client())
    missing = document.pk + 1000

    for name, (page, api) in clients.items():
        assert page.get(page_url(cast, document)).status_code == 404, name
        assert api.get(api_url(cast, document)).status_code == 404, name
        assert api.get(list_url).status_code == 404, name
        # The same answer as for a document that does not exist.
        url = f"/groups/{cast.group.slug}/members/{application.pk}/evidence/{missing}/"
        assert page.get(url).status_code == 404, name
        response = api.get(f"{list_url}/{missing}")
        assert response.status_code == 404, name
        assert response.json() == api.get(api_url(cast, document)).json(), name
        # Nor may they remove it.
        if name != "anonymous":
            response = page.post(f"/groups/{cast.group.slug}/evidence/{document.pk}/remove/")
            assert response.status_code == 404, name
            response = api.delete(f"{API}/{cast.group.pk}/application/evidence/{document.pk}")
            assert response.status_code == 404, name

    assert list(ApplicationEvidence.objects.all()) == [document]
    assert len(files_in(media)) == 1
    assert not AuditEntry.objects.filter(action="groups.application.evidence_removed").exists()


def test_a_document_is_not_found_under_another_application(cast, application, document):
    other = add_member(cast.group, make_user("someone@example.org"), status="applied")
    url = f"/groups/{cast.group.slug}/members/{other.pk}/evidence/{document.pk}/"
    assert cast.client("leader").get(url).status_code == 404
    # Nor under another group the reviewer runs.
    public = cast.public_group
    url = f"/groups/{public.slug}/members/{application.pk}/evidence/{document.pk}/"
    assert cast.client("owner").get(url).status_code == 404


def test_reviewers_see_the_documents_beside_the_answers(cast, application, document, committee):
    html = page_client(committee).get(cast.group.get_absolute_url()).content.decode()
    assert f'href="{page_url(cast, document)}"' in html
    assert "licence.pdf" in html


def test_members_do_not_see_the_documents_on_the_group_page(cast, document):
    html = cast.client("member").get(cast.group.get_absolute_url()).content.decode()
    assert "licence.pdf" not in html
    assert "/evidence/" not in html


def test_the_applicant_sees_their_documents_in_the_panel(cast, document):
    html = cast.client("visitor").get(cast.group.get_absolute_url()).content.decode()
    assert f'href="{page_url(cast, document)}"' in html
    assert f'action="/groups/{cast.group.slug}/evidence/{document.pk}/remove/"' in html
    assert 'id="evidence-file"' in html


def test_the_upload_form_goes_once_five_documents_are_in(cast, application):
    for n in range(5):
        add_evidence(application, actor=cast.visitor, file=upload(f"p{n}.pdf", PDF))
    html = cast.client("visitor").get(cast.group.get_absolute_url()).content.decode()
    assert 'id="evidence-file"' not in html
    assert html.count(f'action="/groups/{cast.group.slug}/evidence/') == 5


def test_group_page_queries_do_not_grow_with_documents(cast, application, committee):
    client = page_client(committee)
    url = cast.group.get_absolute_url()
    add_evidence(application, actor=cast.visitor, file=upload("a.pdf", PDF))
    client.get(url)  # warm up the session
    with CaptureQueriesContext(connection) as first:
        client.get(url)

    for n in range(3):
        person = make_user(f"applicant{n}@example.org")
        membership = add_member(cast.group, person, status="applied")
        for m in range(3):
            add_evidence(membership, actor=person, file=upload(f"d{m}.png", PNG))
    with CaptureQueriesContext(connection) as second:
        response = client.get(url)

    assert response.content.decode().count("/evidence/") == 10
    assert len(second) <= len(first)


# Removing ------------------------------------------------------------------------------


def test_applicant_removes_a_document_from_the_page(
    cast, application, document, media, django_capture_on_commit_callbacks
):
    stored = media / document.file.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = cast.client("visitor").post(
            f"/groups/{cast.group.slug}/evidence/{document.pk}/remove/"
        )

    assert response.status_code == 302
    assert messages_of(response) == ["“licence.pdf” is removed."]
    assert not ApplicationEvidence.objects.exists()
    assert not stored.exists()
    entry = audit_of(application, "groups.application.evidence_removed")
    assert entry.actor == cast.visitor
    assert entry.data == {"group": cast.group.pk, "evidence": document.pk, "name": "licence.pdf"}


def test_applicant_removes_a_document_through_the_api(
    cast, document, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client(cast.visitor).delete(
            f"{API}/{cast.group.pk}/application/evidence/{document.pk}"
        )

    assert response.status_code == 204
    assert not ApplicationEvidence.objects.exists()
    assert files_in(media) == []


def test_reviewers_cannot_remove_an_applicants_document(cast, document, media):
    response = cast.client("leader").post(
        f"/groups/{cast.group.slug}/evidence/{document.pk}/remove/"
    )
    assert response.status_code == 404
    assert list(ApplicationEvidence.objects.all()) == [document]
    assert len(files_in(media)) == 1


def test_a_missing_file_on_disk_is_a_404_not_a_crash(cast, document, media):
    (media / document.file.name).unlink()
    response = cast.client("leader").get(page_url(cast, document))
    assert response.status_code == 404
    response = api_client(cast.leader).get(api_url(cast, document))
    assert response.status_code == 404
    assert response.json() == {"detail": "The file is missing on the server."}
