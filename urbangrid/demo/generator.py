"""The demo district (示范区): a deterministic, plausible city built in memory.

Pure functions only: ``generate_city(catalogue, scale=…, seed=…)`` returns plain dataclass
rows (district, streets, communities, unit grids, departments, responsibility rules,
places and accounts) and ``iter_components(city)`` yields the component inventory lazily,
so a writer can save it (``writer.py``) or an exporter can write files (``export.py``).
The same catalogue, scale and seed always give the same rows, byte for byte.

The district 城东区 (Chengdong, code 110199) is a lattice of ~125 m square cells over an
irregular outline around (116.41, 39.92): every cell is one unit grid (单元网格), streets
and communities are contiguous blocks of cells, so grids never overlap, tile their
community and lie in exactly one community. ``scale`` multiplies grids, streets,
communities, components and places (fractions give the tiny cities of the tests).
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import math
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from shapely.geometry import box, mapping
from shapely.geometry.polygon import orient
from shapely.ops import unary_union

from urbangrid.organisations.uscc import make_uscc

DISTRICT_CODE = "110199"
DISTRICT_NAME = "城东区"
CITY_NAME = "示范市"
CITY_CODE = "110100"
CENTRE_LNG = 116.41
CENTRE_LAT = 39.92
CELL_M = 125.0
GRIDS_PER_SCALE = 1652
STREETS_PER_SCALE = 12
COMMUNITIES_PER_SCALE = 150
COMPONENTS_PER_SCALE = 150_000
GRID_VALID_FROM = dt.date(2024, 1, 1)
CENSUS_ON = dt.date(2024, 3, 1)
PASSWORD = "demo"
MAX_SERIAL = 999_999

_M_PER_DEG_LAT = 111_035.0
_M_PER_DEG_LNG = 111_320.0 * math.cos(math.radians(CENTRE_LAT))
DLNG = CELL_M / _M_PER_DEG_LNG
DLAT = CELL_M / _M_PER_DEG_LAT


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class TypeSpec:
    """One catalogue type as the generator needs it."""

    kind: str  # "component" or "matter"
    code: str
    class_code: str
    class_name: str
    name: str


@dataclass(frozen=True, slots=True)
class AreaRow:
    """A district, street or community: code, name, parent code and GeoJSON outline."""

    code: str
    name: str
    parent_code: str
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]  # min_lng, min_lat, max_lng, max_lat
    centre: tuple[float, float]  # lng, lat


@dataclass(frozen=True, slots=True)
class GridRow:
    """A unit grid: one lattice cell (``col`` west→east, ``row`` north→south)."""

    code: str
    name: str
    community_code: str
    col: int
    row: int
    geometry: dict[str, Any]
    bbox: tuple[float, float, float, float]
    centre: tuple[float, float]
    area_m2: float


@dataclass(frozen=True, slots=True)
class DepartmentRow:
    """A department (部门) with a unified social credit code; ``key`` is internal."""

    key: str
    uscc: str
    name: str
    short_name: str
    level: str  # city / district / street
    parent_key: str
    street_code: str
    in_district: bool
    around_the_clock: bool
    phone: str


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A responsibility rule: matter type code or class code (or neither) → department."""

    type_code: str
    class_code: str
    area_level: str
    area_code: str
    basis: str
    priority: int
    department_key: str
    note: str


@dataclass(frozen=True, slots=True)
class PlaceRow:
    """A gazetteer entry (地址/兴趣点/道路)."""

    kind: str  # address / poi / road
    name: str
    address: str
    lng: float
    lat: float
    grid_code: str


@dataclass(frozen=True, slots=True)
class AccountRow:
    username: str
    role: str
    role_zh: str
    department_key: str
    area_code: str
    is_staff: bool
    is_superuser: bool
    grid_codes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ComponentRow:
    """A component (部件) with the 18 attributes of GB/T 47678.5-2026 Table 2."""

    ident: str
    type_code: str
    name: str
    competent_code: str
    competent_name: str
    owner_code: str
    owner_name: str
    maintainer_code: str
    maintainer_name: str
    grid_code: str
    status: str  # ComponentStatus value: intact, damaged, lost, abandoned, removed
    initial_on: dt.date
    changed_on: dt.date | None
    data_source: str
    remark: str
    street_code: str
    street_name: str
    community_code: str
    community_name: str
    lng: float
    lat: float


@dataclass
class DemoCity:
    """Everything but the components, which ``iter_components`` yields on demand."""

    scale: float
    seed: int
    catalogue: tuple[TypeSpec, ...]
    district: AreaRow
    streets: list[AreaRow] = field(default_factory=list)
    communities: list[AreaRow] = field(default_factory=list)
    grids: list[GridRow] = field(default_factory=list)
    departments: list[DepartmentRow] = field(default_factory=list)
    rules: list[RuleRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)
    accounts: list[AccountRow] = field(default_factory=list)
    component_counts: dict[str, int] = field(default_factory=dict)

    @property
    def component_total(self) -> int:
        return sum(self.component_counts.values())

    def department(self, key: str) -> DepartmentRow:
        return next(d for d in self.departments if d.key == key)


