"""A demo city of several districts (``load_demo --districts N``).

The first district is the usual demo district 城东区 (110199), with the city-level
departments. Each further district is that district's layout, renamed, recoded and moved
east by its own width (so districts share no grid), with its own district and street
departments under the same city-level ones, its own centre accounts (``d2_dispatcher``,
…) and a street sub-centre (街道分中心: ``d2_street_dispatcher`` with the 9-digit code of
the first street). Components are loaded for the first district only. The city centre
accounts (``city_dispatcher``, ``city_shift_leader``, ``city_leader``, area code
``1101``) see every district.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from urbangrid.demo.generator import (
    CITY_CODE,
    DISTRICT_CODE,
    DISTRICT_NAME,
    AccountRow,
    AreaRow,
    DemoCity,
    DepartmentRow,
    PlaceRow,
    RuleRow,
)
from urbangrid.demo.writer import (
    delete_city,
    ensure_catalogue,
    write_accounts,
    write_areas,
    write_places,
    write_rules,
)
from urbangrid.geo.models import District, Street
from urbangrid.organisations.models import Department, User
from urbangrid.organisations.uscc import make_uscc

MAX_DISTRICTS = 8
SIBLINGS: tuple[tuple[str, str], ...] = (
    ("110198", "城西区"),
    ("110197", "城南区"),
    ("110196", "城北区"),
    ("110195", "新城区"),
    ("110194", "高新区"),
    ("110193", "滨江区"),
    ("110192", "临港区"),
)
CITY_PREFIX = CITY_CODE[:4]
CITY_ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    # username, role, role in Chinese, department key (a city-level department)
    ("city_operator", "operator", "市级受理员", "city_urban"),
    ("city_shift_leader", "shift_leader", "市级值班长", "city_urban"),
    ("city_dispatcher", "dispatcher", "市级派遣员", "city_urban"),
    ("city_leader", "leader", "市领导", "city_urban"),
)
_SIBLING_ROLES = ("operator", "shift_leader", "dispatcher", "leader", "inspector")


def _shift(value: Any, dx: float) -> Any:
    """GeoJSON coordinates moved ``dx`` degrees east."""
    if isinstance(value, list) and value and isinstance(value[0], (int, float)):
        return [round(value[0] + dx, 7), *value[1:]]
    if isinstance(value, list):
        return [_shift(v, dx) for v in value]
    if isinstance(value, dict):
        return {k: (_shift(v, dx) if k == "coordinates" else v) for k, v in value.items()}
    return value


def _recode(code: str, new: str) -> str:
    return new + code[len(DISTRICT_CODE) :] if code.startswith(DISTRICT_CODE) else code


def _area(row: AreaRow, new: str, name: str, dx: float) -> AreaRow:
    return dataclasses.replace(
        row,
        code=_recode(row.code, new),
        name=row.name.replace(DISTRICT_NAME, name),
        parent_code=_recode(row.parent_code, new),
        geometry=_shift(row.geometry, dx),
        bbox=(row.bbox[0] + dx, row.bbox[1], row.bbox[2] + dx, row.bbox[3]),
        centre=(round(row.centre[0] + dx, 7), row.centre[1]),
    )


def sibling_district(base: DemoCity, index: int) -> DemoCity:
    """District number ``index`` (2…``MAX_DISTRICTS``) of the demo city, built from
    ``base`` (the first district)."""
    if not 2 <= index <= MAX_DISTRICTS:
        raise ValueError(f"a demo city has 1 to {MAX_DISTRICTS} districts")
    code, name = SIBLINGS[index - 2]
    width = base.district.bbox[2] - base.district.bbox[0]
    dx = (index - 1) * width * 1.02
    tag = f"d{index}_"
    departments: list[DepartmentRow] = []
    serial = 30_000 + 1_000 * index
    for row in base.departments:
        if row.level == "city":
            continue  # shared by every district
        serial += 1
        departments.append(
            dataclasses.replace(
                row,
                uscc=make_uscc(code, serial),
                name=row.name.replace(DISTRICT_NAME, name),
                short_name=row.short_name,
                street_code=_recode(row.street_code, code),
            )
        )
    grids = [
        dataclasses.replace(
            g,
            code=_recode(g.code, code),
            name=g.name,
            community_code=_recode(g.community_code, code),
            geometry=_shift(g.geometry, dx),
            bbox=(g.bbox[0] + dx, g.bbox[1], g.bbox[2] + dx, g.bbox[3]),
            centre=(round(g.centre[0] + dx, 7), g.centre[1]),
        )
        for g in base.grids
    ]
    streets = [_area(s, code, name, dx) for s in base.streets]
    first_street = streets[0].code
    accounts = [
        AccountRow(
            username=f"{tag}{role}",
            role=role,
            role_zh=f"{name}{role}",
            department_key="centre",
            area_code=code,
            is_staff=False,
            is_superuser=False,
            grid_codes=tuple(g.code for g in grids[:40]) if role == "inspector" else (),
        )
        for role in _SIBLING_ROLES
    ]
    accounts.append(
        AccountRow(
            username=f"{tag}street_dispatcher",
            role="dispatcher",
            role_zh="街道分中心派遣员",
            department_key=f"street_{first_street[-3:]}",
            area_code=first_street,
            is_staff=False,
            is_superuser=False,
            grid_codes=(),
        )
    )
    accounts.append(
        AccountRow(
            username=f"{tag}street_handler",
            role="handler",
            role_zh="街道处置人员",
            department_key=f"street_{first_street[-3:]}",
            area_code=first_street,
            is_staff=False,
            is_superuser=False,
            grid_codes=(),
        )
    )
    return DemoCity(
        scale=base.scale,
        seed=base.seed,
        catalogue=base.catalogue,
        district=_area(base.district, code, name, dx),
        streets=streets,
        communities=[_area(c, code, name, dx) for c in base.communities],
        grids=grids,
        departments=departments,
        rules=[_rule(r, code) for r in base.rules],
        places=[_place(p, code, name, dx) for p in base.places],
        accounts=accounts,
        component_counts={},
    )


def _rule(row: RuleRow, code: str) -> RuleRow:
    return dataclasses.replace(row, area_code=_recode(row.area_code, code))


def _place(row: PlaceRow, code: str, name: str, dx: float) -> PlaceRow:
    return dataclasses.replace(
        row,
        address=row.address.replace(DISTRICT_NAME, name),
        lng=round(row.lng + dx, 7),
        grid_code=_recode(row.grid_code, code),
    )


def city_accounts() -> list[AccountRow]:
    """The city centre's accounts: area code ``1101`` (every district of the city)."""
    return [
        AccountRow(
            username=username,
            role=role,
            role_zh=role_zh,
            department_key=department,
            area_code=CITY_PREFIX,
            is_staff=False,
            is_superuser=False,
            grid_codes=(),
        )
        for username, role, role_zh, department in CITY_ACCOUNTS
    ]


