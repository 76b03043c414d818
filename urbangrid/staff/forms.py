"""Forms of the workbench, built from the workflow table.

``action_form(action, …)`` turns a transition's ``inputs`` into a Django form: text
(a select when the input has choices), yes/no, a department, a date and time, photos
(uploaded first through ``add_attachment``, then cited by id). The form only converts
types; the rules stay in the service, whose errors are shown on the form's fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.services import PUBLIC_ACTIONS
from urbangrid.cases.workflow import Action, Input, Kind, action_inputs
from urbangrid.organisations.models import Department

TEXTAREA_INPUTS = {"note", "reason", "filing_condition"}

INPUT_LABELS: dict[str, Any] = {
    "note": _("Internal note"),
    "reason": _("Reason"),
    "reason_code": _("Reason"),
    "result": _("Result"),
    "photos": _("Photos"),
    "matter_code": _("Change the matter type (code)"),
    "grade": _("Time-limit grade"),
    "filing_condition": _("Filing condition met (立案条件)"),
    "department_id": _("Department"),
    "until": _("New deadline"),
    "closing_type": _("Closing type"),
    "into": _("Surviving case number"),
    "districts": _("Districts concerned"),
    "partner": _("Partner platform"),
}
CHOICE_LABELS: dict[str, Any] = {
    "duplicate": _("duplicate of another case"),
    "out_of_scope": _("outside the area"),
    "insufficient": _("not enough information"),
    "not_urban_management": _("not urban management"),
    "other": _("other"),
    "general": _("general"),
    "engineering": _("engineering"),
    "special": _("special"),
    "normal": _("normal"),
    "overdue": _("overdue"),
    "error": _("error"),
}
RESULT_LABELS: dict[str, tuple[Any, Any]] = {
    Action.VERIFY: (_("True: the problem is there (属实)"), _("Not true (不属实)")),
    Action.CHECK: (_("Passed: the problem is solved (通过)"), _("Failed (不通过)")),
    Action.REVIEW_SELF_HANDLED: (_("Valid: close and archive"), _("Invalid case")),
}
PHOTO_KIND: dict[str, str] = {
    Action.REPORT_HANDLED: "after",
    Action.VERIFY: "inspector",
    Action.CHECK: "inspector",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleImageField, self).clean(d, initial) for d in data]
        return [super().clean(data, initial)] if data else []


class ActionForm(forms.Form):
    """One action's form; ``to_data()`` gives the service's input."""

    action: str = ""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields_by_input: dict[str, Input] = {}

    def to_data(self, photo_ids: list[int]) -> dict[str, Any]:
        data: dict[str, Any] = {}
        for name, spec in self.fields_by_input.items():
            if spec.kind == Kind.IDS:
                if photo_ids:
                    data[name] = photo_ids
                continue
            value = self.cleaned_data.get(name)
            if value in (None, ""):
                continue
            if spec.kind == Kind.BOOL:
                data[name] = value == "true"
            elif spec.kind == Kind.INT:
                data[name] = int(value)
            elif spec.kind == Kind.DATETIME:
                data[name] = value.isoformat()
            else:
                data[name] = value
        return data

    def add_service_error(self, error: CaseError) -> None:
        field = error.field if error.field in self.fields else None
        if field == "photos":
            field = "photos_upload"
        self.add_error(field if field in self.fields else None, error.translated())


def action_form(
    action: str,
    *,
    data: Any = None,
    files: Any = None,
    departments: list[Department] | None = None,
    suggested_id: int | None = None,
) -> ActionForm:
    """The form of ``action``, prefixed with the action so several fit on one page."""
    form = ActionForm(data=data, files=files, prefix=action)
    form.action = action
    for spec in action_inputs(action):
        form.fields_by_input[spec.name] = spec
        name, field = _field(action, spec, departments or [], suggested_id)
        form.fields[name] = field
    return form


def _field(
    action: str, spec: Input, departments: list[Department], suggested_id: int | None
) -> tuple[str, forms.Field]:
    label = INPUT_LABELS.get(spec.name, spec.name)
    if spec.name == "note" and action in PUBLIC_ACTIONS:
        label = _("Reply to the public (shown on the tracking page)")
    required = spec.required
    if spec.kind == Kind.BOOL:
        yes, no = RESULT_LABELS.get(action, (_("Yes"), _("No")))
        return spec.name, forms.ChoiceField(
            label=label,
            choices=[("true", yes), ("false", no)],
            widget=forms.RadioSelect,
            required=required,
        )
    if spec.kind == Kind.INT and spec.name == "department_id":
        choices: list[tuple[str, Any]] = []
        if not required:
            choices.append(("", _("the suggested department")))
        for department in departments:
            mark = " ★" if department.pk == suggested_id else ""
            choices.append((str(department.pk), f"{department.name}{mark}"))
        return spec.name, forms.ChoiceField(label=label, choices=choices, required=required)
    if spec.kind == Kind.INT:
        return spec.name, forms.IntegerField(label=label, required=required)
    if spec.kind == Kind.DATETIME:
        return spec.name, forms.DateTimeField(
            label=label,
            required=required,
            widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
            input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
        )
    if spec.kind == Kind.IDS:
        return "photos_upload", MultipleImageField(
            label=label,
            required=False,
            widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
            help_text=_("JPEG, PNG or WebP; required for this action")
            if spec.required
            else _("JPEG, PNG or WebP; optional"),
        )
    if spec.choices:
        choices = [("", "—")] if not required else []
        choices += [(c, CHOICE_LABELS.get(c, c)) for c in spec.choices]
        return spec.name, forms.ChoiceField(label=label, choices=choices, required=required)
    widget = forms.Textarea(attrs={"rows": 2}) if spec.name in TEXTAREA_INPUTS else None
    return spec.name, forms.CharField(
        label=label, required=required, max_length=2000, widget=widget
    )


class ReportForm(forms.Form):
    """A report registered by the centre on behalf of a caller (受理员代登记)."""

    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[("hotline", _("hotline")), ("other", _("other")), ("public", _("public"))],
    )
    matter_code = forms.CharField(
        label=_("Matter type (code)"),
        max_length=20,
        widget=forms.TextInput(attrs={"list": "matters", "autocomplete": "off"}),
    )
    lng = forms.FloatField(label=_("Longitude (WGS84)"))
    lat = forms.FloatField(label=_("Latitude (WGS84)"))
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    reporter_name = forms.CharField(label=_("Caller name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Caller phone"), max_length=30, required=False)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
