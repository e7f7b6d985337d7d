"""Insights pages: traffic lights (/groups/<slug>/traffic-lights/ and its rules), credits
(/groups/<slug>/credits/) and the organisation view (/groups/<slug>/organisation/)."""

from __future__ import annotations

from django.urls import path

from cerchia.insights import views_lights

urlpatterns = [
    path("groups/<slug:slug>/traffic-lights/", views_lights.lights, name="lights"),
    path(
        "groups/<slug:slug>/traffic-lights/rules/",
        views_lights.lights_rules,
        name="lights_rules",
    ),
    path("groups/<slug:slug>/credits/", views_lights.credits, name="credits"),
    path(
        "groups/<slug:slug>/credits/<int:credit_id>/delete/",
        views_lights.credit_delete,
        name="credit_delete",
    ),
    path("groups/<slug:slug>/organisation/", views_lights.organisation, name="organisation"),
]
