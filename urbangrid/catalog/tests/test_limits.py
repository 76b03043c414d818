"""Stage time limits: seeded defaults and ``limit_for`` specificity."""

import pytest

from urbangrid.catalog.models import Grade, LimitUnit, Stage, StageLimit
from urbangrid.catalog.services import LimitSpec, limit_for
from urbangrid.testing import make_type

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stage", "grade", "expected"),
    [
        (Stage.ACCEPT, "", LimitSpec(30, LimitUnit.WORKING_MINUTES)),
        (Stage.VERIFY, "", LimitSpec(30, LimitUnit.WORKING_MINUTES)),
        (Stage.FILE, "", LimitSpec(30, LimitUnit.WORKING_MINUTES)),
        (Stage.DISPATCH, "", LimitSpec(30, LimitUnit.WORKING_MINUTES)),
        (Stage.CHECK, "", LimitSpec(120, LimitUnit.WORKING_MINUTES)),
        (Stage.CLOSE, "", LimitSpec(60, LimitUnit.WORKING_MINUTES)),
        (Stage.HANDLE, Grade.GENERAL, LimitSpec(1, LimitUnit.WORKING_DAYS)),
        (Stage.HANDLE, Grade.ENGINEERING, LimitSpec(5, LimitUnit.WORKING_DAYS)),
        (Stage.HANDLE, Grade.SPECIAL, LimitSpec(15, LimitUnit.WORKING_DAYS)),
    ],
)
def test_seeded_defaults_apply_to_a_type_without_its_own_limits(stage, grade, expected):
    assert limit_for(make_type("09009", "机动车乱停放"), stage, grade) == expected
    assert limit_for(None, stage, grade) == expected


def test_seeded_defaults_are_marked_configurable():
    assert all("configurable default" in row.note for row in StageLimit.objects.all())


@pytest.mark.parametrize(
    ("code", "grade", "expected"),
    [
        ("06010", Grade.GENERAL, LimitSpec(4, LimitUnit.WORKING_HOURS)),
        ("06012", Grade.GENERAL, LimitSpec(2, LimitUnit.WORKING_HOURS)),
        ("06001", Grade.GENERAL, LimitSpec(7, LimitUnit.WORKING_DAYS)),
        ("01001", Grade.GENERAL, LimitSpec(6, LimitUnit.CALENDAR_HOURS)),
        ("01023", Grade.GENERAL, LimitSpec(6, LimitUnit.CALENDAR_HOURS)),
        ("06010", Grade.SPECIAL, LimitSpec(15, LimitUnit.WORKING_DAYS)),
    ],
)
def test_seeded_type_limits_from_published_tables(code, grade, expected):
    assert limit_for(make_type(code), Stage.HANDLE, grade) == expected


def test_the_most_specific_limit_wins():
    matter = make_type("09010", "非机动车乱停放")
    StageLimit.objects.filter(catalog_type=None, stage=Stage.CHECK).delete()
    assert limit_for(matter, Stage.CHECK, Grade.GENERAL) is None

    StageLimit.objects.create(stage=Stage.CHECK, amount=4, unit=LimitUnit.WORKING_HOURS)
    assert limit_for(matter, Stage.CHECK, Grade.GENERAL) == LimitSpec(4, "working_hours")

    StageLimit.objects.create(
        stage=Stage.CHECK, grade=Grade.GENERAL, amount=3, unit=LimitUnit.WORKING_HOURS
    )
    assert limit_for(matter, Stage.CHECK, Grade.GENERAL) == LimitSpec(3, "working_hours")
    assert limit_for(matter, Stage.CHECK, Grade.SPECIAL) == LimitSpec(4, "working_hours")

    StageLimit.objects.create(
        catalog_type=matter, stage=Stage.CHECK, amount=2, unit=LimitUnit.WORKING_HOURS
    )
    assert limit_for(matter, Stage.CHECK, Grade.GENERAL) == LimitSpec(2, "working_hours")

    StageLimit.objects.create(
        catalog_type=matter,
        stage=Stage.CHECK,
        grade=Grade.GENERAL,
        amount=1,
        unit=LimitUnit.WORKING_HOURS,
    )
    assert limit_for(matter, Stage.CHECK, Grade.GENERAL) == LimitSpec(1, "working_hours")
    assert limit_for(matter, Stage.CHECK, Grade.SPECIAL) == LimitSpec(2, "working_hours")
    assert limit_for(None, Stage.CHECK, Grade.GENERAL) == LimitSpec(3, "working_hours")


def test_a_limit_for_another_grade_never_applies():
    matter = make_type("09010", "非机动车乱停放")
    assert limit_for(matter, Stage.HANDLE) is None
    assert limit_for(matter, Stage.HANDLE, Grade.GENERAL) == LimitSpec(1, "working_days")


def test_limit_for_another_type_is_not_used():
    own = make_type("06010")
    other = make_type("06036", "乱堆杂物")
    assert limit_for(own, Stage.HANDLE, Grade.GENERAL) == LimitSpec(4, "working_hours")
    assert limit_for(other, Stage.HANDLE, Grade.GENERAL) == LimitSpec(1, "working_days")
