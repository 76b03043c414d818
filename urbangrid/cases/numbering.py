"""Case numbers on PostgreSQL: ``district-YYYYMMDD-NNNN`` from one sequence per
(district, day), without a lock held until commit.

The per-(district, day) counter row (``CaseNumberCounter``), locked and incremented in
the report's transaction, made every report of a district wait for the one before it to
commit. On PostgreSQL the day's numbers come from a sequence instead: ``nextval`` takes
no lock that outlives the statement, so concurrent reports of one district do not queue.
A report that rolls back leaves a gap in the day's numbers, never a duplicate (and the
unique index on ``Case.number`` stays the last line of defence).

- The day's first report (in each process) creates the counter row if it is missing
  and, holding that row's lock (only this once), the sequence
  ``cases_number_<district>_<YYYYMMDD>_<counter id>``, starting after the row's ``last``
  (a day begun by the old counter, or by a bulk load, continues where it stopped). The
  name is remembered after the commit; later reports only call ``nextval``.
- The sequence carries the counter row's id, so a row deleted and re-created (a test's
  flush) never meets an old sequence.
- When a day's sequence is created, the district's sequences of days more than
  ``KEEP_DAYS`` earlier are folded back into their counter rows (``last`` = the last
  number taken) and dropped: a report is numbered on the day it is made, so nothing uses
  them any more; if something does later (a replay of old reports), a new sequence
  continues after ``last``.

SQLite serialises writers anyway and keeps the counter row (``services._next_number``).
"""

from __future__ import annotations

import datetime as dt
import threading

from django.db import connection, transaction
from django.db.backends.utils import CursorWrapper

from urbangrid.cases.models import CaseNumberCounter

PREFIX = "cases_number_"
KEEP_DAYS = 3

_known: dict[tuple[str, dt.date], str] = {}
_lock = threading.Lock()


def uses_sequences() -> bool:
    return connection.vendor == "postgresql"


def sequence_name(district_code: str, day: dt.date, counter_id: int) -> str:
    if not district_code.isdigit():
        raise ValueError(f"district code {district_code!r} is not all digits")
    return f"{PREFIX}{district_code}_{day:%Y%m%d}_{counter_id}"


def _sequence(district_code: str, day: dt.date) -> str:
    with _lock:
        name = _known.get((district_code, day))
    return name if name is not None else _prepare(district_code, day)


def number_sql(district_code: str, day: dt.date) -> tuple[str, list[str]]:
    """The next case number of ``district_code`` on ``day`` as an SQL expression and its
    parameters: ``district-YYYYMMDD-NNNN``, at least four digits, like ``f"{n:04d}"``."""
    return (
        "(SELECT %s || CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END "
        "FROM nextval(%s::regclass) AS n)",
        [f"{district_code}-{day:%Y%m%d}-", _sequence(district_code, day)],
    )


def _prepare(district_code: str, day: dt.date) -> str:
    """Make sure the day's sequence exists (in this transaction); its name."""
    table = connection.ops.quote_name(CaseNumberCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO {table} (district_code, "on", last) VALUES (%s, %s, 0) '
            'ON CONFLICT (district_code, "on") DO NOTHING',
            [district_code, day],
        )
        cursor.execute(
            f'SELECT id, last FROM {table} WHERE district_code = %s AND "on" = %s FOR UPDATE',
            [district_code, day],
        )
        found = cursor.fetchone()
        assert found is not None
        counter_id, last = int(found[0]), int(found[1])
        name = sequence_name(district_code, day, counter_id)
        cursor.execute(
            f"CREATE SEQUENCE IF NOT EXISTS {connection.ops.quote_name(name)} "
            f"AS bigint START WITH {last + 1} MINVALUE 1"
        )
        _fold_old_days(cursor, table, district_code, day)

    def remember() -> None:
        with _lock:
            _known[(district_code, day)] = name

    transaction.on_commit(remember)
    return name


def _fold_old_days(cursor: CursorWrapper, table: str, district_code: str, day: dt.date) -> None:
    oldest_kept = day - dt.timedelta(days=KEEP_DAYS)
    pattern = f"{PREFIX}{district_code}_%".replace("_", r"\_")
    cursor.execute(
        "SELECT sequencename, last_value FROM pg_sequences "
        "WHERE schemaname = current_schema() AND sequencename LIKE %s",
        [pattern],
    )
    rows = cursor.fetchall()
    for sequence, last_value in rows:
        parts = sequence[len(PREFIX) :].split("_")
        if len(parts) != 3:
            continue
        try:
            of_day = dt.datetime.strptime(parts[1], "%Y%m%d").date()
            counter_id = int(parts[2])
        except ValueError:
            continue
        if of_day >= oldest_kept:
            continue
        if last_value is not None:
            cursor.execute(
                f"UPDATE {table} SET last = GREATEST(last, %s) WHERE id = %s",
                [int(last_value), counter_id],
            )
        cursor.execute(f"DROP SEQUENCE IF EXISTS {connection.ops.quote_name(sequence)}")
        with _lock:
            _known.pop((district_code, of_day), None)


def forget() -> None:
    """Forget the sequences this process has seen (tests: before each test)."""
    with _lock:
        _known.clear()
