"""Documents kept with an application, as JSON and downloads (mounted under /groups): the
applicant adds and removes them while it waits; the applicant and the group's reviewers list
and download them. Anyone else gets 404, as if there were none."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status, UploadedFile

from cerchia.api.auth import OPTIONAL
from cerchia.groups import services
from cerchia.groups.access import (
    access_evidence,
    access_evidence_of,
    access_group,
    access_own_evidence,
    membership_of,
)
from cerchia.groups.models import ApplicationEvidence
from cerchia.lib.files import DOCUMENT_TYPES, attachment_response
from cerchia.lib.http import ApiRequest

router = Router(tags=["groups"])


class EvidenceOut(Schema):
    id: int
    membership: int
    name: str
    content_type: str
    size: int
    uploaded_at: datetime.datetime
    url: str  # where the API serves the file

    @staticmethod
    def resolve_membership(obj: ApplicationEvidence) -> int:
        return obj.membership_id

    @staticmethod
    def resolve_name(obj: ApplicationEvidence) -> str:
        return obj.original_name

    @staticmethod
    def resolve_url(obj: ApplicationEvidence) -> str:
        return reverse(
            "api:evidence_file",
            kwargs={
                "group_id": obj.membership.group_id,
                "membership_id": obj.membership_id,
                "evidence_id": obj.pk,
            },
        )


class EvidencePage(Schema):
    items: list[EvidenceOut]
    count: int


@router.post(
    "/{group_id}/application/evidence",
    response={201: EvidenceOut},
    summary="Add a document to my waiting application (PDF, PNG or JPEG, at most 5 MB, 5 in all)",
)
def add_evidence(
    request: ApiRequest, group_id: int, file: File[UploadedFile]
) -> Status[ApplicationEvidence]:
    group = access_group(request.auth, group_id)
    membership = membership_of(request.auth, group)
    if membership is None:
        raise Http404(_("No such application"))
    return Status(201, services.add_evidence(membership, actor=request.auth, file=file))


@router.delete(
    "/{group_id}/application/evidence/{evidence_id}",
    response={204: None},
    summary="Remove a document from my waiting application",
)
def remove_evidence(request: ApiRequest, group_id: int, evidence_id: int) -> Status[None]:
    group = access_group(request.auth, group_id)
    evidence = access_own_evidence(request.auth, group, evidence_id)
    services.remove_evidence(evidence, actor=request.auth)
    return Status(204, None)


@router.get(
    "/{group_id}/members/{membership_id}/evidence",
    response=EvidencePage,
    auth=OPTIONAL,
    summary="The documents of an application (the applicant and the group's reviewers)",
)
def list_evidence(request: ApiRequest, group_id: int, membership_id: int) -> dict[str, Any]:
    group = access_group(request.auth, group_id)
    membership = access_evidence_of(request.auth, group, membership_id)
    items = list(membership.evidence.all())
    for item in items:
        item.membership = membership
    return {"items": items, "count": len(items)}


@router.get(
    "/{group_id}/members/{membership_id}/evidence/{evidence_id}",
    auth=OPTIONAL,
    url_name="evidence_file",
    summary="Download one document of an application (the applicant and the reviewers)",
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as an attachment",
                "content": {
                    kind: {"schema": {"type": "string", "format": "binary"}}
                    for kind in DOCUMENT_TYPES
                },
            }
        }
    },
)
def get_evidence(
    request: ApiRequest, group_id: int, membership_id: int, evidence_id: int
) -> FileResponse:
    group = access_group(request.auth, group_id)
    evidence = access_evidence(request.auth, group, membership_id, evidence_id)
    return attachment_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )
