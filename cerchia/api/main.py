"""The JSON API at /api/v1/: each app's router, token auth and one error shape."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from cerchia.accounts.api import router as accounts_router
from cerchia.accounts.services import AccountError
from cerchia.api.auth import REQUIRED
from cerchia.ballots.api import router as ballots_router
from cerchia.ballots.services import BallotError
from cerchia.community.api import router as community_router
from cerchia.community.api_matching import router as matching_router
from cerchia.community.api_safety import router as safety_router
from cerchia.community.errors import CommunityError
from cerchia.contacts.api import router as contacts_router
from cerchia.contacts.api_touch import router as touch_router
from cerchia.contacts.errors import ContactsError
from cerchia.dues.api import router as dues_router
from cerchia.dues.services import DuesError
from cerchia.groups.api import router as groups_router
from cerchia.groups.api_evidence import router as evidence_router
from cerchia.groups.api_retention import router as retention_router
from cerchia.groups.services import GroupError
from cerchia.insights.api_advisor import router as advisor_router
from cerchia.insights.api_health import router as health_router
from cerchia.insights.api_lights import router as lights_router
from cerchia.insights.api_report import router as report_router
from cerchia.ledger.api_investments import router as investments_router
from cerchia.ledger.api_people import router as people_router
from cerchia.ledger.api_referrals import router as referrals_router
from cerchia.ledger.services import LedgerError
from cerchia.meetings.agenda import AgendaError
from cerchia.meetings.api import router as meetings_router
from cerchia.meetings.api_chapter import router as chapter_router
from cerchia.meetings.api_registrations import router as registrations_router
from cerchia.meetings.api_visitors import router as visitors_router
from cerchia.meetings.attendance import AttendanceError
from cerchia.meetings.registrations import RegistrationError
from cerchia.meetings.services import MeetingError
from cerchia.notices.api import router as notices_router

api = NinjaAPI(
    title="Cerchia API",
    version="1",
    description="Business networking: profiles, professions, groups of six kinds, memberships.",
    auth=REQUIRED,
    urls_namespace="api",
)


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Not found")}, status=404)


@api.exception_handler(PermissionDenied)
def forbidden(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or _("Forbidden")}, status=403)


@api.exception_handler(AuthenticationError)
def unauthorised(request: HttpRequest, exc: Exception) -> HttpResponse:
    message = getattr(exc, "message", "") or "Unauthorized"
    if message == "Unauthorized":
        message = _("Authentication required: send 'Authorization: Bearer <token>'")
    return api.create_response(request, {"detail": message}, status=401)


@api.exception_handler(AccountError)
@api.exception_handler(GroupError)
@api.exception_handler(DuesError)
@api.exception_handler(BallotError)
@api.exception_handler(LedgerError)
@api.exception_handler(RegistrationError)
@api.exception_handler(AgendaError)
@api.exception_handler(AttendanceError)
@api.exception_handler(MeetingError)
@api.exception_handler(CommunityError)
@api.exception_handler(ContactsError)
def domain_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(ValidationError)
def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return api.create_response(request, {"detail": " ".join(exc.messages)}, status=400)


api.add_router("/", accounts_router)
api.add_router("/groups", groups_router)
api.add_router("/groups", retention_router)
api.add_router("/groups", evidence_router)
api.add_router("/", dues_router)
api.add_router("/", ballots_router)
api.add_router("/", notices_router)
api.add_router("/", registrations_router)
api.add_router("/", chapter_router)
api.add_router("/", visitors_router)
api.add_router("/", meetings_router)
api.add_router("/", referrals_router)
api.add_router("/", people_router)
api.add_router("/", investments_router)
api.add_router("/", report_router)
api.add_router("/", advisor_router)
api.add_router("/", lights_router)
api.add_router("/", health_router)
api.add_router("/", community_router)
api.add_router("/", matching_router)
api.add_router("/", contacts_router)
api.add_router("/", touch_router)
api.add_router("/", safety_router)
