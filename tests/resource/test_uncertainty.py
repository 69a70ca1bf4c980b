"""Uncertainty summaries from realisations, exceedance maps and the supply hand-off."""

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from resource_models import PATTERN, make_block_model

from reymud.elements import REY, oxide_factors
from reymud.resource import (
    blocks_table,
    element_resource,
    exceedance_probability,
    read_element_resource,
    realization_totals,
    resource_table,
    uncertainty_summary,
)

F = oxide_factors()


def _realizations(ds, values):
    values = np.asarray(values, dtype=float)
    return xr.DataArray(values, dims=("realization", "northing", "easting"),
                        coords={"realization": np.arange(values.shape[0]), "northing": ds["northing"],
                                "easting": ds["easting"]}, name="total_rey_ppm")


def test_totals_by_hand(small_model):
    # realisation r scales the model grades by (r + 1) / 2
    base = small_model["total_rey_ppm"].values
    real = _realizations(small_model, [base * (r + 1) / 2 for r in range(4)])
    totals = realization_totals(real, small_model, [1000.0]).set_index("realization")
    tons = 55_000.0  # 100 m x 100 m x 10 m x 0.55
    for r in range(4):
        grades = base.ravel() * (r + 1) / 2
        above = grades[grades >= 1000]
        assert totals.loc[r, "dry_t"] == pytest.approx(tons * above.size)
        assert totals.loc[r, "contained_rey_t"] == pytest.approx(tons * above.sum() * 1e-6)
        assert totals.loc[r, "Y_oxide_t"] == pytest.approx(tons * above.sum() * 1e-6 * PATTERN[-1] * F["Y"])


@pytest.mark.filterwarnings("ignore:kriged TREO outside")
def test_summary_percentiles_match_numpy_and_brute_force_loop():
    rng = np.random.default_rng(11)
    ds = make_block_model(rng.lognormal(6.8, 0.5, (6, 7)), thickness_m=rng.uniform(3, 10, (6, 7)),
                          density_t_m3=None)
    ds["inside"][0, :] = False
    real = _realizations(ds, ds["total_rey_ppm"].values * rng.lognormal(0, 0.3, (30, 6, 7)))
    summary = uncertainty_summary(real, ds, [400.0, 1200.0], density_t_m3=0.6)
    # brute force: python loop over realisations (independent of the vectorised code)
    inside = ds["inside"].values
    tons = 1e4 * ds["thickness_m"].values * 0.6
    for cutoff in (400.0, 1200.0):
        dy, ore = [], []
        for r in range(30):
            g = real.values[r]
            sel = inside & (g >= cutoff)
            ore.append(tons[sel].sum())
            prop = ds["Dy_ppm"].values[sel] / ds["total_rey_ppm"].values[sel]
            dy.append((tons[sel] * g[sel] * prop).sum() * 1e-6 * F["Dy"])
        rows = summary[summary["cutoff"] == cutoff].set_index("element")
        assert rows.loc["Dy", "p10"] == pytest.approx(np.percentile(dy, 10))
        assert rows.loc["Dy", "p90"] == pytest.approx(np.percentile(dy, 90))
        assert rows.loc["ore", "p50"] == pytest.approx(np.percentile(ore, 50))
        assert rows.loc["Dy", "oxide"] == "Dy2O3"
        assert (rows["p10"] <= rows["p50"]).all() and (rows["p50"] <= rows["p90"]).all()
    assert "P10 = low case" in summary.attrs["method"]
    # a density_t_m3 variable in the model takes precedence over the argument
    measured = uncertainty_summary(real, ds.assign(density_t_m3=ds["thickness_m"] * 0 + 0.5), [400.0],
                                   density_t_m3=0.6).set_index("element")
    at400 = summary[summary["cutoff"] == 400.0].set_index("element")
    assert measured[measured["cutoff"] == 400.0].loc["ore", "p50"] == pytest.approx(at400.loc["ore", "p50"] * 0.5 / 0.6)


def test_simulated_thickness_and_nan_cells(small_model):
    base = small_model["total_rey_ppm"].values
    real = _realizations(small_model, [base, base])
    real[0, 0, 2] = np.nan
    thick = _realizations(small_model, [np.full(base.shape, 5.0), np.full(base.shape, 20.0)])
    totals = realization_totals(real, small_model, [1000.0], thickness=thick).set_index("realization")
    assert totals.loc[0, "dry_t"] == pytest.approx(3 * 1e4 * 5 * 0.55)   # NaN block dropped
    assert totals.loc[1, "dry_t"] == pytest.approx(4 * 1e4 * 20 * 0.55)


