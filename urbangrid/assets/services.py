"""Writes of the asset inventory (部件普查): bulk import of component records.

Records come from CSV (header = the standard abbreviations plus ``X``/``Y``) or GeoJSON
(Point features with the same properties). Every record is checked (id layout, type in the
catalogue, district prefix and grid at the point, USCC codes, status, dates, lengths) and
located with :func:`urbangrid.geo.locate.locate_indices`. All chunks are written inside one
transaction, which is rolled back when any record is bad (unless ``skip_invalid``), so
nothing is half-written.

The work is done a chunk of records at a time and column by column: a chunk becomes one
list per attribute and each check runs over a whole column (one regular expression over the
joined ids, one USCC/date/status check per *distinct* value, list comparisons against the
codes at the located points), going row by row only through a column that holds a bad
value, so every problem is still reported with its row, in the same order as a row-by-row
check. The good rows go to the database with one ``executemany`` of a prepared INSERT per
chunk (sorting them by grid measured no faster). A CSV block without quote characters is
split with ``str.split`` (the same rows as the ``csv`` module, several times faster); from
the first block with a quote on, the ``csv`` module reads the file. The cyclic garbage
collector is paused during an import (millions of short-lived rows, no cycles), and on
SQLite a large import into an empty table rebuilds the secondary indexes once at the end
(:data:`REBUILD_INDEXES_FROM`) instead of updating them row by row.
"""

from __future__ import annotations

import contextlib
import csv
import gc
import io
import itertools
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import numpy.typing as npt
from django.db import connection, transaction

from urbangrid.assets.models import Component
from urbangrid.assets.validation import (
    MAX_LENGTH,
    MODEL_FIELDS,
    STANDARD_BY_LENGTH,
    STANDARD_FIELDS,
    STATUS_VALUES,
    TYPE_CODE_LENGTH,
    component_id_error,
    parse_date,
    parse_status,
)
from urbangrid.catalog.models import CatalogType, Kind
from urbangrid.common.clock import today_local
from urbangrid.geo.locate import Location, locate_indices
from urbangrid.geo.services import Issue
from urbangrid.organisations.uscc import uscc_error

CHUNK_SIZE = 100_000
MAX_ISSUES_KEPT = 10_000
_IN_CHUNK = 900
_KNOWN = {*STANDARD_FIELDS, "X", "Y"}
_CSV_BLOCK_CHARS = 4 << 20
# On SQLite, an import into an empty table whose first chunk has this many good rows drops
# the table's secondary indexes and builds them again at the end (in the same transaction):
# sorting once is much cheaper than millions of random index inserts.
REBUILD_INDEXES_FROM = 50_000

# Columns with few distinct values, checked once per distinct value.
_CODED = {"ZGBMDM", "QSDWDM", "YHDWDM", "GLBJZT", "CSRQ", "BGRQ"}

Record = tuple[str, dict[str, Any]]
ProgressCallback = Callable[[int], None]
Problems = defaultdict[int, list[str]]

# Column order of the INSERT (the model fields of the standard columns, with the type's
# key after the id, and the extension attributes); the record tuples below follow it.
_COLUMNS = ("ident", "component_type_id", *MODEL_FIELDS[1:], "extra")
_GRID, _CHANGED = _COLUMNS.index("grid_code"), _COLUMNS.index("changed_on")

