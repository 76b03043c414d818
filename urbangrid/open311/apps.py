from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "urbangrid.open311"
    label = "open311"
    verbose_name = _("Open311")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from urbangrid.cases.models import CaseEvent
        from urbangrid.open311.delivery import on_case_event_saved

        post_save.connect(
            on_case_event_saved, sender=CaseEvent, dispatch_uid="open311_delivery_on_dispatch"
        )
