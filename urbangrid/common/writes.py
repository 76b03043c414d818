"""New rows written together: on PostgreSQL in one statement, one round trip.

A new case is several rows — the case, its first event, the open-case journal row, the
idempotency key of the submission, sometimes a tracking link and outgoing messages —
and each INSERT sent on its own costs a round trip and the ORM's compilation of the
statement, more than the database's own work (``bench/bench_intake.py``). Inside
``together()`` the services hand their new rows to ``insert`` / ``insert_sql``:

- **PostgreSQL**: the rows are kept and sent at the end of the outermost block as one
  statement — ``WITH w0 AS (INSERT … RETURNING id), w1 AS (INSERT …), … SELECT`` —
  inside the block's transaction (``transaction.atomic``), which also holds any other
  write made in the block. The statement's text depends only on the models and the
  columns, so the connection prepares it once and later only binds values. A row that
  other rows refer to needs its primary key first: ``allocate_ids`` takes it from the
  table's sequence (in the same query as anything else the caller needs before writing,
  such as the case number). The others get theirs back from the statement's
  ``RETURNING``. ``post_save`` (``created=True``) is sent for each model row after the
  statement, inside the transaction, as ``Model.save`` would.

  **A block that has sent nothing else** (no read or write before its end, as when a
  new case is reported: its lookups are cached or made before the block) needs no
  transaction around its one statement, which is atomic by itself: the statement is
  sent without ``BEGIN``, and psycopg then skips ``COMMIT`` — two round trips fewer.
  ``allocate_ids`` (sequences, which no transaction rolls back) does not open the
  transaction either. The ``post_save`` receivers run after such a statement has
  committed, so none of them may write for these rows; one that tries is refused
  (``RuntimeError``) rather than left outside the rows' transaction.
- **Other databases** (SQLite): each row is written at once, in the block's transaction;
  nothing is kept.

So code in the block must not read back a row it handed over before the block ends;
tests run on both databases, and PostgreSQL's run would show such a read.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model
from django.db.models.signals import post_save, pre_save
from psycopg import _queries as _psycopg_queries
from psycopg.pq import TransactionStatus

# psycopg turns a statement's ``%s`` placeholders into ``$n`` once per text and caches
# it, but only for texts of at most 4,096 characters and 50 parameters (longer ones are
# taken for ORM bulk inserts of varying length). A batch's statement is longer, and it
# has a few texts that recur with every report: parsing it again each time costs more
# than any other step of writing a case. Raise both bounds (the cache keeps 128 texts).
if getattr(_psycopg_queries, "MAX_CACHED_STATEMENT_LENGTH", 0) < 16_384:
    _psycopg_queries.MAX_CACHED_STATEMENT_LENGTH = 16_384
if getattr(_psycopg_queries, "MAX_CACHED_STATEMENT_PARAMS", 0) < 256:
    _psycopg_queries.MAX_CACHED_STATEMENT_PARAMS = 256


@dataclass
class _Part:
    sql: str
    params: list[Any]
    obj: Model | None = None  # a model row whose primary key comes back
    signals: bool = True  # ``post_save`` once written (not for ``ignore_conflicts``)


@dataclass
class Batch:
    """The rows handed over inside one outermost ``together()`` block."""

    conn: BaseDatabaseWrapper
    parts: list[_Part] = field(default_factory=list)
    outermost: bool = False  # its atomic block is the connection's outermost one

    @property
    def defers(self) -> bool:
        return self.conn.vendor == "postgresql"

    def flush(self) -> None:
        parts, self.parts = self.parts, []
        if not parts:
            return
        returning = [i for i, part in enumerate(parts) if part.obj is not None]
        withs = ", ".join(f"w{i} AS ({part.sql})" for i, part in enumerate(parts))
        selects = " UNION ALL ".join(f"SELECT {i} AS i, id FROM w{i}" for i in returning)
        statement = f"WITH {withs} {selects or 'SELECT 0, 0 WHERE false'}"
        params = [p for part in parts for p in part.params]
        alone = self.outermost and _nothing_sent(self.conn)
        with self.conn.cursor() as cursor, _without_begin(self.conn, alone):
            cursor.execute(statement, params)
            ids = dict(cursor.fetchall())
        with self.conn.execute_wrapper(_refuse_writes) if alone else contextlib.nullcontext():
            self._saved(parts, returning, ids)

    def _saved(self, parts: list[_Part], returning: list[int], ids: dict[int, Any]) -> None:
        for i in returning:  # a row skipped by ON CONFLICT DO NOTHING returns nothing
            obj = parts[i].obj
            if obj is None or i not in ids:
                continue
            if obj.pk is None:
                obj.pk = ids[i]
            obj._state.adding = False
            obj._state.db = self.conn.alias
            if parts[i].signals:
                post_save.send(
                    sender=type(obj),
                    instance=obj,
                    created=True,
                    update_fields=None,
                    raw=False,
                    using=self.conn.alias,
                )


_current: ContextVar[Batch | None] = ContextVar("urbangrid_writes_batch", default=None)


@contextlib.contextmanager
def together(using: str = DEFAULT_DB_ALIAS, *, savepoint: bool = True) -> Iterator[Batch]:
    """A transaction (``transaction.atomic(savepoint=…)``) whose new rows (``insert``,
    ``insert_sql``) are written together at its end (PostgreSQL). Nested blocks join the
    outermost one."""
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    conn = connections[using]
    batch = Batch(conn, outermost=not conn.in_atomic_block)
    token = _current.set(batch)
    try:
        with transaction.atomic(using=using, savepoint=savepoint):
            yield batch
            batch.flush()
    finally:
        batch.parts.clear()
        _current.reset(token)


def flush() -> None:
    """Write what the current batch holds now (before reading it back)."""
    batch = _current.get()
    if batch is not None:
        batch.flush()


@contextlib.contextmanager
def at_once() -> Iterator[None]:
    """Inside this block rows are written at once, in the enclosing transaction (for
    work that reads back what it writes, such as an action run within a batch's
    block); what the batch held is written first."""
    batch = _current.get()
    if batch is None:
        yield
        return
    batch.flush()
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def insert(obj: Model, *, ignore_conflicts: bool = False) -> None:
    """Insert the new row ``obj`` (at once, or with its batch on PostgreSQL).

    ``ignore_conflicts``: a row that would break a unique constraint is silently not
    written (``ON CONFLICT DO NOTHING``), as ``bulk_create(ignore_conflicts=True)``."""
    batch = _current.get()
    if batch is None or not batch.defers:
        if ignore_conflicts:
            type(obj)._default_manager.using(_alias(batch)).bulk_create(
                [obj], ignore_conflicts=True
            )
        else:
            obj.save(force_insert=True, using=_alias(batch))
        return
    model = type(obj)
    if not ignore_conflicts:
        pre_save.send(
            sender=model, instance=obj, raw=False, using=batch.conn.alias, update_fields=None
        )
    fields, plain = _columns(model, obj.pk is None)
    conn = batch.conn
    params = []
    for f, kind in zip(fields, plain, strict=True):
        value = getattr(obj, f.attname)
        # A value of the field's plain builtin type (or None) is sent as it is — what
        # ``get_db_prep_save`` would make of it; anything else takes the field's way.
        if kind is None or not (value is None or type(value) is kind):
            value = f.get_db_prep_save(f.pre_save(obj, True), conn)
        params.append(value)
    sql = _insert_sql(model, fields, ignore_conflicts)
    batch.parts.append(_Part(sql, params, obj, signals=not ignore_conflicts))


def insert_many(objs: Sequence[Model], *, ignore_conflicts: bool = False) -> None:
    """Insert the new rows ``objs`` of one model: with the batch, or at once in one
    ``bulk_create`` (which sends no signals)."""
    if not objs:
        return
    batch = _current.get()
    if batch is not None and batch.defers:
        for obj in objs:
            insert(obj, ignore_conflicts=ignore_conflicts)
        return
    manager = type(objs[0])._default_manager.using(_alias(batch))
    manager.bulk_create(list(objs), ignore_conflicts=ignore_conflicts)


def insert_sql(sql: str, params: Sequence[Any]) -> None:
    """Run the INSERT statement ``sql`` (no RETURNING), at once or with the batch."""
    batch = _current.get()
    if batch is None or not batch.defers:
        conn = batch.conn if batch is not None else connections[DEFAULT_DB_ALIAS]
        with conn.cursor() as cursor:
            cursor.execute(sql, list(params))
        return
    batch.parts.append(_Part(sql, list(params)))


@dataclass
class Carried:
    """A read that rides along with the next ``allocate_ids`` query (one round trip
    fewer): ``value`` is the expression's value once ``sent``."""

    expression: str
    params: list[Any]
    value: Any = None
    sent: bool = False