# Every well-formed id is admin (6) + type code + serial (6): the type code is ident[6:-6].
assert all(n - 12 == TYPE_CODE_LENGTH[n] for n in STANDARD_BY_LENGTH)
_IDS_OK = re.compile(
    "(?:"
    + "|".join(rf"\d{{{n}}}" for n in sorted(STANDARD_BY_LENGTH))
    + r")(?:\n(?:"
    + "|".join(rf"\d{{{n}}}" for n in sorted(STANDARD_BY_LENGTH))
    + "))*",
    re.ASCII,
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


@dataclass
class _Batch:
    """A chunk of records as columns: the standard attributes as given (``""`` when
    absent), X/Y as given (``None`` when absent), extension attributes per record (``None``
    when there are none at all) and the records whose geometry is unusable."""

    size: int
    columns: dict[str, list[str]]
    xs: Sequence[Any]
    ys: Sequence[Any]
    extras: list[dict[str, Any]] | None
    geometry_errors: dict[int, str]
    labels: Sequence[str] | None = None
    numbers: Sequence[int] = ()

    def label(self, i: int) -> str:
        return self.labels[i] if self.labels is not None else f"row {self.numbers[i]}"


# ---------------------------------------------------------------------------------------
# Reading


def read_csv_records(path: str | Path) -> Iterator[Record]:
    """Records of a CSV file (UTF-8, BOM tolerated); labels are ``row N`` (header = row 1)."""
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = [h.strip() for h in next(reader, [])]
        for number, row in enumerate(reader, start=2):
            if not row:
                continue
            yield f"row {number}", dict(zip(header, row, strict=False))


def _split_block(block: str) -> list[list[str]] | None:
    """The rows of whole CSV lines without quotes, as ``csv.reader`` reads them; ``None``
    when the block needs the ``csv`` module (quotes, or mixed line endings)."""
    if '"' in block:
        return None
    if "\r" in block:
        crlf = block.count("\r\n")
        if crlf != block.count("\r") or crlf != block.count("\n"):
            return None
        lines = block.split("\r\n")
    else:
        lines = block.split("\n")
    if lines[-1] == "":
        lines.pop()
    rows = [line.split(",") for line in lines]
    if "" in lines:  # an empty line is an empty row for csv.reader
        rows = [[] if row == [""] else row for row in rows]
    return rows


def _csv_row_blocks(handle: TextIO) -> Iterator[list[list[str]]]:
    """The rows after the header, block by block (see :func:`_split_block`); from the first
    block that needs it on, the ``csv`` module reads the rest of the file."""
    while block := handle.read(_CSV_BLOCK_CHARS):
        block += handle.readline()
        rows = _split_block(block)
        if rows is None:
            reader = csv.reader(itertools.chain(io.StringIO(block, newline=""), handle))
            while rows := list(itertools.islice(reader, 10_000)):
                yield rows
            return
        yield rows


def _rechunk[T](blocks: Iterable[list[T]], size: int) -> Iterator[list[T]]:
    """The items of the blocks in lists of ``size`` (the last one shorter)."""
    pending: list[T] = []
    for block in blocks:
        pending += block
        while len(pending) >= size:
            yield pending[:size]
            del pending[:size]
    if pending:
        yield pending


def _columns_of(
    chunk: list[list[str]], header: list[str], position: dict[str, int]
) -> tuple[dict[str, list[str]], Sequence[Any], Sequence[Any]]:
    """The standard attributes (``""`` when absent) and X/Y (``None`` when absent) of a
    chunk of CSV rows, as ``dict(zip(header, row))`` would give them (values beyond the
    header are dropped, a short row lacks its last attributes). Padded rows may extend
    ``chunk`` with ``None``."""
    n, width = len(chunk), len(header)
    padded = not (min(map(len, chunk)) == max(map(len, chunk)) == width)
    if padded:
        for i, row in enumerate(chunk):
            if len(row) > width:
                chunk[i] = row[:width]
            elif len(row) < width:
                chunk[i] = row + [None] * (width - len(row))  # type: ignore[list-item]
    cols: list[tuple[str, ...]] = list(zip(*chunk, strict=True)) if width else []

    def column(name: str) -> list[str]:
        if name not in position:
            return [""] * n
        values = cols[position[name]]
        return [v or "" for v in values] if padded else list(values)

    def raw(name: str) -> Sequence[Any]:
        return cols[position[name]] if name in position else [None] * n

    return {k: column(k) for k in STANDARD_FIELDS}, raw("X"), raw("Y")


def _csv_batches(path: str | Path, size: int) -> Iterator[_Batch]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        header = [h.strip() for h in next(csv.reader(handle), [])]
        position = {name: i for i, name in enumerate(header)}  # the last one wins
        extra_names = [
            (name, i) for name, i in position.items() if name not in _KNOWN and name[:1] != "_"
        ]
        number = 2
        for chunk in _rechunk(_csv_row_blocks(handle), size):
            numbers: Sequence[int] = range(number, number + len(chunk))
            number += len(chunk)
            if [] in chunk:
                kept = [(n, row) for n, row in zip(numbers, chunk, strict=True) if row]
                numbers, chunk = [n for n, _ in kept], [row for _, row in kept]
                if not chunk:
                    continue
            n = len(chunk)
            columns, xs, ys = _columns_of(chunk, header, position)
            extras = None
            if extra_names:
                extras = [
                    {name: row[i] for name, i in extra_names if row[i] is not None} for row in chunk
                ]
            yield _Batch(
                size=n,
                columns=columns,
                xs=xs,
                ys=ys,
                extras=extras,
                geometry_errors={},
                numbers=numbers,
            )


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


def _record_batches(records: Iterable[Record], size: int) -> Iterator[_Batch]:
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        recs = [rec for _, rec in chunk]
        extras: list[dict[str, Any]] = []
        for rec in recs:
            keys = rec.keys() - _KNOWN
            extras.append({k: rec[k] for k in keys if not k.startswith("_")} if keys else {})
        yield _Batch(
            size=len(chunk),
            columns={k: [rec.get(k) or "" for rec in recs] for k in STANDARD_FIELDS},
            xs=[rec.get("X") for rec in recs],
            ys=[rec.get("Y") for rec in recs],
            extras=extras if any(extras) else None,
            geometry_errors={
                i: rec["_geometry_error"] for i, rec in enumerate(recs) if "_geometry_error" in rec
            },
            labels=[label for label, _ in chunk],
        )


# ---------------------------------------------------------------------------------------
# Checking, column by column


def _stripped(values: list[str]) -> tuple[list[str], set[str]]:
    """The values without surrounding whitespace, and the distinct ones. Stripping each
    distinct value tells whether the column needs stripping at all."""
    distinct = set(values)
    if any(text != text.strip() for text in distinct):
        values = list(map(str.strip, values))
        distinct = set(values)
    return values, distinct


def _rows_with(values: Sequence[Any], bad: Any) -> Iterator[tuple[int, Any]]:
    """(row, value) for the values in ``bad`` (a container)."""
    return ((i, v) for i, v in enumerate(values) if v in bad)


@dataclass
class _Located:
    """Codes and names per location of one index, plus ``""`` at the end (index -1)."""

    locations: Sequence[Location]
    grid: list[str]
    street: list[str]
    street_name: list[str]
    community: list[str]
    community_name: list[str]
    district: list[str]

    @classmethod
    def of(cls, locations: Sequence[Location]) -> _Located:
        def codes(attr: str) -> list[str]:
            return [*(getattr(loc, attr) for loc in locations), ""]

        return cls(
            locations,
            codes("grid_code"),
            codes("street_code"),
            codes("street_name"),
            codes("community_code"),
            codes("community_name"),
            codes("district_code"),
        )


class _Checker:
    """Column checks with memoised lookups (USCC codes, dates, statuses repeat a lot)."""

    def __init__(self) -> None:
        types = {
            (t.standard, t.code): t.id for t in CatalogType.objects.filter(kind=Kind.COMPONENT)
        }
        # Keyed by ident[6:-6]: the standards' type codes differ in length.
        self.type_by_code = {
            code: pk
            for (standard, code), pk in types.items()
            for length, std in STANDARD_BY_LENGTH.items()
            if std == standard and len(code) == TYPE_CODE_LENGTH[length]
        }
        self.uscc: dict[str, str | None] = {}
        self.dates: dict[str, Any] = {"": None}
        self.statuses: dict[str, str] = dict(STATUS_VALUES)
        self.located: _Located | None = None

    def uscc_errors(self, codes: Iterable[str]) -> dict[str, str]:
        """The invalid ones among the (non-empty) codes, with why."""
        bad = {}
        for code in codes:
            if code not in self.uscc:
                self.uscc[code] = uscc_error(code)
            error = self.uscc[code]
            if error:
                bad[code] = error
        return bad

    def date_values(
        self, key: str, values: list[str], distinct: set[str], problems: Problems
    ) -> list[Any]:
        """The database values of a date column (``None`` where empty or bad)."""
        for text in distinct - self.dates.keys():
            try:
                self.dates[text] = connection.ops.adapt_datefield_value(parse_date(text))
            except ValueError as exc:
                self.dates[text] = exc
        adapted = list(map(self.dates.__getitem__, values))
        bad = {t for t in distinct if isinstance(self.dates[t], ValueError)}
        if bad:
            for i, text in _rows_with(values, bad):
                problems[i].append(f"{key}: {self.dates[text]}")
                adapted[i] = None
        return adapted

    def status_values(self, values: list[str], distinct: set[str], problems: Problems) -> list[str]:
        bad = {}
        for text in distinct - self.statuses.keys():
            try:
                self.statuses[text] = parse_status(text)
            except ValueError as exc:
                bad[text] = str(exc)
        if not bad:
            return list(map(self.statuses.__getitem__, values))
        result = []
        for i, text in enumerate(values):
            if text in bad:
                problems[i].append(f"GLBJZT: {bad[text]}")
            result.append(self.statuses.get(text, ""))
        return result

    def locate(self, lngs: npt.NDArray[np.float64], lats: npt.NDArray[np.float64]) -> Any:
        where, locations = locate_indices(lngs, lats)
        if self.located is None or self.located.locations is not locations:
            self.located = _Located.of(locations)
        return where, self.located

    def check(
        self,
        batch: _Batch,
        problems: Problems,
        seen: set[str],
        stored: Callable[[list[str]], set[str]],
        update: bool,
    ) -> tuple[list[Sequence[Any]], set[str]]:
        """Check a batch (problems by row, in the order of the checks); the ``_COLUMNS``
        columns of its database rows and the ids among them already ``stored``. ``seen``:
        the ids of the earlier batches (this batch's are added)."""
        n = batch.size
        raw_ids = batch.columns["GLBJBSM"]
        joined = "\n".join(raw_ids)
        ids_ok = bool(_IDS_OK.fullmatch(joined)) and joined.count("\n") == n - 1
        idents = raw_ids if ids_ok else list(map(str.strip, raw_ids))
        v: dict[str, list[str]] = {"GLBJBSM": idents}
        distinct: dict[str, set[str]] = {}
        for key in STANDARD_FIELDS[1:]:
            if key in _CODED:
                v[key], distinct[key] = _stripped(batch.columns[key])
            else:
                v[key] = list(map(str.strip, batch.columns[key]))
        for i, reason in batch.geometry_errors.items():
            problems[i].append(reason)

        type_codes = [ident[6:-6] for ident in idents]
        type_ids = list(map(self.type_by_code.get, type_codes))
        if not ids_ok or None in type_ids:
            for i, ident in enumerate(idents):
                if error := component_id_error(ident):
                    problems[i].append(error)
                    type_ids[i] = None
                elif type_ids[i] is None:
                    code, standard = type_codes[i], STANDARD_BY_LENGTH[len(ident)]
                    problems[i].append(
                        f"type code {code} (digits 7–{6 + len(code)} of the id) is not a "
                        f"{standard} component type"
                    )

        for key in ("GLBJMC", "ZGBMMC"):
            if "" in v[key]:
                for i, _ in _rows_with(v[key], {""}):
                    problems[i].append(f"{key} is missing")
        for key, limit in MAX_LENGTH.items():
            if max(map(len, v[key]), default=0) > limit:
                for i, text in enumerate(v[key]):
                    if len(text) > limit:
                        problems[i].append(f"{key} is longer than {limit} characters")

        for key in ("ZGBMDM", "QSDWDM", "YHDWDM"):
            missing = key == "ZGBMDM" and "" in distinct[key]
            bad = self.uscc_errors(distinct[key] - {""})
            if missing or bad:
                for i, code in enumerate(v[key]):
                    if not code:
                        if missing:
                            problems[i].append(f"{key} is missing")
                    elif code in bad:
                        problems[i].append(f"{key} {code!r} is not a valid USCC: {bad[code]}")

        status = self.status_values(v["GLBJZT"], distinct["GLBJZT"], problems)
        initial = self.date_values("CSRQ", v["CSRQ"], distinct["CSRQ"], problems)
        if "" in distinct["CSRQ"]:
            for i, _ in _rows_with(v["CSRQ"], {""}):
                problems[i].append("CSRQ is missing")
        changed = self.date_values("BGRQ", v["BGRQ"], distinct["BGRQ"], problems)

        lngs, lats = _points(batch, problems)
        _check_duplicates(idents, seen, problems)
        existing = stored(idents)
        if existing and not update:
            for i, _ in _rows_with(idents, existing):
                problems[i].append("component id already exists (use --update to change it)")
        where, located = self.locate(np.array(lngs), np.array(lats))
        inside = where >= 0
        outside = np.flatnonzero(~inside & np.isfinite(lngs) & np.isfinite(lats))
        for i in outside.tolist():
            problems[i].append(
                f"the point ({lngs[i]}, {lats[i]}) lies outside every current unit grid"
            )
        at = where.tolist()
        district = list(map(located.district.__getitem__, at))
        if [ident[:6] for ident in idents] != district:
            for i, (ident, code) in enumerate(zip(idents, district, strict=True)):
                if at[i] >= 0 and len(ident) >= 6 and ident[:6] != code:
                    problems[i].append(
                        f"the id starts with {ident[:6]} but the point ({lngs[i]}, {lats[i]}) "
                        f"lies in district {code}"
                    )
        at_point = {
            key: list(map(codes.__getitem__, at))
            for key, codes in (
                ("SZDYWGBSM", located.grid),
                ("SZJDDM", located.street),
                ("SZSQDM", located.community),
            )
        }
        for key, what in (("SZDYWGBSM", "grid"), ("SZJDDM", "street"), ("SZSQDM", "community")):
            given, found = v[key], at_point[key]
            if given == found or given.count("") == n:
                continue
            for i, (code, here) in enumerate(zip(given, found, strict=True)):
                if at[i] >= 0 and code and code != here:
                    problems[i].append(
                        f"{key} {code} disagrees with the {what} at the point ({here})"
                    )

        street_name, community_name = v["SZJDMC"], v["SZSQMC"]
        if "" in street_name:
            street_name = [
                g or located.street_name[w] for g, w in zip(street_name, at, strict=True)
            ]
        if "" in community_name:
            community_name = [
                g or located.community_name[w] for g, w in zip(community_name, at, strict=True)
            ]
        remark = batch.columns["BZ"]
        columns: list[Sequence[Any]] = [
            idents,
            type_ids,
            v["GLBJMC"],
            v["ZGBMDM"],
            v["ZGBMMC"],
            v["QSDWDM"],
            v["QSDWMC"],
            v["YHDWDM"],
            v["YHDWMC"],
            at_point["SZDYWGBSM"],
            status,
            initial,
            changed,
            v["SJLY"],
            remark,
            at_point["SZJDDM"],
            street_name,
            at_point["SZSQDM"],
            community_name,
            lngs,
            lats,
            batch.extras or itertools.repeat({}, n),  # type: ignore[list-item]
        ]
        return columns, existing


def _points(batch: _Batch, problems: Problems) -> tuple[list[float], list[float]]:
    """The X/Y of each record as floats (NaN where missing or bad, with the problem)."""
    n, nan = batch.size, math.nan
    try:
        lngs, lats = list(map(float, batch.xs)), list(map(float, batch.ys))
    except (ValueError, TypeError):
        lngs, lats = [nan] * n, [nan] * n
        for i, (x, y) in enumerate(zip(batch.xs, batch.ys, strict=True)):
            with contextlib.suppress(ValueError, TypeError):
                lngs[i], lats[i] = float(x or "nan"), float(y or "nan")
    for i in batch.geometry_errors:
        lngs[i] = lats[i] = nan
    x, y = np.array(lngs), np.array(lats)
    finite = np.isfinite(x) & np.isfinite(y)
    finite[list(batch.geometry_errors)] = True  # no X/Y problem besides the geometry one
    if not finite.all():
        for i in np.flatnonzero(~finite).tolist():
            problems[i].append(f"X/Y ({batch.xs[i]!r}, {batch.ys[i]!r}) is not a point")
    wrong = ~((x >= -180) & (x <= 180) & (y >= -90) & (y <= 90)) & np.isfinite(x) & np.isfinite(y)
    for i in np.flatnonzero(wrong).tolist():
        problems[i].append(f"X/Y ({lngs[i]}, {lats[i]}) is out of range")
    return lngs, lats


# ---------------------------------------------------------------------------------------
# Writing


def _existing_idents(idents: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(idents), _IN_CHUNK):
        chunk = idents[start : start + _IN_CHUNK]
        found.update(Component.objects.filter(ident__in=chunk).values_list("ident", flat=True))
    return found


def _none_stored(_idents: list[str]) -> set[str]:
    return set()


def _insert_sql() -> str:
    table = connection.ops.quote_name(Component._meta.db_table)
    cols = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    marks = ", ".join(["%s"] * len(_COLUMNS))
    return f"INSERT INTO {table} ({cols}) VALUES ({marks})"


def _update_sql() -> str:
    table = connection.ops.quote_name(Component._meta.db_table)
    sets = ", ".join(f"{connection.ops.quote_name(c)} = %s" for c in _COLUMNS[1:])
    return f"UPDATE {table} SET {sets} WHERE {connection.ops.quote_name('ident')} = %s"


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during an import: it allocates millions of
    short-lived containers (rows), none of them in a reference cycle, and the collections
    they trigger cost more than the checks. Reference counting still frees everything."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _drop_indexes() -> list[str]:
    """SQLite: drop the component table's own indexes (not the automatic one of the unique
    ident); their CREATE statements, to run again before the commit."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master "
            "WHERE type = 'index' AND tbl_name = %s AND sql IS NOT NULL",
            [Component._meta.db_table],
        )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    return [sql for _, sql in found]


def _import_batches(
    batches: Iterable[_Batch],
    *,
    skip_invalid: bool,
    update: bool,
    progress: ProgressCallback | None,
) -> ComponentImportResult:
    result = ComponentImportResult()
    checker = _Checker()
    table_has_rows = Component.objects.exists()
    seen: set[str] = set()
    extra_field = Component._meta.get_field("extra")
    empty_extra = extra_field.get_db_prep_save({}, connection)
    today = connection.ops.adapt_datefield_value(today_local())
    insert_sql, update_sql = _insert_sql(), _update_sql()
    may_rebuild = connection.vendor == "sqlite" and not table_has_rows
    stored = _existing_idents if table_has_rows else _none_stored
    dropped: list[str] = []
    done = 0

    with _gc_paused(), transaction.atomic():
        for batch in batches:
            problems: Problems = defaultdict(list)
            columns, existing = checker.check(batch, problems, seen, stored, update)
            idents: list[str] = columns[0]  # type: ignore[assignment]
            for i in sorted(problems):
                for reason in problems[i]:
                    result.issue_count += 1
                    if len(result.issues) < MAX_ISSUES_KEPT:
                        result.issues.append(Issue(batch.label(i), idents[i], reason))
            result.skipped += len(problems)
            done += batch.size
            # Keep validating (to report every bad record) but stop writing.
            if not result.issue_count or skip_invalid:
                extras = columns[-1]
                if batch.extras is not None:
                    columns[-1] = [
                        extra_field.get_db_prep_save(e, connection) if e else empty_extra
                        for e in extras
                    ]
                else:
                    columns[-1] = itertools.repeat(empty_extra, batch.size)  # type: ignore[call-overload]
                rows: Iterable[tuple[Any, ...]] = zip(*columns, strict=False)
                if problems:
                    rows = (row for i, row in enumerate(rows) if i not in problems)
                inserts: list[tuple[Any, ...]] = list(rows)
                updates: list[tuple[Any, ...]] = []
                if existing:
                    updates = [
                        (*row[1:_CHANGED], row[_CHANGED] or today, *row[_CHANGED + 1 :], row[0])
                        for row in inserts
                        if row[0] in existing
                    ]
                    inserts = [row for row in inserts if row[0] not in existing]
                if may_rebuild:
                    may_rebuild = False
                    if len(inserts) >= REBUILD_INDEXES_FROM:
                        dropped = _drop_indexes()
                with connection.cursor() as cursor:
                    if inserts:
                        cursor.executemany(insert_sql, inserts)
                    if updates:
                        cursor.executemany(update_sql, updates)
                result.created += len(inserts)
                result.updated += len(updates)
            if progress:
                progress(done)
        if result.issue_count and not skip_invalid:
            raise ComponentImportError(result.issues, result.issue_count)
        if dropped:
            with connection.cursor() as cursor:
                for sql in dropped:
                    cursor.execute(sql)
    return result


def _check_duplicates(idents: list[str], seen: set[str], problems: Problems) -> None:
    """An id given twice (in this batch or an earlier one) is a problem after the first."""
    distinct = set(idents)
    if len(distinct) == len(idents) and seen.isdisjoint(distinct):
        seen |= distinct
    else:
        for i, ident in enumerate(idents):
            if ident in seen:
                problems[i].append("duplicate component id in the input")
            elif ident:
                seen.add(ident)
    seen.discard("")


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
    return _import_batches(
        _record_batches(records, CHUNK_SIZE),
        skip_invalid=skip_invalid,
        update=update,
        progress=progress,
    )


def import_components_file(
    path: str | Path,
    *,
    skip_invalid: bool = False,
    update: bool = False,
    progress: ProgressCallback | None = None,
) -> ComponentImportResult:
    """:func:`import_components` on a CSV or GeoJSON file."""
    suffix = Path(path).suffix.lower()
    batches = (
        _record_batches(read_geojson_records(path), CHUNK_SIZE)
        if suffix in {".geojson", ".json"}
        else _csv_batches(path, CHUNK_SIZE)
    )
    return _import_batches(batches, skip_invalid=skip_invalid, update=update, progress=progress)
