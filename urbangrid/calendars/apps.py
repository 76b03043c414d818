from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CalendarsConfig(AppConfig):
    """Work calendars (工作日历) and working-time arithmetic."""

    name = "urbangrid.calendars"
    label = "calendars"
    verbose_name = _("Work calendars")

    def ready(self) -> None:
        from urbangrid.calendars import signals  # noqa: F401  (connects the receivers)
