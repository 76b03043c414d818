"""Plain-language names (通俗名称) for the public: built in, translated, overridable."""

import pytest
from django.utils import translation

from urbangrid.catalog.models import CatalogType, Kind, Standard
from urbangrid.catalog.plain_names import GROUPS, PLAIN_NAMES, public_choices, public_name

pytestmark = pytest.mark.django_db
GBT = Standard.GBT_47678_5_2026


def matters() -> list[CatalogType]:
    return list(CatalogType.objects.filter(kind=Kind.MATTER, standard=GBT, is_active=True))


def test_every_plain_name_names_an_active_matter_of_the_standard_once() -> None:
    codes = [code for _group, items in GROUPS for code, _name in items]
    assert len(codes) == len(set(codes)) == len(PLAIN_NAMES)
    known = {m.code for m in matters()}
    assert set(codes) <= known


def test_the_public_sees_plain_names_in_its_language_and_the_citys_own_first() -> None:
    grate = CatalogType.objects.get(kind=Kind.MATTER, standard=GBT, code="01004")
    with translation.override("zh-hans"):
        assert public_name(grate) == "雨水箅子破损、堵塞"
    with translation.override("zh-hant"):
        assert public_name(grate) == "雨水箅子破損、堵塞"
    with translation.override("en"):
        assert public_name(grate) == "Drain grate damaged or blocked"
    grate.plain_name = "下水道口堵了"
    assert public_name(grate) == "下水道口堵了"
    other = CatalogType.objects.get(kind=Kind.MATTER, standard=GBT, code="01001")
    assert public_name(other) == other.name  # no plain name: the standard's


def test_choices_are_the_groups_then_every_other_matter_by_its_standard_name() -> None:
    with translation.override("zh-hans"):
        choices = public_choices(matters())
    labels = [label for label, _items in choices]
    assert labels[0] == "垃圾与环境卫生"
    assert labels[-1] == "其他问题（标准名称）"
    offered = [code for _label, items in choices for code, _name in items]
    assert len(offered) == len(set(offered)) == len(matters())  # each matter once
    first = dict(choices[0][1])
    assert first["06010"] == "暴露垃圾、垃圾乱扔"
    assert dict(choices[-1][1])["01001"] == "供水井盖异常"
