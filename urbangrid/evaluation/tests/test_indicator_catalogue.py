"""The indicator catalogue, and the Administrative Penalty Law art. 74 hard rule: no
indicator is built on fines or confiscation proceeds."""

from __future__ import annotations

from urbangrid.evaluation import indicators as ind

FORBIDDEN = ("fine", "penalt", "amount", "money", "yuan", "confiscat", "罚", "没收", "金额")


def test_no_indicator_is_built_on_fine_amounts():
    for item in ind.catalogue():
        text = " ".join(str(v) for v in item.values()).lower()
        assert not any(word in text for word in FORBIDDEN), item
    for kind in ind.OBJECT_KINDS:
        for source, _weight in ind.score_terms(ind.DEFAULT_CONFIG, kind):
            assert not any(word in source.lower() for word in FORBIDDEN)


def test_every_weight_set_sums_to_100_and_area_on_time_closing_is_40():
    for terms in ind.DEFAULT_CONFIG["scores"].values():
        assert sum(w for _s, w in terms) == 100
    assert ["rate:closed_on_time_rate", 40] in ind.DEFAULT_CONFIG["scores"]["area"]
    assert sum(ind.DEFAULT_CONFIG["hotline"]["weights"].values()) == 100


def test_every_rate_uses_known_counters_and_grades_follow_the_bands():
    known = set(ind.COUNTERS)
    for rate in ind.RATES.values():
        assert set(rate.numerator + rate.denominator + rate.minus) <= known
    config = ind.DEFAULT_CONFIG
    assert [ind.grade_of(config, s) for s in (100, 90, 89.99, 75, 60, 40, 39.9)] == list("AABBCDE")
    assert ind.band_score(config["bands"]["department_count"], 51) == 90
    assert ind.band_score(config["bands"]["area_count"], 9) == 0


def test_city_configuration_overrides_weights():
    merged = ind.merge_config(
        {"grades": [["A", 95], ["B", 0]], "hotline": {"response_limit_minutes": 30}}
    )
    assert merged["grades"] == [["A", 95], ["B", 0]]
    assert merged["hotline"]["response_limit_minutes"] == 30
    assert merged["hotline"]["weights"] == ind.DEFAULT_CONFIG["hotline"]["weights"]
