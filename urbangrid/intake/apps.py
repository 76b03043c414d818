from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "urbangrid.intake"
    label = "intake"