# --------------------------------------------------------------------------- catalogue


def read_catalogue(path: Path) -> tuple[TypeSpec, ...]:
    """Types from a CSV with columns kind, code, class_code, class_name, name."""
    with path.open(encoding="utf-8", newline="") as fh:
        return tuple(
            TypeSpec(
                kind=row["kind"].strip(),
                code=row["code"].strip(),
                class_code=row["class_code"].strip(),
                class_name=row["class_name"].strip(),
                name=row["name"].strip(),
            )
            for row in csv.DictReader(fh)
        )


def repo_catalogue_path() -> Path:
    """The catalogue CSV shipped with the catalog app."""
    return (
        Path(__file__).resolve().parent.parent
        / "catalog"
        / "data"
        / "gbt47678_5_2026_catalogue.csv"
    )


# --------------------------------------------------------------------------- names

_NAME_FIRST = "东西南北中新安和永兴崇景龙凤德福华光明长春清文仁宁泰康嘉瑞"
_NAME_SECOND = "华平安兴和德宁泰康乐丰盛源祥福阳门桥园里"
_COMMUNITY_TAIL = "里园苑坊巷门桥楼院庄"
_ROAD_SUFFIXES = ("大街", "路", "街", "胡同", "南大街", "北大街", "东街", "西街", "巷", "北路")
_POI_KINDS = (
    "小区", "公园", "小学", "中学", "医院", "商场", "菜市场", "派出所", "地铁站", "图书馆",
    "体育馆", "大厦", "宾馆", "社区卫生服务中心", "幼儿园", "银行", "家园", "花园",
)  # fmt: skip


def _two_char_names(rng: random.Random) -> list[str]:
    names = [a + b for a in _NAME_FIRST for b in _NAME_SECOND if a != b]
    rng.shuffle(names)
    return names


def _unique_names(rng: random.Random, tails: str) -> Iterator[str]:
    """Endless distinct names: stem + tail, shuffled, then numbered (…2, …3) if need be."""
    base = _two_char_names(rng)
    names = [n + t for t in tails for n in base]
    rng.shuffle(names)
    yield from names
    for k in itertools.count(2):
        for name in names:
            yield f"{name}{k}"


# --------------------------------------------------------------------------- geometry


def _cell_edges(col: int, row: int, west: float, north: float) -> tuple[float, ...]:
    """(min_lng, min_lat, max_lng, max_lat) of a cell; neighbours share exact values."""
    return (
        round(west + col * DLNG, 7),
        round(north - (row + 1) * DLAT, 7),
        round(west + (col + 1) * DLNG, 7),
        round(north - row * DLAT, 7),
    )


def _as_lists(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_as_lists(v) for v in value]
    if isinstance(value, float):
        return round(value, 7)
    return value


def _geojson(geom: Any) -> dict[str, Any]:
    """GeoJSON of a shapely (multi)polygon, exterior rings counter-clockwise."""
    if geom.geom_type == "Polygon":
        geom = orient(geom, 1.0)
    else:
        geom = type(geom)([orient(p, 1.0) for p in geom.geoms])
    mapped = mapping(geom)
    return {"type": mapped["type"], "coordinates": _as_lists(mapped["coordinates"])}


def _area_row(code: str, name: str, parent: str, cells: Sequence[tuple[float, ...]]) -> AreaRow:
    shape = unary_union([box(*c) for c in cells]).simplify(0)
    min_lng, min_lat, max_lng, max_lat = (round(v, 7) for v in shape.bounds)
    return AreaRow(
        code=code,
        name=name,
        parent_code=parent,
        geometry=_geojson(shape),
        bbox=(min_lng, min_lat, max_lng, max_lat),
        centre=(round((min_lng + max_lng) / 2, 7), round((min_lat + max_lat) / 2, 7)),
    )


def _district_cells(n_target: int, rng: np.random.Generator) -> set[tuple[int, int]]:
    """``n_target`` lattice cells (col, row) forming an irregular, hole-free, 4-connected
    outline, elongated north–south."""
    side = math.ceil(math.sqrt(n_target))
    cols, rows = 2 * side + 6, 3 * side + 6
    phases = rng.uniform(0, 2 * math.pi, size=4)
    cc, rr = np.meshgrid(np.arange(cols), np.arange(rows))
    x = cc + 0.5 - cols / 2
    y = (rr + 0.5 - rows / 2) * 0.72
    theta = np.arctan2(y, x)
    radius = (
        1.0
        + 0.16 * np.sin(2 * theta + phases[0])
        + 0.09 * np.sin(3 * theta + phases[1])
        + 0.05 * np.sin(5 * theta + phases[2])
        + 0.03 * np.sin(7 * theta + phases[3])
    )
    d = np.hypot(x, y) / radius
    order = np.lexsort((cc.ravel(), rr.ravel(), d.ravel()))[:n_target]
    chosen = {(int(cc.ravel()[i]), int(rr.ravel()[i])) for i in order}
    # Keep the largest 4-connected piece, then fill holes (cells unreachable from outside).
    pieces = _components(chosen)
    chosen = max(pieces, key=len)
    outside: set[tuple[int, int]] = set()
    queue = deque([(-1, -1)])
    outside.add((-1, -1))
    while queue:
        c, r = queue.popleft()
        for nc, nr in ((c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)):
            inside_frame = -1 <= nc <= cols and -1 <= nr <= rows
            if inside_frame and (nc, nr) not in outside and (nc, nr) not in chosen:
                outside.add((nc, nr))
                queue.append((nc, nr))
    for c in range(cols):
        for r in range(rows):
            if (c, r) not in chosen and (c, r) not in outside:
                chosen.add((c, r))
    if any(c in (0, cols - 1) or r in (0, rows - 1) for c, r in chosen):
        raise AssertionError("district outline touches the lattice border")
    return chosen


