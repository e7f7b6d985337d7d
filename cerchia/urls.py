from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path, re_path
from django.utils.translation import gettext as _

from cerchia.accounts import views as account_views
from cerchia.api.main import api


def _api_not_found(request: HttpRequest) -> JsonResponse:
    """Under /api/ even an unknown address answers in the API's error shape."""
    return JsonResponse({"detail": _("Not found: %(path)s") % {"path": request.path}}, status=404)


urlpatterns = [
    # First: every API request resolves past the patterns before it.
    path("api/v1/", api.urls),
    re_path(r"^api/", _api_not_found),
    path("", account_views.home, name="home"),
    path("people/", account_views.people, name="people"),
    path("people/<int:user_id>/", account_views.profile, name="profile"),
    path("people/<int:user_id>/connection/", account_views.connection_toggle, name="connection"),
    path("me/profile/", account_views.profile_edit, name="profile_edit"),
    path("account/tokens/", account_views.tokens, name="tokens"),
    path("account/tokens/<int:token_id>/revoke/", account_views.token_revoke, name="token_revoke"),
    path("account/", include("allauth.urls")),
    # Before the groups: /groups/<slug>/dues/ and /tiers/ live in the dues app.
    path("", include("cerchia.dues.urls")),
    # Before the groups too: /groups/<slug>/ballots/ lives in the ballots app.
    path("", include("cerchia.ballots.urls")),
    # Boards (/groups/<slug>/board/…) and direct messages (/messages/).
    path("", include("cerchia.community.urls")),
    # Safety: /safety/, trust levels, flags, /groups/<slug>/moderation/, /dropout/, /hours/,
    # /account/blocks/ and /people/<id>/block/.
    path("", include("cerchia.community.urls_safety")),
    # Who is worth meeting: /groups/<slug>/matches/, /meetings/<id>/matches/, "not
    # interested" and "connect" on /people/<id>/…, connection requests at /account/requests/.
    path("", include("cerchia.community.urls_matching")),
    # Registrations, tickets and check-in (/meetings/<id>/register/, /registrations/<code>/).
    path("", include("cerchia.meetings.urls_registrations")),
    # Visitors (/groups/<slug>/visitors/, the public /meetings/<id>/visit/).
    path("", include("cerchia.meetings.urls_visitors")),
    # Running a chapter (/groups/<slug>/agenda/, /speakers/, /attendance/; meeting mode at
    # /meetings/<id>/live/, quick attendance, self check-in at /meetings/<id>/here/).
    path("", include("cerchia.meetings.urls_chapter")),
    # Meetings, series and calendars (/groups/<slug>/meetings/, /meetings/<id>/, /calendar/…,
    # /account/calendar/).
    path("", include("cerchia.meetings.urls")),
    # A chapter's weekly referral slips for its leaders (/groups/<slug>/slips/).
    path("", include("cerchia.ledger.urls_group")),
    # Insights: /insights/ (my report), /advisor/, and per group /groups/<slug>/traffic-lights/,
    # /health/, /organisation/, /events/funnel/.
    path("", include("cerchia.insights.urls")),
    path("groups/", include("cerchia.groups.urls")),
    path("notices/", include("cerchia.notices.urls")),
    path("ledger/", include("cerchia.ledger.urls")),
    # My private contacts: only their owner ever reaches them.
    path("contacts/", include("cerchia.contacts.urls")),
    # Stay in touch (/contacts/losing-touch/, a contact's interactions, interval, referrals)
    # and introductions (/introductions/…, the public answer link /introductions/answer/…).
    path("", include("cerchia.contacts.urls_touch")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
