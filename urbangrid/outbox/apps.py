from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "urbangrid.outbox"
    label = "outbox"