def _components(cells: set[tuple[int, int]]) -> list[set[tuple[int, int]]]:
    """4-connected pieces of ``cells`` in a deterministic order."""
    seen: set[tuple[int, int]] = set()
    pieces: list[set[tuple[int, int]]] = []
    for start in sorted(cells):
        if start in seen:
            continue
        piece = {start}
        seen.add(start)
        queue = deque([start])
        while queue:
            c, r = queue.popleft()
            for nb in ((c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)):
                if nb in cells and nb not in seen:
                    seen.add(nb)
                    piece.add(nb)
                    queue.append(nb)
        pieces.append(piece)
    return pieces


def _kmeans_labels(cells: list[tuple[int, int]], k: int, rng: np.random.Generator) -> list[int]:
    """Split ``cells`` into ``k`` compact, contiguous blocks (Lloyd's k-means on cell
    centres, farthest-point start, then disconnected pieces handed to a neighbour)."""
    k = max(1, min(k, len(cells)))
    pts = np.array(cells, dtype=float)
    first = int(rng.integers(len(cells)))
    centres = [pts[first]]
    dist = ((pts - pts[first]) ** 2).sum(axis=1)
    for _ in range(1, k):
        nxt = int(np.argmax(dist))
        centres.append(pts[nxt])
        dist = np.minimum(dist, ((pts - pts[nxt]) ** 2).sum(axis=1))
    cen = np.array(centres)
    labels = np.zeros(len(cells), dtype=int)
    for _ in range(20):
        d2 = ((pts[:, None, :] - cen[None, :, :]) ** 2).sum(axis=2)
        labels = np.argmin(d2, axis=1)
        for j in range(k):
            members = pts[labels == j]
            if len(members):
                cen[j] = members.mean(axis=0)
    return _make_contiguous(cells, [int(v) for v in labels])


def _make_contiguous(cells: list[tuple[int, int]], labels: list[int]) -> list[int]:
    """Reassign every piece but the largest of each label to its best neighbour label."""
    label_of = dict(zip(cells, labels, strict=True))
    while True:
        changed = False
        for lab in sorted(set(label_of.values())):
            members = {c for c, v in label_of.items() if v == lab}
            pieces = sorted(_components(members), key=lambda p: (-len(p), min(p)))
            for piece in pieces[1:]:
                votes: dict[int, int] = {}
                for c, r in piece:
                    for nb in ((c + 1, r), (c - 1, r), (c, r + 1), (c, r - 1)):
                        other = label_of.get(nb)
                        if other is not None and other != lab:
                            votes[other] = votes.get(other, 0) + 1
                if votes:
                    target = max(sorted(votes), key=lambda v: votes[v])
                    for cell in piece:
                        label_of[cell] = target
                    changed = True
        if not changed:
            return [label_of[c] for c in cells]


def _order_blocks(blocks: dict[int, list[tuple[int, int]]]) -> list[list[tuple[int, int]]]:
    """Blocks ordered north→south, west→east by their mean cell."""

    def key(cells: list[tuple[int, int]]) -> tuple[float, float]:
        return (
            round(sum(r for _, r in cells) / len(cells) / 4),
            sum(c for c, _ in cells) / len(cells),
        )

    return sorted(blocks.values(), key=key)


# --------------------------------------------------------------------------- departments

