"""Insights pages: the member report (/insights/)."""

from __future__ import annotations

from django.urls import path

from cerchia.insights import views_report

urlpatterns = [
    path("insights/", views_report.report, name="report"),
]
