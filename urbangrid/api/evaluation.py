"""Evaluation endpoints."""

from ninja import Router

router = Router(tags=["evaluation"])
