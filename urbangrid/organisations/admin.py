"""Admin for departments, users, responsibility rules and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from urbangrid.organisations.models import (
    ApiToken,
    Department,
    InspectorGrid,
    ResponsibilityRule,
    User,
)
from urbangrid.organisations.services import new_token_key, revoke_token


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin[Department]):
    list_display = ("name", "uscc", "level", "parent", "district", "phone", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("name", "short_name", "uscc")
    list_select_related = ("parent", "district")
    autocomplete_fields = ("parent",)
    raw_id_fields = ("district", "street")


class InspectorGridInline(admin.TabularInline[InspectorGrid, User]):
    model = InspectorGrid
    extra = 1
    fields = ("grid_code",)


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
