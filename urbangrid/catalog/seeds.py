"""Seed stage time limits (时限): configurable defaults, loaded once by the data migration.

Every seeded row carries a ``note`` saying it is a configurable default and where the
value comes from (standards.md §4.3–4.4; the national CJ/T 315 table was not obtained).
Seeding never overwrites a row that already exists, so admin edits survive.
"""

from __future__ import annotations

from typing import Any

from urbangrid.catalog.models import (
    CatalogType,
    Grade,
    Kind,
    LimitUnit,
    Stage,
    StageLimit,
    Standard,
)

DEFAULT_NOTE = "可配置默认值 (configurable default)"

# (stage, grade, amount, unit, source) for every type.
DEFAULT_LIMITS: tuple[tuple[str, str, int, str, str], ...] = (
    (Stage.ACCEPT, "", 30, LimitUnit.WORKING_MINUTES, "common practice [U]"),
    (Stage.VERIFY, "", 30, LimitUnit.WORKING_MINUTES, "standards.md §4.4 核实 30 min [R]"),
    (Stage.FILE, "", 30, LimitUnit.WORKING_MINUTES, "common practice [U]"),
    (Stage.DISPATCH, "", 30, LimitUnit.WORKING_MINUTES, "common practice [U]"),
    (Stage.CHECK, "", 120, LimitUnit.WORKING_MINUTES, "standards.md §4.4 核查 120 min (慈溪) [R]"),
    (Stage.CLOSE, "", 60, LimitUnit.WORKING_MINUTES, "common practice [U]"),
    (Stage.HANDLE, Grade.GENERAL, 1, LimitUnit.WORKING_DAYS, "一般性 [U]"),
    (Stage.HANDLE, Grade.ENGINEERING, 5, LimitUnit.WORKING_DAYS, "工程性 [U]"),
    (Stage.HANDLE, Grade.SPECIAL, 15, LimitUnit.WORKING_DAYS, "特殊性 [U]"),
)

# (GB/T 47678.5-2026 matter code, stage, grade, amount, unit, source).
TYPE_LIMITS: tuple[tuple[str, str, str, int, str, str], ...] = (
    ("06001", Stage.HANDLE, Grade.GENERAL, 7, LimitUnit.WORKING_DAYS, "§4.4 私搭乱建 处罚 [R] S16"),
    (
        "06001",
        Stage.HANDLE,
        Grade.ENGINEERING,
        20,
        LimitUnit.WORKING_DAYS,
        "§4.4 私搭乱建 拆除 [R] S16",
    ),
    ("06010", Stage.HANDLE, Grade.GENERAL, 4, LimitUnit.WORKING_HOURS, "§4.4 暴露垃圾 [R] S16"),
    ("06011", Stage.HANDLE, Grade.GENERAL, 4, LimitUnit.WORKING_HOURS, "§4.4 积存垃圾渣土 [R] S16"),
    ("06011", Stage.HANDLE, Grade.ENGINEERING, 2, LimitUnit.WORKING_DAYS, "§4.4 渣土堆 [R] S16"),
    ("06012", Stage.HANDLE, Grade.GENERAL, 2, LimitUnit.WORKING_HOURS, "§4.4 道路不洁 [R] S16"),
    ("06017", Stage.HANDLE, Grade.GENERAL, 4, LimitUnit.WORKING_HOURS, "§4.4 绿地保洁 [R] S16"),
)

# Every manhole-cover anomaly (“…井盖异常”): Guangzhou 井盖设施管理办法 (2021).
MANHOLE_SUFFIX = "井盖异常"
MANHOLE_LIMITS: tuple[tuple[str, str, int, str, str], ...] = (
    (Stage.HANDLE, Grade.GENERAL, 6, LimitUnit.CALENDAR_HOURS, "§4.4 井盖 6 h (广州) [R]"),
    (Stage.HANDLE, Grade.ENGINEERING, 36, LimitUnit.CALENDAR_HOURS, "§4.4 井盖 36 h (广州) [R]"),
)


def seed_stage_limits(*, type_model: Any = CatalogType, limit_model: Any = StageLimit) -> int:
    """Create the seeded limits that do not exist yet; the number created."""
    created = 0

    def ensure(catalog_type: Any, stage: str, grade: str, amount: int, unit: str, src: str) -> None:
        nonlocal created
        _, made = limit_model.objects.get_or_create(
            catalog_type=catalog_type,
            stage=stage,
            grade=grade,
            defaults={"amount": amount, "unit": unit, "note": f"{DEFAULT_NOTE}; {src}"},
        )
        created += int(made)

    for stage, grade, amount, unit, source in DEFAULT_LIMITS:
        ensure(None, stage, grade, amount, unit, source)
    matters = type_model.objects.filter(standard=Standard.GBT_47678_5_2026, kind=Kind.MATTER)
    by_code = {obj.code: obj for obj in matters.filter(code__in={t[0] for t in TYPE_LIMITS})}
    for code, stage, grade, amount, unit, source in TYPE_LIMITS:
        if code in by_code:
            ensure(by_code[code], stage, grade, amount, unit, source)
    for matter in matters.filter(name__endswith=MANHOLE_SUFFIX):
        for stage, grade, amount, unit, source in MANHOLE_LIMITS:
            ensure(matter, stage, grade, amount, unit, source)
    return created
