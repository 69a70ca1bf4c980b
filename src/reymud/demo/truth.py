"""Synthetic surveys with a KNOWN truth, for calibrating the uncertainty band (issue 9).

This is deliberately NOT the demo generator's model (:mod:`reymud.demo.survey`: Gaussian fields with
an exponential covariance, cores on a jittered grid). Here, every number being a stated synthetic
assumption (:class:`TruthConfig`):

1. Grade: a *lognormal* field, ``total_rey_ppm = exp(mu + sigma * Y)`` with ``Y`` a unit-variance
   Gaussian random field with a **Matern** covariance (smoothness ``nu``), drawn by gstools'
   randomisation method on a fine truth grid.
2. Layer shape: a **lens** - thickness is largest at a random centre and thins as a cosine taper
   towards the edges, ``t = t_edge + (t_centre - t_edge) * cos^2(pi/2 * min(r / r_lens, 1))``.
   Optionally (``trend_fraction > 0``) the grade carries a regional **linear trend** west to east:
   it is multiplied by ``1 + trend_fraction * (2 x / side - 1)`` (mean unchanged).
3. Sampling: **clustered** - a share of the cores in a few tight clusters (as surveys sample around
   promising sites), the rest uniformly at random.

:func:`run_survey` then runs the default user workflow through the public API with no knowledge of
the truth (kriged block model, declustered normal-score variogram by :func:`~reymud.spatial.simulate.fit_nscore_variogram`,
:func:`~reymud.spatial.simulate.simulate_blocks`, :func:`~reymud.resource.uncertainty_summary`) and
returns the kriged and simulated totals beside the true totals over the same area. With
``plan_trend`` linear/quadratic the workflow is the plan's universal kriging: residual variograms
(:func:`~reymud.spatial.blockmodel.fit_plan_model`), kriging with that drift, and the simulation of
the trend residuals (:func:`~reymud.spatial.simulate.nscore_model_for`, ``simulate_blocks`` reading
the trend from the estimate's plan).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import xarray as xr

from reymud.spatial._simtrend import TREND_SPACES

__all__ = ["TruthConfig", "calibration_table", "make_truth", "run_survey", "sample_cores"]


@dataclass(frozen=True)
class TruthConfig:
    """Synthetic assumptions of a calibration survey (all labelled choices, not data).

    Attributes
    ----------
    size_km : float
        Side of the square area of interest (the whole area is estimated).
    truth_cell_m : float
        Cell of the fine truth grid.
    block_m : float
        Block size of the kriged estimate.
    refine : int
        Simulation nodes per block side (averaged up to the blocks).
    n_cores, n_clusters, cluster_share, cluster_radius_km : int, int, float, float
        Sampling pattern: ``cluster_share`` of the cores in ``n_clusters`` discs.
    mean_ppm, cv : float
        Lognormal grade: arithmetic mean and coefficient of variation.
    len_scale_km, nu : float
        Matern covariance length scale and smoothness of the log-grade field.
    t_centre_m, t_edge_m, lens_radius_fraction : float
        Lens thickness at its centre and edge, and lens radius as a fraction of ``size_km``.
    density_t_m3 : float
        Dry bulk density of truth and estimate (the resource default assumption, 0.55 t/m3).
    n_realizations : int
        Realisations per survey.
    simulate_thickness : bool
        Simulate thickness as well (independent of grade) so its uncertainty enters the band.
    trend_fraction : float
        Linear west-east grade trend: the grade is multiplied by ``1 + trend_fraction * (2 x / side - 1)``
        (0 = none; must be in [0, 1)).
    plan_trend : {"none", "linear", "quadratic"}
        The estimation plan's trend used by the workflow (universal kriging and trend simulation).
    trend_space : {"auto", "linear", "log"}
        Space of the simulated trend (as ``SimulationDefaults.trend_space``, whose default "auto" it keeps).
    cutoffs : tuple of float
        Cut-offs (ppm) reported besides no cut-off.
    """

    size_km: float = 40.0
    truth_cell_m: float = 250.0
    block_m: float = 2_000.0
    refine: int = 2
    n_cores: int = 40
    n_clusters: int = 3
    cluster_share: float = 0.4
    cluster_radius_km: float = 2.5
    mean_ppm: float = 1_000.0
    cv: float = 0.45
    len_scale_km: float = 8.0
    nu: float = 1.5
    t_centre_m: float = 9.0
    t_edge_m: float = 4.0
    lens_radius_fraction: float = 0.8
    density_t_m3: float = 0.55
    n_realizations: int = 100
    cutoffs: tuple[float, ...] = (400.0, 1000.0)
    simulate_thickness: bool = True
    trend_fraction: float = 0.0
    plan_trend: str = "none"
    trend_space: str = "auto"

    def __post_init__(self) -> None:
        if self.trend_space not in TREND_SPACES:
            raise ValueError(f"TruthConfig.trend_space must be one of {TREND_SPACES}, got {self.trend_space!r}")
        if not 0.0 <= self.trend_fraction < 1.0:
            raise ValueError(f"TruthConfig.trend_fraction must be in [0, 1), got {self.trend_fraction!r}")
        if self.plan_trend not in ("none", "linear", "quadratic"):
            raise ValueError(f"TruthConfig.plan_trend must be none, linear or quadratic, got {self.plan_trend!r}")


def make_truth(cfg: TruthConfig, seed: int) -> xr.Dataset:
    """Fine truth grid: ``total_rey_ppm`` and ``thickness_m`` on ``(northing, easting)``."""
    import gstools as gs

    rng = np.random.default_rng(seed)
    n = round(cfg.size_km * 1000 / cfg.truth_cell_m)
    x = (np.arange(n) + 0.5) * cfg.truth_cell_m
    model = gs.Matern(dim=2, var=1.0, len_scale=cfg.len_scale_km * 1000, nu=cfg.nu)
    y = gs.SRF(model, seed=int(rng.integers(2**31 - 1)), mode_no=600).structured([x, x]).T  # (northing, easting)
    y = (y - y.mean()) / y.std()  # exactly unit variance on this area: the lognormal mean is the stated mean
    s2 = np.log1p(cfg.cv**2)
    grade = cfg.mean_ppm * np.exp(np.sqrt(s2) * y - s2 / 2)
    if cfg.trend_fraction:  # regional west-east trend (the mean over the area is unchanged)
        grade = grade * (1.0 + cfg.trend_fraction * (2.0 * x[None, :] / (n * cfg.truth_cell_m) - 1.0))
    cx, cy = rng.uniform(0.3, 0.7, 2) * cfg.size_km * 1000
    ee, nn = np.meshgrid(x, x)
    r = np.hypot(ee - cx, nn - cy) / (cfg.lens_radius_fraction * cfg.size_km * 1000)
    thick = cfg.t_edge_m + (cfg.t_centre_m - cfg.t_edge_m) * np.cos(np.pi / 2 * np.minimum(r, 1.0)) ** 2
    return xr.Dataset({"total_rey_ppm": (("northing", "easting"), grade),
                       "thickness_m": (("northing", "easting"), thick)},
                      coords={"northing": x, "easting": x}, attrs={"cell_size_m": cfg.truth_cell_m})


def sample_cores(truth: xr.Dataset, cfg: TruthConfig, seed: int) -> pd.DataFrame:
    """Clustered core sites read from the truth at their truth cell (no measurement error)."""
    rng = np.random.default_rng(seed + 1)
    side = cfg.size_km * 1000
    n_cl = round(cfg.n_cores * cfg.cluster_share)
    centres = rng.uniform(0.1, 0.9, (cfg.n_clusters, 2)) * side
    pick = centres[rng.integers(cfg.n_clusters, size=n_cl)]
    ang, rad = rng.uniform(0, 2 * np.pi, n_cl), cfg.cluster_radius_km * 1000 * np.sqrt(rng.uniform(0, 1, n_cl))
    clustered = pick + np.column_stack([rad * np.cos(ang), rad * np.sin(ang)])
    xy = np.clip(np.vstack([clustered, rng.uniform(0, side, (cfg.n_cores - n_cl, 2))]), 1.0, side - 1.0)
    col = (xy[:, 0] // cfg.truth_cell_m).astype(int)
    row = (xy[:, 1] // cfg.truth_cell_m).astype(int)
    pts = pd.DataFrame({"easting": xy[:, 0], "northing": xy[:, 1],
                        "total_rey_ppm": truth["total_rey_ppm"].values[row, col],
                        "thickness_m": truth["thickness_m"].values[row, col]})
    pts.attrs["crs"] = ""
    return pts


def _true_totals(truth: xr.Dataset, cfg: TruthConfig) -> dict[float, float]:
    """True contained REY (t): no cut-off over the fine grid; cut-offs on the estimate's block support."""
    g, t = truth["total_rey_ppm"].values, truth["thickness_m"].values
    cell = cfg.truth_cell_m**2
    out = {0.0: float((g * t).sum() * cell * cfg.density_t_m3 * 1e-6)}
    k = round(cfg.block_m / cfg.truth_cell_m)
    nb = g.shape[0] // k
    tons = (t[: nb * k, : nb * k] * cell * cfg.density_t_m3).reshape(nb, k, nb, k).sum(axis=(1, 3))
    metal = (g * t)[: nb * k, : nb * k].reshape(nb, k, nb, k).sum(axis=(1, 3)) * cell * cfg.density_t_m3
    bgrade = metal / tons
    for c in cfg.cutoffs:
        out[float(c)] = float(metal[bgrade >= c].sum() * 1e-6)
    return out