# Parents follow the organisations rule: a district unit sits under a city unit or none,
# a street office under the district government. Columns: key, level (c city, d district),
# parent key, USCC kind (11 government, 12 public institution, 91 enterprise), 24/7 (*),
# duty phone, name, short name.
_DEPARTMENT_TABLE = """
city_urban     c -              11 . 010-12319    示范市城市管理委员会 市城管委
city_water     c -              11 . 010-68556000 示范市水务局 市水务局
city_transport c -              11 . 010-12328    示范市交通委员会 市交通委
water_group    c city_water     91 * 010-96116    示范市自来水集团有限责任公司 自来水集团
drainage_group c city_water     91 * 010-62396000 示范市排水集团有限责任公司 排水集团
power          c -              91 * 95598        国网示范市城东供电公司 供电公司
gas            c -              91 * 96777        示范市燃气集团有限责任公司 燃气集团
heat           c -              91 * 96069        示范市热力集团有限责任公司 热力公司
telecom        c -              91 * 10010        示范通信运营商城东分公司 通信运营商
bus            c city_transport 91 . 96166        示范市公共交通集团有限公司 公交集团
gov            d -              11 . 010-64031000 城东区人民政府 区政府
centre         d -              12 * 010-12319    城东区城市运行管理服务中心 区监督指挥中心
urban          d city_urban     11 . 010-64031100 城东区城市管理委员会 区城管委
sanitation     d city_urban     12 . 010-64031200 城东区环境卫生服务中心 区环卫中心
greening       d -              11 . 010-64031300 城东区园林绿化局 区园林绿化局
traffic        d -              11 * 122          示范市公安交通管理局城东交通支队 区交通支队
water          d city_water     11 . 010-64031400 城东区水务局 区水务局
housing        d -              11 . 010-64031500 城东区住房和城乡建设委员会 区住建委
market         d -              11 . 12315        城东区市场监督管理局 区市场监管局
enforcement    d city_urban     11 . 010-64031600 城东区城市管理综合行政执法局 区城管执法局
ecology        d -              11 . 12369        城东区生态环境局 区生态环境局
police         d -              11 * 110          示范市公安局城东分局 区公安分局
fire           d -              11 * 119          城东区消防救援支队 区消防救援支队
culture        d -              11 . 010-64031700 城东区文化和旅游局 区文旅局
civil_affairs  d -              11 . 010-64031800 城东区民政局 区民政局
sports         d -              11 . 010-64031900 城东区体育局 区体育局
emergency      d -              11 * 010-64032000 城东区应急管理局 区应急管理局
"""


def _department_specs() -> list[tuple[str, str, str, str, str, str, bool, str]]:
    """(key, name, short name, level, parent key, USCC kind, around the clock, phone)."""
    specs = []
    for line in _DEPARTMENT_TABLE.strip().splitlines():
        key, level, parent, kind, all_day, phone, name, short = line.split()
        specs.append(
            (
                key,
                name,
                short,
                "city" if level == "c" else "district",
                "" if parent == "-" else parent,
                kind,
                all_day == "*",
                phone,
            )
        )
    return specs


_DEPARTMENTS = _department_specs()

# Competent department (主管部门) of each component type; unlisted types fall back to the
# department of their class.
_CLASS_DEPARTMENT = {
    "01": "urban",
    "02": "traffic",
    "03": "sanitation",
    "04": "greening",
    "05": "housing",
}
_TYPE_DEPARTMENT: dict[str, str] = {
    "01001": "water_group", "01002": "drainage_group", "01003": "drainage_group",
    "01004": "drainage_group", "01005": "power", "01007": "telecom", "01008": "telecom",
    "01009": "telecom", "01010": "heat", "01011": "gas", "01012": "police", "01013": "fire",
    "01014": "greening", "01015": "traffic", "01017": "power", "01018": "sanitation",
    "01019": "drainage_group", "01020": "bus", "01021": "gas", "01024": "water",
    "01025": "water_group", "01026": "drainage_group", "01027": "telecom", "01028": "power",
    "01029": "power", "01030": "power", "01031": "telecom", "01032": "bus", "01036": "gas",
    "01041": "telecom", "01042": "telecom", "01044": "market", "01045": "market",
    "01046": "sports", "01047": "power", "01048": "power", "01049": "gas", "01050": "police",
    "01051": "police", "01052": "greening", "01053": "market", "01054": "power",
    "01055": "sanitation", "01056": "water", "01057": "gas", "01058": "housing",
    "01059": "sanitation", "01061": "heat", "01062": "telecom", "01063": "water_group",
    "01064": "culture", "01066": "police", "01067": "water", "01068": "water_group",
    "01069": "water", "01070": "water", "01071": "water", "01072": "drainage_group",
    "01073": "water", "01075": "market", "01076": "housing",
    "02001": "city_transport", "02002": "city_transport", "02003": "city_transport",
    "02004": "bus", "02005": "city_transport", "02006": "urban", "02007": "urban",
    "02008": "urban", "02009": "urban", "02012": "urban", "02013": "urban", "02021": "urban",
    "02023": "urban", "02024": "urban", "02025": "city_transport", "02026": "city_transport",
    "02027": "city_transport", "02028": "city_transport", "02029": "water",
    "02030": "water", "02031": "water", "02032": "city_transport", "02034": "urban",
    "02035": "emergency", "02036": "civil_affairs", "02037": "culture", "02038": "police",
    "02039": "police", "02040": "culture", "02041": "city_transport", "02042": "urban",
    "02044": "urban",
    "03006": "urban", "03007": "urban", "03008": "urban", "03009": "ecology",
    "03010": "ecology", "03011": "ecology", "03012": "ecology", "03013": "ecology",
    "05003": "market", "05009": "culture",
}  # fmt: skip

