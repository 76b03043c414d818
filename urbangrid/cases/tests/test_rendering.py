from pathlib import Path

from django.conf import settings

from urbangrid.cases.rendering import render_markdown


def test_docs_workflow_md_is_up_to_date_with_the_table():
    path = Path(settings.BASE_DIR) / "docs" / "workflow.md"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        "docs/workflow.md is stale: run `manage.py render_workflow`"
    )


def test_the_diagram_shows_every_status():
    text = render_markdown()
    assert "stateDiagram-v2" in text
    for status in ("reported", "verifying", "to_dispatch", "suspended", "closed", "cancelled"):
        assert f" {status} " in text or f"{status}:" in text or f"--> {status}" in text
