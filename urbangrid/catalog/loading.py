"""Reading catalogue CSV files and loading them into ``CatalogType``.

Used by the data migration (with the historical model) and by ``manage.py
load_catalogue``. A file is validated completely before anything is written: one bad row
and nothing is loaded. Loading is idempotent (``update_or_create`` by standard, kind and
code) and never touches the per-type configuration edited in admin (verification, check,
filing and closing standards, active flag, time limits).

Columns: ``kind,code,class_code,class_name,name`` are required; ``standard``,
``keywords``, ``plain_name`` and ``note`` are optional (a missing ``standard`` column means
GB/T 47678.5-2026 unless the caller says otherwise).
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from urbangrid.catalog.models import CatalogType, Kind, Standard

DATA_DIR = Path(__file__).resolve().parent / "data"
GBT_2026_CSV = DATA_DIR / "gbt47678_5_2026_catalogue.csv"
LEGACY_CSV = DATA_DIR / "cjt214_legacy.csv"
BUNDLED_CSVS = (GBT_2026_CSV, LEGACY_CSV)

REQUIRED_COLUMNS = ("kind", "code", "class_code", "class_name", "name")
OPTIONAL_COLUMNS = ("standard", "keywords", "plain_name", "note")
CODE_LENGTH = {Standard.GBT_47678_5_2026.value: 5, Standard.CJT_214_2007.value: 4}
_MAX_LENGTH = {
    "class_name": 30,
    "name": 60,
    "plain_name": 60,
    "keywords": 200,
    "note": 200,
}
ANOMALY_SUFFIX = "异常"

# Legacy component names whose GB/T 47678.5-2026 successor has another name but the same
# meaning (reviewed one by one against standards.md §2.4–2.5). Anything not here and not
# matching by name is left without a successor.
SAME_MEANING: dict[tuple[str, str], str] = {
    (Kind.COMPONENT.value, "上水井盖"): "供水井盖",
    (Kind.COMPONENT.value, "通讯(电信)井盖"): "通信井盖",
    (Kind.COMPONENT.value, "无主井盖"): "不明井盖",
    (Kind.COMPONENT.value, "通讯(电信)交接箱"): "通信交接箱",
    (Kind.COMPONENT.value, "健身设施"): "户外健身设施",
    (Kind.COMPONENT.value, "停车咪表"): "停车计费设备",
    (Kind.COMPONENT.value, "公交站亭"): "公交站设施",
    (Kind.COMPONENT.value, "出租车站牌"): "出租车停靠站",
    (Kind.COMPONENT.value, "高架立交桥"): "立交桥",
    (Kind.COMPONENT.value, "交通标志牌"): "交通标志牌及标线",
    (Kind.COMPONENT.value, "街头坐椅"): "街头座椅",
}
_PARENTHESISED = re.compile(r"[(（][^)）]*[)）]")


@dataclass(frozen=True)
class CatalogueRow:
    line: int
    standard: str
    kind: str
    code: str
    class_code: str
    class_name: str
    name: str
    optional: dict[str, str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.standard, self.kind, self.code)

    def defaults(self) -> dict[str, str]:
        return {
            "class_code": self.class_code,
            "class_name": self.class_name,
            "name": self.name,
            **self.optional,
        }


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CatalogueFileError(Exception):
    """A catalogue file with bad rows; ``errors`` lists every one by line."""

    def __init__(self, errors: Sequence[RowError]):
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))


@dataclass
class LoadResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    linked_components: int = 0
    linked_successors: int = 0


def _validate(
    raw: dict[str, str], line: int, default_standard: str
) -> tuple[CatalogueRow | None, list[str]]:
    values = {key: (raw.get(key) or "").strip() for key in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)}
    reasons: list[str] = []
    standard = values["standard"] or default_standard
    if standard not in CODE_LENGTH:
        reasons.append(f"unknown standard {standard!r}")
    kind = values["kind"]
    if kind not in Kind.values:
        reasons.append(f"kind must be component or matter, got {kind!r}")
    code = values["code"]
    want = CODE_LENGTH.get(standard)
    if not code.isdigit() or (want is not None and len(code) != want):
        reasons.append(f"code {code!r} must be {want or '4 or 5'} digits for {standard}")
    class_code = values["class_code"]
    if len(class_code) != 2 or not class_code.isdigit():
        reasons.append(f"class_code {class_code!r} must be 2 digits")
    elif code[:2] != class_code:
        reasons.append(f"code {code} does not start with its class_code {class_code}")
    for column in ("class_name", "name"):
        if not values[column]:
            reasons.append(f"{column} is empty")
    for column, limit in _MAX_LENGTH.items():
        if len(values[column]) > limit:
            reasons.append(f"{column} is longer than {limit} characters")
    if reasons:
        return None, reasons
    optional: dict[str, str] = {
        key: values[key] for key in ("keywords", "plain_name", "note") if key in raw
    }
    return (
        CatalogueRow(
            line=line,
            standard=standard,
            kind=kind,
            code=code,
            class_code=class_code,
            class_name=values["class_name"],
            name=values["name"],
            optional=optional,
        ),
        [],
    )


def parse_catalogue(
    text: str, *, default_standard: str = Standard.GBT_47678_5_2026
) -> list[CatalogueRow]:
    """Every row of a catalogue CSV, or ``CatalogueFileError`` listing every bad row."""
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip() for name in reader.fieldnames or []]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise CatalogueFileError([RowError(1, f"missing columns: {', '.join(missing)}")])
    reader.fieldnames = header
    rows: list[CatalogueRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, str, str], int] = {}
    for raw in reader:
        line = reader.line_num
        if not any((value or "").strip() for value in raw.values() if isinstance(value, str)):
            continue  # blank line
        if None in raw:
            errors.append(RowError(line, "more fields than columns"))
            continue
        row, reasons = _validate(raw, line, default_standard)
        errors.extend(RowError(line, reason) for reason in reasons)
        if row is None:
            continue
        if row.key in seen:
            errors.append(
                RowError(line, f"duplicate of line {seen[row.key]} ({row.kind} {row.code})")
            )
            continue
        seen[row.key] = line
        rows.append(row)
    if not rows and not errors:
        errors.append(RowError(1, "no rows"))
    if errors:
        raise CatalogueFileError(errors)
    return rows


def read_catalogue(
    path: Path, *, default_standard: str = Standard.GBT_47678_5_2026
) -> list[CatalogueRow]:
    return parse_catalogue(path.read_text(encoding="utf-8-sig"), default_standard=default_standard)


def load_rows(rows: Iterable[CatalogueRow], *, model: Any = CatalogType) -> LoadResult:
    """Create or update the rows, then fill in missing component and successor links.

    ``model`` is ``CatalogType`` or, in a data migration, its historical version.
    """
    result = LoadResult()
    rows = list(rows)
    with transaction.atomic():
        existing = {
            (obj.standard, obj.kind, obj.code): obj
            for obj in model.objects.filter(code__in={row.code for row in rows})
        }
        for row in rows:
            defaults = row.defaults()
            current = existing.get(row.key)
            if current is not None and all(
                getattr(current, key) == value for key, value in defaults.items()
            ):
                result.unchanged += 1
                continue
            _, created = model.objects.update_or_create(
                standard=row.standard, kind=row.kind, code=row.code, defaults=defaults
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
        result.linked_components = link_component_types(model=model)
        result.linked_successors = link_successors(model=model)
    return result


def link_component_types(*, model: Any = CatalogType) -> int:
    """Link each "…异常" matter without a component type to the component with its code."""
    components = {
        (obj.standard, obj.code): obj
        for obj in model.objects.filter(kind=Kind.COMPONENT).only("id", "standard", "code")
    }
    linked = 0
    matters = model.objects.filter(
        kind=Kind.MATTER, component_type__isnull=True, name__endswith=ANOMALY_SUFFIX
    )
    for matter in matters:
        component = components.get((matter.standard, matter.code))
        if component is None:
            continue
        matter.component_type = component
        matter.save(update_fields=["component_type"])
        linked += 1
    return linked


def normalised_name(name: str) -> str:
    """The name without parenthesised parts: ``(公厕)化粪池`` → ``化粪池``."""
    return _PARENTHESISED.sub("", name).strip()


def match_successor(kind: str, name: str, current: dict[str, list[int]]) -> int | None:
    """The id of the unambiguous GB/T 47678.5-2026 successor of a legacy ``name``.

    ``current`` maps each 2026 name of the same kind to the ids carrying it. Tried in
    order: exact name, the reviewed same-meaning table, then the names with parenthesised
    parts removed on both sides. Anything ambiguous gives ``None``.
    """
    exact = current.get(name, [])
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    mapped = SAME_MEANING.get((kind, name))
    if mapped is not None:
        ids = current.get(mapped, [])
        return ids[0] if len(ids) == 1 else None
    wanted = normalised_name(name)
    ids = [i for other, group in current.items() if normalised_name(other) == wanted for i in group]
    return ids[0] if len(ids) == 1 else None


def link_successors(*, model: Any = CatalogType) -> int:
    """Give each legacy type without a successor its 2026 successor, where unambiguous."""
    by_kind: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for pk, kind, name in model.objects.filter(standard=Standard.GBT_47678_5_2026).values_list(
        "id", "kind", "name"
    ):
        by_kind[kind][name].append(pk)
    linked = 0
    legacy = model.objects.exclude(standard=Standard.GBT_47678_5_2026).filter(
        successor__isnull=True
    )
    for obj in legacy:
        successor_id = match_successor(obj.kind, obj.name, by_kind[obj.kind])
        if successor_id is None:
            continue
        obj.successor_id = successor_id
        obj.save(update_fields=["successor"])
        linked += 1
    return linked
