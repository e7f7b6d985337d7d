"""Maria's informal network in the demo: about 150 contacts from the four fixture exports and
by hand, reminders due today, a few interactions, a contact linked to Luca's card, and one
introduction waiting for the other side — all private to Maria."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from cerchia.accounts.models import User
from cerchia.contacts.interactions import losing_touch
from cerchia.contacts.models import Contact, Interaction, Introduction
from cerchia.demo.contacts import DUE_TODAY, PEOPLE

# Like test_builder: every test uses the database, so these run ahead of the transactional
# tests (whose flush would empty the profession table the builder needs).
pytestmark = pytest.mark.django_db


def test_maria_has_about_150_contacts_from_her_exports_and_by_hand(maria):
    mine = Contact.objects.filter(owner=maria)
    sources = set(mine.values_list("source", flat=True))

    assert 140 <= mine.count() <= 160
    assert sources == {"linkedin", "google", "vcard", "manual"}
    assert mine.filter(source="manual").count() == len(PEOPLE) + 1
    assert mine.exclude(source="manual").count() >= 100
    assert {"family", "friend", "neighbour", "client", "vendor"} <= set(
        mine.values_list("relationship", flat=True)
    )
    assert mine.filter(closeness__gte=4).count() >= 8
    # Nobody else in the demo has a single contact: the network is Maria's own.
    assert Contact.objects.exclude(owner=maria).count() == 0


def test_reminders_are_due_today_the_most_overdue_first(maria):
    rows = losing_touch(maria, timezone.localdate())
    names = [row.contact.name for row in rows]

    assert set(names) >= DUE_TODAY
    assert [row.overdue_days for row in rows] == sorted(
        (r.overdue_days for r in rows), reverse=True
    )
    assert Contact.objects.filter(owner=maria, stay_in_touch_days__isnull=False).count() >= 12
    assert Interaction.objects.filter(owner=maria).count() >= 14


def test_one_contact_is_linked_to_lucas_card(maria):
    luca = User.objects.get(email="luca@demo.cerchia.org")
    linked = Contact.objects.get(owner=maria, member__isnull=False)
    assert (linked.member, linked.name) == (luca, "Luca Bianchi")


def test_one_introduction_waits_for_the_other_side_and_one_went_well(maria):
    giulia = User.objects.get(email="giulia@demo.cerchia.org")
    waiting = Introduction.objects.get(owner=maria, status="pending")
    done = Introduction.objects.get(owner=maria, status="accepted")

    assert (waiting.b_member, waiting.b_answer, waiting.a_answer) == (giulia, "accepted", "waiting")
    assert waiting.a_contact.name == "Franco Benedetti"
    assert done.outcome == "good"
    assert Interaction.objects.filter(contact=done.a_contact, kind="introduction").count() == 1


def test_the_pages_show_maria_her_network_and_nobody_else(maria):
    client = Client()
    client.force_login(maria)
    losing = client.get("/contacts/losing-touch/").content.decode()
    waiting = Introduction.objects.get(owner=maria, status="pending")
    giulia = User.objects.get(email="giulia@demo.cerchia.org")
    other = Client()
    other.force_login(giulia)

    assert all(name in losing for name in DUE_TODAY)
    seen_by_giulia = other.get(f"/introductions/{waiting.pk}/").content.decode()
    # Giulia accepted, Franco has not: she sees Maria's reason, not who Franco is.
    assert "A venue owner" in seen_by_giulia and "Maria Rossi" in seen_by_giulia
    assert "Franco" not in seen_by_giulia and "Benedetti" not in seen_by_giulia
    assert "franco.benedetti@example.net" not in seen_by_giulia