# Behaviour matters (classes 06–10) with a professional department answering as owner
# (属主); every other behaviour matter goes to the street office (属地) only.
_MATTER_DEPARTMENT: dict[str, str] = {
    "06001": "enforcement", "06002": "enforcement", "06003": "urban", "06004": "urban",
    "06010": "sanitation", "06011": "sanitation", "06012": "sanitation", "06013": "urban",
    "06014": "sanitation", "06016": "traffic", "06017": "greening", "06018": "greening",
    "06021": "greening", "06022": "greening", "06023": "water", "06024": "water",
    "06025": "water", "06026": "water", "06027": "ecology", "06028": "ecology",
    "06029": "enforcement", "06030": "water", "06032": "sanitation", "06033": "ecology",
    "06034": "traffic", "06037": "sanitation", "06041": "sanitation", "06042": "sanitation",
    "06045": "greening", "06046": "water", "06047": "greening", "06048": "urban",
    "06049": "urban", "06050": "urban", "06051": "urban", "06052": "urban",
    "07003": "urban", "07006": "urban", "08001": "housing", "08002": "urban",
    "08003": "urban", "08004": "housing", "08005": "housing", "08006": "housing",
    "08007": "housing", "08008": "housing", "08009": "housing", "08010": "housing",
    "08011": "enforcement", "08012": "housing", "08013": "housing", "08016": "housing",
    "09001": "enforcement", "09002": "market", "09003": "civil_affairs",
    "09005": "enforcement", "09006": "enforcement", "09008": "culture", "09009": "traffic",
    "09010": "traffic", "09011": "city_transport", "09012": "fire", "09015": "market",
    "09016": "traffic", "09018": "traffic", "09020": "market", "10001": "urban",
    "10002": "urban",
}  # fmt: skip

BEHAVIOUR_CLASSES = ("06", "07", "08", "09", "10")


def competent_department_key(type_code: str) -> str:
    """Key of the department answering for a component type (and its "…异常" matter)."""
    return _TYPE_DEPARTMENT.get(type_code, _CLASS_DEPARTMENT.get(type_code[:2], "urban"))


def _departments(streets: Sequence[AreaRow]) -> list[DepartmentRow]:
    rows: list[DepartmentRow] = []
    for serial, (key, name, short, level, parent, kind, all_day, phone) in enumerate(
        _DEPARTMENTS, start=1
    ):
        admin = CITY_CODE if level == "city" else DISTRICT_CODE
        rows.append(
            DepartmentRow(
                key=key,
                uscc=make_uscc(admin, 10_000 + serial, authority=kind[0], kind=kind[1]),
                name=name,
                short_name=short,
                level=level,
                parent_key=parent,
                street_code="",
                in_district=level != "city",
                around_the_clock=all_day,
                phone=phone,
            )
        )
    for i, street in enumerate(streets, start=1):
        rows.append(
            DepartmentRow(
                key=f"street_{street.code[-3:]}",
                uscc=make_uscc(DISTRICT_CODE, 20_000 + i),
                name=f"{DISTRICT_NAME}{street.name}办事处",
                short_name=f"{street.name}办事处"[:30],
                level="street",
                parent_key="gov",
                street_code=street.code,
                in_district=True,
                around_the_clock=False,
                phone=f"010-6520{i:04d}",
            )
        )
    return rows


def _rules(
    catalogue: Sequence[TypeSpec], streets: Sequence[AreaRow], component_codes: set[str]
) -> list[RuleRow]:
    rules: list[RuleRow] = []
    for spec in catalogue:
        if spec.kind != "matter":
            continue
        if spec.code in component_codes or spec.class_code not in BEHAVIOUR_CLASSES:
            dept, note = competent_department_key(spec.code), "部件先属主：主管部门"
        elif spec.code in _MATTER_DEPARTMENT:
            dept, note = _MATTER_DEPARTMENT[spec.code], "行业主管部门"
        else:
            continue
        rules.append(RuleRow(spec.code, "", "district", DISTRICT_CODE, "owner", 100, dept, note))
    for street in streets:
        for class_code in BEHAVIOUR_CLASSES:
            rules.append(
                RuleRow(
                    "",
                    class_code,
                    "street",
                    street.code,
                    "locality",
                    100,
                    f"street_{street.code[-3:]}",
                    "事件先属地：街道办事处",
                )
            )
    rules.append(
        RuleRow("", "", "district", DISTRICT_CODE, "locality", 900, "urban", "兜底：区城管委")
    )
    return rules


# --------------------------------------------------------------------------- accounts

ACCOUNTS: tuple[tuple[str, str, str, str], ...] = (
    # username, role, role in Chinese, department key
    ("inspector", "inspector", "监督员", "centre"),
    ("operator", "operator", "受理员", "centre"),
    ("shift_leader", "shift_leader", "值班长", "centre"),
    ("dispatcher", "dispatcher", "派遣员", "centre"),
    ("handler", "handler", "部门处置人员", "sanitation"),
    ("department_head", "department_head", "部门负责人", "sanitation"),
    ("leader", "leader", "领导", "urban"),
    ("auditor", "auditor", "审计员", "centre"),
    ("admin", "admin", "系统管理员", "centre"),
)
INSPECTOR_BLOCK = 40


