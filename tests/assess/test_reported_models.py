"""results.json reports the variogram models the run used (one model per purpose, no second fit)."""

from __future__ import annotations


def test_the_normal_score_variography_is_the_model_the_simulation_used(demo_results):
    nscore = demo_results["variography"]["total_rey_ppm_nscore"]
    simulation = demo_results["simulation"]
    assert simulation["transform"] == "nscore"
    assert nscore["model"] == simulation["model"]  # the declustered, unit-sill fit; not an undeclustered one
    assert nscore["method"] == simulation["model_basis"] and nscore["fitted_sill"] == simulation["nscore_fitted_sill"]
    assert nscore["sill"] == 1.0 and nscore["trend"] == "none" and "block" in nscore["declustering"]
    assert len(nscore["experimental"]) > 3 and {"lag_m", "gamma", "n_pairs"} <= set(nscore["experimental"][0])
    assert demo_results["provenance"]["parameters"]["variogram_models"]["total_rey_ppm_nscore"] == simulation["model"]


def test_the_estimation_variograms_are_the_block_models(demo_results):
    models = demo_results["provenance"]["parameters"]["variogram_models"]
    for name in ("total_rey_ppm", "thickness_m"):
        assert demo_results["variography"][name]["model"] == models[name]
