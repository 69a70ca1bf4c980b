"""Trend handling of the conditional simulation (issue 8/9): the simulation honours the plan's trend.

When the estimation plan has ``trend: linear`` or ``quadratic`` (universal kriging), simulating the
raw values stationarily reverts to the declustered mean wherever the data are far away, while
kriging extends the trend there. :func:`reymud.spatial.simulate.simulate` then instead (Chilès &
Delfiner 2012, sec. 7.3 "simulation of non-stationary variables": residual model):

1. fits the trend surface by ordinary least squares on the conditioning data, with the recipe of
   the kriging/residual path (:class:`reymud.spatial.trend.TrendSurface`; ``scope`` "global", the
   default) or, with ``scope`` "local", at every node on its nearest data (a locally varying mean,
   Deutsch & Journel 1998, ``sgsim`` ``ktype=2``), closer to what a moving-neighbourhood universal
   kriging extrapolates, but the local fits absorb part of the spatial variability (narrower band);
2. simulates the *residuals* (declustered normal-score transform of the residuals, the residuals'
   normal-score variogram with unit sill, the spatial bootstrap of the residual histogram);
3. back-transforms and adds the trend evaluated at the simulation nodes (averaged over the refine
   nodes of a block with the rest of the realisation).

Trend-coefficient uncertainty (on by default, ``SimulationDefaults.trend_slopes``): per realisation
the *slope* coefficients (every term but the constant) are drawn from the sampling distribution of
the OLS estimator under correlated residuals, ``Cov = A C A^T`` with ``A = (X^T X)^-1 X^T`` and
``C = s2 R``, ``R`` the correlation of the residual (normal-score) variogram at the data and
``s2 = RSS / (n - p)`` the residual variance (Cressie 1993, sec. 3.4; Chilès & Delfiner 2012,
sec. 5.7). The realisation is then conditioned on the data minus the drawn trend (whose residuals
get their own declustered normal-score table, resampled by the spatial bootstrap, so they are table
entries and not tail values), so the data stay honoured; the drawn slopes only widen the band away
from the cores. The white noise of a draw
is truncated at ``DRAW_LIMIT`` (4) standard deviations and the residual tails widened by the
largest shift such a draw gives a datum, so every shifted datum stays inside the back-transform. The constant is not drawn:
the spatial bootstrap of the residual histogram already resamples the mean, and drawing both would
count the same uncertainty twice.

Residual tails (ASSUMPTION, overridable through ``SimulationDefaults.tails.zmax_factor``): the
linear tails reach ``zmax_factor`` x the smallest (negative) and the largest residual, the same
factor the grade's upper tail uses. Realisations are finally clipped at 0 when every datum is
``>= 0`` (grades and thicknesses cannot be negative); the share of clipped nodes is recorded.

Trend space (``SimulationDefaults.trend_space``; :func:`resolve_trend_space`):

- ``"linear"``: the trend surface is fitted to the values and ``trend + residual`` is simulated (the
  behaviour before the option existed). A global linear surface extrapolated beyond the cores can go
  negative (the demo's: -1,306 to 2,928 ppm, negative over a quarter of the area), which is not a
  grade; the negative part is clipped at 0.
- ``"log"``: the surface is fitted to ``log(value)`` (values must be > 0), the residuals of
  ``log(value)`` are simulated exactly as above (declustered normal scores, residual variogram,
  bootstrap, slope draws) and the realisation is ``exp(trend + residual)``: positive everywhere, a
  multiplicative trend. No lognormal bias correction (``exp(s2 / 2)``) is applied, nor needed: the
  residual is not assumed Gaussian, its own declustered empirical distribution is reproduced by the
  normal-score back-transform, so ``exp(residual)`` already has the data's mean ratio to the trend
  (checked in ``tests/spatial/test_simulate_logtrend.py``: simulated vs declustered data mean).
  The drawn slopes are Gaussian, so for them the lognormal correction is exact and applied: a draw
  shifts ``log(value)`` by ``d(x)`` of variance ``v(x)``, and ``d(x) - v(x) / 2`` is used instead
  (at the cells and the data alike, so the data stay honoured), keeping ``E[exp(shift)] = 1``; without
  it the median P50 of 8 calibration surveys (log space) was 1.2 % above the truth, with it 0.9 %.
- ``"auto"`` (the default): ``"linear"``, unless the linear-space trend is negative on more than
  ``NEGATIVE_TREND_SHARE`` (1 %) of the nodes and every datum is > 0: then ``"log"`` (the plausibility
  rule: a grade model negative over part of the area is not physical). With data <= 0 it stays linear
  and warns.

Why linear by default (benchmarks/README, calibration section, ``bench_calibration.py --surveys 16
--plan-trend linear --trend-space linear|log``, truths with a x(1 +- 0.3) west-east trend and with
none): both spaces cover the true total within the 70-90 % target (linear 87.5 / 87.5 / 75 %, log
87.5 / 81 / 81 % at 0 / 400 / 1,000 ppm with the trend truth), but in log space the kriged total (a
universal kriging with a linear drift) falls inside P25-P75 in only 31-44 % of the surveys against
50-69 % in linear space, and the band is wider (P10-P90 25 % of P50 against 18 %): the exponential
of an extrapolated log-linear trend is convex, so beyond the cores it exceeds the linear drift that
the kriged model uses. Log space is therefore the fallback for an implausible (negative) linear
trend, not the default; give ``trend_space="log"`` when the grade is known to vary multiplicatively.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import replace

import numpy as np

from reymud.spatial.covariance import VariogramModel
from reymud.spatial.kriging_core import drift_terms
from reymud.spatial.nscore import TailModel
from reymud.spatial.trend import TREND_ORDERS, TrendSurface

__all__ = ["NEGATIVE_TREND_SHARE", "TREND_SPACES", "SimTrend", "add_trend", "plan_neighbours", "plan_trend",
           "residual_tails", "resolve_trend_space"]


def plan_trend(estimate, trend: str | None = None) -> str:
    """The trend to simulate with: ``trend`` when given, else the plan stored in ``estimate.attrs["plan"]``.

    Raises
    ------
    ValueError
        An unknown trend order, or a stored plan that is not valid JSON.
    """
    if trend is None:
        raw = getattr(estimate, "attrs", {}).get("plan")
        if not raw:
            return "none"
        try:
            trend = (json.loads(raw) if isinstance(raw, str) else dict(raw)).get("trend", "none") or "none"
        except (ValueError, TypeError) as exc:
            raise ValueError(f"simulate: the estimate's attrs['plan'] is not a JSON plan ({exc})") from exc
    if trend not in TREND_ORDERS:
        raise ValueError(f"simulate: trend must be one of {tuple(TREND_ORDERS)}, got {trend!r}")
    return str(trend)


#: Slope draws are standard normals truncated at this many standard deviations, so every datum minus
#: the drawn trend stays inside the residual tails (and is honoured exactly).
DRAW_LIMIT = 4.0


def residual_tails(residuals: np.ndarray, tails: TailModel, margin: float = 0.0) -> TailModel:
    """Linear tails of the residual back-transform: ``zmax_factor`` x the smallest and largest residual,
    widened by ``margin`` (the largest shift a slope draw can give a datum, :meth:`SimTrend.draw_margin`)."""
    r = np.asarray(residuals, dtype=float)
    r = r[np.isfinite(r)]
    lo, hi = float(min(r.min(), 0.0)), float(max(r.max(), 0.0))
    return replace(tails, zmin=tails.zmax_factor * lo - margin, zmax=tails.zmax_factor * hi + margin)


def plan_neighbours(estimate) -> int | None:
    """``max_samples`` of the plan stored in ``estimate.attrs["plan"]`` (the kriging neighbourhood), or None."""
    raw = getattr(estimate, "attrs", {}).get("plan")
    try:
        value = (json.loads(raw) if isinstance(raw, str) else dict(raw or {})).get("max_samples")
    except (ValueError, TypeError):
        return None
    return int(value) if value else None


class SimTrend:
    """A fitted trend and its slope-sampling factor, for one simulation.

    Parameters
    ----------
    order : {"linear", "quadratic"}
    xy, z : ndarray
        Conditioning data (finite values only).
    neighbours : int or None
        ``None`` (or at least the number of data): the global OLS surface (``scope`` "global").
        Otherwise ``scope`` "local": at every node (and datum) the trend is the OLS surface of its
        ``neighbours`` nearest data, evaluated there - a locally varying mean (Deutsch & Journel 1998,
        ``sgsim`` option ``ktype=2``), as the moving-neighbourhood universal kriging uses the drift.
    """

    #: Nodes per block of the local fits (bounds the memory of the batched normal equations).
    CHUNK = 32_768

    def __init__(self, order: str, xy: np.ndarray, z: np.ndarray, neighbours: int | None = None) -> None:
        self.order = order
        self.xy = np.asarray(xy, dtype=float)
        self.z = np.asarray(z, dtype=float)
        self.surface = TrendSurface(order).fit(self.xy, self.z)
        p = len(self.surface.term_names_)
        self.neighbours = None if neighbours is None or neighbours >= len(self.z) else max(int(neighbours), p + 1)
        self.scope = "global" if self.neighbours is None else "local"
        self.residuals = self.z - self.predict(self.xy)
        self.space = "linear"  #: trend space (set by the caller: "log" = fitted to log values)
        self.factor: np.ndarray | None = None
        self.slope_sd: np.ndarray | None = None

    def predict(self, xy: np.ndarray) -> np.ndarray:
        """The trend at ``xy`` (m, 2): the global surface, or the local OLS fit of each point's neighbours."""
        xy = np.asarray(xy, dtype=float)
        if self.neighbours is None:
            return self.surface.predict(xy)
        from scipy.spatial import cKDTree

        tree, out = cKDTree(self.xy), np.empty(len(xy))
        scale = self.surface.scale_
        for a in range(0, len(xy), self.CHUNK):
            t = xy[a:a + self.CHUNK]
            _, idx = tree.query(t, k=self.neighbours)
            x = drift_terms(self.xy[idx], t[:, None, :], scale, self.order)  # centred on each target
            gram = np.einsum("cki,ckj->cij", x, x)
            ridge = 1e-8 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(x.shape[2])
            rhs = np.einsum("cki,ck->ci", x, self.z[idx])[..., None]
            out[a:a + self.CHUNK] = np.linalg.solve(gram + ridge, rhs)[:, 0, 0]  # the constant = value at target
        return out

    def design(self, xy: np.ndarray) -> np.ndarray:
        """Trend terms at ``xy`` on the surface's scaled basis (``design(xy) @ coef = trend``)."""
        return drift_terms(np.asarray(xy, dtype=float), self.surface.centre_, self.surface.scale_, self.order)

    def fit_slope_draws(self, model: VariogramModel) -> SimTrend:
        """Factor ``L`` (terms x terms, zero constant row) with ``L @ N(0, 1)`` one draw of the coefficient
        errors of the slopes: OLS sampling covariance under residuals correlated as ``model``."""
        x = self.design(self.xy)
        n, p = x.shape
        rss = float(self.residuals @ self.residuals)
        s2 = rss / max(n - p, 1)
        corr = model.covariance_between(self.xy[:, None, :], self.xy[None, :, :]) / float(model.sill)
        a = np.linalg.pinv(x)
        cov = s2 * (a @ corr @ a.T)
        slopes = cov[1:, 1:]
        self.factor = np.zeros((p, p))
        self.factor[1:, 1:] = np.linalg.cholesky(slopes + 1e-12 * np.trace(slopes) * np.eye(p - 1))
        powers = np.array([0, 1, 1, 2, 2, 2][:p], dtype=float)
        self.slope_sd = np.sqrt(np.diag(cov))[1:] / self.surface.scale_ ** powers[1:]
        return self

    def draw_margin(self) -> float:
        """Largest shift of a datum by one slope draw (white noise truncated at ``DRAW_LIMIT``)."""
        if self.factor is None:
            return 0.0
        return float(DRAW_LIMIT * np.abs(self.design(self.xy) @ self.factor).sum(axis=1).max())

    def describe(self) -> dict:
        """JSON-ready record of the trend used (results attrs)."""
        out = {"order": self.order, "scope": self.scope, **self.surface.to_dict(), "n_data": len(self.xy),
               "fit": "ordinary least squares on the conditioning data (TrendSurface, as the kriging residual path)"}
        if self.neighbours is not None:
            out["fit"] = (f"local: OLS {self.order} surface of the {self.neighbours} nearest data at every node "
                          "(locally varying mean; the coefficients given are the global surface's)")
            out["neighbours"] = self.neighbours
        if self.slope_sd is not None:
            out["slope_sd"] = {n: float(s) for n, s in zip(self.surface.term_names_[1:], self.slope_sd, strict=True)}
            out["uncertainty"] = ("slopes drawn per realisation from the OLS sampling distribution under the "
                                  "residual variogram's correlation; constant carried by the spatial bootstrap")
        else:
            out["uncertainty"] = "none (trend coefficients fixed)"
        return out


