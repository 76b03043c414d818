from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "urbangrid.organisations"
    label = "organisations"
