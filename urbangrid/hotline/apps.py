from django.apps import AppConfig


class HotlineConfig(AppConfig):
    name = "urbangrid.hotline"
    label = "hotline"
