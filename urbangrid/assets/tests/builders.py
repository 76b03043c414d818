"""Builders for the asset inventory tests, on top of ``urbangrid.testing.make_city``."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from urbangrid.assets.validation import COLUMNS
from urbangrid.catalog.models import Kind, Standard
from urbangrid.organisations.uscc import make_uscc
from urbangrid.testing import TinyCity, make_city, make_type

DEPT = make_uscc("110101", 7)
OWNER = make_uscc("110101", 8)


def make_inventory_city() -> TinyCity:
    """The tiny city plus component types 01001 (GB/T 47678.5-2026) and 0101 (CJ/T 214)."""
    city = make_city()
    make_type("01001", "供水井盖", kind=Kind.COMPONENT, class_name="市政公用设施")
    make_type("0101", "上水井盖", kind=Kind.COMPONENT, class_name="公用设施",
              standard=Standard.CJT_214_2007)  # fmt: skip
    make_type("01001", "积存垃圾渣土", kind=Kind.MATTER)  # same code, but a matter type
    return city


def record(city: TinyCity, serial: int = 1, grid: int = 0, **fields: Any) -> dict[str, Any]:
    """A valid record (standard abbreviations) for a component in ``city.grids[grid]``."""
    lat, lng = city.point_in(city.grids[grid])
    base = {
        "GLBJBSM": f"11010101001{serial:06d}",
        "GLBJMC": "供水井盖",
        "ZGBMDM": DEPT,
        "ZGBMMC": "区水务局",
        "QSDWDM": OWNER,
        "QSDWMC": "自来水公司",
        "GLBJZT": "完好",
        "CSRQ": "20260101",
        "SJLY": "实测",
        "X": str(lng),
        "Y": str(lat),
    }
    base.update(fields)
    return base


def rows(*records: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"row {i + 2}", r) for i, r in enumerate(records)]


def write_csv(path: Path, *records: dict[str, Any]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(COLUMNS))
        writer.writeheader()
        for r in records:
            writer.writerow({c: r.get(c, "") for c in COLUMNS})
    return path
