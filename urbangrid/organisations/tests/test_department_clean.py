"""``Department.clean``: a valid USCC and a parent of a fitting level."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from urbangrid.organisations.models import Department, Level
from urbangrid.organisations.uscc import make_uscc
from urbangrid.testing import make_department

pytestmark = pytest.mark.django_db


def errors(department: Department) -> dict[str, list[str]]:
    """The validation messages, in English so the assertions read the msgids."""
    with translation.override("en"), pytest.raises(ValidationError) as exc:
        department.full_clean()
    return exc.value.message_dict


def test_a_bad_uscc_is_refused_with_the_code_and_the_reason():
    good = make_uscc("110101", 42)
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    dept = Department(name="区城管委", level=Level.DISTRICT, uscc=bad)
    message = errors(dept)["uscc"][0]
    assert bad in message
    assert f"expected {good[17]}" in message


def test_a_short_uscc_is_refused():
    message = errors(Department(name="x", level=Level.CITY, uscc="12345"))["uscc"][0]
    assert "12345" in message
    assert "18 characters" in message


def test_a_lowercase_uscc_is_normalised():
    code = make_uscc("110101", 43)
    dept = Department(name="区城管委", level=Level.DISTRICT, uscc=code.lower())
    dept.full_clean()
    assert dept.uscc == code


def test_a_street_unit_sits_under_a_district_or_city_unit():
    city = make_department("市城管委", level=Level.CITY)
    district = make_department("区城管委", level=Level.DISTRICT, parent=city)
    for parent in (city, district):
        Department(
            name="街道办", level=Level.STREET, parent=parent, uscc=make_uscc("110101", 50)
        ).full_clean()


def test_a_street_unit_needs_a_parent():
    code = make_uscc("110101", 51)
    message = errors(Department(name="街道办", level=Level.STREET, uscc=code))["parent"][0]
    assert code in message
    assert "city or district" in message


def test_a_street_unit_cannot_sit_under_another_street_unit():
    district = make_department("区城管委", level=Level.DISTRICT)
    street = make_department("第1街道办", level=Level.STREET, parent=district)
    dept = Department(
        name="第2街道办", level=Level.STREET, parent=street, uscc=make_uscc("110101", 52)
    )
    message = errors(dept)["parent"][0]
    assert "第1街道办" in message
    assert street.uscc in message


def test_a_district_unit_sits_under_a_city_unit_or_nothing():
    city = make_department("市城管委", level=Level.CITY)
    Department(
        name="区", level=Level.DISTRICT, parent=city, uscc=make_uscc("110101", 53)
    ).full_clean()
    Department(name="区", level=Level.DISTRICT, uscc=make_uscc("110101", 54)).full_clean()
    other = make_department("另一区", level=Level.DISTRICT)
    bad = Department(name="区", level=Level.DISTRICT, parent=other, uscc=make_uscc("110101", 55))
    assert "parent" in errors(bad)


def test_a_city_unit_has_no_parent_of_lower_level():
    district = make_department("区城管委", level=Level.DISTRICT)
    bad = Department(name="市", level=Level.CITY, parent=district, uscc=make_uscc("110000", 56))
    assert "district" in errors(bad)["parent"][0]


def test_a_department_cannot_be_its_own_ancestor():
    city = make_department("市城管委", level=Level.CITY)
    child = make_department("市城管委分局", level=Level.CITY, parent=city)
    city.parent = child
    assert "own ancestor" in errors(city)["parent"][0]
