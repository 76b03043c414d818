"""Reads of the asset inventory: components by grid, and their CSV/GeoJSON export."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any, TextIO

from django.db.models import QuerySet

from urbangrid.assets.models import Component
from urbangrid.assets.validation import COLUMNS, MODEL_FIELDS, STATUS_LABELS


def components_in(grid_prefix: str | None = None) -> QuerySet[Component]:
    """Components ordered by id; optionally those whose grid code starts with a prefix
    (a district, street, community or grid code)."""
    components = Component.objects.order_by("ident")
    if grid_prefix:
        components = components.filter(grid_code__startswith=grid_prefix)
    return components


def _date(value: dt.date | None) -> str:
    return value.strftime("%Y%m%d") if value else ""


def component_records(components: QuerySet[Component]) -> Iterator[dict[str, Any]]:
    """One dict per component keyed by the standard abbreviations (plus X/Y, extras)."""
    for values in components.values_list(*MODEL_FIELDS, "extra").iterator(chunk_size=5000):
        record: dict[str, Any] = dict(zip(COLUMNS, values[:-1], strict=True))
        record["GLBJZT"] = STATUS_LABELS.get(record["GLBJZT"], record["GLBJZT"])
        record["CSRQ"] = _date(record["CSRQ"])
        record["BGRQ"] = _date(record["BGRQ"])
        extra = values[-1]
        if extra:
            record.update(extra)
        yield record


def write_components_csv(out: TextIO, components: QuerySet[Component]) -> int:
    """Write the standard CSV (header = abbreviations, X, Y); returns the row count."""
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    count = 0
    for record in component_records(components):
        writer.writerow([record[c] for c in COLUMNS])
        count += 1
    return count


def write_components_geojson(out: TextIO, components: QuerySet[Component]) -> int:
    """Write a FeatureCollection of Points with the standard properties; the count."""
    out.write('{"type": "FeatureCollection", "features": [\n')
    count = 0
    for record in component_records(components):
        lng, lat = record.pop("X"), record.pop("Y")
        feature = {
            "type": "Feature",
            "id": record["GLBJBSM"],
            "geometry": {"type": "Point", "coordinates": [lng, lat]},
            "properties": record,
        }
        out.write((",\n" if count else "") + json.dumps(feature, ensure_ascii=False))
        count += 1
    out.write("\n]}\n")
    return count
