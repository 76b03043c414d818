from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "urbangrid.calendars"
    label = "calendars"