_carried: ContextVar[Carried | None] = ContextVar("urbangrid_writes_carried", default=None)


@contextlib.contextmanager
def carrying(expression: str, params: Sequence[Any]) -> Iterator[Carried]:
    """Send the scalar SQL ``expression`` (a read: it may run outside any transaction)
    with the first ``allocate_ids`` query made inside this block, if any. The caller
    reads ``value`` when ``sent``, and otherwise runs its read itself."""
    carried = Carried(expression, list(params))
    token = _carried.set(carried)
    try:
        yield carried
    finally:
        _carried.reset(token)


def allocate_ids(model: type[Model], *extra: tuple[str, Sequence[Any]]) -> list[Any]:
    """PostgreSQL: the next primary key of ``model`` from its sequence, then the value of
    each ``(expression, params)`` of ``extra`` — in one query, with the read a caller is
    ``carrying``, if any. Sequences are outside transactions, so this query does not
    begin the block's transaction: ``extra`` must be of the same kind (sequences,
    constants), and a carried expression a read."""
    conn = _current_conn()
    assert conn.vendor == "postgresql", "ids are allocated ahead on PostgreSQL only"
    expressions = [f"nextval({_sequence(conn.alias, model._meta.db_table)!r}::regclass)"]
    params: list[Any] = []
    for expression, values in extra:
        expressions.append(expression)
        params += list(values)
    carried = _carried.get()
    if carried is not None and not carried.sent:
        expressions.append(carried.expression)
        params += carried.params
    else:
        carried = None
    batch = _current.get()
    alone = batch is not None and batch.outermost and _nothing_sent(conn)
    with conn.cursor() as cursor, _without_begin(conn, alone):
        cursor.execute(f"SELECT {', '.join(expressions)}", params)
        row = cursor.fetchone()
    assert row is not None
    values = list(row)
    if carried is not None:
        carried.value = values.pop()
        carried.sent = True
    return values


