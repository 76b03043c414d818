"""GCJ-02 (火星坐标, the obfuscated datum of Chinese web maps) ↔ WGS84.

The forward transform is the published GCJ-02 polynomial; the inverse has no closed
form, so :func:`gcj02_to_wgs84` iterates the forward transform until the round trip is
within 1e-9° (a few iterations). Outside mainland China the transform is the identity,
as every map provider does it.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

_A = 6378245.0
_EE = 0.00669342162296594323
_TOLERANCE = 1e-9
_MAX_ITERATIONS = 30

FloatArray = npt.NDArray[np.float64]


def is_outside_china(lng: float, lat: float) -> bool:
    """The rough rectangle outside which GCJ-02 is not applied."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lng: float, lat: float) -> tuple[float, float]:
    x = lng - 105.0
    y = lat - 35.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    sqrt_magic = math.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * math.cos(rad_lat) * math.pi)
    return d_lng, d_lat


def wgs84_to_gcj02(lng: float, lat: float) -> tuple[float, float]:
    """WGS84 → GCJ-02 (identity outside China)."""
    if is_outside_china(lng, lat):
        return lng, lat
    d_lng, d_lat = _offset(lng, lat)
    return lng + d_lng, lat + d_lat


def gcj02_to_wgs84(lng: float, lat: float) -> tuple[float, float]:
    """GCJ-02 → WGS84 by fixed-point iteration of the forward transform (< 1e-7°)."""
    if is_outside_china(lng, lat):
        return lng, lat
    w_lng, w_lat = lng, lat
    for _ in range(_MAX_ITERATIONS):
        g_lng, g_lat = wgs84_to_gcj02(w_lng, w_lat)
        e_lng, e_lat = g_lng - lng, g_lat - lat
        w_lng -= e_lng
        w_lat -= e_lat
        if abs(e_lng) < _TOLERANCE and abs(e_lat) < _TOLERANCE:
            break
    return w_lng, w_lat


def _offset_array(lng: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    x = lng - 105.0
    y = lat - 35.0
    pi = np.pi
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    d_lat += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    d_lat += (160.0 * np.sin(y / 12.0 * pi) + 320 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    d_lng += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    d_lng += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    rad_lat = lat / 180.0 * pi
    magic = 1 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * pi)
    d_lng = (d_lng * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * pi)
    return d_lng, d_lat


def _inside_china(lng: FloatArray, lat: FloatArray) -> npt.NDArray[np.bool_]:
    return (lng >= 72.004) & (lng <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def wgs84_to_gcj02_array(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`wgs84_to_gcj02`."""
    lng = np.asarray(lngs, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    inside = _inside_china(lng, lat)
    d_lng, d_lat = _offset_array(lng, lat)
    return np.where(inside, lng + d_lng, lng), np.where(inside, lat + d_lat, lat)


def gcj02_to_wgs84_array(lngs: npt.ArrayLike, lats: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Vectorised :func:`gcj02_to_wgs84` (same iteration, all points at once)."""
    lng = np.asarray(lngs, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    inside = _inside_china(lng, lat)
    w_lng = lng.copy()
    w_lat = lat.copy()
    for _ in range(_MAX_ITERATIONS):
        d_lng, d_lat = _offset_array(w_lng, w_lat)
        e_lng = w_lng + d_lng - lng
        e_lat = w_lat + d_lat - lat
        w_lng -= e_lng
        w_lat -= e_lat
        if np.all(np.abs(e_lng) < _TOLERANCE) and np.all(np.abs(e_lat) < _TOLERANCE):
            break
    return np.where(inside, w_lng, lng), np.where(inside, w_lat, lat)