def test_blocks_without_proportions_take_the_mean_pattern(small_model):
    ds = small_model.copy(deep=True)
    for el in REY:
        ds[f"{el}_ppm"][0, 0] = np.nan
    real = _realizations(ds, [np.full((2, 3), 1000.0)])
    t = realization_totals(real, ds, [0.0]).iloc[0]
    assert t["La_oxide_t"] == pytest.approx(6 * 55_000 * 1000e-6 * PATTERN[0] * F["La"])


def test_grid_mismatch_is_refused(small_model):
    bad = xr.DataArray(np.ones((2, 3, 3)), dims=("realization", "northing", "easting"))
    with pytest.raises(ValueError, match="'northing'"):
        realization_totals(bad, small_model, [400.0])
    with pytest.raises(ValueError, match="realization"):
        realization_totals(small_model["total_rey_ppm"], small_model, [400.0])


def test_exceedance_probability_by_hand():
    real = xr.DataArray(np.array([[[100.0, 500.0]], [[600.0, np.nan]], [[700.0, 300.0]], [[50.0, np.nan]]]),
                        dims=("realization", "northing", "easting"))
    p = exceedance_probability(real, 400.0)
    assert p.values.tolist() == [[0.5, 0.5]]
    all_nan = exceedance_probability(real.where(False), 400.0)
    assert np.isnan(all_nan.values).all()


def test_element_resource_from_table_and_summary(small_model, tmp_path):
    table = resource_table(blocks_table(small_model), [400.0, 1000.0])
    real = _realizations(small_model, [small_model["total_rey_ppm"].values * s for s in (0.8, 1.0, 1.2)])
    summary = uncertainty_summary(real, small_model, [400.0, 1000.0])
    handoff = element_resource(table, summary=summary, cutoff=1000.0)
    assert list(handoff.columns) == ["element", "oxide", "contained_oxide_t", "p10", "p50", "p90"]
    assert list(handoff["element"]) == list(REY)
    nd = handoff.set_index("element").loc["Nd"]
    row = table[(table["cutoff"] == 1000.0) & (table["class"] == "measured+indicated+inferred")].iloc[0]
    assert nd["contained_oxide_t"] == pytest.approx(row["Nd_oxide_t"])
    assert nd["p50"] == pytest.approx(nd["contained_oxide_t"])  # the middle realisation is the model
    assert nd["p10"] < nd["p50"] < nd["p90"]
    only = element_resource(summary)
    # a summary always carries cut-off 0 (no cut-off), the lowest: the summary-only default
    assert only.attrs["cutoff"] == 0.0 and (only["contained_oxide_t"] == only["p50"]).all()
    no_p = element_resource(table)
    assert no_p["p10"].isna().all()
    with pytest.raises(ValueError, match="not in the table"):
        element_resource(table, cutoff=123.0)
    path = tmp_path / "typed.yaml"
    path.write_text("Nd: 1000\nDy: 50.5\n")
    typed = read_element_resource(path)
    assert typed["oxide"].tolist() == ["Nd2O3", "Dy2O3"] and typed["contained_oxide_t"].sum() == 1050.5
    csv = tmp_path / "typed.csv"
    pd.DataFrame({"element": ["Nd", "Xx"], "contained_oxide_t": [1, 2]}).to_csv(csv, index=False)
    with pytest.raises(ValueError, match="Xx"):
        read_element_resource(csv)


def test_empty_area_gives_zero_percentiles(small_model):
    ds = small_model.copy(deep=True)
    ds["inside"][:] = False
    real = _realizations(ds, [ds["total_rey_ppm"].values] * 3)
    summary = uncertainty_summary(real, ds, [400.0])
    assert (summary[["p10", "p50", "p90"]] == 0).all().all()
    assert len(summary) == 2 * (1 + 1 + 15 + 1)  # cut-offs 0 and 400


def test_kriged_value_band_position_classes_and_fractions():
    rng = np.random.default_rng(4)
    ds = make_block_model(rng.lognormal(6.8, 0.4, (5, 6)), thickness_m=np.full((5, 6), 8.0), density_t_m3=None)
    scale = np.linspace(0.8, 1.2, 41)  # kriged field = realisation 20: exactly the median
    real = _realizations(ds, ds["total_rey_ppm"].values * scale[:, None, None])
    real.attrs.update(seeds="numpy SeedSequence(7).spawn(41)", tails="lower tail linear")
    ds["resource_class"] = (("northing", "easting"), np.where(np.arange(30).reshape(5, 6) < 12, "indicated",
                                                              "inferred"))
    summ = uncertainty_summary(real, ds, [1000.0], by_class=True)
    assert set(summ["cutoff"]) == {0.0, 1000.0}  # cut-off 0 always present
    assert set(summ["resource_class"]) == {"all", "indicated", "inferred"}
    treo = summ[(summ["element"] == "TREO") & (summ["cutoff"] == 0.0)].set_index("resource_class")
    assert treo.loc["all", "kriged"] == pytest.approx(treo.loc["all", "p50"])
    assert treo.loc["indicated", "kriged"] + treo.loc["inferred", "kriged"] == pytest.approx(treo.loc["all", "kriged"])
    assert summ["kriged_in_p25_p75"].all()
    assert summ.attrs["seeds"] == "numpy SeedSequence(7).spawn(41)" and summ.attrs["n_realizations"] == 41
    assert summ.attrs["simulation"]["tails"] == "lower tail linear"
    # a kriged field outside P25-P75 warns
    with pytest.warns(UserWarning, match="outside the simulated P25-P75"):
        uncertainty_summary(real * 1.3, ds, [0.0])
    # area fractions scale the tonnes of each block
    half = ds.assign(aoi_fraction=ds["thickness_m"] * 0 + 0.5)
    full = realization_totals(real, ds, [0.0])
    part = realization_totals(real, half, [0.0])
    assert np.allclose(part["dry_t"], 0.5 * full["dry_t"])
    with pytest.raises(ValueError, match="aoi_fraction"):
        realization_totals(real, ds.assign(aoi_fraction=ds["thickness_m"] * 0 + 2.0), [0.0])


