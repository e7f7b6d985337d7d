"""Documents kept with an application: the applicant adds and removes them while it waits;
the applicant and the group's reviewers download them. Nobody else learns they exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cerchia.groups import services
from cerchia.groups.access import (
    access_evidence,
    access_group,
    access_own_evidence,
    membership_of,
)
from cerchia.groups.views import _after_action
from cerchia.lib.files import attachment_response
from cerchia.lib.http import AuthedRequest


@login_required
@require_POST
def add(request: AuthedRequest, slug: str) -> HttpResponse:
    """The applicant adds a document to their waiting application (from the panel)."""
    group = access_group(request.user, slug)
    membership = membership_of(request.user, group)
    if membership is None:
        raise Http404(_("No such application"))
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise services.GroupError(_("Choose a file to add."))
        evidence = services.add_evidence(membership, actor=request.user, file=upload)
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("“%(name)s” is added to your application.") % {"name": evidence.original_name},
        )
    return _after_action(request, group)


@login_required
@require_POST
def remove(request: AuthedRequest, slug: str, evidence_id: int) -> HttpResponse:
    """The applicant removes one of their documents while the application waits."""
    group = access_group(request.user, slug)
    evidence = access_own_evidence(request.user, group, evidence_id)
    try:
        services.remove_evidence(evidence, actor=request.user)
    except services.GroupError as exc:
        messages.error(request, str(exc))
    else:
        messages.info(request, _("“%(name)s” is removed.") % {"name": evidence.original_name})
    return _after_action(request, group)


@require_GET
def download(request: HttpRequest, slug: str, membership_id: int, evidence_id: int) -> FileResponse:
    """A document, for the applicant and the group's reviewers; 404 for anyone else."""
    group = access_group(request.user, slug)
    evidence = access_evidence(request.user, group, membership_id, evidence_id)
    return attachment_response(
        evidence.file, filename=evidence.original_name, content_type=evidence.content_type
    )
