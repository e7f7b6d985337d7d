"""Insights pages: the advisor, open to everyone (/advisor/)."""

from __future__ import annotations

from django.urls import path

from cerchia.insights import views_advisor

urlpatterns = [
    path("advisor/", views_advisor.advisor, name="advisor"),
]
