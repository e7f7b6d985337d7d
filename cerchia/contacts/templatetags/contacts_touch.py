"""The stay-in-touch part of a contact's page: the interval and snooze, logging an
interaction, the history (with how introductions went) and the introductions involving the
contact. ``{% touch_history contact %}`` in ``contacts/detail.html``."""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone

from cerchia.contacts.forms_touch import InteractionForm, SnoozeForm, StayInTouchForm
from cerchia.contacts.introductions import introductions_of_contact, side_name
from cerchia.contacts.models import Contact, Interaction, Introduction

register = template.Library()

# The history shows the latest this many interactions.
HISTORY_SHOWN = 50
INTRODUCTIONS_SHOWN = 20


def _outcomes(interactions: list[Interaction]) -> dict[str, str]:
    """Each introduction interaction's outcome label, by source, in one query."""
    ids = [
        int(i.source.partition(":")[2])
        for i in interactions
        if i.kind == Interaction.Kind.INTRODUCTION and i.source.partition(":")[2].isdigit()
    ]
    if not ids:
        return {}
    found = Introduction.objects.filter(pk__in=ids).only("pk", "outcome")
    return {f"contacts.introduction:{i.pk}": i.get_outcome_display() for i in found}


@register.inclusion_tag("contacts/touch_section.html", takes_context=True)
def touch_history(context: template.Context, contact: Contact) -> dict[str, Any]:
    today = timezone.localdate()
    interactions = list(contact.interactions.all()[:HISTORY_SHOWN])
    outcomes = _outcomes(interactions)
    introductions = list(introductions_of_contact(contact)[:INTRODUCTIONS_SHOWN])
    due = contact.touch_due_on()
    return {
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
        "contact": contact,
        "today": today,
        "due": due,
        "overdue": due is not None and due <= today,
        "history": [(i, outcomes.get(i.source, "")) for i in interactions],
        "introductions": [
            (
                intro,
                side_name(intro, "b")
                if intro.a_contact_id == contact.pk
                else side_name(intro, "a"),
            )
            for intro in introductions
        ],
        "interaction_form": InteractionForm(auto_id="touch_%s"),
        "interval_form": StayInTouchForm(
            initial={"days": contact.stay_in_touch_days}, auto_id="interval_%s"
        ),
        "snooze_form": SnoozeForm(
            initial={"until": contact.snoozed_until or today + datetime.timedelta(days=7)},
            auto_id="snooze_%s",
        ),
    }
