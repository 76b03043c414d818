from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "urbangrid.staff"
    label = "staff"