def _accounts(grids: Sequence[GridRow]) -> list[AccountRow]:
    codes = [g.code for g in grids]
    blocks = [tuple(codes[i : i + INSPECTOR_BLOCK]) for i in range(0, len(codes), INSPECTOR_BLOCK)]
    rows = [
        AccountRow(
            username=username,
            role=role,
            role_zh=role_zh,
            department_key=dept,
            area_code=DISTRICT_CODE,
            is_staff=role == "admin",
            is_superuser=role == "admin",
            grid_codes=blocks[0] if role == "inspector" and blocks else (),
        )
        for username, role, role_zh, dept in ACCOUNTS
    ]
    width = max(2, len(str(len(blocks))))
    for i, block in enumerate(blocks[1:], start=1):
        rows.append(
            AccountRow(
                username=f"inspector_{i:0{width}d}",
                role="inspector",
                role_zh="监督员",
                department_key="centre",
                area_code=DISTRICT_CODE,
                is_staff=False,
                is_superuser=False,
                grid_codes=block,
            )
        )
    return rows


# --------------------------------------------------------------------------- places


def _places(
    rng: random.Random,
    grids_by_cell: dict[tuple[int, int], GridRow],
    west: float,
    north: float,
    scale: float,
) -> list[PlaceRow]:
    cols = sorted({c for c, _ in grids_by_cell})
    rows = sorted({r for _, r in grids_by_cell})
    stems = _two_char_names(rng)
    road_names = [s + suffix for suffix in _ROAD_SUFFIXES for s in stems]
    rng.shuffle(road_names)
    places: list[PlaceRow] = []

    def place(kind: str, name: str, address: str, lng: float, lat: float) -> None:
        col = math.floor((lng - west) / DLNG)
        row = math.floor((north - lat) / DLAT)
        grid = grids_by_cell.get((col, row))
        if grid is not None:
            places.append(PlaceRow(kind, name, address, round(lng, 7), round(lat, 7), grid.code))

    roads: list[tuple[str, bool, int]] = []  # name, east-west?, lattice line index
    for r in rows[2:-1:3]:
        roads.append((road_names[len(roads)], True, r))
    for c in cols[2:-1:3]:
        roads.append((road_names[len(roads)], False, c))
    for name, east_west, line in roads:
        if east_west:
            cells = sorted(c for c, r in grids_by_cell if r == line)
            along = [(west + (c + 0.5) * DLNG, north - line * DLAT) for c in cells]
        else:
            cells = sorted(r for c, r in grids_by_cell if c == line)
            along = [(west + line * DLNG, north - (r + 0.5) * DLAT) for r in cells]
        if not along:
            continue
        mid = along[len(along) // 2]
        offset = (0.0, -0.1 * DLAT) if east_west else (0.1 * DLNG, 0.0)
        place("road", name, "", mid[0] + offset[0], mid[1] + offset[1])
        number = 1
        for lng, lat in along:
            for side in (1, -1):
                dx, dy = (0.0, side * 0.2 * DLAT) if east_west else (side * -0.2 * DLNG, 0.0)
                step = (0.3 * DLNG, 0.0) if east_west else (0.0, -0.3 * DLAT)
                for k in range(rng.choice((1, 2))):
                    label = f"{name}{number + (0 if side == 1 else 1) + 2 * k}号"
                    place("address", label, label, lng + dx + k * step[0], lat + dy + k * step[1])
            number += 4
    n_pois = max(1, round(550 * scale))
    grid_list = list(grids_by_cell.values())
    used: set[str] = set()
    while len(used) < n_pois:
        stem = rng.choice(stems)
        kind = rng.choice(_POI_KINDS)
        name = f"{stem}{kind}"
        if name in used:
            name = f"{stem}{rng.choice('一二三四五六七八九')}{kind}"
            if name in used:
                continue
        used.add(name)
        grid = rng.choice(grid_list)
        lng = grid.bbox[0] + rng.uniform(0.1, 0.9) * DLNG
        lat = grid.bbox[1] + rng.uniform(0.1, 0.9) * DLAT
        road = rng.choice(roads)[0] if roads else "城东大街"
        place("poi", name, f"{DISTRICT_NAME}{road}{rng.randint(1, 200)}号", lng, lat)
    return places


# --------------------------------------------------------------------------- the city


def generate_city(
    catalogue: Sequence[TypeSpec], *, scale: float = 1.0, seed: int = 2004
) -> DemoCity:
    """Build the demo district (everything but the components) in memory."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    nprng = np.random.default_rng(seed)
    rng = random.Random(seed)
    n_grids = max(8, round(GRIDS_PER_SCALE * scale))
    n_streets = max(2, round(STREETS_PER_SCALE * scale))
    n_communities = max(2 * n_streets, round(COMMUNITIES_PER_SCALE * scale))

    cells = sorted(_district_cells(n_grids, nprng))
    min_col = min(c for c, _ in cells)
    min_row = min(r for _, r in cells)
    cells = [(c - min_col, r - min_row) for c, r in cells]
    n_cols = max(c for c, _ in cells) + 1
    n_rows = max(r for _, r in cells) + 1
    west = CENTRE_LNG - n_cols * DLNG / 2
    north = CENTRE_LAT + n_rows * DLAT / 2
    edges = {cell: _cell_edges(cell[0], cell[1], west, north) for cell in cells}

    street_labels = _kmeans_labels(cells, n_streets, nprng)
    street_blocks: dict[int, list[tuple[int, int]]] = {}
    for cell, lab in zip(cells, street_labels, strict=True):
        street_blocks.setdefault(lab, []).append(cell)
    ordered_streets = _order_blocks(street_blocks)

    street_names = list(itertools.islice(_unique_names(rng, "街"), len(ordered_streets)))
    community_names = _unique_names(rng, _COMMUNITY_TAIL)
    avg_community = len(cells) / n_communities

    district = _area_row(DISTRICT_CODE, DISTRICT_NAME, "", [edges[c] for c in cells])
    city = DemoCity(scale=scale, seed=seed, catalogue=tuple(catalogue), district=district)
    for s_index, s_cells in enumerate(ordered_streets, start=1):
        street_code = f"{DISTRICT_CODE}{s_index:03d}"
        street_name = f"{street_names[s_index - 1]}道"
        city.streets.append(
            _area_row(street_code, street_name, DISTRICT_CODE, [edges[c] for c in s_cells])
        )
        s_cells = sorted(s_cells)
        k = max(1, round(len(s_cells) / avg_community))
        labels = _kmeans_labels(s_cells, k, nprng)
        blocks: dict[int, list[tuple[int, int]]] = {}
        for cell, lab in zip(s_cells, labels, strict=True):
            blocks.setdefault(lab, []).append(cell)
        for c_index, c_cells in enumerate(_order_blocks(blocks), start=1):
            community_code = f"{street_code}{c_index:03d}"
            community_name = f"{next(community_names)}社区"
            city.communities.append(
                _area_row(community_code, community_name, street_code, [edges[c] for c in c_cells])
            )
            for g_index, (col, row) in enumerate(sorted(c_cells, key=lambda c: (c[1], c[0])), 1):
                if g_index > 999:
                    raise ValueError(f"community {community_code} has more than 999 grids")
                e = edges[(col, row)]
                ring = [[e[0], e[1]], [e[2], e[1]], [e[2], e[3]], [e[0], e[3]], [e[0], e[1]]]
                mid_lat = (e[1] + e[3]) / 2
                area = (
                    (e[2] - e[0]) * 111_320.0 * math.cos(math.radians(mid_lat))
                    * (e[3] - e[1]) * _M_PER_DEG_LAT
                )  # fmt: skip
                city.grids.append(
                    GridRow(
                        code=f"{community_code}{g_index:03d}",
                        name=f"{community_name}{g_index}号网格",
                        community_code=community_code,
                        col=col,
                        row=row,
                        geometry={"type": "Polygon", "coordinates": [ring]},
                        bbox=(e[0], e[1], e[2], e[3]),
                        centre=(round((e[0] + e[2]) / 2, 7), round(mid_lat, 7)),
                        area_m2=round(area, 1),
                    )
                )

    component_codes = {t.code for t in catalogue if t.kind == "component"}
    city.departments = _departments(city.streets)
    city.rules = _rules(catalogue, city.streets, component_codes)
    city.accounts = _accounts(city.grids)
    grids_by_cell = {(g.col, g.row): g for g in city.grids}
    city.places = _places(rng, grids_by_cell, west, north, scale)
    city.component_counts = component_counts(
        [t for t in catalogue if t.kind == "component"],
        max(1, round(COMPONENTS_PER_SCALE * scale)),
    )
    return city


# --------------------------------------------------------------------------- components

# Relative frequency of each component type in a Dongcheng-like district: manhole covers,
# lamps, trees, signs and house-number plates dominate; rare types get a handful.
_WEIGHTS: dict[str, float] = {
    "01001": 9000, "01002": 12000, "01003": 10000, "01004": 12000, "01005": 7000,
    "01006": 4000, "01007": 9000, "01008": 2000, "01009": 1500, "01010": 4000,
    "01011": 3500, "01012": 800, "01013": 1500, "01014": 500, "01015": 400, "01017": 1000,
    "01018": 1500, "01019": 300, "01020": 100, "01021": 20, "01022": 100, "01023": 300,
    "01024": 10, "01025": 200, "01026": 800, "01027": 1200, "01028": 1000, "01029": 400,
    "01030": 3000, "01031": 2000, "01032": 150, "01033": 100, "01034": 200, "01035": 30,
    "01036": 10, "01037": 14000, "01038": 1200, "01039": 2000, "01040": 80, "01041": 60,
    "01042": 60, "01043": 40, "01044": 50, "01045": 200, "01046": 600, "01047": 5,
    "01048": 400, "01049": 150, "01050": 2500, "01051": 40, "01052": 30, "01053": 30,
    "01054": 800, "01055": 20, "01056": 5, "01057": 30, "01058": 100, "01059": 150,
    "01060": 400, "01061": 20, "01062": 300, "01063": 2, "01064": 8, "01065": 800,
    "01066": 40, "01067": 20, "01068": 5, "01069": 30, "01070": 100, "01071": 5,
    "01072": 6, "01073": 40, "01074": 30, "01075": 400, "01076": 30, "01077": 300,
    "02001": 150, "02002": 10, "02003": 600, "02004": 300, "02005": 40, "02006": 12,
    "02007": 10, "02008": 4, "02009": 6, "02010": 6000, "02011": 20, "02012": 1200,
    "02013": 300, "02014": 900, "02015": 700, "02016": 30, "02017": 3000, "02018": 150,
    "02019": 80, "02020": 800, "02021": 5000, "02022": 800, "02023": 20, "02024": 5,
    "02025": 800, "02026": 200, "02027": 900, "02028": 2, "02029": 2, "02030": 20,
    "02031": 2, "02032": 150, "02033": 100, "02034": 600, "02035": 80, "02036": 10,
    "02037": 120, "02038": 8000, "02039": 100, "02040": 80, "02041": 40, "02042": 3,
    "02043": 300, "02044": 2,
    "03001": 400, "03002": 400, "03003": 300, "03004": 40, "03005": 6000, "03006": 1200,
    "03007": 6000, "03008": 600, "03009": 4, "03010": 10, "03011": 5, "03012": 10,
    "03013": 20, "03014": 150, "03015": 100, "03016": 300,
    "04001": 600, "04002": 25000, "04003": 6000, "04004": 3000, "04005": 1500,
    "04006": 80, "04007": 1200, "04008": 1500, "04009": 400, "04010": 15, "04011": 4000,
    "04012": 200, "04013": 600, "04014": 10,
    "05002": 150, "05003": 12, "05009": 60,
}  # fmt: skip
_DEFAULT_WEIGHT = 50.0


def component_counts(types: Sequence[TypeSpec], total: int) -> dict[str, int]:
    """How many components of each type: proportional to ``_WEIGHTS``, at least one each,
    summing to ``total`` (or to the number of types when that is larger)."""
    weights = {t.code: _WEIGHTS.get(t.code, _DEFAULT_WEIGHT) for t in types}
    wsum = sum(weights.values())
    counts = {code: max(1, math.floor(total * w / wsum)) for code, w in weights.items()}
    biggest = max(sorted(counts), key=lambda c: counts[c]) if counts else ""
    if biggest:
        counts[biggest] = max(1, counts[biggest] + total - sum(counts.values()))
        if counts[biggest] > MAX_SERIAL:
            raise ValueError(f"{counts[biggest]} components of type {biggest}: serial overflow")
    return counts


_STATUS_VALUES = ("intact", "damaged", "lost", "abandoned", "removed")
_STATUS_P = (0.965, 0.022, 0.008, 0.003, 0.002)
_SOURCES = ("实测", "实测", "实测", "实测", "地形图", "基础地理数据")


def iter_components(city: DemoCity) -> Iterator[ComponentRow]:
    """The component inventory, type by type, serials 000001… per type."""
    rng = np.random.default_rng([city.seed, 47678])
    grids = city.grids
    communities = {c.code: c for c in city.communities}
    streets = {s.code: s for s in city.streets}
    depts = {d.key: d for d in city.departments}
    specs = {t.code: t for t in city.catalogue if t.kind == "component"}
    changed_base = dt.date(2025, 1, 1)
    for code in sorted(city.component_counts):
        spec = specs[code]
        n = city.component_counts[code]
        dept = depts[competent_department_key(code)]
        grid_idx = rng.integers(len(grids), size=n)
        fx = rng.uniform(0.03, 0.97, size=n)
        fy = rng.uniform(0.03, 0.97, size=n)
        status_idx = rng.choice(len(_STATUS_VALUES), size=n, p=_STATUS_P)
        days = rng.integers(0, 60, size=n)
        changed_days = rng.integers(0, 300, size=n)
        source_idx = rng.integers(len(_SOURCES), size=n)
        name = spec.name[:30]
        for i in range(n):
            grid = grids[int(grid_idx[i])]
            community = communities[grid.community_code]
            street = streets[community.parent_code]
            status = _STATUS_VALUES[int(status_idx[i])]
            changed = status != "intact"
            b = grid.bbox
            yield ComponentRow(
                ident=f"{DISTRICT_CODE}{code}{i + 1:06d}",
                type_code=code,
                name=name,
                competent_code=dept.uscc,
                competent_name=dept.name,
                owner_code=dept.uscc,
                owner_name=dept.name,
                maintainer_code=dept.uscc,
                maintainer_name=dept.name,
                grid_code=grid.code,
                status=status,
                initial_on=CENSUS_ON + dt.timedelta(days=int(days[i])),
                changed_on=changed_base + dt.timedelta(days=int(changed_days[i]))
                if changed
                else None,
                data_source=_SOURCES[int(source_idx[i])],
                remark="巡查发现状态变化" if changed else "",
                street_code=street.code,
                street_name=street.name,
                community_code=community.code,
                community_name=community.name,
                lng=round(b[0] + float(fx[i]) * (b[2] - b[0]), 7),
                lat=round(b[1] + float(fy[i]) * (b[3] - b[1]), 7),
            )
