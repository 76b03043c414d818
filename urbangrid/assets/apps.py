from django.apps import AppConfig


class AssetsConfig(AppConfig):
    name = "urbangrid.assets"
    label = "assets"
