"""Background work of evaluation (worker: ``manage.py db_worker``)."""

from __future__ import annotations

from django.tasks import task

from urbangrid.evaluation.aggregates import refresh_aggregates
from urbangrid.evaluation.models import Export


@task()
def refresh_evaluation() -> int:
    """Fold new case events into the evaluation aggregates (safe to run twice)."""
    return refresh_aggregates(settle_seconds=5)


@task()
def run_export(export_id: int) -> None:
    """Build one requested export."""
    from urbangrid.evaluation.exports import build_export

    export = Export.objects.filter(pk=export_id).first()
    if export is not None:
        build_export(export)
