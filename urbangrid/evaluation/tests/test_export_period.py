"""An export is filed and labelled by the period chosen, not by the day it is requested
or built: a custom period's monthly report is the month the period starts in, "this
month" stays the month it was when requested, and the list says what each export covers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.test import Client

from urbangrid.common.clock import SHANGHAI
from urbangrid.evaluation import exports
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import Export, ExportStatus
from urbangrid.evaluation.periods import make_period
from urbangrid.organisations.services import issue_token

from .conftest import World

LATER = dt.datetime(2026, 1, 15, 10, tzinfo=SHANGHAI)  # requested two months after


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = str(tmp_path)


def test_export_params_file_the_period_as_chosen() -> None:
    custom = make_period(
        "custom", dt.date(2025, 11, 3), start=dt.date(2025, 11, 3), end=dt.date(2025, 11, 4)
    )
    assert exports.export_params(
        kind="street", period=custom, month=None, district_code="110101"
    ) == {
        "kind": "street",
        "period": "custom",
        "on": "",
        "from": "2025-11-03",
        "to": "2025-11-04",
        "month": "2025-11",
        "district": "110101",
    }
    week = make_period("week", dt.date(2025, 11, 2))  # Monday 27 October to 2 November
    params = exports.export_params(kind="grid", period=week, month=None, district_code="1101")
    assert (params["period"], params["on"], params["from"], params["month"]) == (
        "week",
        "2025-10-27",
        "",
        "2025-10",
    )
    given = exports.export_params(
        kind="grid", period=week, month=dt.date(2025, 9, 1), district_code="1101"
    )
    assert given["month"] == "2025-09"


def test_a_custom_period_report_requested_on_the_page_is_its_month(
    world: World, media: None
) -> None:
    c = Client()
    c.force_login(world.sl)
    with time_machine.travel(LATER, tick=False):
        answer = c.post(
            "/staff/evaluation/exports/new",
            {"format": "report_xlsx", "period": "custom", "from": "2025-11-03", "to": "2025-11-04"},
        )
        assert answer.status_code == 302
        export = Export.objects.get()
        assert (export.params["month"], export.params["from"], export.params["to"]) == (
            "2025-11",
            "2025-11-03",
            "2025-11-04",
        )
        exports.build_export(export)
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert str(export.file.name).endswith("/report-110101-2025-11.xlsx")
    page = c.get("/staff/evaluation/exports/").content.decode()
    assert "<td>2025-11</td>" in page


def test_this_months_export_stays_that_month_when_built_later(world: World, media: None) -> None:
    api = Client(headers={"authorization": f"Bearer {issue_token(world.sl)}"})
    with time_machine.travel(dt.datetime(2025, 11, 30, 23, 59, tzinfo=SHANGHAI), tick=False):
        answer = api.post(
            "/api/v1/evaluation/exports",
            {"format": "indicators_csv", "kind": "street"},
            content_type="application/json",
        )
    assert answer.status_code == 202
    export = Export.objects.get(pk=answer.json()["id"])
    assert (export.params["on"], export.params["month"]) == ("2025-11-01", "2025-11")
    with time_machine.travel(dt.datetime(2025, 12, 1, 0, 1, tzinfo=SHANGHAI), tick=False):
        exports.build_export(export)
    export.refresh_from_db()
    assert str(export.file.name).endswith("/indicators-street-2025-11.csv")
    c = Client()
    c.force_login(world.sl)
    page = c.get("/staff/evaluation/exports/?lang=en").content.decode()
    assert "<td>street (街道) · 2025-11</td>" in page


CUSTOM = "period=custom&from=2025-11-03&to=2025-11-04"


def _hidden_inputs(form: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))


def test_the_index_exports_and_links_keep_a_custom_period(world: World, media: None) -> None:
    c = Client()
    c.force_login(world.sl)
    page = c.get(f"/staff/evaluation/?kind=street&{CUSTOM}").content.decode()
    form = page.split('action="/staff/evaluation/exports/new"', 1)[1].split("</form>", 1)[0]
    fields = _hidden_inputs(form)
    assert (fields["period"], fields["from"], fields["to"]) == (
        "custom",
        "2025-11-03",
        "2025-11-04",
    )
    answer = c.post("/staff/evaluation/exports/new", {**fields, "format": "indicators_csv"})
    assert answer.status_code == 302
    assert Export.objects.get().params["from"] == "2025-11-03"
    links = re.findall(r'<a href="\?([^"]*)"', page.split("<nav>", 1)[1].split("</nav>", 1)[0])
    assert len(links) == len(ind.OBJECT_KINDS)
    assert all("from=2025-11-03" in link and "to=2025-11-04" in link for link in links)
    assert c.get(f"/staff/evaluation/?{links[0].replace('&amp;', '&')}").status_code == 200


def test_a_downloaded_report_is_named_by_its_month(world: World) -> None:
    c = Client()
    c.force_login(world.sl)
    answer = c.get(f"/staff/evaluation/report.xlsx?{CUSTOM}")
    assert answer.status_code == 200
    assert 'filename="report-110101-2025-11.xlsx"' in answer["Content-Disposition"]