def _nothing_sent(conn: BaseDatabaseWrapper) -> bool:
    """PostgreSQL, in an atomic block whose transaction has not begun: psycopg sends
    ``BEGIN`` with the block's first statement, and none has been sent yet. (Only a
    batch's own outermost block may take this for "nothing to keep together": an
    enclosing block of a caller is a transaction the caller may still roll back.)"""
    raw = conn.connection
    return (
        conn.vendor == "postgresql"
        and conn.in_atomic_block
        and raw is not None
        and raw.info.transaction_status == TransactionStatus.IDLE
    )


@contextlib.contextmanager
def _without_begin(conn: BaseDatabaseWrapper, alone: bool) -> Iterator[None]:
    """Send the statements of this block on their own (autocommit) when ``alone``: the
    atomic block around stays open and its ``COMMIT`` or ``ROLLBACK`` finds nothing to
    end (psycopg sends neither in that case)."""
    if not alone:
        yield
        return
    raw = conn.connection
    raw.autocommit = True
    try:
        yield
    finally:
        # A lost connection has no transaction status to change it in: leave it (Django
        # discards it) so that the error the statement raised is the one seen.
        if raw.info.transaction_status == TransactionStatus.IDLE:
            raw.autocommit = False


def _refuse_writes(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
    """Execute wrapper for the ``post_save`` receivers of rows already committed on their
    own: reads pass, writes are refused."""
    if sql.lstrip()[:6].upper() == "SELECT":
        return execute(sql, params, many, context)
    raise RuntimeError(
        "a post_save receiver wrote for rows whose statement has already committed on its "
        f"own (common.writes): {sql[:80]!r}; send it from an action's transaction instead"
    )


def _current_conn() -> BaseDatabaseWrapper:
    batch = _current.get()
    return batch.conn if batch is not None else connections[DEFAULT_DB_ALIAS]


def _alias(batch: Batch | None) -> str:
    return batch.conn.alias if batch is not None else DEFAULT_DB_ALIAS


def _plain_type(f: Any) -> type | None:
    """The builtin type whose values ``f`` writes as they are (``pre_save`` and
    ``get_db_prep_save`` change nothing), if any."""
    kind = type(f)
    if kind in (models.CharField, models.TextField):
        return str
    if kind is models.FloatField:
        return float
    if kind is models.BooleanField:
        return bool
    if isinstance(f, models.IntegerField) and (
        kind.get_prep_value is models.IntegerField.get_prep_value
    ):
        return int
    if kind is models.ForeignKey:
        return _plain_type(f.target_field)
    return None


@functools.cache
def _columns(model: type[Model], without_pk: bool) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The concrete fields an INSERT of ``model`` writes, and the builtin type each one
    writes unchanged (``None``: always prepared by the field)."""
    fields = tuple(f for f in model._meta.concrete_fields if not (f.primary_key and without_pk))
    return fields, tuple(_plain_type(f) for f in fields)


@functools.cache
def _insert_sql(model: type[Model], fields: tuple[Any, ...], ignore_conflicts: bool) -> str:
    quote = connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    pk = model._meta.pk.column if model._meta.pk is not None else None
    pk = quote(pk or "id")
    return (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"
        f"{conflict} RETURNING {pk} AS id"
    )


@functools.cache
def _sequence(alias: str, table: str) -> str:
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        row = cursor.fetchone()
    if row is None or not row[0]:
        raise LookupError(f"{table}.id has no sequence")
    return str(row[0])
