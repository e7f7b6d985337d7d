"""A chapter's weekly referral slips, for its leaders (/groups/<slug>/slips/). Mounted at the
site root, before the groups app, so the names carry the "ledger_slips" prefix instead of a
namespace."""

from __future__ import annotations

from django.urls import path

from cerchia.ledger import views_referrals as views

urlpatterns = [
    path("groups/<slug:slug>/slips/", views.group_slips, name="ledger_slips"),
    path("groups/<slug:slug>/slips/close/", views.group_week_close, name="ledger_slips_close"),
]
