"""Writes of the spatial model: importing versioned unit grids and deriving area shapes.

``import_grids`` validates a whole GeoJSON FeatureCollection first and writes nothing
unless every feature is valid (or ``skip_invalid``); then, in one transaction, it creates
missing districts/streets/communities, closes the current version of every grid whose
geometry changed (``valid_to`` = the new ``valid_from``), bulk-inserts the new versions and
recomputes the shapes and boxes of the areas above them. Geometry is never edited in place.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

from urbangrid.common.clock import today_local
from urbangrid.geo import locate
from urbangrid.geo.models import Community, District, Street, UnitGrid

# 1 m² in square degrees at 40° N is ~1.2e-10; touching edges give 0, real overlaps far more.
OVERLAP_EPSILON_DEG2 = 1e-10
_BOX_TOLERANCE = 1e-9
_EARTH_RADIUS_M = 6_371_008.8
_CHUNK = 900
_OPTIONAL_TEXT = {
    "land_use": 20,
    "management_level": 20,
    "responsible_party": 100,
    "community_name": 100,
    "street_name": 100,
    "district_name": 100,
    "city_name": 100,
}
_PARENT_CODES = {"district_code": 6, "street_code": 9, "community_code": 12}

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class Issue:
    """One reason an input item was refused: which item, its code, why."""

    item: str
    code: str
    reason: str

    def __str__(self) -> str:
        code = f" code {self.code}" if self.code else ""
        return f"{self.item}{code}: {self.reason}"


class GridImportError(Exception):
    """Refused input; ``issues`` names every bad feature and why. Nothing was written."""

    def __init__(self, issues: Sequence[Issue]):
        self.issues = list(issues)
        super().__init__("; ".join(str(i) for i in self.issues[:5]))


@dataclass
class GridImportResult:
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    updated: int = 0
    skipped: int = 0
    districts_created: int = 0
    streets_created: int = 0
    communities_created: int = 0
    issues: list[Issue] = field(default_factory=list)


@dataclass
class _Feature:
    index: int
    label: str
    code: str = ""
    name: str = ""
    props: dict[str, Any] = field(default_factory=dict)
    geometry: dict[str, Any] | None = None
    geom: BaseGeometry | None = None
    problems: list[str] = field(default_factory=list)


def _chunks[T](items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def area_m2(geom: BaseGeometry) -> float:
    """Area in m² of a WGS84 geometry (local equirectangular scale; fine at grid size)."""
    if geom.is_empty:
        return 0.0
    lat = (geom.bounds[1] + geom.bounds[3]) / 2
    metres_per_degree = _EARTH_RADIUS_M * math.pi / 180
    return float(geom.area * metres_per_degree**2 * math.cos(math.radians(lat)))


def box_fields(geom: BaseGeometry) -> dict[str, float | None]:
    """The bbox and centre (of the bbox) columns of :class:`~urbangrid.geo.models.Area`."""
    if geom.is_empty:
        return dict.fromkeys(
            ("min_lng", "min_lat", "max_lng", "max_lat", "centre_lng", "centre_lat")
        )
    min_lng, min_lat, max_lng, max_lat = (float(v) for v in geom.bounds)
    return {
        "min_lng": min_lng,
        "min_lat": min_lat,
        "max_lng": max_lng,
        "max_lat": max_lat,
        "centre_lng": (min_lng + max_lng) / 2,
        "centre_lat": (min_lat + max_lat) / 2,
    }


def load_feature_collection(path: str | Path) -> Any:
    """Read a GeoJSON file; unreadable or broken JSON is a :class:`GridImportError`."""
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, UnicodeDecodeError) as exc:
        raise GridImportError([Issue(str(path), "", f"cannot read the file: {exc}")]) from exc
    except json.JSONDecodeError as exc:
        raise GridImportError([Issue(str(path), "", f"broken GeoJSON (not JSON): {exc}")]) from exc


def _parse_feature(index: int, raw: Any) -> _Feature:
    fid = raw.get("id") if isinstance(raw, dict) else None
    label = f"feature #{index}" + (f" (id {fid!r})" if fid is not None else "")
    feature = _Feature(index=index, label=label)
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        feature.problems.append("broken GeoJSON: not a Feature object")
        return feature
    props = raw.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        feature.problems.append("broken GeoJSON: properties is not an object")
        props = {}
    feature.props = props
    code = props.get("code")
    if isinstance(code, int) and not isinstance(code, bool):
        code = str(code)
    if not isinstance(code, str) or not code:
        feature.problems.append("missing property 'code'")
    else:
        feature.code = code
        if not (code.isascii() and code.isdigit()):
            feature.problems.append(f"code {code!r} must contain digits only")
        elif len(code) != 15:
            feature.problems.append(f"code must be 15 digits, got {len(code)}")
        else:
            for key, length in _PARENT_CODES.items():
                parent = props.get(key)
                if parent not in (None, "") and str(parent) != code[:length]:
                    feature.problems.append(
                        f"{key} {parent} disagrees with the grid code (expected {code[:length]})"
                    )
    name = props.get("name")
    if not isinstance(name, str) or not name.strip():
        feature.problems.append("missing property 'name'")
    elif len(name) > 100:
        feature.problems.append("name is longer than 100 characters")
    else:
        feature.name = name.strip()
    for key, limit in _OPTIONAL_TEXT.items():
        value = props.get(key)
        if value is not None and not isinstance(value, str):
            feature.problems.append(f"{key} must be text")
        elif value is not None and len(value) > limit:
            feature.problems.append(f"{key} is longer than {limit} characters")
    geometry = raw.get("geometry")
    if not isinstance(geometry, dict):
        feature.problems.append("broken GeoJSON: geometry missing or not an object")
        return feature
    kind = geometry.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        feature.problems.append(f"geometry must be a Polygon or MultiPolygon, got {kind!r}")
        return feature
    try:
        geom = shape(geometry)
    except Exception as exc:  # Shapely raises many kinds on malformed coordinates
        feature.problems.append(f"broken GeoJSON geometry: {exc or type(exc).__name__}")
        return feature
    if geom.is_empty:
        feature.problems.append("geometry is empty")
        return feature
    feature.geometry = {"type": kind, "coordinates": geometry["coordinates"]}
    feature.geom = geom
    return feature


def _current_grids_of(communities: Iterable[str]) -> list[UnitGrid]:
    codes = sorted(communities)
    found: list[UnitGrid] = []
    for chunk in _chunks(codes):
        found.extend(UnitGrid.objects.current().filter(community__code__in=chunk))
    return found


def _check_overlaps(features: list[_Feature], existing: list[UnitGrid]) -> None:
    """Refuse a grid overlapping another of its community (in the file or current)."""
    with_geom = [f for f in features if f.geom is not None and not f.problems]
    if not with_geom:
        return
    geoms = np.array([f.geom for f in with_geom], dtype=object)
    community = np.array([f.code[:12] for f in with_geom])
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = (left < right) & (community[left] == community[right])
    left, right = left[keep], right[keep]
    if len(left):
        area = shapely.area(shapely.intersection(geoms[left], geoms[right]))
        for a, b, overlap in zip(left, right, area, strict=True):
            if overlap > OVERLAP_EPSILON_DEG2:
                first, second = with_geom[a], with_geom[b]
                second.problems.append(
                    f"overlaps grid {first.code} ({first.label}) of the same community "
                    f"by {overlap:.3g} square degrees"
                )
    in_file = {f.code for f in with_geom}
    others = [g for g in existing if g.code not in in_file and g.geometry]
    if not others:
        return
    other_geoms = np.array([shape(g.geometry) for g in others], dtype=object)
    other_community = np.array([g.code[:12] for g in others])
    new_idx, old_idx = shapely.STRtree(other_geoms).query(geoms, predicate="intersects")
    keep = community[new_idx] == other_community[old_idx]
    new_idx, old_idx = new_idx[keep], old_idx[keep]
    if not len(new_idx):
        return
    area = shapely.area(shapely.intersection(geoms[new_idx], other_geoms[old_idx]))
    for n, o, overlap in zip(new_idx, old_idx, area, strict=True):
        if overlap > OVERLAP_EPSILON_DEG2:
            with_geom[n].problems.append(
                f"overlaps current grid {others[o].code} of the same community "
                f"by {overlap:.3g} square degrees"
            )


def _validate(
    collection: Any,
    valid_from: dt.date,
    progress: ProgressCallback | None,
    progress_every: int,
) -> tuple[list[_Feature], dict[str, UnitGrid], set[str]]:
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise GridImportError([Issue("input", "", "broken GeoJSON: not a FeatureCollection")])
    raw_features = collection.get("features")
    if not isinstance(raw_features, list):
        raise GridImportError([Issue("input", "", "broken GeoJSON: 'features' is not a list")])
    total = len(raw_features)
    features: list[_Feature] = []
    seen: dict[str, _Feature] = {}
    for i, raw in enumerate(raw_features):
        feature = _parse_feature(i, raw)
        if feature.code and feature.code in seen:
            feature.problems.append(f"duplicate code: also in {seen[feature.code].label}")
        elif feature.code:
            seen[feature.code] = feature
        features.append(feature)
        if progress and (i + 1) % progress_every == 0:
            progress(i + 1, total)
    if progress:
        progress(total, total)

    shaped = [f for f in features if f.geom is not None]
    if shaped:
        valid = shapely.is_valid(np.array([f.geom for f in shaped], dtype=object))
        for feature, ok in zip(shaped, valid, strict=True):
            if not ok:
                feature.problems.append(f"invalid geometry: {explain_validity(feature.geom)}")

    good_codes = {f.code for f in features if not f.problems}
    districts = {
        d.code: d
        for d in District.objects.filter(code__in=sorted({c[:6] for c in good_codes}))
        if d.geometry
        and not d.geometry_from_grids
        and None not in (d.min_lng, d.min_lat, d.max_lng, d.max_lat)
    }
    for feature in features:
        district = districts.get(feature.code[:6])
        if district is None or feature.geom is None or feature.problems:
            continue
        min_lng, min_lat, max_lng, max_lat = feature.geom.bounds
        box = (district.min_lng, district.min_lat, district.max_lng, district.max_lat)
        t = _BOX_TOLERANCE
        if (
            min_lng < (box[0] or 0) - t
            or min_lat < (box[1] or 0) - t
            or max_lng > (box[2] or 0) + t
            or max_lat > (box[3] or 0) + t
        ):
            feature.problems.append(
                f"lies outside the bounding box of district {district.code} {list(box)}"
            )

    existing = _current_grids_of({c[:12] for c in good_codes})
    current = {g.code: g for g in existing}
    pairs = [
        (f, current[f.code])
        for f in features
        if f.code in current and not f.problems and current[f.code].geometry
    ]
    unchanged: set[str] = set()
    if pairs:
        equal = shapely.equals(
            np.array([f.geom for f, _ in pairs], dtype=object),
            np.array([shape(o.geometry) for _, o in pairs], dtype=object),
        )
        unchanged = {f.code for (f, _), same in zip(pairs, equal, strict=True) if same}
    for feature in features:
        old = current.get(feature.code)
        if old is None or feature.problems or feature.code in unchanged:
            continue
        if old.valid_from >= valid_from:
            feature.problems.append(
                f"the current version starts on {old.valid_from}; "
                f"valid_from {valid_from} must be later"
            )
    _check_overlaps(features, existing)
    return features, current, unchanged


def _union(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    arr = np.array(geoms, dtype=object)
    try:
        merged = shapely.coverage_union_all(arr)
        if merged.is_valid and not merged.is_empty:
            return merged
    except shapely.errors.GEOSException:
        pass
    return shapely.union_all(arr)


def _set_shape(area: District | Street | Community, geom: BaseGeometry) -> None:
    area.geometry = mapping(geom) if not geom.is_empty else None
    for key, value in box_fields(geom).items():
        setattr(area, key, value)


_SHAPE_FIELDS = ["geometry", "min_lng", "min_lat", "max_lng", "max_lat", "centre_lng", "centre_lat"]


def recompute_area_shapes(community_codes: Iterable[str]) -> None:
    """Re-derive geometry and boxes of these communities and the streets and districts
    above them from their current grids (a district with a declared boundary keeps it)."""
    codes = sorted(set(community_codes))
    communities: list[Community] = []
    for chunk in _chunks(codes):
        communities.extend(Community.objects.filter(code__in=chunk))
    by_community: dict[int, list[BaseGeometry]] = defaultdict(list)
    ids = [c.id for c in communities]
    for chunk_ids in _chunks(ids):
        rows = UnitGrid.objects.current().filter(community_id__in=chunk_ids)
        for community_id, geometry in rows.values_list("community_id", "geometry"):
            if geometry:
                by_community[community_id].append(shape(geometry))
    for community in communities:
        _set_shape(community, _union(by_community.get(community.id, [])))
    Community.objects.bulk_update(communities, _SHAPE_FIELDS, batch_size=200)

    street_ids = sorted({c.street_id for c in communities})
    streets = list(Street.objects.filter(id__in=street_ids)) if street_ids else []
    by_street: dict[int, list[BaseGeometry]] = defaultdict(list)
    for chunk_ids in _chunks(street_ids):
        area_rows = Community.objects.filter(street_id__in=chunk_ids)
        for street_id, geometry in area_rows.values_list("street_id", "geometry"):
            if geometry:
                by_street[street_id].append(shape(geometry))
    for street in streets:
        _set_shape(street, _union(by_street.get(street.id, [])))
    Street.objects.bulk_update(streets, _SHAPE_FIELDS, batch_size=200)

    district_ids = sorted({s.district_id for s in streets})
    districts = [
        d
        for d in District.objects.filter(id__in=district_ids)
        if d.geometry is None or d.geometry_from_grids
    ]
    if not districts:
        return
    by_district: dict[int, list[BaseGeometry]] = defaultdict(list)
    street_rows = Street.objects.filter(district_id__in=[d.id for d in districts])
    for district_id, geometry in street_rows.values_list("district_id", "geometry"):
        if geometry:
            by_district[district_id].append(shape(geometry))
    for district in districts:
        _set_shape(district, _union(by_district.get(district.id, [])))
        district.geometry_from_grids = True
    District.objects.bulk_update(districts, [*_SHAPE_FIELDS, "geometry_from_grids"])


def _ensure_areas(features: list[_Feature]) -> tuple[dict[str, int], tuple[int, int, int]]:
    """Create the districts, streets and communities named by the codes; community ids."""

    def first_name(key: str, length: int) -> dict[str, str]:
        names: dict[str, str] = {}
        for f in features:
            value = f.props.get(key)
            if isinstance(value, str) and value.strip():
                names.setdefault(f.code[:length], value.strip())
        return names

    district_names = first_name("district_name", 6)
    city_names = first_name("city_name", 6)
    street_names = first_name("street_name", 9)
    community_names = first_name("community_name", 12)

    wanted = sorted({f.code[:6] for f in features})
    have = {d.code: d.id for d in District.objects.filter(code__in=wanted)}
    new_districts = [
        District(code=c, name=district_names.get(c, c), city_name=city_names.get(c, ""))
        for c in wanted
        if c not in have
    ]
    District.objects.bulk_create(new_districts)
    have = {d.code: d.id for d in District.objects.filter(code__in=wanted)}

    wanted = sorted({f.code[:9] for f in features})
    streets: dict[str, int] = {}
    for chunk in _chunks(wanted):
        streets.update(Street.objects.filter(code__in=chunk).values_list("code", "id"))
    new_streets = [
        Street(code=c, name=street_names.get(c, c), district_id=have[c[:6]])
        for c in wanted
        if c not in streets
    ]
    Street.objects.bulk_create(new_streets, batch_size=200)
    for chunk in _chunks(wanted):
        streets.update(Street.objects.filter(code__in=chunk).values_list("code", "id"))

    wanted = sorted({f.code[:12] for f in features})
    communities: dict[str, int] = {}
    for chunk in _chunks(wanted):
        communities.update(Community.objects.filter(code__in=chunk).values_list("code", "id"))
    new_communities = [
        Community(code=c, name=community_names.get(c, c), street_id=streets[c[:9]])
        for c in wanted
        if c not in communities
    ]
    Community.objects.bulk_create(new_communities, batch_size=200)
    for chunk in _chunks(wanted):
        communities.update(Community.objects.filter(code__in=chunk).values_list("code", "id"))
    return communities, (len(new_districts), len(new_streets), len(new_communities))


def _attributes(feature: _Feature) -> dict[str, str]:
    return {
        "name": feature.name,
        "land_use": str(feature.props.get("land_use") or ""),
        "management_level": str(feature.props.get("management_level") or ""),
        "responsible_party": str(feature.props.get("responsible_party") or ""),
    }


def import_grids(
    collection: Any,
    *,
    valid_from: dt.date | None = None,
    skip_invalid: bool = False,
    progress: ProgressCallback | None = None,
    progress_every: int = 1000,
) -> GridImportResult:
    """Validate and import a GeoJSON FeatureCollection of unit grids (see module docstring).

    Raises :class:`GridImportError` listing every bad feature unless ``skip_invalid``, in
    which case the bad ones are left out and listed in ``result.issues``.
    """
    valid_from = valid_from or today_local()
    features, current, unchanged = _validate(collection, valid_from, progress, progress_every)
    issues = [Issue(f.label, f.code, reason) for f in features for reason in f.problems]
    if issues and not skip_invalid:
        raise GridImportError(issues)
    good = [f for f in features if not f.problems]
    result = GridImportResult(skipped=len(features) - len(good), issues=issues)
    if not good:
        return result

    with transaction.atomic():
        community_ids, created = _ensure_areas(good)
        result.districts_created, result.streets_created, result.communities_created = created
        to_close: list[int] = []
        to_insert: list[UnitGrid] = []
        to_update: list[UnitGrid] = []
        for feature in good:
            attrs = _attributes(feature)
            old = current.get(feature.code)
            if old is not None and feature.code in unchanged:
                if any(getattr(old, k) != v for k, v in attrs.items()):
                    for k, v in attrs.items():
                        setattr(old, k, v)
                    to_update.append(old)
                else:
                    result.unchanged += 1
                continue
            if old is not None:
                to_close.append(old.id)
            assert feature.geom is not None
            to_insert.append(
                UnitGrid(
                    community_id=community_ids[feature.code[:12]],
                    code=feature.code,
                    geometry=feature.geometry,
                    area_m2=area_m2(feature.geom),
                    valid_from=valid_from,
                    **attrs,
                    **box_fields(feature.geom),
                )
            )
        for chunk in _chunks(to_close):
            UnitGrid.objects.filter(id__in=chunk).update(valid_to=valid_from)
        UnitGrid.objects.bulk_create(to_insert, batch_size=500)
        UnitGrid.objects.bulk_update(
            to_update, ["name", "land_use", "management_level", "responsible_party"], batch_size=500
        )
        result.replaced = len(to_close)
        result.created = len(to_insert) - len(to_close)
        result.updated = len(to_update)
        if to_insert:
            recompute_area_shapes({g.code[:12] for g in to_insert})
        transaction.on_commit(locate.invalidate)
    locate.invalidate()
    return result
