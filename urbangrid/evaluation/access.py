"""The single gate to an evaluation export: ``access_export``, and the exports a user
may follow and download (``exports_visible_to``), for the staff pages and the API alike.

A user sees the exports they requested; a role holding ``VIEW_ALL_EXPORTS`` (the
auditor) sees every one. Not visible → ``ExportNotFound`` (a 404: do not reveal that the
export exists). Whether the user may use evaluation at all (``VIEW_EVALUATION``) is
checked before, by the page or the API.
"""

from __future__ import annotations

from django.db.models import QuerySet

from urbangrid.evaluation.models import Export
from urbangrid.organisations.models import User
from urbangrid.organisations.permissions import Permission, has_permission


class ExportNotFound(LookupError):  # noqa: N818
    """No export of that id that the user may see."""


def can_see_every_export(user: User) -> bool:
    return has_permission(user, Permission.VIEW_ALL_EXPORTS)


def exports_visible_to(user: User) -> QuerySet[Export]:
    """The exports ``user`` may follow and download, newest first."""
    if can_see_every_export(user):
        return Export.objects.all()
    return Export.objects.filter(created_by=user)


def access_export(user: User, export_id: int) -> Export:
    """The export ``export_id`` if ``user`` may see it, else ``ExportNotFound``."""
    export = exports_visible_to(user).filter(pk=export_id).first()
    if export is None:
        raise ExportNotFound(export_id)
    return export
