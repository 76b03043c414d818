"""Template filters of the workbench: labels of actions, statuses, stages, lights."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from urbangrid.staff import labels

register = template.Library()


@register.filter
def action_label(action: str) -> Any:
    return labels.action_label(action)


@register.filter
def status_label(status: str) -> Any:
    return labels.STATUS_LABELS.get(status, status)


@register.filter
def stage_label(stage: str) -> Any:
    return labels.STAGE_LABELS.get(stage, stage)


@register.filter
def light_badge(light: str) -> SafeString:
    """A light as a coloured dot plus its word (colour is never the only cue)."""
    text = labels.LIGHT_LABELS.get(light or "", light)
    return format_html(
        '<span class="light light-{}"><span class="dot" aria-hidden="true"></span>{}</span>',
        light or "none",
        text,
    )


@register.filter
def choice_label(value: str) -> Any:
    """The translated label of a stored choice value (grade, closing type, reason code)."""
    from urbangrid.staff.forms import CHOICE_LABELS

    return CHOICE_LABELS.get(value, value)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if mapping else None


@register.filter
def can(user: Any, permission: str) -> bool:
    """``{% if user|can:"case.view_all" %}``: whether the user's role holds it."""
    from urbangrid.organisations.permissions import Permission, has_permission

    try:
        return has_permission(user, Permission(permission))
    except ValueError:
        return False


@register.inclusion_tag("staff/_counts.html", takes_context=True)
def queue_counts(context: Any) -> dict[str, Any]:
    """The signed-in user's queues with their counts (one query)."""
    from urbangrid.organisations.models import User
    from urbangrid.staff.selectors import queue_counts as counts_of
    from urbangrid.staff.selectors import queues_for

    user = context.get("user")
    if not isinstance(user, User):
        return {"queues": [], "counts": {}}
    counts = context.get("counts")
    if not isinstance(counts, dict):
        counts = counts_of(user)
    return {"queues": [q for q in queues_for(user) if q.key in counts], "counts": counts}
