"""Intake endpoints (inspector app, public reports, idempotent submission)."""

from ninja import Router

router = Router(tags=["intake"])
