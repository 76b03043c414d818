from __future__ import annotations

import pytest

from urbangrid.geo import locate


@pytest.fixture(autouse=True)
def _fresh_locate_index():
    locate.invalidate()
    yield
    locate.invalidate()
