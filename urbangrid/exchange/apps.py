from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "urbangrid.exchange"
    label = "exchange"
    verbose_name = _("exchange with other platforms")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from urbangrid.cases.models import CaseEvent
        from urbangrid.exchange.services import on_case_event_saved

        post_save.connect(on_case_event_saved, sender=CaseEvent, dispatch_uid="exchange_hand_over")
