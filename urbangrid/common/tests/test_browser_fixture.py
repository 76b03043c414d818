"""The ``browser`` fixture (root ``conftest.py``) closes the database connections a test
opens while Chromium runs. Playwright's event loop makes the thread look "async" to
Django, which then keeps those connections apart from the ones pytest-django closes: one
left open kept PostgreSQL from dropping the test database at the end of the run
("database … is being accessed by other users")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


class Opened:
    """A connection the test opened, and whether it was closed since."""

    def __init__(self, wrapper: Any) -> None:
        self.wrapper = wrapper
        self.closed = False
        close = wrapper.close

        def closing() -> None:
            self.closed = True
            close()

        wrapper.close = closing


@pytest.fixture
def opened() -> Iterator[list[Opened]]:
    """The connections the test opened, checked once ``browser`` (set up after this
    fixture, so torn down before it) is gone."""
    connections: list[Opened] = []
    yield connections
    assert connections, "the test opened no connection"
    for each in connections:
        assert each.closed, "a connection outlived the browser"
        # SQLite's in-memory test database ignores close(): it would vanish.
        assert each.wrapper.connection is None or each.wrapper.is_in_memory_db()


def test_a_connection_the_test_opens_while_the_browser_runs_is_closed_with_it(
    opened: list[Opened], browser: Any
) -> None:
    from django.db import connections

    from urbangrid.organisations.models import User

    assert not User.objects.exists()
    wrapper = connections["default"]
    assert wrapper.connection is not None
    opened.append(Opened(wrapper))
