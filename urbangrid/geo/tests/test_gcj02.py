import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from urbangrid.geo.gcj02 import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_array,
    wgs84_to_gcj02,
    wgs84_to_gcj02_array,
)

china_lng = st.floats(min_value=73.0, max_value=135.0)
china_lat = st.floats(min_value=3.9, max_value=53.5)


@given(china_lng, china_lat)
def test_wgs_to_gcj_and_back_returns_the_original_point(lng, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lng, lat))
    assert abs(back[0] - lng) < 1e-6
    assert abs(back[1] - lat) < 1e-6


@given(st.lists(st.tuples(china_lng, china_lat), min_size=1, max_size=20))
def test_vectorised_transforms_agree_with_the_scalar_ones(points):
    lngs = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    g_lng, g_lat = wgs84_to_gcj02_array(lngs, lats)
    w_lng, w_lat = gcj02_to_wgs84_array(g_lng, g_lat)
    for i, (lng, lat) in enumerate(points):
        assert np.isclose(g_lng[i], wgs84_to_gcj02(lng, lat)[0], atol=1e-9)
        assert np.isclose(g_lat[i], wgs84_to_gcj02(lng, lat)[1], atol=1e-9)
        assert abs(w_lng[i] - lng) < 1e-6
        assert abs(w_lat[i] - lat) < 1e-6


def test_gcj02_shifts_beijing_by_a_few_hundred_metres():
    g_lng, g_lat = wgs84_to_gcj02(116.397, 39.909)
    assert 0.004 < g_lng - 116.397 < 0.008
    assert 0.0005 < g_lat - 39.909 < 0.002


def test_points_outside_china_are_not_transformed():
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(-74.0, 40.7) == (-74.0, 40.7)
    lngs, lats = gcj02_to_wgs84_array([2.35], [48.85])
    assert (lngs[0], lats[0]) == (2.35, 48.85)
