"""Named personas and small ``make_*`` builders shared by the test suites.

A tiny city for tests: district 110101 "测试区" with two streets, two communities per
street and 2×2 unit grids per community, each grid a 0.001° square (~100 m) starting at
(116.400, 39.900). Builders write through the ORM only; they never mock the database.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.evaluation.periods import EARLIEST
from urbangrid.geo.models import Community, District, Street, UnitGrid
from urbangrid.organisations.models import Department, InspectorGrid, Level, Role, User
from urbangrid.organisations.uscc import make_uscc

BASE_DIR = Path(__file__).resolve().parent.parent
ORIGIN_LNG = 116.400
ORIGIN_LAT = 39.900
STEP = 0.001
_serial = itertools.count(1)


def square(lng: float, lat: float, size: float = STEP) -> dict[str, Any]:
    """A GeoJSON polygon: the square with south-west corner (lng, lat)."""
    ring = [[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size], [lng, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


def bbox_fields(geometry: dict[str, Any]) -> dict[str, float]:
    xs = [pt[0] for ring in geometry["coordinates"] for pt in ring]
    ys = [pt[1] for ring in geometry["coordinates"] for pt in ring]
    return {
        "min_lng": min(xs),
        "min_lat": min(ys),
        "max_lng": max(xs),
        "max_lat": max(ys),
        "centre_lng": (min(xs) + max(xs)) / 2,
        "centre_lat": (min(ys) + max(ys)) / 2,
    }


@dataclass
class TinyCity:
    district: District
    streets: list[Street] = field(default_factory=list)
    communities: list[Community] = field(default_factory=list)
    grids: list[UnitGrid] = field(default_factory=list)

    def grid(self, code: str) -> UnitGrid:
        return next(g for g in self.grids if g.code == code)

    def point_in(self, grid: UnitGrid) -> tuple[float, float]:
        """(lat, lng) of the centre of ``grid``."""
        assert grid.centre_lat is not None
        assert grid.centre_lng is not None
        return grid.centre_lat, grid.centre_lng


def make_city(district_code: str = "110101", name: str = "测试区") -> TinyCity:
    """Two streets × two communities × 2×2 grids = 16 grids in a 0.008° × 0.002° strip."""
    district_geom = square(ORIGIN_LNG, ORIGIN_LAT, STEP * 8)
    district = District.objects.create(
        code=district_code,
        name=name,
        city_name="测试市",
        geometry=district_geom,
        **bbox_fields(district_geom),
    )
    city = TinyCity(district=district)
    col = 0
    for s in range(1, 3):
        street = Street.objects.create(
            district=district, code=f"{district_code}{s:03d}", name=f"第{s}街道"
        )
        city.streets.append(street)
        for c in range(1, 3):
            community = Community.objects.create(
                street=street, code=f"{street.code}{c:03d}", name=f"第{s}街道第{c}社区"
            )
            city.communities.append(community)
            seq = 1
            for dy in range(2):
                for dx in range(2):
                    geom = square(ORIGIN_LNG + (col + dx) * STEP, ORIGIN_LAT + dy * STEP)
                    grid = UnitGrid.objects.create(
                        community=community,
                        code=f"{community.code}{seq:03d}",
                        name=f"{community.name}{seq}号网格",
                        geometry=geom,
                        area_m2=8_500.0,
                        valid_from=dt.date(2024, 1, 1),
                        **bbox_fields(geom),
                    )
                    city.grids.append(grid)
                    seq += 1
            col += 2
    return city


def make_type(
    code: str = "06010",
    name: str = "暴露垃圾",
    *,
    kind: str = Kind.MATTER,
    class_code: str | None = None,
    class_name: str = "市容环境类",
    standard: str = Standard.GBT_47678_5_2026,
    **extra: Any,
) -> CatalogType:
    """The catalogue type with this code (the migration loads the standard ones); ``extra``
    fields are applied to it, so ``make_type("07001", is_active=False)`` deactivates one."""
    obj, created = CatalogType.objects.get_or_create(
        standard=standard,
        kind=kind,
        code=code,
        defaults={
            "name": name,
            "class_code": class_code or code[:2],
            "class_name": class_name,
            **extra,
        },
    )
    if extra and not created:
        for key, value in extra.items():
            setattr(obj, key, value)
        obj.save(update_fields=list(extra))
    return obj


def make_department(
    name: str = "区环卫中心",
    *,
    level: str = Level.DISTRICT,
    district: District | None = None,
    **extra: Any,
) -> Department:
    uscc = extra.pop("uscc", None) or make_uscc(
        district.code if district else "110101", next(_serial)
    )
    return Department.objects.create(name=name, level=level, district=district, uscc=uscc, **extra)


def make_user(
    username: str,
    role: str,
    *,
    department: Department | None = None,
    area_code: str = "",
    grids: list[str] | None = None,
    password: str = "demo",
) -> User:
    user = User.objects.create_user(
        username=username, password=password, role=role, department=department, area_code=area_code
    )
    for code in grids or []:
        # Patrolled since the earliest day a period covers, as assignments made before
        # they were dated: a history built in the past (tests, bench) counts their grids.
        InspectorGrid.objects.create(inspector=user, grid_code=code, started_on=EARLIEST)
    return user


__all__ = [
    "Role",
    "TinyCity",
    "bbox_fields",
    "make_city",
    "make_department",
    "make_type",
    "make_user",
    "second_instance",
    "square",
]


@contextlib.contextmanager
def second_instance(
    workdir: Path, set_up: str, *, name: str = "other"
) -> Iterator[tuple[str, Callable[..., str]]]:
    """Another running urbangrid (``manage.py runserver`` on a free port) with its own
    migrated SQLite database in ``workdir``, prepared by the Python code ``set_up`` run
    in ``manage.py shell``. Yields its base URL and ``run(*args)``, which runs a manage.py
    command against it and returns its output. For tests of two platforms talking."""
    env = {
        **os.environ,
        "URBANGRID_ENV": "test",
        "DATABASE_URL": f"sqlite:///{workdir / f'{name}.sqlite3'}",
        "URBANGRID_VAR_DIR": str(workdir),
        "MEDIA_ROOT": str(workdir / "media"),
    }
    env.pop("UG_TEST_DB_SUFFIX", None)
    manage = [sys.executable, str(BASE_DIR / "manage.py")]

    def run(*args: str) -> str:
        done = subprocess.run(
            [*manage, *args], env=env, cwd=BASE_DIR, check=True, timeout=300, capture_output=True
        )
        return done.stdout.decode()

    run("migrate", "--noinput", "-v", "0")
    run("shell", "-c", set_up)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    server = subprocess.Popen(
        [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield url, run
    finally:
        server.terminate()
        server.wait(timeout=10)


def queries(work: Callable[[], object]) -> int:
    """How many SQL queries ``work()`` runs on the default connection."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        work()
    return len(captured.captured_queries)


def sign_in_superuser(client: Any, username: str = "root") -> Any:
    """``client`` signed in as a new superuser (role admin): for the Django admin's pages."""
    user = make_user(username, Role.ADMIN)
    user.is_staff = user.is_superuser = True
    user.save()
    client.force_login(user)
    return client


def browser_sign_in(
    browser: Any, base: str, username: str, viewport: dict[str, int] | None = None
) -> tuple[Any, Any]:
    """A new browser context signed in as ``username`` (password ``demo``): (context,
    page). ``viewport`` defaults to a large phone."""
    context = browser.new_context(viewport=viewport or {"width": 412, "height": 900})
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def wait_until(page: Any, script: str, timeout: float = 20_000) -> None:
    """Until ``script`` is true. Unlike ``page.wait_for_function`` (for which a promise is
    simply a true value), ``page.evaluate`` waits for a promise's answer."""
    deadline = time.monotonic() + timeout / 1000
    while not page.evaluate(script):
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} ms: {script}")
        page.wait_for_timeout(100)
