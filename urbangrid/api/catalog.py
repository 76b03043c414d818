"""Catalogue endpoints: component and matter types (filled in by the catalogue work)."""

from ninja import Router

router = Router(tags=["catalog"])
