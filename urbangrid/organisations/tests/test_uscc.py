"""The unified social credit code (USCC) check character."""

from hypothesis import given
from hypothesis import strategies as st

from urbangrid.organisations.uscc import ALPHABET, is_valid_uscc, make_uscc, uscc_error

admin_codes = st.from_regex(r"\A[1-6][0-9]{5}\Z", fullmatch=True)
serials = st.integers(min_value=0, max_value=99_999_999)


@given(admin_codes, serials)
def test_codes_from_make_uscc_are_valid(admin_code, serial):
    code = make_uscc(admin_code, serial)
    assert len(code) == 18
    assert uscc_error(code) is None


@given(admin_codes, serials, st.integers(min_value=0, max_value=17), st.sampled_from(ALPHABET))
def test_any_single_character_change_fails_the_check(admin_code, serial, position, replacement):
    code = make_uscc(admin_code, serial)
    if code[position] == replacement:
        replacement = ALPHABET[(ALPHABET.index(replacement) + 1) % len(ALPHABET)]
    changed = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_uscc(changed)


def test_errors_name_the_reason():
    assert uscc_error("1234") == "must be 18 characters, got 4"
    assert "outside the USCC alphabet: IO" in (uscc_error("11110101000000IO1X") or "")
    good = make_uscc("110101", 7)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    assert uscc_error(bad) == f"check character is {bad[17]}, expected {good[17]}"
