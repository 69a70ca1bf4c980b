"""Fixtures of the supply tests: small hand-checkable blocks tables built here (no spatial)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from reymud.elements import REY


def make_blocks(n: int = 200, seed: int = 1) -> pd.DataFrame:
    """A blocks_table-shaped frame with random grades (all REY columns)."""
    rng = np.random.default_rng(seed)
    area = np.full(n, 250.0 * 250.0)
    thick = rng.uniform(2.0, 10.0, n)
    out = pd.DataFrame({"block_id": np.arange(n), "easting": rng.uniform(0, 1e4, n),
                        "northing": rng.uniform(0, 1e4, n), "area_m2": area, "thickness_m": thick,
                        "dry_t": area * thick * 0.55, "overburden_m": rng.uniform(0.0, 6.0, n)})
    weights = rng.dirichlet(np.ones(len(REY)), n)
    total = rng.uniform(400.0, 3000.0, n)
    for j, el in enumerate(REY):
        out[f"{el}_ppm"] = total * weights[:, j]
    out["total_rey_ppm"] = total
    out["class"] = "inferred"
    return out


@pytest.fixture
def blocks() -> pd.DataFrame:
    return make_blocks()


@pytest.fixture
def two_blocks() -> pd.DataFrame:
    """Block A: 1,000 t, 2,000 ppm total, Nd 1,000 ppm, overburden 5 m; block B: 1,000 t, 1,000 ppm, Nd 500, 1 m."""
    return pd.DataFrame({"block_id": ["A", "B"], "easting": [0.0, 1.0], "northing": [0.0, 0.0],
                         "area_m2": [100.0, 100.0], "thickness_m": [10.0, 10.0], "dry_t": [1000.0, 1000.0],
                         "overburden_m": [5.0, 1.0], "total_rey_ppm": [2000.0, 1000.0],
                         "Nd_ppm": [1000.0, 500.0], "Tm_ppm": [10.0, 10.0], "class": ["indicated"] * 2})
