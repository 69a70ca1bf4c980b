"""Declustered normal-score transform with stated tail models, unit-sill standardisation, spatial bootstrap.

Normal-score transform (Deutsch & Journel 1998, *GSLIB*, 2nd ed., programs ``nscore``/``backtr``,
sections VI.2.7 and V.1.6): the data are sorted, each datum gets the cumulative probability at the
mid-point of its (declustering) weight, ``p_k = sum_{j<k} w_j + w_k / 2``, and the normal score
``y_k = G^-1(p_k)``. Ties share their mean probability. The back-transform interpolates linearly in
normal-score space between table entries and uses a *tail model* beyond the smallest and largest
datum (GSLIB ``ltail``/``utail``):

- lower tail ``"linear"``: ``z`` linear in the cdf between ``(zmin, 0)`` and ``(z_1, p_1)``;
  ``"clip"``: no extrapolation (``z_1``).
- upper tail ``"linear"``: ``z`` linear in the cdf between ``(z_K, p_K)`` and ``(zmax, 1)``;
  ``"hyperbolic"``: ``1 - F(z) = lambda / z**omega`` with ``lambda = z_K**omega (1 - p_K)``, i.e.
  ``z = (lambda / (1 - p)) ** (1 / omega)`` (GSLIB option 4, ``omega >= 1``); ``"clip"``: ``z_K``.

Declustering weights are cell-declustering weights (Deutsch & Journel 1998, ``declus``), computed
by :func:`reymud.spatial.validate.cell_declustering`.

Parameter uncertainty of the histogram (and so of the mean) uses the *spatial bootstrap*
(Journel 1994, "Resampling from stochastic simulations", Environ. Ecol. Stat. 1:63-91; Pyrcz &
Deutsch 2014, *Geostatistical Reservoir Modeling*, 2nd ed., sec. 2.4): a correlated Gaussian vector
with the normal-score covariance is drawn at the data locations, turned into uniform probabilities
and read through the declustered cdf; the resampled data, with the same declustering weights, give
one histogram per realisation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from reymud.spatial.covariance import VariogramModel

__all__ = [
    "CONSTANT_RTOL",
    "TAIL_DEFAULTS",
    "NormalScoreTransform",
    "TailModel",
    "bootstrap_factor",
    "bootstrap_values",
    "constant_note",
    "constant_value",
    "declustering_weights",
    "polygonal_weights",
    "spatial_bootstrap",
    "standardise_sill",
]

_P_EPS = 1e-9


@dataclass(frozen=True)
class TailModel:
    """Extrapolation of the back-transform beyond the data (GSLIB ``ltail``/``utail``).

    Attributes
    ----------
    lower : {"linear", "clip"}
    upper : {"linear", "hyperbolic", "clip"}
    zmin : float or None
        Lower bound of the linear lower tail; default 0 (grades and thicknesses cannot be negative).
    zmax : float or None
        Upper bound of the linear upper tail; default ``zmax_factor x`` the largest datum.
    zmax_factor : float
        ASSUMPTION (judgement, overridable): the linear upper tail reaches 1.5 x the largest datum.
    omega : float
        Hyperbolic-tail exponent (GSLIB ``utpar``, >= 1; larger = thinner tail).
    """

    lower: str = "linear"
    upper: str = "linear"
    zmin: float | None = 0.0
    zmax: float | None = None
    zmax_factor: float = 1.5
    omega: float = 2.0

    def __post_init__(self) -> None:
        if self.lower not in ("linear", "clip"):
            raise ValueError(f"TailModel.lower must be 'linear' or 'clip', got {self.lower!r}")
        if self.upper not in ("linear", "hyperbolic", "clip"):
            raise ValueError(f"TailModel.upper must be 'linear', 'hyperbolic' or 'clip', got {self.upper!r}")
        if self.omega < 1:
            raise ValueError(f"TailModel.omega must be >= 1, got {self.omega!r}")

    def describe(self) -> str:
        """One-line statement of the tails (for result attrs)."""
        up = {"linear": f"linear to zmax ({'given' if self.zmax is not None else f'{self.zmax_factor:g} x max'})",
              "hyperbolic": f"hyperbolic omega={self.omega:g}", "clip": "clipped at max"}[self.upper]
        low = f"linear to zmin={self.zmin}" if self.lower == "linear" else "clipped at min"
        return f"lower tail {low}; upper tail {up} (Deutsch & Journel 1998, GSLIB backtr)"


TAIL_DEFAULTS = TailModel()


class NormalScoreTransform:
    """Rank-based normal-score transform, declustering-weighted, with stated tails.

    Parameters
    ----------
    tails : TailModel
        Back-transform extrapolation beyond the data (default linear to 0 and to 1.5 x max).
    """

    def __init__(self, tails: TailModel = TAIL_DEFAULTS) -> None:
        self.tails = tails
        self.values_: np.ndarray | None = None
        self.scores_: np.ndarray | None = None
        self.probs_: np.ndarray | None = None
        self.zmin_: float = 0.0
        self.zmax_: float = 0.0

    def fit(self, values, weights=None) -> NormalScoreTransform:
        """Build the table of (value, cumulative probability, normal score) from data and weights."""
        z = np.asarray(values, dtype=float).ravel()
        w = np.ones_like(z) if weights is None else np.asarray(weights, dtype=float).ravel()
        if w.shape != z.shape:
            raise ValueError(f"NormalScoreTransform.fit: {len(w)} weights for {len(z)} values")
        ok = np.isfinite(z) & np.isfinite(w)
        z, w = z[ok], w[ok]
        if (w < 0).any() or not w.sum() > 0:
            raise ValueError("NormalScoreTransform.fit: weights must be >= 0 with a positive sum")
        if len(z) < 2:
            raise ValueError("NormalScoreTransform.fit needs at least 2 finite values")
        if np.ptp(z) == 0:
            raise ValueError("NormalScoreTransform.fit: all values are equal (zero variance)")
        order = np.argsort(z, kind="stable")
        zs, ws = z[order], w[order] / w.sum()
        cum = np.cumsum(ws) - 0.5 * ws  # mid-point plotting positions (GSLIB nscore)
        uniq, inv = np.unique(zs, return_inverse=True)  # ties share the mean probability
        gw = np.bincount(inv, ws)  # ties: mid-point of their combined weight = weight-averaged mid-points
        p = np.where(gw > 0, np.bincount(inv, cum * ws) / np.where(gw > 0, gw, 1.0),
                     np.bincount(inv, cum) / np.bincount(inv))
        p = np.clip(p, _P_EPS, 1 - _P_EPS)
        self.values_, self.probs_, self.scores_ = uniq, p, stats.norm.ppf(p)
        t = self.tails
        self.zmin_ = float(min(t.zmin, uniq[0])) if t.zmin is not None else float(uniq[0])
        self.zmax_ = float(max(t.zmax if t.zmax is not None else t.zmax_factor * uniq[-1], uniq[-1]))
        return self

    def _check(self) -> None:
        if self.values_ is None:
            raise RuntimeError("NormalScoreTransform is not fitted: call fit(values) first")

    def transform(self, values) -> np.ndarray:
        """Values -> normal scores (inverse of the tails outside the data range)."""
        self._check()
        z = np.asarray(values, dtype=float)
        v, p = self.values_, self.probs_
        prob = np.interp(z, v, p)
        lo, hi = z < v[0], z > v[-1]
        if self.tails.lower == "linear" and v[0] > self.zmin_:
            prob = np.where(lo, p[0] * np.clip((z - self.zmin_) / (v[0] - self.zmin_), 0, 1), prob)
        if self.tails.upper == "linear" and self.zmax_ > v[-1]:
            frac = np.clip((z - v[-1]) / (self.zmax_ - v[-1]), 0, 1)
            prob = np.where(hi, p[-1] + (1 - p[-1]) * frac, prob)
        elif self.tails.upper == "hyperbolic" and v[-1] > 0:
            lam = v[-1] ** self.tails.omega * (1 - p[-1])
            prob = np.where(hi, 1 - lam / np.maximum(z, v[-1]) ** self.tails.omega, prob)
        return stats.norm.ppf(np.clip(prob, _P_EPS, 1 - _P_EPS))

    def exact_scores(self, values) -> np.ndarray:
        """Values -> normal scores, the exact inverse of :meth:`inverse_transform`.

        Inside the table the score is interpolated linearly against the value (the back-transform is
        linear in normal-score space there); :meth:`transform` interpolates the cdf instead, which
        differs between table entries, so a value that is not a table entry would not come back
        exactly. Outside the table both use the same tail models.
        """
        self._check()
        z = np.asarray(values, dtype=float)
        v = self.values_
        inside = (z >= v[0]) & (z <= v[-1])
        return np.where(inside, np.interp(z, v, self.scores_), self.transform(z))

    def inverse_transform(self, scores) -> np.ndarray:
        """Normal scores -> values: linear in normal-score space inside the table, tail models outside."""
        self._check()
        y = np.asarray(scores, dtype=float)
        v, p, s = self.values_, self.probs_, self.scores_
        z = np.interp(y, s, v)
        if self.tails.lower == "linear":
            cdf = stats.norm.cdf(y)
            z = np.where(y < s[0], self.zmin_ + (v[0] - self.zmin_) * cdf / p[0], z)
        if self.tails.upper != "clip":
            cdf = stats.norm.cdf(y)
            if self.tails.upper == "linear":
                up = v[-1] + (self.zmax_ - v[-1]) * (cdf - p[-1]) / (1 - p[-1])
            else:
                lam = v[-1] ** self.tails.omega * (1 - p[-1])
                up = (lam / np.maximum(1 - cdf, _P_EPS)) ** (1 / self.tails.omega)
            z = np.where(y > s[-1], up, z)
        return z


#: ASSUMPTION (judgement): finite values spread by at most this share of their largest magnitude are
#: one constant (rounding of unit conversions, not grade variation); :func:`constant_value`.
CONSTANT_RTOL = 1e-9


def constant_value(values) -> float | None:
    """The value of ``values`` when every finite one is the same (within :data:`CONSTANT_RTOL`), else None.

    A normal-score transform of such data does not exist (zero variance); the simulation then
    simulates the constant (:func:`constant_note`). None as well when there is no finite value.
    """
    z = np.asarray(values, dtype=float).ravel()
    z = z[np.isfinite(z)]
    if z.size == 0 or np.ptp(z) > CONSTANT_RTOL * float(np.max(np.abs(z))):
        return None
    return float(np.mean(z))


def constant_note(variable: str, value: float) -> str:
    """The statement made when ``variable`` is constant in the conditioning data (no grade uncertainty)."""
    return (f"{variable} is constant in the data (value {value:.6g}): simulated as constant; "
            "the band carries no grade uncertainty")


def declustering_weights(coords, values, cell_sizes=None) -> tuple[np.ndarray, float]:
    """Cell-declustering weights (sum 1) and the cell size used.

    Parameters
    ----------
    coords : array_like, shape (n, 2)
    values : array_like, shape (n,)
    cell_sizes : sequence of float, optional
        Candidate cell sizes in metres, the size then chosen by
        :func:`reymud.spatial.validate.cell_declustering` (minimum declustered mean when data cluster
        in high values, maximum otherwise). Default: ONE cell of ``sqrt(bounding-box area / n)``, the
        spacing the data would have if spread evenly (the nominal spacing of the sparse sampling,
        Deutsch & Journel 1998, ``declus``; Pyrcz & Deutsch 2014). Picking the minimum or maximum
        declustered mean over many sizes would bias the mean when the clustering is not preferential.
    """
    from reymud.spatial.validate import cell_declustering

    xy = np.asarray(coords, dtype=float)
    ext = np.ptp(xy, axis=0) if len(xy) > 1 else np.zeros(2)
    if not ext.max() > 0:
        return np.full(len(xy), 1.0 / max(len(xy), 1)), 0.0
    if cell_sizes is None:
        side = np.where(ext > 0, ext, ext.max())
        cell_sizes = [float(np.sqrt(side[0] * side[1] / len(xy)))]
    table = cell_declustering(xy, values, cell_sizes)
    best = table.attrs["best_cell_size_m"]
    return table.attrs["weights"][best], best


def polygonal_weights(coords, targets) -> np.ndarray:
    """Polygonal (nearest-datum) declustering weights over a set of target locations (sum 1).

    Each datum's weight is the share of ``targets`` (e.g. the block centres inside the area of
    interest) nearer to it than to any other datum - its Voronoi polygon clipped to the area
    (Isaaks & Srivastava 1989, ch. 10; Deutsch & Journel 1998). Within the area this weights the data
    as the kriged block model does, so the simulated histogram and the kriged total agree.
    """
    from scipy.spatial import cKDTree

    xy = np.asarray(coords, dtype=float)
    tg = np.asarray(targets, dtype=float).reshape(-1, 2)
    if len(xy) == 0 or len(tg) == 0:
        raise ValueError("polygonal_weights: need at least one datum and one target")
    _, nearest = cKDTree(xy).query(tg)
    w = np.bincount(nearest, minlength=len(xy)).astype(float)
    return w / w.sum()


def standardise_sill(model: VariogramModel) -> tuple[VariogramModel, float]:
    """Rescale a normal-score variogram so its total sill is exactly 1.

    Normal scores have unit variance by construction; a fitted sill different from 1 (e.g. a range
    longer than the survey, so the sill is extrapolated) would give simulated fields with the wrong
    variance and a biased back-transformed mean. Every structure keeps its range and shape; nugget
    and partial sills are multiplied by ``1 / sill``.

    Returns
    -------
    (VariogramModel, float)
        The unit-sill model and the fitted sill that was divided out (state it in the results).
    """
    sill = float(model.sill)
    if not sill > 0:
        raise ValueError("standardise_sill: the model has zero total sill")
    return model.scaled(1.0 / sill), sill


def spatial_bootstrap(coords, values, weights, nscore_model: VariogramModel, transform: NormalScoreTransform,
                      n: int, seed) -> np.ndarray:
    """Spatial-bootstrap resamples of the data values (Journel 1994; Pyrcz & Deutsch 2014).

    Parameters
    ----------
    coords : array_like, shape (n_data, 2)
    values : array_like, shape (n_data,)
        Only the count is used; the values enter through ``transform`` (the declustered cdf).
    weights : array_like
        Declustering weights (kept with the resampled values by the caller).
    nscore_model : VariogramModel
        Unit-sill normal-score covariance.
    transform : NormalScoreTransform
        Fitted declustered transform: the cdf the resamples are read through.
    n : int
        Number of resamples.
    seed : int or numpy.random.SeedSequence

    Returns
    -------
    ndarray, shape (n, n_data)
        Resampled values (correlated like the data, distributed like the declustered histogram).
    """
    xy = np.asarray(coords, dtype=float)
    if len(xy) != len(np.asarray(values)) or len(xy) != len(np.asarray(weights)):
        raise ValueError("spatial_bootstrap: coords, values and weights must have the same length")
    chol = bootstrap_factor(xy, nscore_model)
    rng = np.random.default_rng(seed)
    return bootstrap_values(rng.standard_normal((n, len(xy))) @ chol.T, transform)


def bootstrap_factor(coords, nscore_model: VariogramModel) -> np.ndarray:
    """Cholesky factor ``L`` of the data's normal-score covariance: ``L @ N(0, 1)`` is one
    spatial-bootstrap draw of correlated normal scores (shared by :func:`spatial_bootstrap` and
    :func:`reymud.spatial.simulate.simulate`)."""
    xy = np.asarray(coords, dtype=float)
    cov = nscore_model.covariance_between(xy[:, None, :], xy[None, :, :])
    return np.linalg.cholesky(cov + 1e-8 * np.eye(len(xy)))


def bootstrap_values(scores, transform: NormalScoreTransform) -> np.ndarray:
    """Read bootstrap normal scores through the declustered cdf of ``transform`` (no tail
    extrapolation: resamples stay within the observed values, as a bootstrap does)."""
    return np.interp(stats.norm.cdf(scores), transform.probs_, transform.values_)
