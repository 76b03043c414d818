"""Writes of the asset inventory (部件普查): bulk import of component records.

Records come from CSV (header = the standard abbreviations plus ``X``/``Y``) or GeoJSON
(Point features with the same properties). Every record is checked (id layout, type in the
catalogue, district prefix and grid at the point, USCC codes, status, dates, lengths) and
located with :func:`urbangrid.geo.locate.locate_indices`, chunk by chunk. All chunks are
written inside one transaction, which is rolled back when any record is bad (unless
``skip_invalid``), so nothing is half-written.
"""

from __future__ import annotations

import contextlib
import csv
import itertools
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from django.db import connection, transaction

from urbangrid.assets.models import Component
from urbangrid.assets.validation import (
    MAX_LENGTH,
    STANDARD_FIELDS,
    STATUS_VALUES,
    component_id_error,
    parse_date,
    parse_status,
    standard_of,
    type_code_of,
)
from urbangrid.catalog.models import CatalogType, Kind
from urbangrid.common.clock import today_local
from urbangrid.geo.locate import locate_indices
from urbangrid.geo.services import Issue
from urbangrid.organisations.uscc import uscc_error

CHUNK_SIZE = 100_000
MAX_ISSUES_KEPT = 10_000
_IN_CHUNK = 900
_KNOWN = {*STANDARD_FIELDS, "X", "Y"}

Record = tuple[str, dict[str, Any]]
ProgressCallback = Callable[[int], None]

# Column order of the INSERT; the record tuples below follow it.
_COLUMNS = (
    "ident",
    "component_type_id",
    "name",
    "competent_code",
    "competent_name",
    "owner_code",
    "owner_name",
    "maintainer_code",
    "maintainer_name",
    "grid_code",
    "status",
    "initial_on",
    "changed_on",
    "data_source",
    "remark",
    "street_code",
    "street_name",
    "community_code",
    "community_name",
    "lng",
    "lat",
    "extra",
)


class ComponentImportError(Exception):
    """Refused input; ``issues`` names the bad records (up to a cap) and why."""

    def __init__(self, issues: list[Issue], issue_count: int):
        self.issues = issues
        self.issue_count = issue_count
        super().__init__(f"{issue_count} bad record(s): " + "; ".join(map(str, issues[:5])))


@dataclass
class ComponentImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    issue_count: int = 0
    issues: list[Issue] = field(default_factory=list)


def read_csv_records(path: str | Path) -> Iterator[Record]:
    """Records of a CSV file (UTF-8, BOM tolerated); labels are ``row N`` (header = row 1)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            yield f"row {number}", dict(zip(header, row, strict=False))


def read_geojson_records(path: str | Path) -> Iterator[Record]:
    """Records of a GeoJSON FeatureCollection of Points; labels are ``feature #i``."""
    with open(path, encoding="utf-8") as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as exc:
            raise ComponentImportError(
                [Issue(str(path), "", f"broken GeoJSON (not JSON): {exc}")], 1
            ) from exc
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ComponentImportError(
            [Issue(str(path), "", "broken GeoJSON: not a FeatureCollection")], 1
        )
    for i, feature in enumerate(features):
        label = f"feature #{i}"
        record: dict[str, Any] = {}
        if isinstance(feature, dict):
            props = feature.get("properties") or {}
            if isinstance(props, dict):
                record = {
                    k: ("" if v is None else str(v)) if k in _KNOWN else v for k, v in props.items()
                }
            geometry = feature.get("geometry")
            coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
            if (
                isinstance(geometry, dict)
                and geometry.get("type") == "Point"
                and isinstance(coords, list)
                and len(coords) >= 2
            ):
                record["X"], record["Y"] = str(coords[0]), str(coords[1])
            else:
                record["_geometry_error"] = "geometry must be a GeoJSON Point"
        else:
            record["_geometry_error"] = "broken GeoJSON: not a Feature object"
        yield label, record


def read_records(path: str | Path) -> Iterator[Record]:
    """CSV or GeoJSON records, by the file's extension."""
    suffix = Path(path).suffix.lower()
    if suffix in {".geojson", ".json"}:
        return read_geojson_records(path)
    return read_csv_records(path)


