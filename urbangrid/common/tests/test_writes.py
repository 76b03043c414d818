"""common.writes: new rows written together (one statement on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext
from psycopg.pq import TransactionStatus

from urbangrid.common import writes
from urbangrid.intake.models import IdempotencyKey
from urbangrid.outbox.models import Message, MessageStatus

pytestmark = pytest.mark.django_db
AT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
POSTGRES = connection.vendor == "postgresql"


def message(key: str, **extra: Any) -> Message:
    fields = {"topic": "t", "recipient": "r", "next_attempt_at": AT, "created_at": AT, **extra}
    return Message(dedupe_key=key, **fields)


def inserts(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"].startswith(("INSERT", "WITH"))]


def test_rows_handed_over_in_a_block_exist_after_it_with_their_ids():
    first, second = message("k-1"), message("k-2", payload={"case": "110101-20260302-0001"})
    with writes.together():
        writes.insert(first)
        writes.insert(second)
    assert first.pk is not None
    assert second.pk is not None
    assert not first._state.adding
    stored = Message.objects.get(pk=second.pk)
    assert stored.dedupe_key == "k-2"
    assert stored.payload == {"case": "110101-20260302-0001"}


def test_on_postgresql_the_block_writes_its_rows_in_one_statement_at_its_end():
    with CaptureQueriesContext(connection) as captured, writes.together():
        for i in range(3):
            writes.insert(message(f"one-{i}"))
        seen_inside = Message.objects.filter(dedupe_key__startswith="one-").count()
    statements = inserts(captured)
    if POSTGRES:
        assert seen_inside == 0  # kept until the block ends
        assert len(statements) == 1
        assert statements[0].startswith("WITH w0 AS (INSERT")
    else:
        assert seen_inside == 3  # written at once
        assert len(statements) == 3
    assert Message.objects.filter(dedupe_key__startswith="one-").count() == 3


def test_choices_are_written_as_their_values():
    row = message("status-1", status=MessageStatus.FAILED)
    with writes.together():
        writes.insert(row)
    assert Message.objects.filter(pk=row.pk, status="failed").exists()


def _block_breaking_a_constraint(lost: str, taken: str) -> None:
    """A block with a new message and a key row that already exists."""
    IdempotencyKey.objects.create(scope="user:1", key=taken, created_at=AT)
    with pytest.raises(IntegrityError), writes.together():  # noqa: PT012
        writes.insert(message(lost))
        writes.insert(IdempotencyKey(scope="user:1", key=taken, created_at=AT))


def test_a_row_that_breaks_a_constraint_writes_nothing_of_its_block():
    _block_breaking_a_constraint("lost-1", "taken-key")
    assert not Message.objects.filter(dedupe_key="lost-1").exists()


def test_ignore_conflicts_skips_an_existing_row_without_a_signal():
    message("dup-1").save()
    seen: list[Any] = []

    def receiver(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        seen.append((instance.dedupe_key, created))

    post_save.connect(receiver, sender=Message, dispatch_uid="test-writes")
    try:
        with writes.together():
            writes.insert_many([message("dup-1"), message("new-1")], ignore_conflicts=True)
            writes.insert(message("new-2"))
    finally:
        post_save.disconnect(dispatch_uid="test-writes", sender=Message)
    assert Message.objects.filter(dedupe_key__in=["dup-1", "new-1", "new-2"]).count() == 3
    assert seen == [("new-2", True)]  # as bulk_create: no signal for ignore_conflicts rows


def test_nested_blocks_join_the_outermost_and_at_once_writes_at_once():
    with writes.together():
        writes.insert(message("outer-1"))
        with writes.together():
            writes.insert(message("inner-1"))
        with writes.at_once():
            writes.insert(message("now-1"))
            # What the batch held was written first; this row is written at once.
            assert (
                Message.objects.filter(dedupe_key__in=["outer-1", "inner-1", "now-1"]).count() == 3
            )
    assert Message.objects.filter(dedupe_key__endswith="-1").count() == 3


def test_outside_a_block_rows_are_written_at_once():
    row = message("alone-1")
    writes.insert(row)
    assert Message.objects.filter(pk=row.pk).exists()


@pytest.mark.skipif(not POSTGRES, reason="ids are allocated ahead on PostgreSQL only")
def test_allocated_ids_come_from_the_tables_sequence_with_extra_values():
    with transaction.atomic():
        first, text = writes.allocate_ids(Message, ("%s || 'x'", ["a"]))
        (second,) = writes.allocate_ids(Message)
    assert second == first + 1
    assert text == "ax"
    row = message("allocated-1")
    row.pk = second
    with writes.together():
        writes.insert(row)
    assert Message.objects.get(pk=second).dedupe_key == "allocated-1"


# --- A block that sent nothing else: its one statement without BEGIN / COMMIT ---------------


class _Seen:
    """Execute wrapper: each statement with whether psycopg sent it in a transaction."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, bool]] = []

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        raw = connection.connection
        self.statements.append((sql, not raw.autocommit))
        return execute(sql, params, many, context)

    def of(self, prefix: str) -> list[bool]:
        return [in_tx for sql, in_tx in self.statements if sql.startswith(prefix)]


