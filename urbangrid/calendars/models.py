"""Work calendars (工作日历): which days are workdays and which hours are working hours.

Workdays follow the State Council schedule shipped in ``chinesecalendar`` (public holidays
and the weekend make-up workdays, 调休), corrected by ``CalendarOverride`` rows that an
administrator edits (years the package does not know yet, local changes). Working hours
default to 09:00–12:00 and 13:30–17:30 Asia/Shanghai. A calendar may instead run around
the clock (24/7: water, power, gas and heat utilities).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_PERIODS = [["09:00", "12:00"], ["13:30", "17:30"]]


def default_periods() -> list[list[str]]:
    return [list(p) for p in DEFAULT_PERIODS]


class WorkCalendar(models.Model):
    """A work calendar: working periods of a day and which days count as workdays."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    around_the_clock = models.BooleanField(
        _("24/7"), default=False, help_text=_("Every minute of every day is working time.")
    )
    periods: models.JSONField[Any] = models.JSONField(
        _("working periods"),
        default=default_periods,
        help_text=_('Local times, e.g. [["09:00","12:00"],["13:30","17:30"]].'),
    )
    saturday_is_workday = models.BooleanField(_("Saturdays are workdays"), default=False)
    sunday_is_workday = models.BooleanField(_("Sundays are workdays"), default=False)
    is_default = models.BooleanField(_("default calendar"), default=False)

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_calendar",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from urbangrid.calendars.worktime import parse_periods

        try:
            parse_periods(self.periods)
        except ValueError as exc:
            raise ValidationError({"periods": str(exc)}) from exc


class CalendarOverride(models.Model):
    """A date whose workday status differs from the shipped schedule (节假日调整).

    ``calendar`` empty = applies to every calendar.
    """

    calendar = models.ForeignKey(
        WorkCalendar, on_delete=models.CASCADE, null=True, blank=True, related_name="overrides"
    )
    on = models.DateField(_("date"))
    is_workday = models.BooleanField(_("is a workday"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")
        ordering = ["on"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "on"], name="override_unique_per_day"),
            models.UniqueConstraint(
                fields=["on"],
                condition=models.Q(calendar__isnull=True),
                name="override_unique_global_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {'workday' if self.is_workday else 'rest day'}"
