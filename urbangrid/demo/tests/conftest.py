"""Fixtures of the demo tests: the catalogue (from the CSV shipped with the catalog app,
else the shared copy) and a tiny generated city (scale 0.05: 2 streets, ~80 grids)."""

from __future__ import annotations

from pathlib import Path

import pytest

from urbangrid.demo.generator import (
    DemoCity,
    TypeSpec,
    generate_city,
    read_catalogue,
    repo_catalogue_path,
)

SHARED_CSV = Path("/work/shared/data/gbt47678_5_2026_catalogue.csv")
TINY_SCALE = 0.05
TINY_SEED = 7


def catalogue_csv() -> Path:
    path = repo_catalogue_path()
    return path if path.exists() else SHARED_CSV


@pytest.fixture(scope="session")
def catalogue() -> tuple[TypeSpec, ...]:
    return read_catalogue(catalogue_csv())


@pytest.fixture(scope="session")
def tiny_city(catalogue: tuple[TypeSpec, ...]) -> DemoCity:
    return generate_city(catalogue, scale=TINY_SCALE, seed=TINY_SEED)


@pytest.fixture
def db_catalogue(db: None, catalogue: tuple[TypeSpec, ...]) -> None:
    """The catalogue table filled (the data migration normally does it; not before it lands)."""
    from urbangrid.demo.writer import ensure_catalogue

    ensure_catalogue(catalogue)
