"""The contacts pages under /contacts/: private to their owner."""

from __future__ import annotations

from django.urls import path

from cerchia.contacts import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="list"),
    path("new/", views.contact_new, name="new"),
    path("import/", views.contact_import, name="import"),
    path("export.vcf", views.contact_export, name="export"),
    path("<int:contact_id>/", views.contact_detail, name="detail"),
    path("<int:contact_id>/edit/", views.contact_edit, name="edit"),
    path("<int:contact_id>/delete/", views.contact_delete, name="delete"),
]
