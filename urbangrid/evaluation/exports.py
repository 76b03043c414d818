"""Exports: the monthly report as PDF (WeasyPrint, Noto Sans CJK SC embedded) and Excel
(XlsxWriter), and any indicator list as CSV or Excel. Large ones run in the background
(``request_export`` → the ``run_export`` task) with progress and a download link."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from urbangrid.common import clock
from urbangrid.evaluation import charts, hotspots
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import Export, ExportFormat, ExportStatus
from urbangrid.evaluation.periods import Period, PeriodError, month_period, parse_period
from urbangrid.evaluation.selectors import Result, evaluate, percent_text, signed_text
from urbangrid.organisations.models import User

REPORT_KINDS = (
    ind.DEPARTMENT,
    ind.STREET,
    ind.COMMUNITY,
    ind.INSPECTOR,
    ind.OPERATOR,
    ind.SHIFT_LEADER,
    ind.DISPATCHER,
)

Progress = Callable[[int], None]


@dataclass(frozen=True)
class Percent:
    """A rate: a number in Excel (percentage format), ``45.0%`` in CSV, PDF and pages."""

    value: float

    def __str__(self) -> str:
        return percent_text(self.value)


@dataclass(frozen=True)
class ScoreChange:
    """The change of the score from the previous period: ``+67.62`` / ``-3.10``."""

    value: float

    def __str__(self) -> str:
        return signed_text(self.value)


@dataclass(frozen=True)
class RankChange:
    """Places gained (previous rank − rank): ``↑9`` / ``↓2`` / ``–``, or "new"
    (``places`` ``None``): a number in Excel with a format showing the arrows."""

    places: int | None
    label: str

    def __str__(self) -> str:
        return self.label


FIXED_COLUMNS = 2  # rank, name: repeated in every part of a split table
SUMMARY_COLUMNS = 4  # score, grade, score change, rank change


def table(results: list[Result], kind: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of an indicator list (the same for CSV, Excel and the report):
    rank, name, score, grade, score change from the previous period, rank change, the
    counters, then the rates."""
    header = [
        _("Rank"),
        _("Name"),
        _("Score"),
        _("Grade"),
        _("Score change from previous period"),
        _("Rank change"),
    ]
    header += [str(ind.COUNTERS[c].label) for c in ind.KIND_COUNTERS[kind]]
    header += [str(ind.RATES[r].label) for r in ind.KIND_RATES[kind]]
    rows: list[list[Any]] = []
    for r in results:
        row: list[Any] = [
            r.rank or "",
            r.name,
            "" if r.score is None else r.score,
            r.grade,
            "" if r.change is None else ScoreChange(r.change),
            RankChange(r.rank_change, r.rank_change_label) if r.rank is not None else "",
        ]
        row += [r.counters.get(c, 0) for c in ind.KIND_COUNTERS[kind]]
        rates = [r.rates.get(code) for code in ind.KIND_RATES[kind]]
        row += ["" if v is None else Percent(v) for v in rates]
        rows.append(row)
    return header, rows


PRINT_COUNTERS_PER_TABLE = 9


def print_tables(
    kind: str, header: list[str], rows: list[list[Any]]
) -> list[tuple[list[str], list[list[Any]]]]:
    """An indicator list cut to fit a landscape A4 page: scores, changes and rates
    first, then the counters in parts of at most ``PRINT_COUNTERS_PER_TABLE`` columns;
    each part repeats rank and name."""
    counters = len(ind.KIND_COUNTERS[kind])
    first_counter = FIXED_COLUMNS + SUMMARY_COLUMNS
    fixed = list(range(FIXED_COLUMNS))
    summary = list(range(FIXED_COLUMNS, first_counter))
    rates = list(range(first_counter + counters, len(header)))
    counter_columns = list(range(first_counter, first_counter + counters))
    parts = [summary + rates] + [
        counter_columns[i : i + PRINT_COUNTERS_PER_TABLE]
        for i in range(0, counters, PRINT_COUNTERS_PER_TABLE)
    ]
    return [
        ([header[i] for i in fixed + part], [[row[i] for i in fixed + part] for row in rows])
        for part in parts
    ]


