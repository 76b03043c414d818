"""Drop cached calendar specs whenever a calendar or an override changes.

Bulk ``update()``/``bulk_create()`` send no signals: call
``services.invalidate_calendar_cache()`` after them.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from urbangrid.calendars.models import CalendarOverride, WorkCalendar
from urbangrid.calendars.services import invalidate_calendar_cache


@receiver(post_save, sender=WorkCalendar, dispatch_uid="calendars_saved")
@receiver(post_delete, sender=WorkCalendar, dispatch_uid="calendars_deleted")
@receiver(post_save, sender=CalendarOverride, dispatch_uid="calendar_overrides_saved")
@receiver(post_delete, sender=CalendarOverride, dispatch_uid="calendar_overrides_deleted")
def calendar_changed(sender: type[Any], **kwargs: Any) -> None:
    """Invalidate now (this transaction's reads) and again after commit (everyone's)."""
    invalidate_calendar_cache()
    transaction.on_commit(invalidate_calendar_cache, using=kwargs.get("using"))
