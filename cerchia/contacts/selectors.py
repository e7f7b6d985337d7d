"""Reads of a person's own contacts: the list with its search, filters and counts. Every
query starts from ``owned_contacts``, so nothing here can reach another person's contacts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.db.models.expressions import RawSQL

from cerchia.contacts.access import owned_contacts
from cerchia.contacts.models import Contact

# The list's orders: name, closest first, newest first, company.
SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "pk"),
    "closeness": ("-closeness", "name", "pk"),
    "recent": ("-created_at", "-pk"),
    "company": ("company", "name", "pk"),
}


def has_tag(tag: str) -> Q:
    """Contacts whose ``tags`` list holds ``tag`` exactly. SQLite has no JSON containment
    operator, so there the array is unnested with ``json_each``."""
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    # A fixed statement with the tag as a parameter.
    sql = (
        "SELECT contacts_contact.id FROM contacts_contact, json_each(contacts_contact.tags) "
        "WHERE json_each.value = %s"
    )
    return Q(pk__in=RawSQL(sql, (tag,)))  # noqa: S611


def search(qs: QuerySet[Contact], q: str) -> QuerySet[Contact]:
    """Each word must appear in the name, company, an email address or the notes."""
    for word in q.split():
        qs = qs.filter(
            Q(name__icontains=word)
            | Q(company__icontains=word)
            | Q(emails__icontains=word)
            | Q(notes__icontains=word)
        )
    return qs


def contacts_of(
    owner: Any,
    *,
    q: str = "",
    tag: str = "",
    relationship: str = "",
    closeness: int | None = None,
    sort: str = "name",
) -> QuerySet[Contact]:
    """``owner``'s contacts, searched and filtered, with what the list shows beside each."""
    qs = owned_contacts(owner).select_related("introduced_by")
    if q.strip():
        qs = search(qs, q.strip())
    if tag:
        qs = qs.filter(has_tag(tag.lower()))
    if relationship:
        qs = qs.filter(relationship=relationship)
    if closeness is not None:
        qs = qs.filter(closeness=closeness)
    return qs.order_by(*SORTS.get(sort, SORTS["name"]))


def tag_counts(owner: Any) -> list[tuple[str, int]]:
    """Each tag of ``owner``'s contacts with how many carry it, most used first (one query)."""
    counts: Counter[str] = Counter()
    for tags in owned_contacts(owner).values_list("tags", flat=True):
        counts.update(tags or [])
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def relationship_counts(owner: Any) -> dict[str, int]:
    rows = (
        owned_contacts(owner)
        .order_by()
        .values_list("relationship")
        .annotate(n=Count("pk"))
        .values_list("relationship", "n")
    )
    return dict(rows)
