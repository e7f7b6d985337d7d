"""Forms for the contacts pages. They parse what was typed; the rules (valid emails and
phones, tags, whose card a contact may be linked to) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.models import Connection, User
from cerchia.accounts.selectors import profiles_for_directory
from cerchia.contacts.access import owned_contacts
from cerchia.contacts.models import Contact, Relationship
from cerchia.contacts.selectors import SORTS
from cerchia.groups.models import Membership
from cerchia.ledger.forms_people import PersonChoiceField

CLOSENESS_CHOICES = [
    (1, _("1 · barely know them")),
    (2, _("2")),
    (3, _("3")),
    (4, _("4 · close")),
    (5, _("5 · one of my closest")),
]
# The member field offers at most this many people (the ones the owner is closest to first).
MEMBER_CHOICES = 500
# Names suggested while typing who introduced you.
# Names suggested while typing a contact's name (the closest contacts first).
NAME_SUGGESTIONS = 300
# A LinkedIn export at its 30,000 connections is about 3 MB; leave room for vCards with photos.
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def people_to_link(owner: User, current: User | None = None) -> QuerySet[User]:
    """The people a contact may be linked to in the form: my connections and co-members whose
    card I may see. The service checks any other id against the same visibility rule."""
    my_groups = Membership.objects.active().filter(user=owner).values("group_id")
    co_members = Membership.objects.active().filter(group_id__in=my_groups).values("user_id")
    mine = Connection.objects.filter(owner=owner).values("other_id")
    visible = profiles_for_directory(owner).exclude(user=owner)
    near = visible.filter(Q(user_id__in=co_members) | Q(user_id__in=mine)).values("user_id")
    ids = list(near[:MEMBER_CHOICES].values_list("user_id", flat=True))
    if current is not None and visible.filter(user=current).exists():
        ids.append(current.pk)
    return (
        User.objects.filter(pk__in=ids).select_related("profile").order_by("profile__display_name")
    )


def _lines(value: list[str]) -> str:
    return "\n".join(value)


def contact_names(owner: User, *, exclude: Contact | None = None) -> list[str]:
    """Names to suggest for a contact field: the closest contacts first."""
    qs = owned_contacts(owner).order_by("-closeness", "name")
    if exclude is not None:
        qs = qs.exclude(pk=exclude.pk)
    return list(qs.values_list("name", flat=True)[:NAME_SUGGESTIONS])


def contact_named(owner: User, name: str, *, exclude: Contact | None = None) -> Contact | None:
    """The one contact of ``owner`` called ``name`` (any case); a clear error otherwise."""
    name = (name or "").strip()
    if not name:
        return None
    found = owned_contacts(owner).filter(name__iexact=name)
    if exclude is not None:
        found = found.exclude(pk=exclude.pk)
    matches = list(found[:2])
    if not matches:
        raise forms.ValidationError(
            _("None of your contacts is called “%(name)s”.") % {"name": name}
        )
    if len(matches) > 1:
        raise forms.ValidationError(
            _("Several of your contacts are called “%(name)s”: rename one first.") % {"name": name}
        )
    return matches[0]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=250, required=False)
    first_name = forms.CharField(label=_("First name"), max_length=120, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=120, required=False)
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    emails = forms.CharField(
        label=_("Email addresses"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("One a line."),
    )
    phones = forms.CharField(
        label=_("Phone numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "off"}),
        help_text=_("One a line; without a +prefix a number is read as your country's."),
    )
    profile_url = forms.CharField(label=_("Profile address"), max_length=400, required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        help_text=_("Separated by commas: at most 20, of at most 20 characters each."),
    )
    relationship = forms.ChoiceField(
        label=_("Relationship"), choices=Relationship.choices, initial=Relationship.ACQUAINTANCE
    )
    closeness = forms.TypedChoiceField(
        label=_("Closeness"), choices=CLOSENESS_CHOICES, coerce=int, initial=2
    )
    how_we_met = forms.CharField(label=_("How we met"), max_length=300, required=False)
    introduced_by = forms.CharField(
        label=_("Introduced by"),
        max_length=250,
        required=False,
        widget=forms.TextInput(attrs={"list": "introducers", "autocomplete": "off"}),
        help_text=_("The name of one of your contacts."),
    )
    member = PersonChoiceField(
        label=_("Their card on Cerchia"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Not linked"),
        help_text=_("People you share a group with or count among your connections."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self, *args: Any, owner: User, contact: Contact | None = None, **kwargs: Any
    ) -> None:
        if contact is not None:
            kwargs.setdefault("initial", self.initial_for(contact))
        super().__init__(*args, **kwargs)
        self.owner = owner
        self.contact = contact
        member = self.fields["member"]
        assert isinstance(member, forms.ModelChoiceField)
        member.queryset = people_to_link(owner, contact.member if contact else None)

    @staticmethod
    def initial_for(contact: Contact) -> dict[str, Any]:
        return {
            "name": contact.name,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "company": contact.company,
            "title": contact.title,
            "emails": _lines(contact.emails),
            "phones": _lines(contact.phones),
            "profile_url": contact.profile_url,
            "city": contact.city,
            "tags": ", ".join(contact.tags),
            "relationship": contact.relationship,
            "closeness": contact.closeness,
            "how_we_met": contact.how_we_met,
            "introduced_by": contact.introduced_by.name if contact.introduced_by else "",
            "member": contact.member_id,
            "notes": contact.notes,
        }

    def introducers(self) -> list[str]:
        """Names to suggest for "introduced by": the closest contacts first."""
        return contact_names(self.owner, exclude=self.contact)

    def clean_introduced_by(self) -> Contact | None:
        return contact_named(
            self.owner, self.cleaned_data.get("introduced_by") or "", exclude=self.contact
        )


class ContactFilter(forms.Form):
    """The list's search and filters (GET)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    tag = forms.CharField(required=False, max_length=40, widget=forms.HiddenInput)
    relationship = forms.ChoiceField(
        label=_("Relationship"), required=False, choices=[("", _("All")), *Relationship.choices]
    )
    closeness = forms.TypedChoiceField(
        label=_("Closeness"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *CLOSENESS_CHOICES],
    )
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("closeness", _("Closest first")),
            ("recent", _("Newest first")),
            ("company", _("Company")),
        ],
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        sort = data.get("sort") or "name"
        return {
            "q": data.get("q") or "",
            "tag": data.get("tag") or "",
            "relationship": data.get("relationship") or "",
            "closeness": data.get("closeness"),
            "sort": sort if sort in SORTS else "name",
        }


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    format = forms.ChoiceField(label=_("Format"))

    def __init__(self, *args: Any, formats: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["format"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = formats

    def clean_file(self) -> bytes:
        file = self.cleaned_data["file"]
        if file.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_IMPORT_BYTES // 1024 // 1024}
            )
        data: bytes = file.read()
        return data
