"""Ledger pages: referral slips and closed business (under /ledger/)."""

from __future__ import annotations

from django.urls import path

from cerchia.ledger import views_referrals as views

urlpatterns = [
    path("referrals/", views.referral_list, name="referrals"),
    path("referrals/new/", views.referral_new, name="referral_new"),
    path("referrals/new/people/", views.partner_search, name="referral_people"),
    path("referrals/<int:referral_id>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/advance/", views.referral_advance, name="referral_advance"),
    path("referrals/<int:referral_id>/edit/", views.referral_edit, name="referral_edit"),
    path(
        "referrals/<int:referral_id>/closed-business/",
        views.referral_closed_business,
        name="referral_closed_business",
    ),
    path("closed-business/", views.closed_business, name="closed_business"),
    path("thanks/new/", views.thanks_new, name="thanks_new"),
]
