"""Per-process caches of configuration that every report reads: catalogue types by code
and the stage time limits of a type (and, in ``organisations.services``, responsibility
rules and API tokens).

Configuration changes rarely and is read on every report, so each worker process keeps
what it read for a short while. A ``ProcessCache``:

- forgets everything when a model it depends on is saved or deleted in this process
  (``post_save``/``post_delete`` receivers call ``changed``: at once, and again after the
  commit);
- lets an entry live at most ``seconds`` (default ``CACHE_SECONDS``): other processes do
  not hear this process's signals, and bulk ``update()`` sends none, so that is how long
  an admin edit may take to reach every worker;
- neither serves nor stores values inside a transaction that changed one of its models
  (it may roll back, which sends no signal), and never stores a value loaded while an
  invalidation happened.

Values are shared between the requests of a process: treat them as read-only.
``clear_all`` empties every cache (tests call it before each test).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Any

from django.db import connection, transaction
from django.db.models import Model, Q
from django.db.models.signals import post_delete, post_save

from urbangrid.catalog.models import CatalogType, Kind, StageLimit, Standard
from urbangrid.catalog.services import limits_by_stage

#: Seconds an entry may live: the bound on how long another process serves a value that
#: an admin edit (or a bulk update) has changed.
CACHE_SECONDS = 30.0

_caches: list[ProcessCache[Any]] = []


def _now() -> float:
    return time.monotonic()


_receivers: list[Callable[..., None]] = []  # signals hold receivers weakly: keep them


class ProcessCache[V]:
    """A small, thread-safe, time-bounded map from a hashable key to a value."""

    def __init__(
        self,
        name: str,
        *,
        seconds: float = CACHE_SECONDS,
        max_entries: int = 4096,
        keep_none: bool = True,
    ) -> None:
        self.name = name
        self.seconds = seconds
        self.max_entries = max_entries
        self.keep_none = keep_none
        self._entries: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()
        self._generation = 0
        # One bound method object, so that a pending on-commit callback can be recognised.
        self._invalidate: Callable[[], None] = self.invalidate
        _caches.append(self)

    def invalidate(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1

    def changed(self, using: str | None = None) -> None:
        """A model this cache depends on changed: forget now and again after commit."""
        self.invalidate()
        transaction.on_commit(self._invalidate, using=using)

    def _changed_in_this_transaction(self) -> bool:
        if not connection.in_atomic_block:
            return False
        pending = getattr(connection, "run_on_commit", None) or ()
        return any(entry[1] is self._invalidate for entry in pending)

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The cached value of ``key``, or ``load()`` (stored unless that is unsafe)."""
        if self._changed_in_this_transaction():
            return load()
        now = _now()
        with self._lock:
            hit = self._entries.get(key)
            generation = self._generation
        if hit is not None and now - hit[0] < self.seconds:
            return hit[1]
        value = load()
        if value is None and not self.keep_none:
            return value
        with self._lock:
            if generation == self._generation:
                if len(self._entries) >= self.max_entries:
                    # Oldest first (insertion order): drop a quarter.
                    for stale in list(self._entries)[: max(1, self.max_entries // 4)]:
                        del self._entries[stale]
                self._entries[key] = (now, value)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def clear_all() -> None:
    """Empty every process cache (tests: before each test)."""
    for cache in _caches:
        cache.invalidate()


def invalidate_on_change(cache: ProcessCache[Any], *models: type[Model]) -> None:
    """Connect ``post_save`` and ``post_delete`` of ``models`` to ``cache.changed``."""

    def receiver(sender: type[Any], **kwargs: Any) -> None:
        cache.changed(kwargs.get("using"))

    _receivers.append(receiver)
    for model in models:
        uid = f"process_cache:{cache.name}:{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=f"{uid}:saved")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"{uid}:deleted")


# --- The catalogue ---------------------------------------------------------------------

_types = ProcessCache[CatalogType | None]("catalog_types")
invalidate_on_change(_types, CatalogType)
_limits = ProcessCache[tuple[StageLimit, ...]]("stage_limits")
invalidate_on_change(_limits, CatalogType, StageLimit)


def _load_active_type(code: str) -> CatalogType | None:
    types = CatalogType.objects.filter(code=code, is_active=True).select_related(
        "successor", "component_type"
    )
    ordered = sorted(
        types,
        key=lambda t: (t.standard != Standard.GBT_47678_5_2026, t.kind != Kind.MATTER),
    )
    return ordered[0] if ordered else None


def active_type(code: str) -> CatalogType | None:
    """The active catalogue type with ``code`` (the current standard and matters
    preferred), as ``cases.services.find_matter`` chooses it; ``None`` if there is none.
    Cached: read-only."""
    code = code.strip()
    return _types.get(code, lambda: _load_active_type(code))


def limit_rows(catalog_type_id: int) -> tuple[StageLimit, ...]:
    """Every stage limit row that may apply to the type: its own and the defaults.
    Cached: read-only."""

    def load() -> tuple[StageLimit, ...]:
        scope = Q(catalog_type__isnull=True) | Q(catalog_type_id=catalog_type_id)
        return tuple(StageLimit.objects.filter(scope))

    return _limits.get(catalog_type_id, load)


def limits_in_force(catalog_type_id: int, grade: str) -> dict[str, Any]:
    """The limit in force now for every stage, as copied onto a case when it is created
    (``cases.services.snapshot_limits`` reads the same from the database): a new dict."""
    return limits_by_stage(limit_rows(catalog_type_id), grade)


__all__ = [
    "CACHE_SECONDS",
    "ProcessCache",
    "active_type",
    "clear_all",
    "invalidate_on_change",
    "limit_rows",
    "limits_in_force",
]