#: Trend spaces of :func:`resolve_trend_space` (module docstring).
TREND_SPACES = ("auto", "linear", "log")

#: ASSUMPTION (judgement, overridable by an explicit ``trend_space``): a linear-space trend negative on more
#: than this share of the nodes is implausible for a non-negative variable (warned when log space is impossible).
NEGATIVE_TREND_SHARE = 0.01

#: What ``"auto"`` picks for positive data (by calibration, module docstring): "log" always, or "linear"
#: unless its trend is negative on more than NEGATIVE_TREND_SHARE of the nodes.
AUTO_SPACE = "linear"


def resolve_trend_space(space: str, order: str, xy: np.ndarray, z: np.ndarray, nodes: np.ndarray,
                        neighbours: int | None = None, variable: str = "value") -> str:
    """The trend space to simulate in: ``"linear"`` or ``"log"`` (see the module docstring).

    Parameters
    ----------
    space : {"auto", "linear", "log"}
    order : str
        Trend order (``"none"``: always ``"linear"``, nothing is fitted).
    xy, z : ndarray
        Conditioning data (finite values).
    nodes : ndarray (m, 2)
        Where the linear-space trend is checked for negative values (the simulation's nodes or blocks).
    neighbours : int, optional
        Local trend fits (``trend_scope="local"``), as :class:`SimTrend`.
    variable : str
        Named in messages.

    Raises
    ------
    ValueError
        ``space`` unknown, or ``"log"`` with data <= 0.
    """
    if space not in TREND_SPACES:
        raise ValueError(f"simulate: trend_space must be one of {TREND_SPACES}, got {space!r}")
    if order == "none" or space == "linear":
        return "linear"
    z = np.asarray(z, dtype=float)
    bad = int((z <= 0).sum())
    if space == "log":
        if bad:
            raise ValueError(f"simulate: trend_space='log' needs {variable} > 0, but {bad} of {len(z)} data are <= 0 "
                             f"(min {z.min():.4g}); use trend_space='linear' or 'auto'")
        return "log"
    if not bad and AUTO_SPACE == "log":
        return "log"
    neg = float((SimTrend(order, xy, z, neighbours).predict(nodes) < 0).mean()) if len(nodes) else 0.0
    if not bad:  # the plausibility rule: log space when the linear trend is not a grade
        return "log" if neg > NEGATIVE_TREND_SHARE else "linear"
    if neg > NEGATIVE_TREND_SHARE:
        warnings.warn(f"simulate: {bad} {variable} data are <= 0, so the {order} trend stays in linear space, "
                      f"where it is negative on {100 * neg:.1f} % of the nodes (clipped at 0)", stacklevel=3)
    return "linear"


