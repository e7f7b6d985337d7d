"""Insights pages, mounted at the site root before the groups app: the report (/insights/),
the advisor (/advisor/), traffic lights, chapter health, the organisation view and event
funnels (under /groups/<slug>/ and /meetings/<id>/)."""

from __future__ import annotations

from django.urls import include, path

app_name = "insights"

urlpatterns = [
    path("", include("cerchia.insights.urls_report")),
    path("", include("cerchia.insights.urls_advisor")),
    path("", include("cerchia.insights.urls_lights")),
    path("", include("cerchia.insights.urls_health")),
]
