"""Monthly report as PDF (CJK font embedded) and Excel; indicator lists; background export."""

from __future__ import annotations

import io
import re
import zlib
from typing import Any

import openpyxl
import pytest

from urbangrid.evaluation import exports
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import Export, ExportStatus
from urbangrid.evaluation.periods import month_period

from .conftest import at


def _inflated(pdf: bytes) -> bytes:
    """Every Flate stream of the PDF, decompressed (no PDF library is installed)."""
    parts = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            parts.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"".join(parts)


@pytest.fixture
def month(scenario):
    return scenario, at(1, 12).date()


def test_monthly_pdf_opens_embeds_the_cjk_font_and_holds_the_figures(month):
    (_w, _g), first = month
    html = exports.report_html(first, "110101")
    assert "区环卫中心" in html
    assert "88.95" in html
    assert "区园林绿化局" in html
    assert "Noto Sans CJK SC" in html
    pdf = exports.report_pdf(first, "110101")
    assert pdf.startswith(b"%PDF")
    assert b"Noto-Sans-CJK-SC" in _inflated(pdf)  # the font is embedded (a subset)


def test_excel_csv_and_background_exports_hold_the_figures(month, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    (w, _g), first = month
    check_monthly_excel(first)
    check_indicator_lists(first)
    check_background_export(w)


def check_monthly_excel(first: Any) -> None:
    book = openpyxl.load_workbook(io.BytesIO(exports.report_xlsx(first, "110101")))
    values = {cell.value for sheet in book.worksheets for row in sheet.iter_rows() for cell in row}
    assert {"区环卫中心", 88.95, "B", 100, "A", "第2街道", 88}.issubset(values)


def check_indicator_lists(first: Any) -> None:
    text = exports.indicators_csv(ind.DEPARTMENT, month_period(first), "110101").decode("utf-8-sig")
    assert "区环卫中心,88.95,B" in text
    book = openpyxl.load_workbook(
        io.BytesIO(exports.indicators_xlsx(ind.STREET, month_period(first), "110101"))
    )
    assert book.active["B2"].value == "第2街道"


def check_background_export(w: Any) -> None:
    export = exports.request_export(w.sl, "report_xlsx", {"month": "2025-11", "district": "110101"})
    assert export.status == ExportStatus.PENDING
    exports.build_export(export)
    export = Export.objects.get(pk=export.pk)
    assert export.status == ExportStatus.DONE
    assert export.progress == 100
    assert str(export.file.name).endswith("report-110101-2025-11.xlsx")
