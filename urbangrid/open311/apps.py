from django.apps import AppConfig


class Open311Config(AppConfig):
    name = "urbangrid.open311"
    label = "open311"
