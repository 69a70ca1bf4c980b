"""Small shared fixtures for the spatial tests."""

from __future__ import annotations

import numpy as np
import pytest

from reymud.spatial import Structure, VariogramModel


@pytest.fixture
def model() -> VariogramModel:
    return VariogramModel(0.1, (Structure("spherical", 1.0, 4000.0, 2000.0, 30.0),))


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(42)
    xy = rng.uniform(0, 10_000, (40, 2))
    z = np.sin(xy[:, 0] / 3000) + 0.5 * np.cos(xy[:, 1] / 2000) + rng.normal(0, 0.1, 40)
    return xy, z
