import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.assets.validation import (
    component_id_error,
    parse_date,
    parse_status,
    standard_of,
    type_code_of,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=25)


@given(digits)
def test_only_16_or_17_digit_ids_are_well_formed(ident):
    assert (component_id_error(ident) is None) == (len(ident) in (16, 17))


@given(st.text(min_size=16, max_size=17).filter(lambda s: not (s.isascii() and s.isdigit())))
def test_ids_with_anything_but_ascii_digits_are_refused(ident):
    assert "digits only" in (component_id_error(ident) or "")


@given(st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet="0123456789", min_size=5, max_size=5),
       st.text(alphabet="0123456789", min_size=6, max_size=6))  # fmt: skip
def test_a_17_digit_id_carries_a_five_digit_type_of_the_2026_standard(admin, kind, serial):
    ident = admin + kind + serial
    assert type_code_of(ident) == kind
    assert standard_of(ident) == "GB/T 47678.5-2026"


def test_a_16_digit_id_carries_a_four_digit_legacy_type():
    assert type_code_of("3205080101000001") == "0101"
    assert standard_of("3205080101000001") == "CJ/T 214-2007"


def test_a_missing_id_is_named_as_missing():
    assert component_id_error("") == "component id (GLBJBSM) is missing"


@pytest.mark.parametrize("text", ["20260131", "2026-01-31"])
def test_dates_are_accepted_in_both_standard_forms(text):
    assert parse_date(text) == dt.date(2026, 1, 31)


@pytest.mark.parametrize("text", ["20260231", "2026/01/31", "31.01.2026", "", "2026-1-31"])
def test_impossible_or_foreign_dates_are_refused(text):
    with pytest.raises(ValueError, match="is not a date"):
        parse_date(text)


@pytest.mark.parametrize(
    ("text", "stored"),
    [("完好", "intact"), ("破损", "damaged"), ("丢失", "lost"), ("废弃", "abandoned"),
     ("移除", "removed"), ("damaged", "damaged")],
)  # fmt: skip
def test_statuses_are_accepted_in_chinese_or_as_stored(text, stored):
    assert parse_status(text) == stored


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="not one of 完好"):
        parse_status("占用")