postgres_only = pytest.mark.skipif(not POSTGRES, reason="psycopg's transaction handling")
# Transactional tests restore the database by serialized rollback, like every transactional
# test here (a plain flush re-creates the content types that the next one restores).


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_block_that_sent_nothing_else_writes_its_statement_on_its_own():
    seen = _Seen()
    row = message("own-1")
    writes.allocate_ids(Message)  # the table's sequence is looked up once per process
    with connection.execute_wrapper(seen), writes.together():
        (row.pk,) = writes.allocate_ids(Message)
        writes.insert(row)
        writes.insert(message("own-2"))
    assert seen.of("SELECT nextval") == [False]  # sequences: no transaction begun for it
    assert seen.of("WITH w0") == [False]  # atomic on its own: no BEGIN, no COMMIT
    assert connection.connection.info.transaction_status == TransactionStatus.IDLE
    assert Message.objects.filter(dedupe_key__in=["own-1", "own-2"]).count() == 2
    assert connection.get_autocommit()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_block_that_read_first_keeps_its_statement_in_its_transaction():
    seen = _Seen()
    with connection.execute_wrapper(seen), writes.together():
        Message.objects.filter(dedupe_key="nothing").exists()
        writes.insert(message("read-1"))
    assert seen.of("WITH w0") == [True]
    assert Message.objects.filter(dedupe_key="read-1").exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_inside_a_callers_transaction_the_statement_is_rolled_back_with_it():
    seen = _Seen()

    def then_fail() -> None:
        with connection.execute_wrapper(seen), transaction.atomic():
            with writes.together():
                writes.insert(message("caller-1"))
            _ = 1 / 0

    with pytest.raises(ZeroDivisionError):
        then_fail()
    assert seen.of("WITH w0") == [True]
    assert not Message.objects.filter(dedupe_key="caller-1").exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_statement_on_its_own_that_fails_writes_nothing_and_leaves_the_connection_usable():
    _block_breaking_a_constraint("lost-own", "taken-own")
    assert not Message.objects.filter(dedupe_key="lost-own").exists()
    with writes.together():
        writes.insert(message("after-own"))
    assert Message.objects.filter(dedupe_key="after-own").exists()


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_receiver_may_not_write_for_rows_already_committed_on_their_own():
    def receiver(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
        Message.objects.filter(dedupe_key="anything").exists()  # a read is fine
        message(f"{instance.dedupe_key}-echo").save()

    post_save.connect(receiver, sender=Message, dispatch_uid="test-writes-echo")
    try:
        with pytest.raises(RuntimeError, match="post_save receiver wrote"), writes.together():
            writes.insert(message("echo-1"))
    finally:
        post_save.disconnect(dispatch_uid="test-writes-echo", sender=Message)
    assert not Message.objects.filter(dedupe_key="echo-1-echo").exists()


@postgres_only
def test_a_carried_read_rides_with_the_next_id_query_only():
    message("carried-1").save()
    read = "(SELECT count(*) FROM outbox_message WHERE dedupe_key LIKE %s)"
    with CaptureQueriesContext(connection) as captured, writes.carrying(read, ["carried-%"]) as it:
        (first,) = writes.allocate_ids(Message)
        (second,) = writes.allocate_ids(Message)
    assert (it.sent, it.value) == (True, 1)
    assert second == first + 1  # the carried value is not taken for an id
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) == 2
    assert "dedupe_key" in selects[0]
    assert "dedupe_key" not in selects[1]


def test_a_carried_read_without_an_id_query_is_not_sent():
    with writes.carrying("(SELECT 1)", []) as it:
        writes.insert(message("not-carried-1"))
    assert not it.sent
    assert it.value is None


@postgres_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_lost_connection_during_a_statement_on_its_own_is_reported_as_such():
    """The database going away mid-report is an OperationalError (the API's 503), not
    an error about the connection's settings."""
    import psycopg
    from django.db import OperationalError

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    admin = connection.settings_dict
    other = psycopg.connect(
        host=admin["HOST"], port=admin["PORT"], user=admin["USER"], dbname=admin["NAME"]
    )
    try:

        def lost() -> None:
            with writes.together():
                writes.insert(message("lost-connection-1"))
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
                other.commit()

        with pytest.raises(OperationalError):
            lost()
    finally:
        other.close()
        connection.close()
    assert not Message.objects.filter(dedupe_key="lost-connection-1").exists()
