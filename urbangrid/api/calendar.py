"""Calendar endpoints."""

from ninja import Router

router = Router(tags=["calendar"])