def add_trend(out: np.ndarray, sim_trend: SimTrend, nodes: np.ndarray, clip: bool, space: str = "linear",
              warn_share: float = 0.01) -> dict:
    """Add the trend at ``nodes`` to simulated residuals ``out`` (realisations x nodes..., in place).

    ``space`` "log": ``out = exp(out + trend)`` (positive; no clipping). "linear": ``out += trend``,
    clipped at 0 when ``clip`` (warned above ``warn_share`` of the nodes). Returns the result attrs.
    """
    at_nodes = sim_trend.predict(nodes).reshape(out.shape[1:])
    out += at_nodes
    share = 0.0
    if space == "log":
        np.exp(out, out=out)
    elif clip:
        neg = out < 0
        share = float(neg.mean())
        out[neg] = 0.0
    if share > warn_share:
        warnings.warn(f"simulate: trend + simulated residual fell below 0 at {100 * share:.1f} % of the nodes "
                      f"(clipped to 0): the {sim_trend.order} trend surface extrapolates to "
                      f"{at_nodes.min():.4g} (up to {at_nodes.max():.4g}) over the area; "
                      "trend_space='log' keeps it positive", stacklevel=3)
    record = {**sim_trend.describe(), "space": space}
    if space == "log":
        record["back_transform"] = ("exp(log-trend + simulated log residual); no lognormal bias correction: "
                                    "the residuals' declustered empirical distribution carries the mean")
    method = "residuals of the OLS trend surface simulated, trend added back (reymud.spatial._simtrend)"
    if space == "log":
        method = ("residuals of the OLS trend surface of log(value) simulated, exp(trend + residual) "
                  "(reymud.spatial._simtrend)")
    return {"trend": json.dumps(record), "trend_clipped_share": share, "trend_method": method, "trend_space": space}
