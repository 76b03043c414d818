"""Geo endpoints: locate a point, list districts (filled in by the geo work)."""

from ninja import Router

router = Router(tags=["geo"])
