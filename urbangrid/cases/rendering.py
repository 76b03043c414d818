"""``docs/workflow.md`` from the transition table: a table and a Mermaid diagram."""

from __future__ import annotations

from urbangrid.cases.workflow import END_STATUSES, TRANSITIONS, CaseStatus, Transition

HEADER = """# Case workflow (generated)

Generated from `urbangrid/cases/workflow.py` by `manage.py render_workflow`; do not edit.
A test fails when this file is stale.

"""


def _sources(row: Transition) -> str:
    if not row.sources:
        return "(new)"
    if len(row.sources) > 6:
        return "any open status"
    return ", ".join(f"`{s}`" for s in sorted(row.sources))


def _clock(row: Transition) -> str:
    parts = []
    if row.stops:
        stops = "all" if len(row.stops) > 3 else ", ".join(row.stops)
        parts.append(f"stop {stops}")
    if row.pauses:
        parts.append(f"pause {row.pauses}")
    if row.resumes:
        parts.append(f"resume {row.resumes}")
    if row.starts:
        parts.append(f"start {row.starts}")
    return "; ".join(parts)


def _inputs(row: Transition) -> str:
    return ", ".join(
        f"{spec.name}{'' if spec.required else '?'}" for spec in row.inputs if spec.name != "note"
    )


def render_markdown() -> str:
    lines = [HEADER, "## Statuses\n", "| status | meaning | end |", "|---|---|---|"]
    for status in CaseStatus:
        end = "yes" if status in END_STATUSES else ""
        lines.append(f"| `{status.value}` | {status.label} | {end} |")
    lines += [
        "",
        "## Transitions\n",
        "Inputs marked `?` are optional; every action also takes an optional `note`.\n",
        "| action | label | from | to | permission | scope | when | input | clock | counts |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in TRANSITIONS:
        target = f"`{row.target}`" if row.target else "(unchanged)"
        when = row.when.name if row.when else ""
        counts = ", ".join(row.counts)
        lines.append(
            f"| `{row.action}` | {row.label} | {_sources(row)} | {target} | `{row.permission}` "
            f"| {row.scope} | {when} | {_inputs(row)} | {_clock(row)} | {counts} |"
        )
    lines += ["", "## Diagram\n", "```mermaid", "stateDiagram-v2"]
    seen: set[str] = set()
    for row in TRANSITIONS:
        if row.target is None or len(row.sources) > 6:
            continue
        sources: list[str] = sorted(row.sources) or ["[*]"]
        for source in sources:
            label = row.action + (f" ({row.when.name})" if row.when else "")
            edge = f"    {source} --> {row.target}: {label}"
            if edge not in seen:
                seen.add(edge)
                lines.append(edge)
    for status in sorted(END_STATUSES):
        lines.append(f"    {status} --> [*]")
    lines += [
        "```",
        "",
        "Not drawn: `urge` and `escalate` (any open status, unchanged) and the requests and "
        "refusals that keep the status.",
        "",
    ]
    return "\n".join(lines)
