"""Save a generated demo city (``generator.DemoCity``) to the database with bulk inserts.

``load_city`` writes everything in one transaction; ``write_departments`` alone is what the
import benchmark needs before importing component files (their USCCs appear in ZGBMDM);
``delete_city`` removes a previously loaded demo district for ``load_demo --force``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterable, Iterator

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction

from urbangrid.assets.models import Component
from urbangrid.calendars.models import WorkCalendar
from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.common import clock
from urbangrid.demo.generator import (
    CITY_NAME,
    GRID_VALID_FROM,
    PASSWORD,
    AreaRow,
    DemoCity,
    GridRow,
    TypeSpec,
    iter_components,
)
from urbangrid.geo.models import Community, District, Place, Street, UnitGrid
from urbangrid.organisations.models import (
    Department,
    InspectorGrid,
    ResponsibilityRule,
    User,
)

Progress = Callable[[str], None]
BATCH_SIZE = 5000


def _quiet(_message: str) -> None:
    return None


def _batches[T](items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while batch := list(itertools.islice(it, size)):
        yield batch


def _area_fields(row: AreaRow | GridRow) -> dict[str, object]:
    return {
        "code": row.code,
        "name": row.name,
        "geometry": row.geometry,
        "min_lng": row.bbox[0],
        "min_lat": row.bbox[1],
        "max_lng": row.bbox[2],
        "max_lat": row.bbox[3],
        "centre_lng": row.centre[0],
        "centre_lat": row.centre[1],
    }


def ensure_catalogue(specs: Iterable[TypeSpec]) -> dict[tuple[str, str], int]:
    """Ids of the GB/T 47678.5-2026 types by (kind, code), creating any that are missing
    (normally the catalogue migration has loaded them all)."""
    standard = Standard.GBT_47678_5_2026.value
    existing = {
        (kind, code): pk
        for kind, code, pk in CatalogType.objects.filter(standard=standard).values_list(
            "kind", "code", "id"
        )
    }
    missing = [s for s in specs if (s.kind, s.code) not in existing]
    if missing:
        CatalogType.objects.bulk_create(
            [
                CatalogType(
                    standard=standard,
                    kind=s.kind,
                    code=s.code,
                    name=s.name,
                    class_code=s.class_code,
                    class_name=s.class_name,
                )
                for s in missing
            ],
            batch_size=BATCH_SIZE,
        )
        return ensure_catalogue([])
    return existing


def write_areas(city: DemoCity) -> None:
    """District, streets, communities and unit grids."""
    district = District.objects.create(city_name=CITY_NAME, **_area_fields(city.district))
    streets = Street.objects.bulk_create(
        [Street(district=district, **_area_fields(s)) for s in city.streets],
        batch_size=BATCH_SIZE,
    )
    street_by_code = {s.code: s for s in streets}
    communities = Community.objects.bulk_create(
        [
            Community(street=street_by_code[c.parent_code], **_area_fields(c))
            for c in city.communities
        ],
        batch_size=BATCH_SIZE,
    )
    community_by_code = {c.code: c for c in communities}
    UnitGrid.objects.bulk_create(
        [
            UnitGrid(
                community=community_by_code[g.community_code],
                area_m2=g.area_m2,
                valid_from=GRID_VALID_FROM,
                **_area_fields(g),
            )
            for g in city.grids
        ],
        batch_size=BATCH_SIZE,
    )


def _around_the_clock_calendar() -> WorkCalendar:
    calendar = WorkCalendar.objects.filter(around_the_clock=True).order_by("id").first()
    if calendar is None:
        calendar = WorkCalendar.objects.create(
            name="全天候 (24/7)", around_the_clock=True, periods=[["00:00", "24:00"]]
        )
    return calendar


def write_departments(city: DemoCity) -> dict[str, Department]:
    """The departments, linked to the district and streets when those exist already."""
    district = District.objects.filter(code=city.district.code).first()
    streets = {s.code: s for s in Street.objects.filter(code__in=[s.code for s in city.streets])}
    calendar = (
        _around_the_clock_calendar() if any(d.around_the_clock for d in city.departments) else None
    )
    created = Department.objects.bulk_create(
        [
            Department(
                uscc=d.uscc,
                name=d.name,
                short_name=d.short_name,
                level=d.level,
                district=district if d.in_district else None,
                street=streets.get(d.street_code) if d.street_code else None,
                calendar=calendar if d.around_the_clock else None,
                phone=d.phone,
            )
            for d in city.departments
        ],
        batch_size=BATCH_SIZE,
    )
    by_key = {row.key: dept for row, dept in zip(city.departments, created, strict=True)}
    children = []
    for row in city.departments:
        if row.parent_key:
            by_key[row.key].parent = by_key[row.parent_key]
            children.append(by_key[row.key])
    Department.objects.bulk_update(children, ["parent"], batch_size=BATCH_SIZE)
    return by_key


def write_rules(
    city: DemoCity, departments: dict[str, Department], type_ids: dict[tuple[str, str], int]
) -> int:
    rules = ResponsibilityRule.objects.bulk_create(
        [
            ResponsibilityRule(
                catalog_type_id=type_ids[(Kind.MATTER.value, r.type_code)] if r.type_code else None,
                class_code=r.class_code,
                area_level=r.area_level,
                area_code=r.area_code,
                basis=r.basis,
                priority=r.priority,
                department=departments[r.department_key],
                note=r.note,
            )
            for r in city.rules
        ],
        batch_size=BATCH_SIZE,
    )
    return len(rules)


_COMPONENT_FIELDS = (
    "ident", "component_type_id", "name", "competent_code", "competent_name", "owner_code",
    "owner_name", "maintainer_code", "maintainer_name", "grid_code", "status", "initial_on",
    "changed_on", "data_source", "remark", "street_code", "street_name", "community_code",
    "community_name", "lng", "lat", "extra",
)  # fmt: skip


def write_components(
    city: DemoCity,
    type_ids: dict[tuple[str, str], int],
    *,
    progress: Progress = _quiet,
    batch_size: int = BATCH_SIZE,
) -> int:
    """Insert the components with ``executemany`` on a plain cursor: building 150,000
    model instances costs several times more than the inserts themselves."""
    meta = Component._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    columns = [str(by_name[f.removesuffix("_id")].column) for f in _COMPONENT_FIELDS]
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    total = city.component_total
    written = 0
    step = max(batch_size, total // 10)
    next_report = step
    kind = Kind.COMPONENT.value
    with connection.cursor() as cursor:
        for batch in _batches(iter_components(city), batch_size):
            cursor.executemany(
                sql,
                [
                    (
                        c.ident, type_ids[(kind, c.type_code)], c.name, c.competent_code,
                        c.competent_name, c.owner_code, c.owner_name, c.maintainer_code,
                        c.maintainer_name, c.grid_code, c.status, c.initial_on, c.changed_on,
                        c.data_source, c.remark, c.street_code, c.street_name,
                        c.community_code, c.community_name, c.lng, c.lat, "{}",
                    )
                    for c in batch
                ],
            )  # fmt: skip
            written += len(batch)
            if written >= next_report or written == total:
                progress(f"components {written:,}/{total:,}")
                next_report += step
    return written


def write_places(city: DemoCity) -> int:
    district = District.objects.get(code=city.district.code)
    places = Place.objects.bulk_create(
        [
            Place(
                district=district,
                kind=p.kind,
                name=p.name,
                address=p.address,
                lng=p.lng,
                lat=p.lat,
                grid_code=p.grid_code,
            )
            for p in city.places
        ],
        batch_size=BATCH_SIZE,
    )
    return len(places)


def patrolled_since() -> dt.date:
    """The day the demo inspectors started patrolling their grids: the first day of the
    month a year before today, so the assignments cover the sample cases walked through
    the past weeks (``cases.py``) and a year of evaluation."""
    today = clock.today_local()
    return today.replace(year=today.year - 1, day=1)


def write_accounts(city: DemoCity, departments: dict[str, Department]) -> int:
    """One account per role plus generated inspectors; every password is ``demo``.

    The password is hashed once (salt derived from the seed) and shared, which keeps the
    load fast and the data deterministic; these are demo accounts only.
    """
    password = make_password(PASSWORD, salt=f"urbangriddemo{city.seed}")
    users = User.objects.bulk_create(
        [
            User(
                username=a.username,
                password=password,
                role=a.role,
                first_name=a.role_zh,
                department=departments[a.department_key],
                area_code=a.area_code,
                is_staff=a.is_staff,
                is_superuser=a.is_superuser,
            )
            for a in city.accounts
        ],
        batch_size=BATCH_SIZE,
    )
    by_name = {u.username: u for u in users}
    since = patrolled_since()
    InspectorGrid.objects.bulk_create(
        [
            InspectorGrid(inspector=by_name[a.username], grid_code=code, started_on=since)
            for a in city.accounts
            for code in a.grid_codes
        ],
        batch_size=BATCH_SIZE,
    )
    return len(users)


def load_city(city: DemoCity, *, progress: Progress = _quiet) -> dict[str, int]:
    """Write the whole demo city in one transaction; returns counts by kind."""
    started = time.perf_counter()

    def report(message: str) -> None:
        progress(f"[{time.perf_counter() - started:6.1f}s] {message}")

    with transaction.atomic():
        type_ids = ensure_catalogue(city.catalogue)
        report(f"catalogue: {len(type_ids)} types")
        write_areas(city)
        report(
            f"areas: 1 district, {len(city.streets)} streets, "
            f"{len(city.communities)} communities, {len(city.grids):,} grids"
        )
        departments = write_departments(city)
        n_rules = write_rules(city, departments, type_ids)
        report(f"{len(departments)} departments, {n_rules} responsibility rules")
        n_components = write_components(city, type_ids, progress=report)
        n_places = write_places(city)
        report(f"{n_places:,} places")
        n_users = write_accounts(city, departments)
        report(f"{n_users} accounts")
    return {
        "districts": 1,
        "streets": len(city.streets),
        "communities": len(city.communities),
        "grids": len(city.grids),
        "departments": len(departments),
        "rules": n_rules,
        "components": n_components,
        "places": n_places,
        "accounts": n_users,
    }


def delete_city(city: DemoCity) -> None:
    """Remove what ``load_city`` wrote for this city (same district code and names)."""
    with transaction.atomic():
        User.objects.filter(username__in=[a.username for a in city.accounts]).delete()
        usccs = [d.uscc for d in city.departments]
        ResponsibilityRule.objects.filter(department__uscc__in=usccs).delete()
        Component.objects.filter(ident__startswith=city.district.code).delete()
        district = District.objects.filter(code=city.district.code).first()
        Department.objects.filter(uscc__in=usccs).update(parent=None)
        Department.objects.filter(uscc__in=usccs).delete()
        if district is not None:
            Place.objects.filter(district=district).delete()
            UnitGrid.objects.filter(community__street__district=district).delete()
            Community.objects.filter(street__district=district).delete()
            Street.objects.filter(district=district).delete()
            district.delete()
