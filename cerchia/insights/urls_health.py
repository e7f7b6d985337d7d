"""Insights pages: a group's health for its leaders (/groups/<slug>/health/) and its events
funnel (/groups/<slug>/events/funnel/)."""

from __future__ import annotations

from django.urls import path

from cerchia.insights import views_health

urlpatterns = [
    path("groups/<slug:slug>/health/", views_health.health, name="health"),
    path("groups/<slug:slug>/events/funnel/", views_health.funnel, name="funnel"),
]
