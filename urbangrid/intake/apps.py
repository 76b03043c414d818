from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "urbangrid.intake"
    label = "intake"

    def ready(self) -> None:
        from urbangrid.intake.notify import CaseMessageSender
        from urbangrid.outbox.senders import register_sender

        sender = CaseMessageSender()
        register_sender("case.", sender)
        register_sender("intake.", sender)
