from __future__ import annotations

import pytest

from urbangrid.geo import locate


@pytest.fixture(autouse=True)
def _fresh_locate_index():
    """Each test sees its own grids: the in-process index must not outlive a rollback."""
    locate.invalidate()
    yield
    locate.invalidate()
