"""Ledger pages: one-to-ones, connections ("people I met"), follow-ups and their rates."""

from __future__ import annotations

from django.urls import path

from cerchia.ledger import views_people as views

urlpatterns = [
    path("one-to-ones/", views.one_to_ones, name="one_to_ones"),
    path("one-to-ones/<int:one_id>/held/", views.one_to_one_held, name="one_to_one_held"),
    path("one-to-ones/<int:one_id>/cancel/", views.one_to_one_cancel, name="one_to_one_cancel"),
    path("connections/", views.connections, name="connections"),
    path("connections/<int:connection_id>/", views.connection_detail, name="connection"),
    path("connections/<int:connection_id>/follow-up/", views.follow_up, name="follow_up"),
    path("meetings/<int:meeting_id>/people-met/", views.people_met, name="people_met"),
    path(
        "meetings/<int:meeting_id>/follow-ups/",
        views.meeting_follow_ups,
        name="meeting_follow_ups",
    ),
    path("groups/<slug:slug>/follow-ups/", views.group_follow_ups, name="group_follow_ups"),
]
