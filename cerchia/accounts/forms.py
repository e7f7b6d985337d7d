from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cerchia.accounts.models import Profession, Profile
from cerchia.accounts.privacy import FIELD_LABELS, PROFILE_FIELDS, Visibility


class ProfessionChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg,unused-ignore]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.sphere.name}"


class ProfileForm(forms.Form):
    """The business card; each field comes with its own visibility choice."""

    display_name = forms.CharField(label=_("Display name"), max_length=120)
    company = forms.CharField(label=_("Company"), max_length=160, required=False)
    profession = ProfessionChoiceField(
        label=_("Profession"),
        queryset=Profession.objects.select_related("sphere").order_by("name_en"),
        required=False,
    )
    bio = forms.CharField(
        label=_("Short bio"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    offers = forms.CharField(
        label=_("What I offer"), required=False, help_text=_("Tags, separated by commas")
    )
    seeks = forms.CharField(
        label=_("What I seek"), required=False, help_text=_("Tags, separated by commas")
    )
    clients = forms.CharField(
        label=_("My clients"),
        required=False,
        help_text=_("Kinds of clients you serve, separated by commas (e.g. weddings, restaurants)"),
    )
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    region = forms.CharField(label=_("Region"), max_length=120, required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two-letter code, such as IT")
    )
    latitude = forms.DecimalField(
        label=_("Latitude"), required=False, max_digits=9, decimal_places=6
    )
    longitude = forms.DecimalField(
        label=_("Longitude"), required=False, max_digits=9, decimal_places=6
    )
    clientele_scope = forms.ChoiceField(
        label=_("Clientele"),
        required=False,
        choices=[("", "—"), *Profile.ClienteleScope.choices],
    )
    company_size = forms.ChoiceField(
        label=_("Company size"),
        required=False,
        choices=[("", "—"), *Profile.CompanySize.choices],
    )
    website = forms.CharField(label=_("Website"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=32, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in PROFILE_FIELDS:
            self.fields[f"vis_{field}"] = forms.ChoiceField(
                label=_("Who sees: %(field)s") % {"field": FIELD_LABELS[field]},
                choices=Visibility.choices,
            )

    @classmethod
    def initial_for(cls, profile: Profile) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(profile, name)
            for name in (
                "display_name",
                "company",
                "bio",
                "city",
                "region",
                "country",
                "latitude",
                "longitude",
                "clientele_scope",
                "company_size",
                "website",
                "phone",
            )
        }
        initial["profession"] = profile.profession_id
        initial["offers"] = ", ".join(profile.offers or [])
        initial["seeks"] = ", ".join(profile.seeks or [])
        initial["clients"] = ", ".join(profile.clients or [])
        for field in PROFILE_FIELDS:
            initial[f"vis_{field}"] = profile.level_of(field)
        return initial

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        visibility = {f: data.pop(f"vis_{f}") for f in PROFILE_FIELDS}
        data["visibility"] = visibility
        return data

    def sections(self) -> list[tuple[Any, list[tuple[forms.BoundField, forms.BoundField]]]]:
        """Pairs of (field, its visibility) grouped for the template."""
        pairs = {
            "display_name": ["display_name"],
            "company": ["company"],
            "profession": ["profession"],
            "bio": ["bio"],
            "offers": ["offers"],
            "seeks": ["seeks"],
            "clients": ["clients"],
            "location": ["city", "region", "country"],
            "coordinates": ["latitude", "longitude"],
            "clientele_scope": ["clientele_scope"],
            "company_size": ["company_size"],
            "website": ["website"],
            "phone": ["phone"],
        }
        rows = []
        for vis_field, fields in pairs.items():
            rows.append((self[f"vis_{vis_field}"], [self[f] for f in fields]))
        return rows  # type: ignore[return-value]


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)
