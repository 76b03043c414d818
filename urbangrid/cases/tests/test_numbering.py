"""Case numbers ``district-YYYYMMDD-NNNN``: unique under concurrency, never reused.

On PostgreSQL they come from a sequence per (district, day) (``cases.numbering``), so
reports do not wait for each other; a report that rolls back leaves a gap. On SQLite the
counter row is taken under the database's single writer lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection, transaction

from urbangrid.cases import numbering
from urbangrid.cases.models import Case, CaseNumberCounter

from .conftest import MONDAY_0900, build_world
from .test_concurrency import race, real_database  # noqa: F401 - fixture

REPORTS_PER_THREAD = 5


def postgresql_only() -> None:
    if not numbering.uses_sequences():
        pytest.skip("sequences: PostgreSQL only (SQLite keeps the locked counter row)")


def suffix(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


def test_a_day_begun_by_the_counter_continues_after_its_last(world):
    CaseNumberCounter.objects.create(district_code="110101", on=dt.date(2025, 9, 29), last=41)
    assert world.report().number == "110101-20250929-0042"
    assert world.report().number == "110101-20250929-0043"


def test_numbers_past_9999_keep_every_digit(world):
    CaseNumberCounter.objects.create(district_code="110101", on=dt.date(2025, 9, 29), last=9999)
    assert world.report().number == "110101-20250929-10000"


def test_a_rolled_back_report_never_gives_its_number_to_another(world):
    first = world.report()
    taken: list[Case] = []

    def report_then_fail() -> None:
        with transaction.atomic():
            taken.append(world.report())
            raise RuntimeError("the caller fails after the report")

    with pytest.raises(RuntimeError, match="fails after"):
        report_then_fail()
    (lost,) = taken
    assert not Case.objects.filter(number=lost.number).exists()
    later = world.report()
    assert suffix(first.number) < suffix(later.number)
    if numbering.uses_sequences():
        assert suffix(later.number) == suffix(lost.number) + 1  # a gap, never a reuse
    else:
        assert later.number == lost.number  # the counter rolled back with it


def test_the_sequence_of_a_past_day_is_folded_into_its_counter(world, frozen: Any):
    postgresql_only()
    day = MONDAY_0900.date()
    assert [suffix(world.report().number) for _ in range(2)] == [1, 2]
    counter = CaseNumberCounter.objects.get(district_code="110101", on=day)
    old = numbering.sequence_name("110101", day, counter.pk)
    assert old in sequences()

    frozen.move_to(MONDAY_0900 + dt.timedelta(days=numbering.KEEP_DAYS + 2))
    assert suffix(world.report().number) == 1
    assert old not in sequences()
    counter.refresh_from_db()
    assert counter.last == 2

    # A report dated that day again (a replay): it continues, never reuses a number.
    frozen.move_to(MONDAY_0900 + dt.timedelta(hours=1))
    assert world.report().number == "110101-20250929-0003"


def test_a_sequence_name_holds_only_digits_and_the_day():
    assert numbering.sequence_name("110101", dt.date(2026, 1, 2), 7) == (
        "cases_number_110101_20260102_7"
    )
    with pytest.raises(ValueError, match="not all digits"):
        numbering.sequence_name("1101'; DROP", dt.date(2026, 1, 2), 7)


def sequences() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename FROM pg_sequences WHERE sequencename LIKE 'cases\\_number\\_%'"
        )
        return {row[0] for row in cursor.fetchall()}


def test_concurrent_reports_of_one_district_get_unique_dense_numbers(real_database):  # noqa: F811
    """Every thread starts on a day with no counter row and no sequence yet."""
    world = build_world()

    def work(i: int) -> list[str]:
        return [world.report(grid_index=i).number for _ in range(REPORTS_PER_THREAD)]

    results = race(work)
    assert all(isinstance(r, list) for r in results), results
    numbers = [number for found in results for number in found]
    total = len(numbers)
    assert len(set(numbers)) == total
    assert sorted(suffix(n) for n in numbers) == list(range(1, total + 1))
    assert Case.objects.count() == total


@pytest.mark.skipif(
    connection.vendor == "postgresql", reason="PostgreSQL numbers come from the sequence only"
)
def test_a_number_taken_on_its_own_comes_from_the_same_place(world):
    """``_next_number`` (a number without a report) and the reports' own numbers share
    the day's counter (SQLite): never the same number twice."""
    from urbangrid.cases.services import _next_number

    first = world.report()
    alone = _next_number("110101", MONDAY_0900)
    then = world.report()
    assert [suffix(n) for n in (first.number, alone, then.number)] == [1, 2, 3]
    assert alone.startswith("110101-20250929-")
