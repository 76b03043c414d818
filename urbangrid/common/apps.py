from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "urbangrid.common"
    label = "common"