def indicators_csv(kind: str, period: Period, district_code: str) -> bytes:
    header, rows = table(evaluate(kind, period, district_code), kind)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # BOM: Excel reads UTF-8


def indicators_xlsx(kind: str, period: Period, district_code: str) -> bytes:
    return _workbook(
        [(str(ind.KIND_LABELS[kind]), *table(evaluate(kind, period, district_code), kind))]
    )


_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, tidy Excel sheet name: no ``[]:*?/\\``, single spaces, at most 31
    characters, unique in the workbook (case-insensitive)."""
    name = " ".join(_SHEET_NAME_FORBIDDEN.sub(" ", title).split())[:31].strip() or "Sheet"
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        suffix = f" {n}"
        candidate = name[: 31 - len(suffix)].rstrip() + suffix
    taken.add(candidate.lower())
    return candidate


def _workbook(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "text_wrap": True, "valign": "top"})
    percent = book.add_format({"num_format": "0.0%"})
    signed = book.add_format({"num_format": "+0.00;-0.00;0.00"})
    arrows = book.add_format({"num_format": '"↑"0;"↓"0;"–"', "align": "right"})
    taken: set[str] = set()
    for title, header, rows in sheets:
        sheet = book.add_worksheet(sheet_name(title, taken))
        sheet.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, start=1):
            for j, value in enumerate(row):
                if isinstance(value, Percent):
                    sheet.write_number(i, j, value.value, percent)
                elif isinstance(value, ScoreChange):
                    sheet.write_number(i, j, value.value, signed)
                elif isinstance(value, RankChange):
                    if value.places is None:
                        sheet.write_string(i, j, value.label)
                    else:
                        sheet.write_number(i, j, value.places, arrows)
                else:
                    sheet.write(i, j, value)
        sheet.set_column(1, 1, 24)
        sheet.set_column(2, max(len(header) - 1, 2), 12)
        sheet.freeze_panes(1, 2)
    book.close()
    return buffer.getvalue()


def report_context(
    month: dt.date, district_code: str, progress: Progress | None = None
) -> dict[str, Any]:
    period = month_period(month)
    sections = []
    for i, kind in enumerate(REPORT_KINDS):
        results = evaluate(kind, period, district_code)
        header, rows = table(results, kind)
        sections.append(
            {
                "kind": kind,
                "title": ind.KIND_LABELS[kind],
                "header": header,
                "rows": rows,
                "tables": [{"header": h, "rows": r} for h, r in print_tables(kind, header, rows)],
                "chart": charts.bar_chart(
                    [r.name for r in results[:15]], [r.score for r in results[:15]], maximum=100
                ),
            }
        )
        if progress:
            progress(int(80 * (i + 1) / len(REPORT_KINDS)))
    return {
        "period": period,
        "district_code": district_code,
        "sections": sections,
        "topic": hotspots.one_topic(month, district_code),
        "top_matters": hotspots.top_matters(period, district_code, limit=10),
        "generated_at": clock.local(clock.now()),
    }


def report_html(month: dt.date, district_code: str, progress: Progress | None = None) -> str:
    return render_to_string(
        "evaluation/report.html", report_context(month, district_code, progress)
    )


def report_pdf(month: dt.date, district_code: str, progress: Progress | None = None) -> bytes:
    from weasyprint import HTML

    html = report_html(month, district_code, progress)
    pdf = HTML(string=html).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def report_xlsx(month: dt.date, district_code: str, progress: Progress | None = None) -> bytes:
    context = report_context(month, district_code, progress)
    sheets = [(str(s["title"]), s["header"], s["rows"]) for s in context["sections"]]
    top = context["top_matters"]
    sheets.append(
        (
            _("Top matters"),
            [_("Matter"), _("Name"), _("Reports")],
            [[t["matter"], t["name"], t["reports"]] for t in top],
        )
    )
    return _workbook(sheets)


# --- Background exports -------------------------------------------------------------------

_EXTENSIONS = {
    ExportFormat.REPORT_PDF: "pdf",
    ExportFormat.REPORT_XLSX: "xlsx",
    ExportFormat.INDICATORS_CSV: "csv",
    ExportFormat.INDICATORS_XLSX: "xlsx",
}


def file_name(export: Export) -> str:
    """The name to download ``export``'s file under."""
    return str(export.file.name).rsplit("/", 1)[-1]


