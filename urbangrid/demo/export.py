"""Write a generated demo city as files in the input formats of ``import_grids``
(GeoJSON FeatureCollection) and ``import_components`` (CSV with the GB/T 47678.5-2026
attribute abbreviations as the header)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from urbangrid.demo.generator import DemoCity, iter_components

COMPONENT_COLUMNS = (
    "GLBJBSM", "GLBJMC", "ZGBMDM", "ZGBMMC", "QSDWDM", "QSDWMC", "YHDWDM", "YHDWMC",
    "SZDYWGBSM", "GLBJZT", "CSRQ", "BGRQ", "SJLY", "BZ", "SZJDDM", "SZJDMC", "SZSQDM",
    "SZSQMC", "X", "Y",
)  # fmt: skip
STATUS_ZH = {
    "intact": "完好",
    "damaged": "破损",
    "lost": "丢失",
    "abandoned": "废弃",
    "removed": "移除",
}


def write_grids_geojson(city: DemoCity, path: Path) -> int:
    """``grids.geojson``: one Polygon feature per unit grid; returns the count."""
    communities = {c.code: c for c in city.communities}
    streets = {s.code: s for s in city.streets}
    with path.open("w", encoding="utf-8") as fh:
        fh.write('{"type": "FeatureCollection", "features": [\n')
        for i, grid in enumerate(city.grids):
            community = communities[grid.community_code]
            feature = {
                "type": "Feature",
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "community_name": community.name,
                    "street_name": streets[community.parent_code].name,
                    "district_name": city.district.name,
                },
                "geometry": grid.geometry,
            }
            fh.write(("," if i else "") + json.dumps(feature, ensure_ascii=False) + "\n")
        fh.write("]}\n")
    return len(city.grids)


def write_components_csv(city: DemoCity, path: Path) -> int:
    """``components.csv``: one row per component, dates YYYYMMDD, status in Chinese."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(COMPONENT_COLUMNS)
        for c in iter_components(city):
            writer.writerow(
                (
                    c.ident, c.name, c.competent_code, c.competent_name, c.owner_code,
                    c.owner_name, c.maintainer_code, c.maintainer_name, c.grid_code,
                    STATUS_ZH[c.status], c.initial_on.strftime("%Y%m%d"),
                    c.changed_on.strftime("%Y%m%d") if c.changed_on else "", c.data_source,
                    c.remark, c.street_code, c.street_name, c.community_code,
                    c.community_name, f"{c.lng:.7f}", f"{c.lat:.7f}",
                )
            )  # fmt: skip
            count += 1
    return count


def export_city(city: DemoCity, out_dir: Path) -> dict[str, int]:
    out_dir.mkdir(parents=True, exist_ok=True)
    return {
        "grids": write_grids_geojson(city, out_dir / "grids.geojson"),
        "components": write_components_csv(city, out_dir / "components.csv"),
    }
