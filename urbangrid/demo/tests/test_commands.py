"""``demo_accounts`` and ``export_demo``."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from urbangrid.demo.export import COMPONENT_COLUMNS
from urbangrid.demo.tests.conftest import TINY_SCALE, catalogue_csv

pytestmark = pytest.mark.django_db


def test_demo_accounts_lists_every_role_with_password_and_urls() -> None:
    call_command("load_demo", "--scale", str(TINY_SCALE), verbosity=0, stdout=io.StringIO())
    out = io.StringIO()
    call_command("demo_accounts", stdout=out)
    text = out.getvalue()
    for name in ("inspector", "operator", "shift_leader", "dispatcher", "handler",
                 "department_head", "leader", "auditor", "admin"):  # fmt: skip
        assert f"  {name} " in text
    assert "值班长 / shift leader" in text
    assert "城东区环境卫生服务中心" in text
    assert "/admin/" in text
    assert "/api/docs" in text


def test_export_demo_writes_import_files(tmp_path: Path) -> None:
    out = io.StringIO()
    call_command(
        "export_demo", "--scale", str(TINY_SCALE), "--out", str(tmp_path),
        "--catalogue", str(catalogue_csv()), stdout=out,
    )  # fmt: skip
    grids = json.loads((tmp_path / "grids.geojson").read_text(encoding="utf-8"))
    assert grids["type"] == "FeatureCollection"
    feature = grids["features"][0]
    assert set(feature["properties"]) == {
        "code", "name", "community_name", "street_name", "district_name",
    }  # fmt: skip
    assert feature["geometry"]["type"] == "Polygon"
    with (tmp_path / "components.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == COMPONENT_COLUMNS
    assert len(rows) - 1 == 7_500
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["GLBJZT"] in {"完好", "破损", "丢失", "废弃", "移除"}
    assert len(first["CSRQ"]) == 8
    assert first["CSRQ"].isdigit()
    assert first["GLBJBSM"][6:11] == "01001"