class _Checker:
    """Per-record checks with memoised lookups (USCC codes, dates, types repeat a lot)."""

    def __init__(self) -> None:
        self.types = {
            (t.standard, t.code): t.id for t in CatalogType.objects.filter(kind=Kind.COMPONENT)
        }
        self.uscc: dict[str, str | None] = {}
        self.valid_uscc: set[str] = set()
        self.dates: dict[str, Any] = {}

    def uscc_problem(self, key: str, code: str) -> str | None:
        if code not in self.uscc:
            self.uscc[code] = uscc_error(code)
            if self.uscc[code] is None:
                self.valid_uscc.add(code)
        error = self.uscc[code]
        return f"{key} {code!r} is not a valid USCC: {error}" if error else None

    def date(self, key: str, text: str, problems: list[str]) -> Any:
        cached = self.dates.get(text)
        if cached is None:
            try:
                cached = connection.ops.adapt_datefield_value(parse_date(text))
            except ValueError as exc:
                cached = exc
            self.dates[text] = cached
        if isinstance(cached, ValueError):
            problems.append(f"{key}: {cached}")
            return None
        return cached

    def parse(self, rec: dict[str, Any]) -> tuple[list[Any], float, float, list[str]]:
        """The row (``_COLUMNS`` order, location fields still as given), the point, problems."""
        problems: list[str] = []
        v = {k: (rec.get(k) or "").strip() for k in STANDARD_FIELDS}
        if "_geometry_error" in rec:
            problems.append(rec["_geometry_error"])
        ident = v["GLBJBSM"]
        type_id = None
        error = component_id_error(ident)
        if error:
            problems.append(error)
        else:
            type_id = self.types.get((standard_of(ident), type_code_of(ident)))
            if type_id is None:
                problems.append(
                    f"type code {type_code_of(ident)} (digits 7–{6 + len(type_code_of(ident))}"
                    f" of the id) is not a {standard_of(ident)} component type"
                )
        if not v["GLBJMC"]:
            problems.append("GLBJMC is missing")
        if not v["ZGBMMC"]:
            problems.append("ZGBMMC is missing")
        for key, limit in MAX_LENGTH.items():
            if len(v[key]) > limit:
                problems.append(f"{key} is longer than {limit} characters")
        competent, owner, maintainer = v["ZGBMDM"], v["QSDWDM"], v["YHDWDM"]
        if not competent:
            problems.append("ZGBMDM is missing")
        elif competent not in self.valid_uscc and (p := self.uscc_problem("ZGBMDM", competent)):
            problems.append(p)
        if owner and owner not in self.valid_uscc and (p := self.uscc_problem("QSDWDM", owner)):
            problems.append(p)
        if (
            maintainer
            and maintainer not in self.valid_uscc
            and (p := self.uscc_problem("YHDWDM", maintainer))
        ):
            problems.append(p)
        status = STATUS_VALUES.get(v["GLBJZT"], "")
        if not status:
            try:
                status = parse_status(v["GLBJZT"])
            except ValueError as exc:
                problems.append(f"GLBJZT: {exc}")
        initial = self.date("CSRQ", v["CSRQ"], problems) if v["CSRQ"] else None
        if not v["CSRQ"]:
            problems.append("CSRQ is missing")
        changed = self.date("BGRQ", v["BGRQ"], problems) if v["BGRQ"] else None
        lng = lat = math.nan
        if "_geometry_error" not in rec:
            with contextlib.suppress(ValueError, TypeError):
                lng, lat = float(rec.get("X") or "nan"), float(rec.get("Y") or "nan")
            if not (math.isfinite(lng) and math.isfinite(lat)):
                problems.append(f"X/Y ({rec.get('X')!r}, {rec.get('Y')!r}) is not a point")
            elif not (-180 <= lng <= 180 and -90 <= lat <= 90):
                problems.append(f"X/Y ({lng}, {lat}) is out of range")
        extra_keys = rec.keys() - _KNOWN
        extra = {k: rec[k] for k in extra_keys if not k.startswith("_")} if extra_keys else {}
        row = [
            ident,
            type_id,
            v["GLBJMC"],
            competent,
            v["ZGBMMC"],
            owner,
            v["QSDWMC"],
            maintainer,
            v["YHDWMC"],
            v["SZDYWGBSM"],
            status,
            initial,
            changed,
            v["SJLY"],
            rec.get("BZ") or "",
            v["SZJDDM"],
            v["SZJDMC"],
            v["SZSQDM"],
            v["SZSQMC"],
            lng,
            lat,
            extra,
        ]
        return row, lng, lat, problems


def _grid_of_row(row: tuple[Any, ...]) -> str:
    return str(row[9])


def _existing_idents(idents: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(idents), _IN_CHUNK):
        chunk = idents[start : start + _IN_CHUNK]
        found.update(Component.objects.filter(ident__in=chunk).values_list("ident", flat=True))
    return found


def _insert_sql() -> str:
    table = connection.ops.quote_name(Component._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {table} ({cols}) VALUES ({marks})"


def _update_sql() -> str:
    table = connection.ops.quote_name(Component._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in _COLUMNS[1:])
    return f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name('ident')} = %s"


