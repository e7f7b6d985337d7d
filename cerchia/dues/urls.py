from django.urls import path

from cerchia.dues import views

app_name = "dues"
urlpatterns = [
    path("groups/<slug:slug>/tiers/", views.tiers, name="tiers"),
    path("groups/<slug:slug>/tiers/<int:tier_id>/", views.tier_edit, name="tier_edit"),
    path("groups/<slug:slug>/dues/", views.dues, name="dues"),
    path("groups/<slug:slug>/dues/renew/", views.renew, name="renew"),
    path("groups/<slug:slug>/dues/auto-renew/", views.auto_renew, name="auto_renew"),
    path(
        "groups/<slug:slug>/dues/invoices/<int:invoice_id>/payments/",
        views.record_payment,
        name="record_payment",
    ),
    path("groups/<slug:slug>/dues/invoices/<int:invoice_id>/void/", views.void, name="void"),
    path(
        "groups/<slug:slug>/dues/members/<int:membership_id>/fee/",
        views.bill_fee,
        name="bill_fee",
    ),
    path(
        "groups/<slug:slug>/dues/members/<int:membership_id>/tier/",
        views.set_tier,
        name="set_tier",
    ),
    path("me/invoices/", views.mine, name="my_invoices"),
]
