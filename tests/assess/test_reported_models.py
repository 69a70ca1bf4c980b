"""results.json reports the variogram models the run used (one model per purpose, no second fit)."""

from __future__ import annotations

import json

import pandas as pd
import pytest


def test_the_normal_score_variography_is_the_model_the_simulation_used(demo_results):
    nscore = demo_results["variography"]["total_rey_ppm_nscore"]
    simulation = demo_results["simulation"]
    assert simulation["transform"] == "nscore"
    assert nscore["model"] == simulation["model"]  # the declustered, unit-sill fit; not an undeclustered one
    assert nscore["method"] == simulation["model_basis"] and nscore["fitted_sill"] == simulation["nscore_fitted_sill"]
    assert nscore["sill"] == 1.0 and "block" in nscore["declustering"]
    assert len(nscore["experimental"]) > 3 and {"lag_m", "gamma", "n_pairs"} <= set(nscore["experimental"][0])
    assert demo_results["provenance"]["parameters"]["variogram_models"]["total_rey_ppm_nscore"] == simulation["model"]


def test_the_normal_score_entry_is_of_the_simulated_trend_residuals(demo_results):
    """The demo plan has a linear trend: the simulation simulates residuals, so the reported normal-score
    experimental variogram is that of the residual scores, and refitting it gives the model simulated with."""
    from reymud.spatial.covariance import VariogramModel
    from reymud.spatial.nscore import standardise_sill
    from reymud.spatial.variogram import fit_variogram

    nscore, simulation = demo_results["variography"]["total_rey_ppm_nscore"], demo_results["simulation"]
    trend = demo_results["plan"]["trend"]
    assert trend == "linear" and nscore["trend"] == trend
    assert nscore["scores_of"].startswith("linear-trend residuals") and nscore["trend_space"] in ("linear", "log")
    assert "trend residuals" in nscore["method"]
    refit, _ = standardise_sill(fit_variogram(pd.DataFrame(nscore["experimental"]), ("spherical",), nugget=True))
    model = VariogramModel.from_dict(nscore["model"])
    assert refit.nugget == pytest.approx(model.nugget, rel=1e-6, abs=1e-9)
    assert refit.structures[0].range_m == pytest.approx(model.structures[0].range_m, rel=1e-6)
    band = simulation["band_method"]
    assert json.loads(band["trend"])["order"] == trend
    assert band["trend_space"] == nscore["trend_space"] and 0.0 <= band["trend_clipped_share"] <= 1.0


def test_the_estimation_variograms_are_the_block_models(demo_results):
    models = demo_results["provenance"]["parameters"]["variogram_models"]
    for name in ("total_rey_ppm", "thickness_m"):
        assert demo_results["variography"][name]["model"] == models[name]
