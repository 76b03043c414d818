"""Exports: the monthly report as PDF (WeasyPrint, Noto Sans CJK SC embedded) and Excel
(XlsxWriter), and any indicator list as CSV or Excel. Large ones run in the background
(``request_export`` → the ``run_export`` task) with progress and a download link."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import xlsxwriter
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from urbangrid.common import clock
from urbangrid.evaluation import charts, hotspots
from urbangrid.evaluation import indicators as ind
from urbangrid.evaluation.models import Export, ExportFormat, ExportStatus
from urbangrid.evaluation.periods import Period, month_period, parse_period
from urbangrid.evaluation.selectors import Result, evaluate
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


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def table(results: list[Result], kind: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of an indicator list (the same for CSV, Excel and pages)."""
    header = [_("Rank"), _("Name"), _("Score"), _("Grade"), _("Rank change")]
    header += [str(ind.COUNTERS[c].label) for c in ind.KIND_COUNTERS[kind]]
    header += [str(ind.RATES[r].label) for r in ind.KIND_RATES[kind]]
    rows = []
    for r in results:
        rows.append(
            [
                r.rank or "",
                r.name,
                "" if r.score is None else r.score,
                r.grade,
                "" if r.change is None else r.change,
            ]
            + [r.counters.get(c, 0) for c in ind.KIND_COUNTERS[kind]]
            + [_pct(r.rates.get(code)) for code in ind.KIND_RATES[kind]]
        )
    return header, rows


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


def _workbook(sheets: list[tuple[str, list[str], list[list[Any]]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True})
    for title, header, rows in sheets:
        sheet = book.add_worksheet(title[:31].replace("(", " ").replace(")", " ")[:31])
        sheet.write_row(0, 0, header, bold)
        for i, row in enumerate(rows, start=1):
            sheet.write_row(i, 0, row)
        sheet.set_column(1, 1, 24)
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
        if export.format in (ExportFormat.REPORT_PDF, ExportFormat.REPORT_XLSX):
            month = dt.date.fromisoformat(str(params["month"]) + "-01")
            build = report_pdf if export.format == ExportFormat.REPORT_PDF else report_xlsx
            content = build(month, district, progress)
            name = f"report-{district}-{month:%Y-%m}.{_EXTENSIONS[ExportFormat(export.format)]}"
        else:
            period = parse_period(
                str(params.get("period", "month")),
                str(params.get("on", "")),
                str(params.get("from", "")),
                str(params.get("to", "")),
                today=clock.today_local(),
            )
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
