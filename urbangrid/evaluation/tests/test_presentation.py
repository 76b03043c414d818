"""How figures are shown: the score breakdown with the indicators' labels and rounded
values, the monthly PDF laid out to fit landscape A4, hotspot names of matters (not of
components sharing the code), numeric Excel rates, tidy sheet names, download links and
names that tell staff apart."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
from html.parser import HTMLParser
from typing import Any

import openpyxl
import pytest
from django.test import Client
from django.utils import translation

from urbangrid.evaluation import exports, hotspots
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import MonthlyCount
from urbangrid.evaluation.periods import month_period
from urbangrid.evaluation.selectors import evaluate
from urbangrid.organisations.models import User
from urbangrid.organisations.services import issue_token

from .conftest import at

NOV = at(1, 12).date()


@pytest.fixture
def staff(scenario: Any) -> tuple[Any, Client]:
    w, _groups = scenario
    c = Client()
    c.force_login(w.sl)
    return w, c


# --- 5. The score breakdown ------------------------------------------------------------


def test_score_breakdown_shows_labels_and_rounded_values(staff: Any) -> None:
    w, c = staff
    page = c.get(f"/staff/evaluation/department/{w.dept_a.pk}/?on=2025-11-01&lang=en")
    text = page.content.decode()
    breakdown = text.split("Score terms</h2>", 1)[1].split("<h2>", 1)[0]
    rates = text.split("Rates</h2>", 1)[1].split("<h2>", 1)[0]
    for code in ("band:", "rate:", "inverse:", "department_count", "close_rate"):
        assert code not in breakdown, code
    with translation.override("en"):
        close_rate = str(ind.RATES["close_rate"].label)
        to_handle = str(ind.COUNTERS["to_handle"].label)
        rework_rate = str(ind.RATES["rework_rate"].label)
    assert close_rate in breakdown
    assert to_handle in breakdown
    assert f"1 − {rework_rate}" in breakdown
    assert "89.47368421052632" not in text  # closing rate 17/19 as a 0–100 value
    assert "<td>89.47</td>" in breakdown
    assert "<td>89.5%</td>" in breakdown  # the rate itself, as in the rates table
    assert "<td>89.5%</td>" in rates
    api = Client(headers={"authorization": f"Bearer {issue_token(w.sl)}"})
    terms = api.get(f"/api/v1/evaluation/scores/department/{w.dept_a.pk}?on=2025-11").json()
    assert terms["terms"][0]["source"] == "band:department_count:to_handle"
    assert all(t["label"] and ":" not in t["label"].split(" (")[0] for t in terms["terms"])


def test_an_area_term_shows_the_count_it_scored_per_grid() -> None:
    """Area count bands score the count per grid: the breakdown shows that figure, not
    the area's total next to a per-grid label."""
    from urbangrid.evaluation.selectors import Result, term_rows

    config = ind.DEFAULT_CONFIG
    band = next(s for s, _w in ind.score_terms(config, ind.STREET) if s.startswith("band:"))
    counter = band.rsplit(":", 1)[1]
    counters = {counter: 30}
    rates = ind.rates_of(ind.STREET, counters)
    _score, terms = ind.composite(ind.STREET, counters, rates, config, grids=4)
    term = next(t for t in terms if t.source == band)
    assert term.input == 7.5
    result = Result(ind.STREET, "x", "x", counters, rates, _score, "", terms)
    row = next(r for r in term_rows(result) if r["source"] == band)
    assert row["input"] == "7.5"


# --- 6. The monthly PDF ----------------------------------------------------------------


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.header_widths: list[int] = []
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "thead":
            self._in_head = True
            self.header_widths.append(0)
        elif tag == "th" and self._in_head:
            self.header_widths[-1] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False


def test_monthly_report_fits_landscape_a4(scenario: Any) -> None:
    with translation.override("en"):
        html = exports.report_html(NOV, "110101")
    assert "size: A4 landscape" in html
    assert "table-layout: fixed" in html
    assert re.search(r"tr \{[^}]*break-inside: avoid", html)
    parser = _Tables()
    parser.feed(html)
    # every kind's list is cut into parts that fit the page; each keeps rank and name
    assert parser.header_widths
    assert max(parser.header_widths) <= 2 + exports.SUMMARY_COLUMNS + max(
        len(r) for r in ind.KIND_RATES.values()
    )
    department_parts = exports.print_tables(
        ind.DEPARTMENT,
        *exports.table(evaluate(ind.DEPARTMENT, month_period(NOV), "110101"), "department"),
    )
    assert len(department_parts) == 3
    all_columns = [h for header, _rows in department_parts for h in header[2:]]
    assert len(all_columns) == len(exports.table([], ind.DEPARTMENT)[0]) - 2  # none lost


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
def test_monthly_pdf_pages_are_landscape_and_hold_every_column(
    scenario: Any, tmp_path: Any
) -> None:
    with translation.override("en"):
        pdf = exports.report_pdf(NOV, "110101")
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    size = re.search(r"Page size:\s+([\d.]+) x ([\d.]+)", info)
    assert size is not None
    width, height = map(float, size.groups())
    assert width > height
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True
    ).stdout
    assert "区环卫中心" in text
    assert "88.95" in text
    assert "satisfied per" in text  # the last counter column is printed, not clipped
    assert "(满意率)" in text  # the last rate column


