"""Forms for stay in touch, informal referrals and introductions. They parse what was typed;
the rules (no future dates, intervals, close ties, who may be introduced) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.models import User
from cerchia.contacts.forms import contact_named, people_to_link
from cerchia.contacts.interactions import MAX_INTERVAL_DAYS
from cerchia.contacts.models import Contact, Interaction, Introduction
from cerchia.ledger.forms_people import DateInput, PersonChoiceField

# The kinds one logs by hand; the others come from the ledger and from introductions.
MANUAL_KINDS = [
    (Interaction.Kind.CALL.value, Interaction.Kind.CALL.label),
    (Interaction.Kind.MEETING.value, Interaction.Kind.MEETING.label),
    (Interaction.Kind.MESSAGE.value, Interaction.Kind.MESSAGE.label),
    (Interaction.Kind.EMAIL.value, Interaction.Kind.EMAIL.label),
    (Interaction.Kind.NOTE.value, Interaction.Kind.NOTE.label),
]


def _contact_field(label: Any, *, required: bool, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=250,
        required=required,
        help_text=help_text,
        widget=forms.TextInput(attrs={"list": "contact-names", "autocomplete": "off"}),
    )


class InteractionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What"), choices=MANUAL_KINDS)
    happened_on = forms.DateField(label=_("When"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"happened_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class StayInTouchForm(forms.Form):
    days = forms.IntegerField(
        label=_("Stay in touch every (days)"),
        required=False,
        min_value=1,
        max_value=MAX_INTERVAL_DAYS,
        help_text=_("Empty: no reminders."),
    )


class SnoozeForm(forms.Form):
    until = forms.DateField(
        label=_("Snooze until"),
        required=False,
        widget=DateInput(),
        help_text=_("Empty: end the snooze."),
    )


class ReferFromContactForm(forms.Form):
    """An informal referral recorded from a contact's page."""

    role = forms.ChoiceField(
        label=_("This contact is"),
        choices=[
            ("prospect", _("the person I referred (to someone below)")),
            ("receiver", _("the one I referred business to")),
        ],
        widget=forms.RadioSelect,
        initial="prospect",
    )
    receiver = PersonChoiceField(
        label=_("Referred to a member"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No member"),
    )
    receiver_contact = _contact_field(_("… or to one of my contacts"), required=False)
    receiver_name = forms.CharField(
        label=_("… or to someone else (name)"), max_length=160, required=False
    )
    receiver_email = forms.EmailField(label=_("Their email"), required=False)
    prospect_name = forms.CharField(
        label=_("Prospect (when the contact received it)"), max_length=160, required=False
    )
    prospect_company = forms.CharField(
        label=_("Prospect's company"), max_length=160, required=False
    )
    prospect_email = forms.EmailField(label=_("Prospect's email"), required=False)
    prospect_phone = forms.CharField(label=_("Prospect's phone"), max_length=32, required=False)
    temperature = forms.TypedChoiceField(
        label=_("Temperature"),
        choices=[(n, str(n)) for n in range(1, 6)],
        coerce=int,
        initial=3,
        help_text=_("How well you prepared them: 1 = a name, 5 = expecting the call."),
    )
    given_on = forms.DateField(label=_("Given on"), widget=DateInput())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, contact: Contact, owner: User, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"given_on": timezone.localdate()})
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.owner = owner
        receiver = self.fields["receiver"]
        assert isinstance(receiver, forms.ModelChoiceField)
        receiver.queryset = people_to_link(owner)

    def clean_receiver_contact(self) -> Contact | None:
        return contact_named(
            self.owner, self.cleaned_data.get("receiver_contact", ""), exclude=self.contact
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == "prospect":
            chosen = [
                bool(data.get("receiver")),
                bool(data.get("receiver_contact")),
                bool((data.get("receiver_name") or "").strip()),
            ]
            if sum(chosen) != 1:
                raise forms.ValidationError(
                    _("Choose whom you referred them to: a member, a contact or a name.")
                )
        elif data.get("role") == "receiver" and not (data.get("prospect_name") or "").strip():
            self.add_error("prospect_name", _("Name the prospect you referred to them."))
        return data


class IntroductionForm(forms.Form):
    """Introduce one of my contacts to another contact or to a member."""

    a = _contact_field(_("Introduce"), required=True, help_text=_("One of your contacts."))
    b_contact = _contact_field(_("To one of my contacts"), required=False)
    b_member = PersonChoiceField(
        label=_("… or to a member"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("No member"),
    )
    reason = forms.CharField(
        label=_("Why they should meet"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Each side sees your name and this, and nothing else, before answering."),
    )
    confirm_close_tie = forms.BooleanField(
        label=_("I understand: make the introduction anyway"), required=False
    )

    def __init__(self, *args: Any, owner: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.owner = owner
        member = self.fields["b_member"]
        assert isinstance(member, forms.ModelChoiceField)
        member.queryset = people_to_link(owner)

    def clean_a(self) -> Contact | None:
        return contact_named(self.owner, self.cleaned_data.get("a", ""))

    def clean_b_contact(self) -> Contact | None:
        return contact_named(self.owner, self.cleaned_data.get("b_contact", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("b_contact")) == bool(data.get("b_member")):
            raise forms.ValidationError(
                _("Choose whom to introduce them to: one of your contacts or a member.")
            )
        return data


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("How did it go?"),
        choices=[(v, label) for v, label in Introduction.Outcome.choices if v],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    on = forms.DateField(label=_("On"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"on": timezone.localdate()})
        super().__init__(*args, **kwargs)
