"""Spatial stage: projection, variography, kriging, simulation and validation -> xarray.

Public API (docs/CONTRACTS.md, spatial section)::

    to_projected, Grid, aoi_mask, eez_mask, box_mask, points_from_cores, AreaOfInterest
    experimental_variogram, fit_variogram, VariogramModel, Structure, NormalScoreTransform
    gstat_lags, variogram_checks, variogram_diagnostics, TrendSurface, fit_trend_and_variogram
    BaseEstimator (spatial/base.py), Neighbourhood, OrdinaryKriging, SimpleKriging, InverseDistance,
    NearestNeighbour
    estimate_block_model, estimate_block_model_3d, simulate
    cross_validate, cell_declustering, swath
"""

from __future__ import annotations

from reymud.spatial._checks import SpatialInputError, merge_duplicates
from reymud.spatial.area import AreaOfInterest, AreaOfInterestError
from reymud.spatial.base import BaseEstimator
from reymud.spatial.blockmodel import (
    BLOCK_DEFAULTS,
    BlockModelDefaults,
    auto_model,
    estimate_block_model,
    estimate_block_model_3d,
)
from reymud.spatial.covariance import Structure, VariogramModel
from reymud.spatial.crs import (
    MINAMITORISHIMA_LATLON,
    TAKAYA2018_BOX,
    Grid,
    aoi_mask,
    box_mask,
    eez_mask,
    to_projected,
    utm_crs_for,
)
from reymud.spatial.io import write_grid
from reymud.spatial.kriging import InverseDistance, NearestNeighbour, OrdinaryKriging, SimpleKriging
from reymud.spatial.neighbourhood import Neighbourhood
from reymud.spatial.points import points_from_cores
from reymud.spatial.simulate import SIMULATION_DEFAULTS, SimulationDefaults, simulate
from reymud.spatial.trend import TrendSurface, fit_trend_and_variogram
from reymud.spatial.validate import cell_declustering, cross_validate, cv_summary, swath
from reymud.spatial.variogram import (
    VARIOGRAM_DEFAULTS,
    NormalScoreTransform,
    VariogramDefaults,
    VariogramFitError,
    experimental_variogram,
    fit_variogram,
    gstat_lags,
    variogram_checks,
    variogram_diagnostics,
)

__all__ = [
    "BLOCK_DEFAULTS",
    "MINAMITORISHIMA_LATLON",
    "SIMULATION_DEFAULTS",
    "TAKAYA2018_BOX",
    "VARIOGRAM_DEFAULTS",
    "AreaOfInterest",
    "AreaOfInterestError",
    "BaseEstimator",
    "BlockModelDefaults",
    "Grid",
    "InverseDistance",
    "NearestNeighbour",
    "Neighbourhood",
    "NormalScoreTransform",
    "OrdinaryKriging",
    "SimpleKriging",
    "SimulationDefaults",
    "SpatialInputError",
    "Structure",
    "TrendSurface",
    "VariogramDefaults",
    "VariogramFitError",
    "VariogramModel",
    "aoi_mask",
    "auto_model",
    "box_mask",
    "cell_declustering",
    "cross_validate",
    "cv_summary",
    "eez_mask",
    "estimate_block_model",
    "estimate_block_model_3d",
    "experimental_variogram",
    "fit_trend_and_variogram",
    "fit_variogram",
    "gstat_lags",
    "merge_duplicates",
    "points_from_cores",
    "simulate",
    "swath",
    "to_projected",
    "utm_crs_for",
    "variogram_checks",
    "variogram_diagnostics",
    "write_grid",
]
