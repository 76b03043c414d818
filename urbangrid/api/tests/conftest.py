"""The case tests' tiny city and personas (``world``), and ``api(user)``: a client with
the user's bearer token."""

from __future__ import annotations

from urbangrid.cases.tests.conftest import (  # noqa: F401 - fixtures re-exported
    World,
    _media,
    api,
    build_world,
    frozen,
    world,
)
