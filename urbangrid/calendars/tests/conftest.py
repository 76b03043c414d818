"""Calendar tests start with empty caches (rolled-back test transactions send no signals)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from urbangrid.calendars import worktime


@pytest.fixture(autouse=True)
def _fresh_calendar_caches() -> Iterator[None]:
    from urbangrid.calendars.services import invalidate_calendar_cache

    invalidate_calendar_cache()
    yield
    invalidate_calendar_cache()
    worktime.clear_cache()
