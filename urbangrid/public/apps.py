from django.apps import AppConfig


class PublicConfig(AppConfig):
    name = "urbangrid.public"
    label = "public"