def import_components(
    records: Iterable[Record],
    *,
    skip_invalid: bool = False,
    update: bool = False,
    progress: ProgressCallback | None = None,
) -> ComponentImportResult:
    """Validate and import component records (see the module docstring).

    An ident already stored is an error unless ``update``: then the row is overwritten and
    its change date (BGRQ) set (today when the record gives none). Raises
    :class:`ComponentImportError` when any record is bad and not ``skip_invalid``.
    """
    result = ComponentImportResult()
    checker = _Checker()
    table_has_rows = Component.objects.exists()
    seen: set[str] = set()
    extra_field = Component._meta.get_field("extra")
    empty_extra = extra_field.get_db_prep_save({}, connection)
    today = connection.ops.adapt_datefield_value(today_local())
    insert_sql, update_sql = _insert_sql(), _update_sql()
    done = 0

    def note(label: str, ident: str, reason: str) -> None:
        result.issue_count += 1
        if len(result.issues) < MAX_ISSUES_KEPT:
            result.issues.append(Issue(label, ident, reason))

    iterator = iter(records)
    with transaction.atomic():
        while chunk := list(itertools.islice(iterator, CHUNK_SIZE)):
            parsed = [(label, *checker.parse(rec)) for label, rec in chunk]
            lngs = np.fromiter((p[2] for p in parsed), dtype=np.float64, count=len(parsed))
            lats = np.fromiter((p[3] for p in parsed), dtype=np.float64, count=len(parsed))
            where, locations = locate_indices(lngs, lats)
            idents = [p[1][0] for p in parsed]
            existing = _existing_idents(idents) if table_has_rows else set()
            inserts: list[tuple[Any, ...]] = []
            updates: list[tuple[Any, ...]] = []
            for (label, row, lng, lat, problems), at in zip(parsed, where.tolist(), strict=True):
                ident = row[0]
                if ident in seen:
                    problems.append("duplicate component id in the input")
                elif ident:
                    seen.add(ident)
                if ident in existing and not update:
                    problems.append("component id already exists (use --update to change it)")
                if at < 0:
                    if math.isfinite(lng) and math.isfinite(lat):
                        problems.append(
                            f"the point ({lng}, {lat}) lies outside every current unit grid"
                        )
                else:
                    loc = locations[at]
                    if len(ident) >= 6 and ident[:6] != loc.district_code:
                        problems.append(
                            f"the id starts with {ident[:6]} but the point ({lng}, {lat}) "
                            f"lies in district {loc.district_code}"
                        )
                    if row[9] and row[9] != loc.grid_code:
                        problems.append(
                            f"SZDYWGBSM {row[9]} disagrees with the grid at the point "
                            f"({loc.grid_code})"
                        )
                    if row[15] and row[15] != loc.street_code:
                        problems.append(
                            f"SZJDDM {row[15]} disagrees with the street at the point "
                            f"({loc.street_code})"
                        )
                    if row[17] and row[17] != loc.community_code:
                        problems.append(
                            f"SZSQDM {row[17]} disagrees with the community at the point "
                            f"({loc.community_code})"
                        )
                    row[9] = loc.grid_code
                    row[15] = loc.street_code
                    row[16] = row[16] or loc.street_name
                    row[17] = loc.community_code
                    row[18] = row[18] or loc.community_name
                if problems:
                    for reason in problems:
                        note(label, ident, reason)
                    result.skipped += 1
                    continue
                extra = row[21]
                row[21] = extra_field.get_db_prep_save(extra, connection) if extra else empty_extra
                if ident in existing:
                    row[12] = row[12] or today
                    updates.append((*row[1:], ident))
                else:
                    inserts.append(tuple(row))
            if result.issue_count and not skip_invalid:
                # Keep validating (to report every bad record) but stop writing.
                inserts, updates = [], []
            # Grid order keeps the index inserts (grid code, point) close together.
            inserts.sort(key=_grid_of_row)
            with connection.cursor() as cursor:
                if inserts:
                    cursor.executemany(insert_sql, inserts)
                if updates:
                    cursor.executemany(update_sql, updates)
            result.created += len(inserts)
            result.updated += len(updates)
            done += len(chunk)
            if progress:
                progress(done)
        if result.issue_count and not skip_invalid:
            raise ComponentImportError(result.issues, result.issue_count)
    return result


def import_components_file(
    path: str | Path,
    *,
    skip_invalid: bool = False,
    update: bool = False,
    progress: ProgressCallback | None = None,
) -> ComponentImportResult:
    """:func:`import_components` on a CSV or GeoJSON file."""
    return import_components(
        read_records(path), skip_invalid=skip_invalid, update=update, progress=progress
    )
