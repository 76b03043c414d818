"""Admin for departments, users and their patrol assignments, responsibility rules and API
tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import F, QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from urbangrid.common import clock
from urbangrid.organisations.models import (
    ApiToken,
    Department,
    InspectorGrid,
    ResponsibilityRule,
    User,
)
from urbangrid.organisations.services import end_assignment, new_token_key, revoke_token


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("name", "uscc", "level", "parent", "district", "phone", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "short_name", "uscc")
    list_select_related = ("parent", "district")
    autocomplete_fields = ("parent",)
    raw_id_fields = ("district", "street")


# Open assignments first, then by start, newest first.
HISTORY_ORDER = (F("ended_on").desc(nulls_first=True), "-started_on", "grid_code")


class InspectorGridForm(forms.ModelForm[InspectorGrid]):
    """A patrol assignment: a new one starts today or later; a saved one only takes an
    end (today or later), once. Days already past keep the grids they had, so figures
    already shown never change."""

    class Meta:
        model = InspectorGrid
        fields = ("grid_code", "started_on", "ended_on")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in ("inspector", "grid_code", "started_on"):
                if name in self.fields:
                    self.fields[name].disabled = True
            if self.instance.ended_on is not None and "ended_on" in self.fields:
                self.fields["ended_on"].disabled = True

    def clean_started_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["started_on"]
        if self.instance.pk is None and day < clock.today_local():
            raise forms.ValidationError(
                _("An assignment cannot start before today: figures already shown would change.")
            )
        return day

    def clean_ended_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data.get("ended_on")
        if day is not None and "ended_on" in self.changed_data and day < clock.today_local():
            raise forms.ValidationError(
                _("An assignment cannot end before today: figures already shown would change.")
            )
        return day


class InspectorGridFormSet(
    forms.BaseInlineFormSet[InspectorGrid, User, forms.ModelForm[InspectorGrid]]
):
    def clean(self) -> None:
        """Two new assignments to one grid in one save: the second is refused (the model
        refuses one that overlaps a saved assignment)."""
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if form.instance.pk is not None or not form.has_changed():
                continue
            code = form.cleaned_data.get("grid_code")
            if code in seen:
                form.add_error("grid_code", _("Grid %(grid)s is listed twice.") % {"grid": code})
            if code:
                seen.add(code)


class InspectorGridInline(admin.TabularInline[InspectorGrid, User]):
    """The inspector's patrol assignments, ended ones included (history). End one by
    giving its end day; add a new one to reassign."""

    model = InspectorGrid
    form = InspectorGridForm
    formset = InspectorGridFormSet
    extra = 1
    can_delete = False
    fields = ("grid_code", "started_on", "ended_on")

    def get_queryset(self, request: HttpRequest) -> QuerySet[InspectorGrid]:
        return InspectorGrid.history.order_by(*HISTORY_ORDER)


class EndedFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[Any]
    ) -> list[tuple[str, str]]:
        return [("current", str(_("in force today"))), ("ended", str(_("ended")))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = clock.today_local()
        if self.value() == "current":
            return queryset.filter(pk__in=InspectorGrid.history.in_force_on(today).values("pk"))
        if self.value() == "ended":
            return queryset.filter(ended_on__lte=today)
        return queryset


@admin.register(InspectorGrid)
class InspectorGridAdmin(admin.ModelAdmin[InspectorGrid]):
    """Every patrol assignment, ended ones included; never deleted, only ended."""

    form = InspectorGridForm
    list_display = ("inspector", "grid_code", "started_on", "ended_on")
    list_filter = (EndedFilter,)
    search_fields = ("grid_code", "inspector__username", "inspector__first_name")
    list_select_related = ("inspector",)
    autocomplete_fields = ("inspector",)
    date_hierarchy = "started_on"
    actions = ("end_selected",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[InspectorGrid]:
        return InspectorGrid.history.order_by(*HISTORY_ORDER)

    def get_fields(self, request: HttpRequest, obj: InspectorGrid | None = None) -> Any:
        return ("inspector", "grid_code", "started_on", "ended_on")

    def has_delete_permission(self, request: HttpRequest, obj: InspectorGrid | None = None) -> bool:
        return False

    @admin.action(description=_("End selected assignments today"))
    def end_selected(self, request: HttpRequest, queryset: QuerySet[InspectorGrid]) -> None:
        count = 0
        for assignment in queryset.filter(ended_on__isnull=True):
            try:
                end_assignment(assignment)
            except forms.ValidationError as exc:  # e.g. one that starts after today
                refusal = " ".join(exc.messages)
                self.message_user(request, f"{assignment}: {refusal}", messages.ERROR)
                continue
            count += 1
        self.message_user(request, _("%(n)d assignment(s) ended.") % {"n": count}, messages.SUCCESS)


@admin.register(User)
class UserAdmin(BaseUserAdmin[User]):
    list_display = (
        "username",
        "first_name",
        "last_name",
        "role",
        "department",
        "area_code",
        "is_active",
    )
    list_filter = ("role", "is_active", "is_staff", "department")
    search_fields = ("username", "first_name", "last_name", "email", "phone")
    list_select_related = ("department",)
    autocomplete_fields = ("department",)
    inlines = (InspectorGridInline,)
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        (_("Work"), {"fields": ("role", "department", "area_code", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("Work"), {"fields": ("role", "department", "area_code")}),
    )


@admin.register(ResponsibilityRule)
class ResponsibilityRuleAdmin(admin.ModelAdmin[ResponsibilityRule]):
    list_display = (
        "id",
        "catalog_type",
        "class_code",
        "area_level",
        "area_code",
        "basis",
        "priority",
        "department",
        "is_active",
    )
    list_filter = ("basis", "area_level", "is_active")
    search_fields = (
        "area_code",
        "class_code",
        "catalog_type__code",
        "catalog_type__name",
        "department__name",
    )
    list_select_related = ("catalog_type", "department")
    autocomplete_fields = ("catalog_type", "department")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    """The key is shown once, in a message, right after the token is created."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter),)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    readonly_fields = ("prefix", "created_at", "last_used_at", "revoked_at")
    fields = ("user", "name", "prefix", "created_at", "last_used_at", "revoked_at")
    autocomplete_fields = ("user",)
    actions = ("revoke_selected",)

    def get_readonly_fields(self, request: HttpRequest, obj: ApiToken | None = None) -> Any:
        return ("user", *self.readonly_fields) if obj is not None else self.readonly_fields

    def save_model(
        self, request: HttpRequest, obj: ApiToken, form: ModelForm[ApiToken], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raw, obj.key_hash, obj.prefix = new_token_key()
        super().save_model(request, obj, form, change)
        self.message_user(
            request,
            _("New API token: %(key)s — copy it now; it will not be shown again.") % {"key": raw},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke selected tokens"))
    def revoke_selected(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = sum(revoke_token(token) for token in queryset)
        self.message_user(request, _("%(n)d token(s) revoked.") % {"n": count}, messages.SUCCESS)
