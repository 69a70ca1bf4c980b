"""Fixtures of the resource tests (models are built in resource_models.py)."""

import pytest
import xarray as xr
from resource_models import make_block_model


@pytest.fixture
def small_model() -> xr.Dataset:
    """2 x 3 blocks of 100 m x 100 m, 10 m thick, grades 300 ... 2,500 ppm."""
    return make_block_model([[300.0, 500.0, 1000.0], [1500.0, 2000.0, 2500.0]])