def test_small_calibration_against_a_known_truth():
    """8 synthetic surveys (lognormal Matern field, lens layer, clustered cores; not the demo model)."""
    from reymud.demo.truth import TruthConfig, calibration_table, run_survey

    cfg = TruthConfig(size_km=20.0, truth_cell_m=500.0, block_m=2_000.0, refine=1, n_cores=25,
                      len_scale_km=5.0, n_realizations=40)
    results = pd.concat([run_survey(cfg, 100 + i) for i in range(8)], ignore_index=True)
    table = calibration_table(results)
    whole = table.loc[0.0]
    # binomial(8, 0.8): fewer than 4 covered has probability ~1 %; an honest band clears it
    assert whole["p10_p90_coverage_pct"] >= 50.0
    assert abs(whole["mean_bias_pct"]) < 8.0  # +-3 % target; 8 surveys of ~5 % spread each
    assert whole["kriged_in_p25_p75_pct"] >= 37.5  # >= 3 of 8 (binomial(8, 0.8): P(<= 2) ~0.1 %)
    assert set(table.index) == {0.0, 400.0, 1000.0}
    assert (results["p10"] <= results["p50"]).all() and (results["p50"] <= results["p90"]).all()


def test_density_factors_by_hand(small_model):
    from reymud.resource.uncertainty import density_factors

    assert np.array_equal(density_factors(5), np.ones(5))
    f = density_factors(2000, seed=3, assumed_range=(0.5, 0.6), density_t_m3=0.55)
    assert f.min() >= 0.5 / 0.55 and f.max() <= 0.6 / 0.55 and f.mean() == pytest.approx(1.0, abs=0.01)
    m = density_factors(4000, seed=3, measured=[0.5, 0.6, 0.55, 0.45, 0.65])
    # bootstrap mean of 5 values: sd = population sd / sqrt(5), relative to the mean 0.55
    assert m.std() == pytest.approx(np.std([0.5, 0.6, 0.55, 0.45, 0.65]) / np.sqrt(5) / 0.55, rel=0.05)
    assert np.array_equal(m, density_factors(4000, seed=3, measured=[0.5, 0.6, 0.55, 0.45, 0.65]))
    base = small_model["total_rey_ppm"].values
    real = _realizations(small_model, [base, base])
    t = realization_totals(real, small_model, [0.0], density_factor=[1.0, 1.1]).set_index("realization")
    assert t.loc[1, "dry_t"] == pytest.approx(1.1 * t.loc[0, "dry_t"])
    with pytest.raises(ValueError, match="density_factor"):
        realization_totals(real, small_model, [0.0], density_factor=[1.0])
    with pytest.raises(ValueError, match="assumed_range"):
        density_factors(3, assumed_range=(0.6, 0.5))


def test_fixed_ore_tonnage_at_cutoff_zero_counts_as_inside_the_band():
    # ore tonnes at cut-off 0 do not depend on the grade: p25 == p75 == kriged, up to summation order
    rng = np.random.default_rng(11)
    ds = make_block_model(rng.lognormal(6.8, 0.4, (7, 9)), thickness_m=rng.uniform(3.0, 9.7, (7, 9)),
                          density_t_m3=None)
    real = _realizations(ds, ds["total_rey_ppm"].values * rng.uniform(0.8, 1.2, (25, 1, 1)))
    summ = uncertainty_summary(real, ds, [0.0])
    ore = summ[(summ["element"] == "ore") & (summ["cutoff"] == 0.0)].iloc[0]
    assert ore["p25"] == pytest.approx(ore["kriged"], rel=1e-12) == ore["p75"]
    assert bool(ore["kriged_in_p25_p75"])
