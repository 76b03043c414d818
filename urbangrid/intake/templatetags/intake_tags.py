"""``{% unread_notifications %}``: the signed-in user's unread in-app notifications."""

from __future__ import annotations

from typing import Any

from django import template

from urbangrid.intake.notify import unread_count

register = template.Library()


@register.inclusion_tag("intake/_notification_badge.html", takes_context=True)
def unread_notifications(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"count": unread_count(user) if user is not None else 0}
