"""Who is worth meeting: /groups/<slug>/matches/, /meetings/<id>/matches/, "not interested"
and "connect" on a person, and my connection requests at /account/requests/."""

from __future__ import annotations

from django.urls import path

from cerchia.community import views_matching as views

app_name = "matching"

urlpatterns = [
    path("groups/<slug:slug>/matches/", views.group_matches, name="group"),
    path("meetings/<int:meeting_id>/matches/", views.meeting_matches, name="meeting"),
    path("people/<int:user_id>/not-interested/", views.dismiss, name="dismiss"),
    path("people/<int:user_id>/connect/", views.connect, name="connect"),
    path("account/requests/", views.requests_page, name="requests"),
    *(
        path(
            f"account/requests/<int:request_id>/{action}/",
            views.request_action,
            {"action": action},
            name=f"request_{action}",
        )
        for action in ("accept", "decline", "withdraw")
    ),
]
