"""Calendar endpoints: due-time calculator and the special days of a year.

``GET /api/v1/calendar/due`` computes the due instant of a time limit (时限) on a work
calendar; ``GET /api/v1/calendar/workdays`` lists public holidays, make-up workdays (调休)
and overrides of a year for staff planning.
"""

from __future__ import annotations

import datetime as dt
import re

from django.http import HttpRequest
from ninja import P, QueryEx, Router, Schema

from urbangrid.api.errors import ApiError, Conflict, ErrorOut, NotFound
from urbangrid.calendars import services, worktime
from urbangrid.calendars.models import WorkCalendar

router = Router(tags=["calendar"])

MAX_AMOUNT = 100_000
# "+08:00" arrives as " 08:00" when a client forgets to encode "+" in the query string.
_UNENCODED_PLUS = re.compile(r"^(.*T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}:?\d{2})$")


class CalendarRef(Schema):
    id: int | None
    name: str


class DueOut(Schema):
    start: dt.datetime
    due: dt.datetime
    due_utc: dt.datetime
    amount: int
    unit: str
    calendar: CalendarRef


class SpecialDayOut(Schema):
    on: dt.date
    weekday: int
    is_workday: bool
    kind: str
    name: str
    name_zh: str


class WorkdaysOut(Schema):
    year: int
    calendar: CalendarRef
    around_the_clock: bool
    official_schedule: bool
    days: list[SpecialDayOut]


def _parse_start(value: str) -> dt.datetime:
    text = value.strip()
    match = _UNENCODED_PLUS.match(text)
    if match:
        text = f"{match.group(1)}+{match.group(2)}"
    try:
        start = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ApiError(
            "invalid", f"start {value!r} is not an ISO 8601 date-time", field="start"
        ) from None
    if start.tzinfo is None:
        start = start.replace(tzinfo=worktime.SHANGHAI)
    return start


def _parse_unit(value: str) -> str:
    if value not in worktime.UNITS:
        raise ApiError("invalid", f"unit must be one of {', '.join(worktime.UNITS)}", field="unit")
    return value


def _resolve(calendar: int | None) -> services.ResolvedCalendar:
    try:
        return services.resolve_calendar(calendar)
    except WorkCalendar.DoesNotExist:
        raise NotFound("not_found", f"calendar {calendar} does not exist", "calendar") from None
    except ValueError as exc:  # working periods saved around WorkCalendar.clean()
        raise Conflict("calendar_invalid", f"calendar {calendar}: {exc}", "calendar") from None


@router.get("/due", response={200: DueOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def due(
    request: HttpRequest,
    start: str,
    amount: QueryEx[int, P(ge=0, le=MAX_AMOUNT)],
    unit: str,
    calendar: int | None = None,
) -> DueOut:
    """The due instant of ``amount`` ``unit`` from ``start`` (without offset: Asia/Shanghai)."""
    moment = _parse_start(start)
    unit = _parse_unit(unit)
    resolved = _resolve(calendar)
    try:
        result = services.compute_due(
            start=moment, amount=amount, unit=unit, calendar_id=resolved.id
        )
        return DueOut(
            start=result.start.astimezone(worktime.SHANGHAI),
            due=result.due.astimezone(worktime.SHANGHAI),
            due_utc=result.due,
            amount=result.amount,
            unit=result.unit,
            calendar=CalendarRef(id=resolved.id, name=resolved.name),
        )
    except (OverflowError, ValueError):
        raise ApiError(
            "invalid", "start or due time falls outside the supported dates", field="start"
        ) from None


@router.get("/workdays", response={200: WorkdaysOut, 400: ErrorOut, 404: ErrorOut, 409: ErrorOut})
def workdays(
    request: HttpRequest,
    year: QueryEx[int, P(ge=1900, le=2100)],
    calendar: int | None = None,
) -> WorkdaysOut:
    """Public holidays, make-up workdays and overrides of ``year`` (non-ordinary days)."""
    resolved, days = services.special_days_for(year, _resolve(calendar).id)
    return WorkdaysOut(
        year=year,
        calendar=CalendarRef(id=resolved.id, name=resolved.name),
        around_the_clock=resolved.spec.around_the_clock,
        official_schedule=worktime.is_official_year(year),
        days=[
            SpecialDayOut(
                on=day.on,
                weekday=day.on.isoweekday(),
                is_workday=day.is_workday,
                kind=day.kind,
                name=day.name,
                name_zh=day.name_zh,
            )
            for day in days
        ],
    )
