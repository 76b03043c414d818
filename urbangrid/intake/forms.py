"""The public report form: place, matter, description, optional contact, and a honeypot
field that people never see. Photos (``photos``, several) are read from ``request.FILES``
and checked by ``intake.photos``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.catalog.plain_names import public_choices


def _public_matters() -> list[CatalogType]:
    return list(
        CatalogType.objects.filter(
            kind=Kind.MATTER, standard=Standard.GBT_47678_5_2026, is_active=True
        ).order_by("class_code", "code")
    )


def matter_choices() -> list[tuple[Any, Any]]:
    """The public picker: plain-language names in groups, then the standard's names of
    every other matter (``catalog.plain_names``)."""
    return [("", _("— choose what the problem is —")), *public_choices(_public_matters())]


def matter_list() -> list[tuple[str, str]]:
    """The same matters as ``matter_choices``, in its order, as one flat list."""
    return [
        (code, name) for _group, items in public_choices(_public_matters()) for code, name in items
    ]


class PublicReportForm(forms.Form):
    matter_code = forms.ChoiceField(label=_("What is the problem?"), choices=())
    lng = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90)
    address = forms.CharField(
        label=_("Where (address or landmark)"), max_length=300, required=False
    )
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), max_length=2000
    )
    name = forms.CharField(label=_("Your name (optional)"), max_length=50, required=False)
    phone = forms.CharField(label=_("Mobile number (optional)"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail (optional)"), required=False)
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["matter_code"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = matter_choices()