# --- 7. Hotspot names ------------------------------------------------------------------


def test_hotspot_names_are_the_matters_not_the_components(world: Any) -> None:
    w = world
    grid = w.city.grids[0].code
    MonthlyCount.objects.bulk_create(
        [
            MonthlyCount(
                month=dt.date(2025, 11, 1),
                object_kind=ind.GRID_MATTER,
                object_key=f"{grid}|{code}",
                counter="reports",
                value=n,
            )
            for code, n in (("01037", 5), ("0103", 2))
        ]
    )
    names = hotspots.matter_names(["01037", "0103"])
    assert names == {"01037": "路灯异常", "0103": "积存垃圾渣土"}  # not 路灯, 雨水井盖
    api = Client(headers={"authorization": f"Bearer {issue_token(w.sl)}"})
    top = api.get("/api/v1/evaluation/hotspots/top-matters?on=2025-11").json()["matters"]
    assert top[0] == {"matter": "01037", "name": "路灯异常", "reports": 5}


# --- 9. Excel, links and staff names ---------------------------------------------------


def test_excel_rates_are_numbers_and_sheet_names_are_tidy(scenario: Any) -> None:
    with translation.override("en"):
        book = openpyxl.load_workbook(io.BytesIO(exports.report_xlsx(NOV, "110101")))
        close_rate_label = str(ind.RATES["close_rate"].label)
    assert "department (专业部门)" in book.sheetnames
    for name in book.sheetnames:
        assert name == name.strip(), name
        assert "  " not in name, name
    sheet = book["department (专业部门)"]
    header = [cell.value for cell in sheet[1]]
    close_rate = header.index(close_rate_label)
    cells = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    rate = cells["区环卫中心"][close_rate]
    assert rate.value == pytest.approx(17 / 19)
    assert rate.number_format == "0.0%"
    assert exports.sheet_name("department (专业部门) ", set()) == "department (专业部门)"
    taken: set[str] = set()
    assert exports.sheet_name("a [b]: c?", taken) == "a b c"
    assert exports.sheet_name("A B C", taken) == "A B C 2"
    assert len(exports.sheet_name("x" * 40, taken)) == 31


def test_download_links_name_the_kind_once(staff: Any) -> None:
    _w, c = staff
    page = c.get("/staff/evaluation/?kind=department&on=2025-11-01").content.decode()
    links = re.findall(r'href="(/staff/evaluation/indicators\.(?:csv|xlsx)\?[^"]*)"', page)
    assert len(links) == 2
    for link in links:
        assert link.count("kind=") == 1, link
    bare = c.get("/staff/evaluation/?on=2025-11-01").content.decode()
    assert "indicators.csv?on=2025-11-01&amp;kind=department" in bare


def test_staff_objects_are_told_apart(staff: Any) -> None:
    w, c = staff
    User.objects.filter(pk__in=[w.i1.pk, w.i2.pk]).update(first_name="监督员")
    with translation.override("en"):
        names = {r.key: r.name for r in evaluate(ind.INSPECTOR, month_period(NOV), "110101")}
    assert names[str(w.i1.pk)] == "监督员 (i1)"
    assert names[str(w.i2.pk)] == "监督员 (i2)"
    leaders = {r.key: r.name for r in evaluate(ind.SHIFT_LEADER, month_period(NOV), "110101")}
    assert leaders[str(w.sl.pk)] == "sl"  # no full name: the username
    page = c.get("/staff/evaluation/?kind=inspector&on=2025-11-01").content.decode()
    assert "监督员 (i1)" in page
    assert "监督员 (i2)" in page


def test_rank_change_says_new_only_for_what_had_no_score_before() -> None:
    from urbangrid.evaluation.selectors import Result

    def result(previous_score: float | None, previous_rank: int | None) -> Result:
        return Result(
            ind.DEPARTMENT, "1", "A", {}, {}, 80.0, "B", rank=1,
            previous_score=previous_score, previous_rank=previous_rank,
        )  # fmt: skip

    with translation.override("en"):
        assert result(None, None).rank_change_label == "new"
    assert result(70.0, None).rank_change_label == ""  # scored alone: no rank to compare
    assert result(70.0, 3).rank_change_label == "↑2"