def sibling_usernames(indexes: Sequence[int]) -> list[str]:
    tags = [f"d{i}_" for i in indexes]
    return [
        f"{t}{r}" for t in tags for r in (*_SIBLING_ROLES, "street_dispatcher", "street_handler")
    ]


# --------------------------------------------------------------------------- writing


def shared_departments(base: DemoCity) -> dict[str, Department]:
    """The city-level departments of the first district, by key (loaded already)."""
    keys = {d.uscc: d.key for d in base.departments if d.level == "city"}
    return {keys[d.uscc]: d for d in Department.objects.filter(uscc__in=list(keys))}


def load_sibling(sibling: DemoCity, shared: dict[str, Department]) -> dict[str, int]:
    """Write one further district: areas, departments (under the shared city-level
    ones), rules, places and accounts. No components."""
    with transaction.atomic():
        type_ids = ensure_catalogue(sibling.catalogue)
        write_areas(sibling)
        district = District.objects.get(code=sibling.district.code)
        streets = {s.code: s for s in Street.objects.filter(district=district)}
        created = Department.objects.bulk_create(
            [
                Department(
                    uscc=d.uscc,
                    name=d.name,
                    short_name=d.short_name,
                    level=d.level,
                    district=district,
                    street=streets.get(d.street_code) if d.street_code else None,
                    phone=d.phone,
                )
                for d in sibling.departments
            ]
        )
        by_key = {**shared, **{r.key: d for r, d in zip(sibling.departments, created, strict=True)}}
        children = []
        for row in sibling.departments:
            if row.parent_key:
                by_key[row.key].parent = by_key[row.parent_key]
                children.append(by_key[row.key])
        Department.objects.bulk_update(children, ["parent"])
        n_rules = write_rules(sibling, by_key, type_ids)
        n_places = write_places(sibling)
        n_users = write_accounts(sibling, by_key)
    return {
        "districts": 1,
        "streets": len(sibling.streets),
        "communities": len(sibling.communities),
        "grids": len(sibling.grids),
        "departments": len(created),
        "rules": n_rules,
        "components": 0,
        "places": n_places,
        "accounts": n_users,
    }


def load_city_accounts(base: DemoCity, shared: dict[str, Department]) -> int:
    """The city centre's accounts (password ``demo``)."""
    accounts = DemoCity(
        scale=base.scale,
        seed=base.seed,
        catalogue=(),
        district=base.district,
        accounts=city_accounts(),
    )
    return write_accounts(accounts, shared)


def delete_siblings(base: DemoCity) -> None:
    """Remove every further district and the city accounts (before the first district,
    whose city-level departments they hang under)."""
    User.objects.filter(username__in=[u for u, *_ in CITY_ACCOUNTS]).delete()
    for index in range(MAX_DISTRICTS, 1, -1):
        code, _name = SIBLINGS[index - 2]
        if District.objects.filter(code=code).exists():
            delete_city(sibling_district(base, index))
