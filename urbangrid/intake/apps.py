from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "urbangrid.intake"
    label = "intake"
    verbose_name = _("Intake")

    def ready(self) -> None:
        from urbangrid.intake.notify import CaseMessageSender
        from urbangrid.outbox.senders import register_sender

        sender = CaseMessageSender()
        register_sender("case.", sender)
        register_sender("intake.", sender)
