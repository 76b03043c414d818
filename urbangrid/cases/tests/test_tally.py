"""The open-case tallies (``cases.tally``) equal a count from scratch, whatever happens.

A random walk through the workflow — reports, every action any persona may take with
made-up input (refusals included: they roll back), deadline sweeps at later times,
compactions — then the tallies, the queue counts, the overview and the map cells are
compared with what the cases themselves say. On PostgreSQL, a compaction or a rebuild
running while a case changes in another transaction loses nothing, and two reports of
one street never wait for each other.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import math
import random
import threading
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from urbangrid.cases import tally
from urbangrid.cases.access import allowed_actions
from urbangrid.cases.exceptions import CaseError
from urbangrid.cases.models import Case, CaseEvent, OpenCaseCell, OpenCaseChange, OpenCaseCount
from urbangrid.cases.selectors import cases_visible_to
from urbangrid.cases.services import Report, apply_action, self_handle_case
from urbangrid.cases.tasks import compact_open_tallies, sweep_deadlines
from urbangrid.cases.workflow import END_STATUSES, Action, Kind, rows_for
from urbangrid.common import clock
from urbangrid.organisations.models import User
from urbangrid.staff import selectors as staff

from .conftest import World, build_world
from .test_concurrency import real_database  # noqa: F401 - a fixture
from .test_levels import _other_district_case, levels  # noqa: F401 - a fixture

SKIPPED = {Action.COORDINATE, Action.HAND_OVER}  # other districts and platforms: elsewhere


def personas(world: World) -> list[User]:
    return [
        world.operator,
        world.shift_leader,
        world.dispatcher,
        world.handler,
        world.head,
        world.other_handler,
        world.inspector,
        world.other_inspector,
        world.leader,
        world.auditor,
        world.admin,
        world.outsider,
    ]


def _input(world: World, case: Case, actor: User, action: str, rng: random.Random) -> Any:
    data: dict[str, Any] = {}
    for spec in rows_for(action)[0].inputs:
        if spec.name in ("note", "matter_code") or (not spec.required and rng.random() < 0.5):
            continue
        if spec.name == "photos":
            data["photos"] = [world.photo(case, actor).pk]  # type: ignore[attr-defined]
        elif spec.name == "department_id":
            data["department_id"] = rng.choice([world.dept_a.pk, world.dept_b.pk])
        elif spec.name == "into":
            others = Case.objects.exclude(pk=case.pk).exclude(status__in=END_STATUSES)
            numbers = list(others.order_by("pk").values_list("number", flat=True))
            data["into"] = rng.choice(numbers) if numbers else "none"
        elif spec.kind == Kind.BOOL:
            data[spec.name] = rng.random() < 0.7
        elif spec.kind == Kind.DATETIME:
            data[spec.name] = (clock.now() + dt.timedelta(days=rng.randint(3, 20))).isoformat()
        elif spec.choices:
            data[spec.name] = rng.choice(spec.choices)
        else:
            data[spec.name] = "测试"
    return data


def walk(world: World, frozen: Any, *, steps: int, seed: int) -> dict[str, int]:
    """Random reports, actions, sweeps and compactions; what happened, by kind."""
    rng = random.Random(seed)
    people = personas(world)
    done = {"reports": 0, "actions": 0, "refused": 0, "sweeps": 0, "light changes": 0}
    for _ in range(steps):
        roll = rng.random()
        if roll < 0.15 or not Case.objects.exists():
            grid = rng.randrange(16)
            if rng.random() < 0.2:
                lng, lat = world.point(grid)
                self_handle_case(
                    Report("inspector", world.matter.code, lng, lat, description="自行处置"),
                    actor=world.inspector,
                )
            else:
                world.report(grid_index=grid, channel=rng.choice(["public", "hotline"]))
            done["reports"] += 1
        elif roll < 0.22:
            frozen.shift(dt.timedelta(minutes=rng.randint(10, 600)))
            done["light changes"] += sweep_deadlines.call()
            done["sweeps"] += 1
        elif roll < 0.25:
            tally.compact()
        else:
            case = Case.objects.get(
                pk=rng.choice(Case.objects.order_by("pk").values_list("pk", flat=True))
            )
            choices = [
                (user, action)
                for user in people
                for action in allowed_actions(user, case)
                if action not in SKIPPED
            ]
            if not choices:
                continue
            user, action = rng.choice(choices)
            # Now and then without its input: refused, and rolled back.
            data = _input(world, case, user, action, rng) if rng.random() > 0.1 else {}
            try:
                apply_action(case.number, action, actor=user, data=data)
                done["actions"] += 1
            except CaseError:
                done["refused"] += 1
    return done


def live_queue_counts(user: User) -> dict[str, int]:
    """The queue counts as the cases say (what ``queue_counts`` answered before)."""
    visible = cases_visible_to(user)
    return {
        q.key: visible.filter(q.where(user)).count()
        for q in staff.queues_for(user)
        if q.key != "recent"
    }


def raw_cells(user: User, zoom: int, light: str = "") -> dict[tuple[int, int], tuple[int, ...]]:
    """Open cases ``user`` sees per map cell of ``zoom``, counted in Python."""
    size = staff.cell_size(zoom)
    cells: dict[tuple[int, int], list[Any]] = {}
    for case in cases_visible_to(user).exclude(status__in=END_STATUSES):
        if light and case.light != light:
            continue
        acc = cells.setdefault(
            (math.floor(case.lng / size), math.floor(case.lat / size)), [0, 0, 0, 0.0, 0.0]
        )
        acc[0] += 1
        acc[1] += case.light == "red"
        acc[2] += case.light == "yellow"
        acc[3] += case.lng
        acc[4] += case.lat
    return {key: (n, red, yellow) for key, (n, red, yellow, _, _) in cells.items()}


def assert_everything_agrees(world: World) -> None:
    assert tally.check() == []
    for user in personas(world):
        assert staff.queue_counts(user) == live_queue_counts(user), user.username
    for user in (world.leader, world.dispatcher, world.outsider):
        kept, counted = staff._overview(user), staff._overview_from_cases(user)
        for name in ("by_department", "by_street", "flow_today"):
            for overview in (kept, counted):
                setattr(overview, name, sorted(getattr(overview, name), key=repr))
        assert kept == counted, user.username
    box = (116.0, 39.5, 117.0, 40.5)
    for user in (world.dispatcher, world.leader, world.outsider):
        for zoom in (9, 11, 12, 13, 14, 15):
            for light in ("", "red", "yellow"):
                data = staff.map_cases(user, box, zoom, light=light)
                shown = {
                    (math.floor(c["lng"] / data.cell_size), math.floor(c["lat"] / data.cell_size))
                    if data.cell_size
                    else None: (c["n"], c["red"], c["yellow"])
                    for c in data.cells
                }
                assert shown == raw_cells(user, zoom, light), (user.username, zoom, light)
                assert data.total == sum(n for n, _, _ in shown.values())


@pytest.mark.django_db
def test_the_tallies_equal_a_count_from_scratch_after_a_random_walk(world, frozen):
    done = walk(world, frozen, steps=260, seed=7)
    # The walk went places: reports, actions, refusals and light changes all happened.
    assert done["reports"] > 20
    assert done["actions"] > 100
    assert done["refused"] > 0
    assert done["light changes"] > 0
    statuses = set(Case.objects.values_list("status", flat=True))
    assert len(statuses) >= 6, statuses
    # Today's flow names every action an event records (to read them from the index).
    assert set(CaseEvent.objects.values_list("action", flat=True)) <= set(staff.EVENT_ACTIONS)
    world.to_dispatch(world.report())
    assert OpenCaseChange.objects.exists()  # some changes are still in the journal
    assert_everything_agrees(world)
    assert compact_open_tallies.call() > 0
    assert not OpenCaseChange.objects.exists()
    assert_everything_agrees(world)
    tally.rebuild()
    assert_everything_agrees(world)


@pytest.mark.django_db
def test_a_refused_action_leaves_no_journal_row(world):
    case = world.report()
    rows = OpenCaseChange.objects.count()
    with pytest.raises(CaseError):
        apply_action(case.number, "file", actor=world.shift_leader, data={})
    assert OpenCaseChange.objects.count() == rows


@pytest.mark.django_db
def test_a_change_within_one_key_writes_nothing(world):
    case = world.to_handling(world.report())
    rows = OpenCaseChange.objects.count()
    world.act(case, "urge", world.dispatcher)  # no status, light or flag change
    assert OpenCaseChange.objects.count() == rows


@pytest.mark.django_db
def test_the_sweep_moves_a_case_between_lights(world, frozen):
    case = world.report()
    tally.compact()
    frozen.shift(dt.timedelta(minutes=31))
    assert sweep_deadlines.call() == 1
    assert tally.open_counts(statuses=["reported"]) == [
        tally.CountRow(case.grid_code[:9], "reported", "red", 0, False, False, 1)
    ]
    assert tally.check() == []


@pytest.mark.django_db
def test_a_broken_tally_is_found_and_repaired(world):
    world.report()
    world.report(grid_index=5)
    tally.compact()
    OpenCaseCount.objects.update(n=7)
    OpenCaseCell.objects.filter(level=tally.FINE).delete()
    assert tally.check() != []
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_open_tallies", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_open_tallies", stdout=out)
    assert "rebuilt" in out.getvalue()
    assert tally.check() == []
    call_command("rebuild_open_tallies", "--check", stdout=io.StringIO())


@pytest.mark.django_db
def test_the_migration_counts_an_existing_database(world, frozen):
    walk(world, frozen, steps=80, seed=3)
    for model in (OpenCaseChange, OpenCaseCount, OpenCaseCell):
        model.objects.all().delete()
    migration = importlib.import_module("urbangrid.cases.migrations.0006_open_tallies")
    migration.fill_open_tallies(apps, SimpleNamespace(connection=connection))
    assert tally.check() == []


@pytest.mark.django_db
def test_queue_counts_and_the_map_read_the_tallies_not_the_cases(world, as_user):
    from django.test.utils import CaptureQueriesContext

    world.to_dispatch(world.report())
    for user, path in (
        (world.dispatcher, "/staff/counts/"),
        (world.handler, "/staff/counts/"),
        (world.inspector, "/staff/counts/"),
        (world.dispatcher, "/api/v1/map/cases?bbox=116,39.5,117,40.5&zoom=12"),
    ):
        client = as_user(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(path).status_code == 200
        assert not [q for q in ctx.captured_queries if 'FROM "cases_case"' in q["sql"]], path


@pytest.fixture
def as_user(client: Any) -> Any:
    def sign_in(user: User) -> Any:
        client.force_login(user)
        return client

    return sign_in


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL (SQLite has a single writer)")


@pytest.mark.usefixtures("real_database")
@pytest.mark.parametrize("fold", [tally.compact, tally.rebuild])
def test_folding_while_a_case_changes_loses_nothing(fold):
    _postgres_only()
    world = build_world()
    world.report()
    started, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def report_slowly() -> None:
        try:
            with transaction.atomic():
                world.report(grid_index=3)
                started.set()
                assert release.wait(10)
        except BaseException as exc:  # collected for the test
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=report_slowly)
    thread.start()
    assert started.wait(10)
    fold()  # the open transaction's journal row is not visible yet: it stays
    release.set()
    thread.join()
    assert errors == []
    assert tally.check() == []
    tally.compact()
    assert tally.check() == []
    assert sum(r.n for r in tally.open_counts()) == 2


@pytest.mark.usefixtures("real_database")
def test_two_reports_of_one_street_do_not_wait_for_each_other():
    _postgres_only()
    world = build_world()
    world.report()  # the day's case-number sequence exists
    started, release = threading.Event(), threading.Event()

    def report_and_hold() -> None:
        try:
            with transaction.atomic():
                world.report(grid_index=1)
                started.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=report_and_hold)
    thread.start()
    try:
        assert started.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            world.report(grid_index=1)  # same grid, street and key: no lock to wait for
    finally:
        release.set()
        thread.join()
    assert tally.check() == []


@pytest.mark.django_db
def test_counts_and_map_follow_levels_and_shared_boundary_cases(levels):  # noqa: F811
    w = levels.world
    for i in (0, 3, 9, 12):
        levels.report(levels.street_operator if i < 8 else w.operator, grid_index=i)
    street_case = levels.report(levels.street_operator, grid_index=1)
    levels.to_dispatch(street_case, operator=levels.street_operator, leader=levels.street_leader)
    levels.act(street_case, "refer_up", levels.street_dispatcher, reason="街道无法处置")
    boundary = levels.report(w.operator, grid_index=6)
    levels.to_dispatch(boundary, operator=w.operator, leader=w.shift_leader)
    levels.act(boundary, "coordinate", w.dispatcher, districts="110102", reason="两区交界")
    _other_district_case(levels)
    people = [
        *personas(w),
        levels.city_dispatcher,
        levels.city_operator,
        levels.city_handler,
        levels.street_operator,
        levels.street_leader,
        levels.street_dispatcher,
        levels.street_handler,
        levels.other_district_dispatcher,
    ]
    assert tally.check() == []
    other = levels.other_district_dispatcher
    assert staff.queue_counts(other)["to_dispatch"] == 1  # the shared boundary case
    for user in people:
        assert staff.queue_counts(user) == live_queue_counts(user), user.username
    for user in (levels.city_dispatcher, levels.street_dispatcher, other, w.dispatcher):
        data = staff.map_cases(user, (116.0, 39.5, 117.0, 40.5), 14)
        shown = {
            (
                math.floor(c["lng"] / (data.cell_size or 1)),
                math.floor(c["lat"] / (data.cell_size or 1)),
            ): (
                c["n"],
                c["red"],
                c["yellow"],
            )
            for c in data.cells
        }
        assert shown == raw_cells(user, 14), user.username
