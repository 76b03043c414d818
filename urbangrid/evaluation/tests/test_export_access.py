"""Who sees which evaluation export: the requester, and every role the catalogue grants
``VIEW_ALL_EXPORTS`` (the auditor): one gate (``access_export``) behind the staff pages
and the API, and the list page shows every export the user may download."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.test import Client

from urbangrid.common import clock
from urbangrid.evaluation.access import ExportNotFound, access_export, exports_visible_to
from urbangrid.evaluation.models import Export, ExportStatus
from urbangrid.organisations.models import Role, User
from urbangrid.organisations.permissions import ROLE_PERMISSIONS, Permission, permissions_of
from urbangrid.organisations.services import issue_token
from urbangrid.testing import make_user

from .conftest import World


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def make_export(user: User, month: str) -> Export:
    export = Export.objects.create(
        format="report_xlsx",
        params={"month": month, "district": "110101"},
        created_by=user,
        created_at=clock.now(),
        status=ExportStatus.DONE,
        progress=100,
    )
    export.file.save(f"report-110101-{month}.xlsx", ContentFile(b"xlsx"))
    return export


@pytest.fixture
def two_exports(world: World, media: None) -> tuple[Export, Export]:
    return make_export(world.sl, "2025-10"), make_export(world.op, "2025-09")


def test_only_the_auditor_may_see_every_export() -> None:
    holders = [r for r in Role.values if Permission.VIEW_ALL_EXPORTS in permissions_of(r)]
    assert holders == [Role.AUDITOR]


def test_the_gate_lets_the_requester_and_the_auditor_through(
    world: World, two_exports: tuple[Export, Export]
) -> None:
    by_sl, by_op = two_exports
    auditor = make_user("auditor1", Role.AUDITOR, area_code="110101")
    assert access_export(world.sl, by_sl.pk) == by_sl
    with pytest.raises(ExportNotFound):
        access_export(world.sl, by_op.pk)
    assert access_export(auditor, by_op.pk) == by_op
    assert set(exports_visible_to(auditor)) == {by_sl, by_op}
    assert list(exports_visible_to(world.sl)) == [by_sl]
    with pytest.raises(ExportNotFound):
        access_export(auditor, by_op.pk + 1000)
    auditor.is_active = False  # a deactivated auditor holds no permission
    assert list(exports_visible_to(auditor)) == []


def test_the_gate_follows_the_catalogue_not_the_role_name(
    world: World, two_exports: tuple[Export, Export], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Grant the permission to the leader and take it from the auditor: the pages and
    the API follow."""
    by_sl, by_op = two_exports
    leader = make_user("leader1", Role.LEADER, area_code="110101")
    auditor = make_user("auditor1", Role.AUDITOR, area_code="110101")
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.LEADER, permissions_of(Role.LEADER) | {Permission.VIEW_ALL_EXPORTS}
    )
    monkeypatch.setitem(
        ROLE_PERMISSIONS, Role.AUDITOR, permissions_of(Role.AUDITOR) - {Permission.VIEW_ALL_EXPORTS}
    )
    api = Client(headers={"authorization": f"Bearer {issue_token(leader)}"})
    assert api.get(f"/api/v1/evaluation/exports/{by_op.pk}/download").status_code == 200
    staff = Client()
    staff.force_login(leader)
    assert staff.get(f"/staff/evaluation/exports/{by_sl.pk}/download").status_code == 200
    api = Client(headers={"authorization": f"Bearer {issue_token(auditor)}"})
    assert api.get(f"/api/v1/evaluation/exports/{by_op.pk}").status_code == 404
    staff.force_login(auditor)
    assert staff.get(f"/staff/evaluation/exports/{by_sl.pk}/download").status_code == 404


def _download_links(page: str) -> list[str]:
    return re.findall(r'href="(/staff/evaluation/exports/\d+/download)"', page)


def test_the_list_shows_every_export_the_user_may_download(
    world: World, two_exports: tuple[Export, Export]
) -> None:
    by_sl, by_op = two_exports
    auditor = make_user("auditor1", Role.AUDITOR, area_code="110101")
    c = Client()
    c.force_login(auditor)
    page = c.get("/staff/evaluation/exports/?lang=en").content.decode()
    links = _download_links(page)
    assert links == [
        f"/staff/evaluation/exports/{by_op.pk}/download",  # newest first
        f"/staff/evaluation/exports/{by_sl.pk}/download",
    ]
    assert all(c.get(link).status_code == 200 for link in links)
    assert "<th>Requested by</th>" in page
    assert "<td>sl</td>" in page
    assert "<td>op</td>" in page
    assert "<td>2025-10</td>" in page  # what each export covers
    assert "<td>2025-09</td>" in page

    c.force_login(world.sl)
    page = c.get("/staff/evaluation/exports/?lang=en").content.decode()
    assert _download_links(page) == [f"/staff/evaluation/exports/{by_sl.pk}/download"]
    assert "Requested by" not in page
