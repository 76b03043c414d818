"""Admin for work calendars and their overrides.

Validation lives in the models (``WorkCalendar.clean`` and the unique constraints), so the
admin forms show those errors next to the fields.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from urbangrid.calendars.models import CalendarOverride, WorkCalendar


class CalendarOverrideInline(admin.TabularInline[CalendarOverride, WorkCalendar]):
    model = CalendarOverride
    fields = ("on", "is_workday", "note")
    extra = 0


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin[WorkCalendar]):
    list_display = (
        "name",
        "is_default",
        "around_the_clock",
        "periods",
        "saturday_is_workday",
        "sunday_is_workday",
    )
    search_fields = ("name",)
    inlines = (CalendarOverrideInline,)


class GlobalFilter(admin.SimpleListFilter):
    title = _("scope")
    parameter_name = "scope"

    def lookups(
        self, request: HttpRequest, model_admin: admin.ModelAdmin[CalendarOverride]
    ) -> list[tuple[str, str]]:
        return [("global", str(_("all calendars"))), ("calendar", str(_("one calendar")))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CalendarOverride]
    ) -> QuerySet[CalendarOverride]:
        if self.value() == "global":
            return queryset.filter(calendar__isnull=True)
        if self.value() == "calendar":
            return queryset.filter(calendar__isnull=False)
        return queryset


@admin.register(CalendarOverride)
class CalendarOverrideAdmin(admin.ModelAdmin[CalendarOverride]):
    """Overrides for all calendars (empty calendar) and for single calendars."""

    list_display = ("on", "is_workday", "calendar", "note")
    list_filter = (GlobalFilter, "is_workday", "calendar")
    date_hierarchy = "on"
    search_fields = ("note",)
