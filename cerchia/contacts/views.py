"""The contacts pages: my own list, one contact, add, edit, delete, import and export. Every
page starts from the signed-in person's contacts (``access_contact``); nobody else's are
reachable, whatever their role."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cerchia.contacts import services
from cerchia.contacts.access import access_contact, owned_contacts
from cerchia.contacts.errors import ContactsError
from cerchia.contacts.exports import export_vcard
from cerchia.contacts.forms import ContactFilter, ContactForm, ImportForm
from cerchia.contacts.imports import FORMATS, import_contacts
from cerchia.contacts.selectors import contacts_of, relationship_counts, tag_counts
from cerchia.lib.http import AuthedRequest

PAGE_SIZE = 30
# Tag chips shown above the list, the most used first.
TAGS_SHOWN = 40

FORMAT_LABELS = {
    "linkedin": gettext_lazy("LinkedIn (Connections.csv)"),
    "google": gettext_lazy("Google Contacts (CSV)"),
    "vcard": gettext_lazy("vCard 3.0 or 4.0 (.vcf)"),
}


def format_choices() -> list[tuple[str, str]]:
    return [(name, str(FORMAT_LABELS.get(name, name))) for name in FORMATS]


def _posted(request: AuthedRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _keep(request: AuthedRequest, *drop: str) -> str:
    """The list's query string without ``page`` (and ``drop``), for pager and chip links."""
    query = request.GET.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return query.urlencode()


@login_required
def contact_list(request: AuthedRequest) -> HttpResponse:
    user = request.user
    filters = ContactFilter(request.GET, auto_id="filter_%s")
    chosen = filters.filters()
    page = Paginator(contacts_of(user, **chosen), PAGE_SIZE).get_page(request.GET.get("page"))
    total = owned_contacts(user).count()
    return render(
        request,
        "contacts/list.html",
        {
            "filters": filters,
            "page": page,
            "total": total,
            "tag": chosen.get("tag", ""),
            "tags": tag_counts(user)[:TAGS_SHOWN] if total else [],
            "relationships": relationship_counts(user) if total else {},
            "keep": _keep(request),
            "keep_without_tag": _keep(request, "tag"),
        },
    )


def _form_page(request: AuthedRequest, form: ContactForm, *, contact: Any = None) -> HttpResponse:
    return render(
        request,
        "contacts/form.html",
        {"form": form, "contact": contact, "introducers": form.introducers()},
    )


@login_required
def contact_new(request: AuthedRequest) -> HttpResponse:
    form = ContactForm(_posted(request), owner=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.create_contact(request.user, **form.cleaned_data)
        except ContactsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("%(name)s is in your contacts.") % {"name": contact.name})
            return redirect("contacts:detail", contact_id=contact.pk)
    return _form_page(request, form)


@login_required
def contact_detail(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = access_contact(request.user, contact_id)
    return render(request, "contacts/detail.html", {"contact": contact})


@login_required
def contact_edit(request: AuthedRequest, contact_id: int) -> HttpResponse:
    contact = access_contact(request.user, contact_id)
    form = ContactForm(_posted(request), owner=request.user, contact=contact)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_contact(contact, actor=request.user, changes=form.cleaned_data)
        except ContactsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Saved."))
            return redirect("contacts:detail", contact_id=contact.pk)
    return _form_page(request, form, contact=contact)


@login_required
def contact_delete(request: AuthedRequest, contact_id: int) -> HttpResponse:
    """A page that asks first; the POST deletes."""
    contact = access_contact(request.user, contact_id)
    if request.method == "POST":
        services.delete_contact(contact, actor=request.user)
        messages.success(
            request, _("%(name)s is deleted from your contacts.") % {"name": contact.name}
        )
        return redirect("contacts:list")
    return render(request, "contacts/delete.html", {"contact": contact})


@login_required
def contact_import(request: AuthedRequest) -> HttpResponse:
    """Upload an export (LinkedIn, Google, vCard): all of it is imported or, at the first bad
    line, none of it, and the message names the line."""
    form = ImportForm(_posted(request), request.FILES or None, formats=format_choices())
    if request.method == "POST" and form.is_valid():
        try:
            result = import_contacts(
                request.user, fmt=form.cleaned_data["format"], data=form.cleaned_data["file"]
            )
        except ContactsError as exc:
            # ImportFailed's message starts with the file's line: "Line 7: …".
            form.add_error("file", str(exc))
        else:
            messages.success(
                request,
                _("Imported %(imported)d, already present %(present)d.")
                % {"imported": result.imported, "present": result.already_present},
            )
            return redirect("contacts:list")
    return render(request, "contacts/import.html", {"form": form})


@login_required
def contact_export(request: AuthedRequest) -> HttpResponse:
    response = HttpResponse(export_vcard(request.user), content_type="text/vcard; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contacts.vcf"'
    # Private data: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
