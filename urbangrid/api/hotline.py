"""Hotline endpoints (calls, callbacks)."""

from ninja import Router

router = Router(tags=["hotline"])
