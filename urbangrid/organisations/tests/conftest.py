"""A client signed in as a superuser, for the admin pages' tests."""

from __future__ import annotations

from typing import Any

import pytest

from urbangrid.organisations.models import Role
from urbangrid.testing import make_user


@pytest.fixture
def admin_client(client: Any) -> Any:
    admin = make_user("root", Role.ADMIN)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    return client
