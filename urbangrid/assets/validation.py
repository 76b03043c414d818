"""Pure checks of component (部件) records in the GB/T 47678.5-2026 attribute set.

A component id (管理部件标识码, GLBJBSM) has 17 digits under GB/T 47678.5-2026 (6 admin +
5 type + 6 serial) and 16 under the legacy CJ/T 214-2007 (6 + 4 + 6). Dates are
``YYYYMMDD`` or ``YYYY-MM-DD``; statuses are the Chinese names or the stored English values.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from urbangrid.assets.models import ComponentStatus
from urbangrid.catalog.models import Standard

# The 18 standard attributes (GB/T 47678.5-2026 Table 2) in order, then the point.
STANDARD_FIELDS = (
    "GLBJBSM",
    "GLBJMC",
    "ZGBMDM",
    "ZGBMMC",
    "QSDWDM",
    "QSDWMC",
    "YHDWDM",
    "YHDWMC",
    "SZDYWGBSM",
    "GLBJZT",
    "CSRQ",
    "BGRQ",
    "SJLY",
    "BZ",
    "SZJDDM",
    "SZJDMC",
    "SZSQDM",
    "SZSQMC",
)
COLUMNS = (*STANDARD_FIELDS, "X", "Y")

# The model fields of ``Component`` in the order of COLUMNS (the 18 standard attributes,
# then X and Y).
MODEL_FIELDS = (
    "ident",
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
)

# Longest text allowed per attribute (the standard's lengths; codes checked separately).
MAX_LENGTH = {
    "GLBJMC": 30,
    "ZGBMMC": 100,
    "QSDWMC": 100,
    "YHDWMC": 100,
    "SJLY": 30,
    "BZ": 1000,
    "SZJDMC": 50,
    "SZSQMC": 50,
}

STATUS_VALUES: dict[str, str] = {
    "完好": ComponentStatus.INTACT,
    "破损": ComponentStatus.DAMAGED,
    "丢失": ComponentStatus.LOST,
    "废弃": ComponentStatus.ABANDONED,
    "移除": ComponentStatus.REMOVED,
    **{s.value: s.value for s in ComponentStatus},
}
STATUS_LABELS: dict[str, str] = {
    ComponentStatus.INTACT: "完好",
    ComponentStatus.DAMAGED: "破损",
    ComponentStatus.LOST: "丢失",
    ComponentStatus.ABANDONED: "废弃",
    ComponentStatus.REMOVED: "移除",
}

STANDARD_BY_LENGTH = {17: Standard.GBT_47678_5_2026.value, 16: Standard.CJT_214_2007.value}
TYPE_CODE_LENGTH = {17: 5, 16: 4}


def component_id_error(ident: str) -> str | None:
    """Why ``ident`` is not a well-formed component id, or ``None``."""
    if not ident:
        return "component id (GLBJBSM) is missing"
    if not (ident.isascii() and ident.isdigit()):
        return f"component id {ident!r} must contain digits only"
    if len(ident) not in STANDARD_BY_LENGTH:
        return (
            f"component id must have 17 digits (GB/T 47678.5-2026) or 16 (CJ/T 214), "
            f"got {len(ident)}"
        )
    return None


def type_code_of(ident: str) -> str:
    """The component type code inside a well-formed id (digits 7–11, or 7–10 legacy)."""
    return ident[6 : 6 + TYPE_CODE_LENGTH[len(ident)]]


def standard_of(ident: str) -> str:
    """The catalogue standard a well-formed id belongs to, by its length."""
    return STANDARD_BY_LENGTH[len(ident)]


@lru_cache(maxsize=20_000)
def parse_date(text: str) -> dt.date:
    """``YYYYMMDD`` or ``YYYY-MM-DD``; ``ValueError`` with a readable message otherwise."""
    value = text.strip()
    try:
        if len(value) == 8 and value.isdigit():
            return dt.date(int(value[:4]), int(value[4:6]), int(value[6:]))
        if len(value) == 10 and value[4] == "-" and value[7] == "-":
            return dt.date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"{text!r} is not a date (YYYYMMDD or YYYY-MM-DD)")


def parse_status(text: str) -> str:
    """The stored status value for a Chinese or English status."""
    try:
        return STATUS_VALUES[text.strip()]
    except KeyError:
        raise ValueError(
            f"status {text!r} is not one of 完好/破损/丢失/废弃/移除 "
            "(or intact/damaged/lost/abandoned/removed)"
        ) from None