def _nscore_model(pts: pd.DataFrame, variable: str, w: np.ndarray):
    """The normal-score variogram as ``reymud simulate`` fits it (auto_model fallback when the fit fails)."""
    from reymud.spatial import NormalScoreTransform, auto_model
    from reymud.spatial.simulate import fit_nscore_variogram
    from reymud.spatial.variogram import VariogramFitError

    try:
        return fit_nscore_variogram(pts, variable, w)[0]
    except VariogramFitError:
        z = pts[variable].to_numpy(float)
        y = NormalScoreTransform().fit(z, w).transform(z)
        return auto_model(pts[["easting", "northing"]].to_numpy(float), y, f"{variable} (normal scores)")


def _trend_workflow(pts: pd.DataFrame, grid, trend: str, space: str) -> tuple[xr.Dataset, dict]:
    """Universal kriging with the plan's trend and the normal-score models of the trend residuals."""
    from reymud.spatial import estimate_block_model
    from reymud.spatial.blockmodel import fit_plan_model
    from reymud.spatial.plan import EstimationPlan
    from reymud.spatial.simulate import nscore_model_for

    plan = EstimationPlan(trend=trend)
    xy = pts[["easting", "northing"]].to_numpy(float)
    variables = ("thickness_m", "total_rey_ppm")
    kriging = {v: fit_plan_model(xy, pts[v].to_numpy(float), plan, v)[1] for v in variables}
    ds = estimate_block_model(pts, list(variables), grid, models=kriging, drift=trend, synthetic=True,
                              plan={"trend": trend})
    return ds, {v: nscore_model_for(pts, v, ds, trend_space=space)[0] for v in variables}


