from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "urbangrid.cases"
    label = "cases"
