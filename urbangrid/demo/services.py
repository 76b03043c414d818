"""The demo district's public face: generate it and load it (``load_demo``), describe
its accounts (``demo_accounts``)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db.models import ProtectedError

from urbangrid.catalog.models import CatalogType, Standard
from urbangrid.demo.cases import seed_cases
from urbangrid.demo.districts import (
    MAX_DISTRICTS,
    delete_siblings,
    load_city_accounts,
    load_sibling,
    shared_departments,
    sibling_district,
)
from urbangrid.demo.generator import (
    ACCOUNTS,
    PASSWORD,
    DemoCity,
    TypeSpec,
    generate_city,
    read_catalogue,
    repo_catalogue_path,
)
from urbangrid.demo.writer import Progress, delete_city, load_city
from urbangrid.evaluation.aggregates import refresh_aggregates
from urbangrid.geo.models import District
from urbangrid.open311.services import ensure_demo_key
from urbangrid.organisations.models import Role, User


class DemoRefusedError(Exception):
    """Loading the demo district is not allowed here (production, or data in the way)."""


def demo_catalogue(csv_path: Path | None = None) -> tuple[TypeSpec, ...]:
    """The GB/T 47678.5-2026 types: from ``csv_path``, else the database, else the CSV
    shipped with the catalog app."""
    if csv_path is not None:
        return read_catalogue(csv_path)
    rows = CatalogType.objects.filter(standard=Standard.GBT_47678_5_2026).order_by("kind", "code")
    specs = tuple(
        TypeSpec(kind=t.kind, code=t.code, class_code=t.class_code, class_name=t.class_name,
                 name=t.name)
        for t in rows
    )  # fmt: skip
    return specs or read_catalogue(repo_catalogue_path())


@dataclass(frozen=True)
class LoadResult:
    loaded: bool
    counts: dict[str, int]
    seconds: float


def load_demo(
    *,
    scale: float = 1.0,
    seed: int = 2004,
    if_empty: bool = False,
    force: bool = False,
    catalogue_csv: Path | None = None,
    progress: Progress | None = None,
    districts: int = 1,
    cases: int = 0,
) -> LoadResult:
    """Generate and save the demo district. Refuses in production; with ``if_empty``
    does nothing when any district exists; with ``force`` replaces an earlier demo load.

    ``districts`` > 1 builds a city: the demo district and ``districts - 1`` more, with
    street sub-centres and city centre accounts (``districts.py``). ``cases`` sample
    cases are then walked through last month's loop (``cases.py``)."""
    if not 1 <= districts <= MAX_DISTRICTS:
        raise DemoRefusedError(f"a demo city has 1 to {MAX_DISTRICTS} districts")
    if settings.IS_PRODUCTION:
        raise DemoRefusedError("refusing to load demo data: URBANGRID_ENV is production")
    if if_empty and District.objects.exists():
        return LoadResult(loaded=False, counts={}, seconds=0.0)
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    city = generate_city(demo_catalogue(catalogue_csv), scale=scale, seed=seed)
    say(f"generated {len(city.grids):,} grids, {city.component_total:,} components")
    if _present(city):
        if not force:
            raise DemoRefusedError(
                f"demo district {city.district.code} or demo accounts already present; "
                "use --force to replace them"
            )
        try:
            delete_siblings(city)
            delete_city(city)
        except ProtectedError as exc:
            raise DemoRefusedError(f"cannot replace the demo district: {exc}") from exc
        say("removed the earlier demo district")
    counts = load_city(city, progress=say)
    if districts > 1:
        shared = shared_departments(city)
        for index in range(2, districts + 1):
            more = load_sibling(sibling_district(city, index), shared)
            counts = {k: counts.get(k, 0) + v for k, v in more.items()}
            say(f"district {index}: {more['grids']:,} grids, {more['accounts']} accounts")
        counts["accounts"] += load_city_accounts(city, shared)
    ensure_demo_key()
    if cases:
        counts["cases"] = seed_cases(cases, seed=seed, progress=say)
        refresh_aggregates()
    return LoadResult(loaded=True, counts=counts, seconds=time.perf_counter() - started)


def _present(city: DemoCity) -> bool:
    return (
        District.objects.filter(code=city.district.code).exists()
        or User.objects.filter(username__in=[a.username for a in city.accounts]).exists()
    )


@dataclass(frozen=True)
class AccountLine:
    username: str
    role_zh: str
    role_en: str
    password: str
    department: str


def demo_account_lines() -> list[AccountLine]:
    """The nine role accounts, with the department each belongs to in the database (or
    ``-`` when the demo district has not been loaded)."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=[a[0] for a in ACCOUNTS]).select_related(
            "department"
        )
    }
    lines = []
    for username, role, role_zh, _dept in ACCOUNTS:
        user = users.get(username)
        department = user.department.name if user and user.department else "-"
        role_en = Role(role).name.lower().replace("_", " ")
        lines.append(AccountLine(username, role_zh, role_en, PASSWORD, department))
    return lines


def extra_inspector_count() -> int:
    return User.objects.filter(username__startswith="inspector_", role=Role.INSPECTOR).count()
