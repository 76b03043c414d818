"""Map endpoints for the staff workbench."""

from ninja import Router

router = Router(tags=["map"])
