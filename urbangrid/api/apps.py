from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "urbangrid.api"
    label = "api"
