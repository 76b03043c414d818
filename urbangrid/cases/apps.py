from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "urbangrid.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db import transaction
        from django.db.models.signals import post_delete, post_save

        from urbangrid.calendars.models import CalendarOverride, WorkCalendar

        def calendar_changed(sender: type[Any], **kwargs: Any) -> None:
            """A work calendar changed: the next light sweep looks at every open case."""
            from urbangrid.cases.services import recheck_lights

            transaction.on_commit(recheck_lights, using=kwargs.get("using"))

        for model in (WorkCalendar, CalendarOverride):
            for signal, verb in ((post_save, "saved"), (post_delete, "deleted")):
                signal.connect(
                    calendar_changed,
                    weak=False,
                    sender=model,
                    dispatch_uid=f"cases_recheck_{model.__name__}_{verb}",
                )
