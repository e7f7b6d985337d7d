"""Ledger pages under /ledger/: referrals and closed business, one-to-ones and connections,
investments, the ledger page and its export."""

from __future__ import annotations

from django.urls import include, path

app_name = "ledger"

urlpatterns = [
    path("", include("cerchia.ledger.urls_referrals")),
    path("", include("cerchia.ledger.urls_people")),
    path("", include("cerchia.ledger.urls_ledger")),
]
