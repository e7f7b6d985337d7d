"""Ledger pages: the ledger itself, its CSV export and investments."""

from __future__ import annotations

from django.urls import path

from cerchia.ledger import views_ledger

urlpatterns = [
    path("", views_ledger.home, name="home"),
    path("export.csv", views_ledger.export_csv, name="export"),
    path("investments/", views_ledger.investments, name="investments"),
    path(
        "investments/<int:investment_id>/delete/",
        views_ledger.investment_delete,
        name="investment_delete",
    ),
]
