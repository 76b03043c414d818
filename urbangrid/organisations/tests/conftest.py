"""A client signed in as a superuser, for the admin pages' tests."""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.testing import sign_in_superuser


@pytest.fixture
def admin_client(client: Any) -> Any:
    return sign_in_superuser(client)