def run_survey(cfg: TruthConfig, seed: int) -> pd.DataFrame:
    """One calibration survey: true, kriged and simulated contained REY per cut-off.

    Returns
    -------
    DataFrame
        One row per cut-off (0 = none): ``seed, cutoff, true_t, kriged_t, p10, p25, p50, p75, p90``.
    """
    from reymud.resource import uncertainty_summary
    from reymud.spatial import Grid, estimate_block_model
    from reymud.spatial.simulate import block_weights, simulate_blocks

    truth = make_truth(cfg, seed)
    pts = sample_cores(truth, cfg, seed)  # the workflow below sees only these
    nb = round(cfg.size_km * 1000 / cfg.block_m)
    grid = Grid(cfg.block_m / 2, cfg.block_m / 2, nb, nb, cfg.block_m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if cfg.plan_trend == "none":
            ds = estimate_block_model(pts, ["thickness_m", "total_rey_ppm"], grid, synthetic=True)
            w = block_weights(pts, "total_rey_ppm", ds)  # simulate_blocks' default declustering
            models = {v: _nscore_model(pts, v, w) for v in ("total_rey_ppm", "thickness_m")}
        else:
            ds, models = _trend_workflow(pts, grid, cfg.plan_trend, cfg.trend_space)
        real = simulate_blocks(pts, "total_rey_ppm", models["total_rey_ppm"], ds, cfg.n_realizations, seed,
                               refine=cfg.refine, client="sync", trend_space=cfg.trend_space)
        thick = None
        if cfg.simulate_thickness:  # thickness simulated too, independently of grade (as in this generator)
            thick = simulate_blocks(pts, "thickness_m", models["thickness_m"], ds,
                                    cfg.n_realizations, seed + 7_919, refine=cfg.refine, client="sync",
                                    trend_space=cfg.trend_space)
        summ = uncertainty_summary(real, ds, list(cfg.cutoffs), density_t_m3=cfg.density_t_m3, thickness=thick)
    rey = summ[summ["element"] == "REY"].set_index("cutoff")
    true = _true_totals(truth, cfg)
    rows = [{"seed": seed, "cutoff": c, "true_t": true[c], "kriged_t": float(rey.loc[c, "kriged"]),
             **{p: float(rey.loc[c, p]) for p in ("p10", "p25", "p50", "p75", "p90")}} for c in sorted(true)]
    return pd.DataFrame(rows)


def calibration_table(results: pd.DataFrame) -> pd.DataFrame:
    """Per cut-off: surveys, mean bias of the kriged total, P10-P90 coverage, kriged in P25-P75 (%)."""
    r = results.assign(bias=results["kriged_t"] / results["true_t"] - 1.0,
                       covered=(results["true_t"] >= results["p10"]) & (results["true_t"] <= results["p90"]),
                       centred=(results["kriged_t"] >= results["p25"]) & (results["kriged_t"] <= results["p75"]))
    g = r.groupby("cutoff")
    return pd.DataFrame({"surveys": g.size(), "mean_bias_pct": 100 * g["bias"].mean(),
                         "bias_se_pct": 100 * g["bias"].std() / np.sqrt(g.size()),
                         "p10_p90_coverage_pct": 100 * g["covered"].mean(),
                         "kriged_in_p25_p75_pct": 100 * g["centred"].mean(),
                         "median_band_width_pct": 100 * ((r["p90"] - r["p10"]) / r["p50"]).groupby(r["cutoff"]).median()})
