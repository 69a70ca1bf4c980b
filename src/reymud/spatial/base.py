"""The public base of reymud's estimators, in the style of scikit-learn and verde's ``BaseGridder``.

The rules every estimator follows (``OrdinaryKriging``, ``SimpleKriging``, ``InverseDistance``,
``NearestNeighbour`` in :mod:`reymud.spatial.kriging`):

- ``__init__`` only stores its arguments under their own names (so :meth:`BaseEstimator.get_params`
  and :meth:`~BaseEstimator.set_params` work and ``repr`` shows them); nothing is checked there;
- ``fit(coordinates, data, weights=None)`` validates the arguments and the data and sets the
  *fitted* attributes, whose names end in ``_`` (``coords_``, ``values_``, ...); it returns ``self``;
- ``predict((easting, northing))`` returns a numpy array of estimates shaped like the coordinates;
- ``grid(...)`` returns an :class:`xarray.Dataset` on a :class:`~reymud.spatial.crs.Grid`
  (dims ``("northing", "easting")``) holding ``estimate`` and the estimator's diagnostics;
- ``estimate(target)`` returns the same Dataset at a Grid, a frame with ``easting``/``northing``
  or an ``(m, 2)`` array (dim ``point``). ``predict`` given one of those (not a tuple) returns that
  Dataset too, as it always did, so existing callers keep working.

Coordinates are verde-style ``(easting, northing)`` tuples of arrays, or an ``(n, 2)`` array.

>>> import numpy as np
>>> from reymud.spatial import InverseDistance
>>> east, north = np.array([0.0, 1000.0, 0.0, 1000.0]), np.array([0.0, 0.0, 1000.0, 1000.0])
>>> idw = InverseDistance(power=2.0).fit((east, north), np.array([1.0, 2.0, 3.0, 4.0]))
>>> idw
InverseDistance(neighbourhood=None, power=2.0)
>>> idw.predict((np.array([500.0, 0.0]), np.array([500.0, 0.0])))
array([2.5, 1. ])
>>> ds = idw.grid(spacing=500.0)
>>> dict(ds.sizes), float(ds["estimate"].mean()) > 0
({'northing': 2, 'easting': 2}, True)
>>> idw.set_params(power=1.0).get_params()["power"]
1.0
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np
import xarray as xr

from reymud.spatial.crs import Grid

__all__ = ["BaseEstimator", "as_xy", "check_fitted"]


def as_xy(coordinates: Any, where: str = "coordinates") -> tuple[np.ndarray, tuple[int, ...]]:
    """``(m, 2)`` easting/northing array and the shape of the coordinate arrays.

    Parameters
    ----------
    coordinates : tuple of two arrays, or array (m, 2)
        ``(easting, northing)`` arrays of any equal shape (verde style), or one ``(m, 2)`` array.
    where : str
        Name of the caller for the error message.

    Returns
    -------
    xy : ndarray (m, 2)
    shape : tuple of int
        Shape of one coordinate array (``(m,)`` for an ``(m, 2)`` array).
    """
    if isinstance(coordinates, tuple):
        if len(coordinates) != 2:
            raise ValueError(f"{where}: give (easting, northing), got a tuple of {len(coordinates)} arrays")
        east, north = (np.asarray(c, dtype=float) for c in coordinates)
        if east.shape != north.shape:
            raise ValueError(f"{where}: easting shape {east.shape} != northing shape {north.shape}")
        return np.column_stack([east.ravel(), north.ravel()]), east.shape
    xy = np.asarray(coordinates, dtype=float)
    if xy.ndim != 2 or xy.shape[1] != 2:
        raise ValueError(f"{where}: expected (easting, northing) arrays or an (m, 2) array, got shape {xy.shape}")
    return xy, (len(xy),)


def check_fitted(estimator: Any) -> None:
    """Raise ``RuntimeError`` unless ``estimator`` has fitted attributes (names ending in ``_``)."""
    if not any(k.endswith("_") and not k.startswith("_") for k in vars(estimator)):
        raise RuntimeError(f"{type(estimator).__name__} is not fitted: call fit(coordinates, data) first")


class BaseEstimator:
    """Base of every reymud estimator: parameters, fit / predict / grid (see the module docstring).

    Subclasses implement ``_fit(xy, data, weights)`` (validate, set attributes ending in ``_``) and
    ``_estimate(xy, grid, exclude) -> dict`` of arrays with at least ``estimate``; their
    ``__init__`` stores each argument as an attribute of the same name and does nothing else.
    """

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return sorted(name for name, p in signature.parameters.items()
                      if name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor's arguments by name (scikit-learn convention)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> BaseEstimator:
        """Change constructor arguments (unknown names raise); returns ``self``. Refit afterwards."""
        names = self._param_names()
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"{type(self).__name__}.set_params: unknown parameter(s) {unknown}; valid: {names}")
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # ------------------------------------------------------------------ fit / predict / grid
    def fit(self, coordinates: Any, data: Any, weights: Any = None) -> BaseEstimator:
        """Validate the data and fit; returns ``self``.

        Parameters
        ----------
        coordinates : (easting, northing) tuple of arrays, or array (n, 2)
            Data locations in metres (projected CRS).
        data : array (n,) or (n, p)
            Values at the locations.
        weights : array (n,), optional
            Data weights; estimators that cannot use them raise ``ValueError`` when given.
        """
        xy = as_xy(coordinates, f"{type(self).__name__}.fit")[0] if isinstance(coordinates, tuple) else coordinates
        self._fit(xy, data, None if weights is None else np.asarray(weights, float))
        return self

    def _fit(self, xy: Any, data: Any, weights: np.ndarray | None) -> None:
        """Validate ``xy`` ((n, 2) array-like) and ``data``; set the fitted ``*_`` attributes."""
        raise NotImplementedError

    def _estimate(self, xy: np.ndarray, grid: Grid | None, exclude: Any) -> dict[str, np.ndarray]:
        raise NotImplementedError

    def predict(self, coordinates: Any, exclude: Any = None) -> np.ndarray | xr.Dataset:
        """Estimates at ``coordinates``.

        Parameters
        ----------
        coordinates : (easting, northing) tuple of arrays, or Grid / frame / array (m, 2)
            A tuple gives a numpy array shaped like its arrays. The other forms give the Dataset of
            :meth:`estimate` (estimate and diagnostics), the estimators' long-standing behaviour.
        exclude : array of int, optional
            One datum index per target to leave out (-1 = none; leave-one-out cross-validation).
        """
        check_fitted(self)
        if not isinstance(coordinates, tuple):
            return self.estimate(coordinates, exclude)
        xy, shape = as_xy(coordinates, f"{type(self).__name__}.predict")
        estimate = np.asarray(self._estimate(xy, None, exclude)["estimate"], dtype=float)
        estimate = estimate[:, 0] if estimate.ndim == 2 else estimate
        return estimate.reshape(shape)

    def grid(self, grid: Grid | None = None, *, region: tuple[float, float, float, float] | None = None,
             spacing: float | None = None, margin_m: float = 0.0, crs: str = "") -> xr.Dataset:
        """Estimate on a grid of square cells; an xarray Dataset with dims ``("northing", "easting")``.

        Parameters
        ----------
        grid : Grid, optional
            The cells; otherwise built from ``spacing`` (cell size, m) over ``region`` ``(west, east,
            south, north)`` (default: the fitted data's bounding box) plus ``margin_m``.
        region, spacing, margin_m, crs
            See ``grid``.

        Returns
        -------
        xarray.Dataset
            ``estimate`` and the estimator's diagnostics (e.g. ``variance``, ``n_samples``).
        """
        check_fitted(self)
        if grid is None:
            if spacing is None:
                raise ValueError(f"{type(self).__name__}.grid: give a Grid or a spacing (cell size, m)")
            corners = (np.array([[region[0], region[2]], [region[1], region[3]]], dtype=float) if region is not None
                       else self.coords_)
            grid = Grid.around(corners, float(spacing), margin_m, crs)
        return self.estimate(grid)

    def estimate(self, target: Any, exclude: Any = None) -> xr.Dataset:  # pragma: no cover - abstract
        """Estimate and diagnostics at a Grid or points, as a Dataset (implemented by subclasses)."""
        raise NotImplementedError