def export_params(
    *, kind: str, period: Period, month: dt.date | None, district_code: str
) -> dict[str, str]:
    """The parameters an export is filed under (pages and API alike): the period as
    chosen, fixed when it is requested (a "this month" stays the month chosen whenever
    the worker runs), and the month of a monthly report: ``month`` if given, else the
    month the chosen period starts in (never today's month)."""
    custom = period.kind == "custom"
    return {
        "kind": kind,
        "period": period.kind,
        "on": "" if custom else period.start.isoformat(),
        "from": period.start.isoformat() if custom else "",
        "to": period.end.isoformat() if custom else "",
        "month": f"{month or period.start:%Y-%m}",
        "district": district_code,
    }


def _is_report(export: Export) -> bool:
    return export.format in (ExportFormat.REPORT_PDF, ExportFormat.REPORT_XLSX)


def _params_period(export: Export) -> Period:
    """The period of an indicator list export (``PeriodError`` when its parameters are
    not a period); "today" is the day it was requested."""
    params = export.params
    return parse_period(
        str(params.get("period", "month")),
        str(params.get("on", "")),
        str(params.get("from", "")),
        str(params.get("to", "")),
        today=clock.local(export.created_at).date(),
    )


def _report_month(export: Export) -> Period:
    """The month of a monthly report export (``PeriodError`` when it has none)."""
    month = str(export.params.get("month", ""))
    if not month:
        raise PeriodError("a monthly report needs its month")
    return parse_period("month", month, today=clock.today_local())


def export_label(export: Export) -> str:
    """What an export covers, for the list of exports: the month of a monthly report,
    the object kind and period of an indicator list ("" when its parameters are bad)."""
    params = export.params
    try:
        if _is_report(export):
            return _report_month(export).label
        kind = str(params.get("kind", ind.DEPARTMENT))
        if kind not in ind.OBJECT_KINDS:
            return ""
        return f"{ind.KIND_LABELS[kind]} · {_params_period(export).label}"
    except PeriodError:
        return ""


def request_export(user: User, export_format: str, params: dict[str, Any]) -> Export:
    """Record an export and queue it for the worker."""
    from urbangrid.evaluation.tasks import run_export

    export = Export.objects.create(
        format=export_format, params=params, created_by=user, created_at=clock.now()
    )
    run_export.enqueue(export.pk)
    return export


def build_export(export: Export) -> None:
    """Produce the file of ``export`` (status, progress and errors recorded)."""
    Export.objects.filter(pk=export.pk).update(status=ExportStatus.RUNNING, progress=1)

    def progress(pct: int) -> None:
        Export.objects.filter(pk=export.pk).update(progress=max(1, min(pct, 99)))

    params = export.params
    district = str(params.get("district", ""))
    try:
        if _is_report(export):
            month = _report_month(export).start
            build = report_pdf if export.format == ExportFormat.REPORT_PDF else report_xlsx
            content = build(month, district, progress)
            name = f"report-{district}-{month:%Y-%m}.{_EXTENSIONS[ExportFormat(export.format)]}"
        else:
            period = _params_period(export)
            kind = str(params.get("kind", ind.DEPARTMENT))
            build_list = (
                indicators_csv if export.format == ExportFormat.INDICATORS_CSV else indicators_xlsx
            )
            content = build_list(kind, period, district)
            name = f"indicators-{kind}-{period.label}.{_EXTENSIONS[ExportFormat(export.format)]}"
        export.refresh_from_db()
        export.file.save(name, ContentFile(content), save=False)
        export.status, export.progress, export.finished_at = ExportStatus.DONE, 100, clock.now()
        export.save(update_fields=["file", "status", "progress", "finished_at"])
    except Exception as exc:
        Export.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=str(exc)[:2000], finished_at=clock.now()
        )
