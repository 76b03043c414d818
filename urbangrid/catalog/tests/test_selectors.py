"""``types_for_api``: the current standard by default, ``"all"`` for every standard."""

import pytest

from urbangrid.catalog.models import Kind, Standard
from urbangrid.catalog.selectors import type_by_code, types_for_api

pytestmark = pytest.mark.django_db


def test_types_for_api_defaults_to_the_current_standard():
    assert types_for_api(Kind.MATTER).count() == 250
    assert types_for_api(Kind.COMPONENT).count() == 153
    assert {t.standard for t in types_for_api(Kind.MATTER, standard="all")} == set(Standard.values)


def test_types_for_api_searches_every_word():
    codes = [t.code for t in types_for_api(Kind.MATTER, q="井盖 燃气")]
    assert codes == ["01011"]
    assert [t.code for t in types_for_api(Kind.MATTER, q="0601")][:2] == ["06010", "06011"]


def test_type_by_code_picks_the_standard_from_the_code_length():
    legacy = type_by_code(Kind.MATTER, "0102")
    current = type_by_code(Kind.MATTER, "06010")
    assert legacy is not None
    assert legacy.standard == Standard.CJT_214_2007
    assert current is not None
    assert current.standard == Standard.GBT_47678_5_2026
    assert type_by_code(Kind.MATTER, "06010", Standard.CJT_214_2007) is None
