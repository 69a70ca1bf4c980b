"""Is the kriged total inside the simulated P25-P75? The strict test, the Monte-Carlo tolerance, the warning."""

import re
import warnings

import numpy as np
import pytest
import xarray as xr
from resource_models import make_block_model

from reymud.resource import uncertainty_summary
from reymud.resource.uncertainty import quartile_standard_error


def _realizations(ds, values):
    values = np.asarray(values, dtype=float)
    return xr.DataArray(values, dims=("realization", "northing", "easting"),
                        coords={"realization": np.arange(values.shape[0]), "northing": ds["northing"],
                                "easting": ds["easting"]}, name="total_rey_ppm")


@pytest.fixture
def model():
    rng = np.random.default_rng(21)
    return make_block_model(rng.lognormal(6.8, 0.4, (6, 7)), thickness_m=np.full((6, 7), 8.0), density_t_m3=None)


def _treo(summary, cutoff):
    return summary[(summary["element"] == "TREO") & (summary["cutoff"] == cutoff)].iloc[0]


def test_quartile_standard_error_matches_repeated_sampling():
    # 4000 bands of 100 normal draws: the spread of their P25 and P75 against the formula (IQR of N(0, 1) = 1.349)
    draws = np.random.default_rng(5).normal(size=(4000, 100))
    p25, p75 = np.percentile(draws, [25, 75], axis=1)
    expected = quartile_standard_error(2 * 0.6744897501960817, 100)
    assert expected == pytest.approx(1.0101 * 1.349 / 10, rel=1e-3)
    assert p25.std() == pytest.approx(expected, rel=0.05) and p75.std() == pytest.approx(expected, rel=0.05)
    assert quartile_standard_error(-1.0, 10) == 0.0
    with pytest.raises(ValueError, match="realisations"):
        quartile_standard_error(1.0, 0)


def test_kriged_just_above_a_narrow_band_is_within_monte_carlo_error(model):
    # a nearly constant survey: realisations within +-1 %, the kriged total 0.15 % above P75
    scale = np.linspace(0.99, 1.01, 100) / 1.0065  # P75 = 1.005 / 1.0065 of the kriged total
    real = _realizations(model, model["total_rey_ppm"].values * scale[:, None, None])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning
        summary = uncertainty_summary(real, model, [0.0])
    row = _treo(summary, 0.0)
    assert row["kriged"] / row["p75"] - 1 == pytest.approx(0.0015, abs=1e-4)
    assert not row["kriged_in_p25_p75"]  # the strict test says outside
    assert row["p25_p75_mc_error"] == pytest.approx(2 * 1.0101 * (row["p75"] - row["p25"]) / 10, rel=1e-3)
    assert row["kriged_in_p25_p75_within_mc_error"]


def test_warning_names_side_distance_and_the_smoothing_effect(model):
    # every realisation 20-40 % above the kriged field: kriged below P25 at cut-off 0 (below the mean grade,
    # a disagreement) and at a cut-off above the mean grade (the smoothing effect)
    scale = np.linspace(1.2, 1.4, 50)
    real = _realizations(model, model["total_rey_ppm"].values * scale[:, None, None])
    mean_ppm = float((model["total_rey_ppm"]).mean())  # equal block tonnes: the tonnage-weighted mean
    high = float(np.ceil(mean_ppm * 1.1))
    with pytest.warns(UserWarning, match="outside the simulated P25-P75") as caught:
        summary = uncertainty_summary(real, model, [high])
    text = str(caught[0].message)
    row = _treo(summary, 0.0)
    below_pct = 100 * (row["p25"] - row["kriged"]) / row["kriged"]
    assert below_pct == pytest.approx(100 * (np.percentile(scale, 25) - 1), rel=1e-9)
    assert f"all cut-off 0 ppm: {below_pct:.1f} % below P25" in text
    assert re.search(rf"all cut-off {high:g} ppm: [0-9.]+ % below P25", text)
    assert f"mean grade (all {mean_ppm:,.0f} ppm) is the smoothing effect" in text
    assert "At the other rows the simulation and the estimate disagree" in text
    assert not summary["kriged_in_p25_p75_within_mc_error"][summary["element"] == "TREO"].any()


def test_warning_above_p75_without_smoothing_note(model):
    real = _realizations(model, model["total_rey_ppm"].values * np.linspace(0.7, 0.8, 40)[:, None, None])
    with pytest.warns(UserWarning, match="outside the simulated P25-P75") as caught:
        summary = uncertainty_summary(real, model, [0.0])
    text = str(caught[0].message)
    row = _treo(summary, 0.0)
    assert f"{100 * (row['kriged'] - row['p75']) / row['kriged']:.1f} % above P75" in text
    assert "smoothing" not in text and text.endswith("(check the variogram, declustering and trend)")
    assert "40 realisations" in text
