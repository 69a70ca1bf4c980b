"""Variogram / covariance models: nugget plus nested structures with geometric anisotropy.

Conventions (stated once, used everywhere in :mod:`reymud.spatial`):

- ranges are *practical* ranges in metres: the distance at which a structure reaches (about) 95 %
  of its sill (exactly 100 % for the spherical model);
- ``azimuth_deg`` is the direction of the major range, clockwise from grid north (geologists'
  convention); ``range_minor_m`` is the range perpendicular to it;
- ``covariance(h)`` is ``C(h) = sill_total - gamma(h)``; the nugget contributes only at ``h == 0``
  (exact interpolation at data points, as in GSLIB and gstools ``exact=True``).

gstools parameterises the same shapes with a *length scale* and a ``rescale`` factor, and measures
the rotation angle counter-clockwise from the easting axis; :meth:`VariogramModel.to_gstools` converts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["STRUCTURE_KINDS", "Structure", "VariogramModel"]

#: Correlation functions of the scaled distance ``u = h / practical_range``.
STRUCTURE_KINDS = ("spherical", "exponential", "gaussian")


def _correlation(kind: str, u: np.ndarray) -> np.ndarray:
    if kind == "spherical":
        uc = np.minimum(u, 1.0)
        return 1.0 - uc * (1.5 - 0.5 * uc * uc)
    if kind == "exponential":
        return np.exp(-3.0 * u)
    if kind == "gaussian":
        return np.exp(-3.0 * u * u)
    raise ValueError(f"unknown structure kind {kind!r}; use one of {STRUCTURE_KINDS}")


@dataclass(frozen=True)
class Structure:
    """One nested variogram structure.

    Parameters
    ----------
    kind : {"spherical", "exponential", "gaussian"}
        Shape of the structure.
    sill : float
        Partial sill (variance contributed by this structure).
    range_m : float
        Practical range along the major axis, metres.
    range_minor_m : float, optional
        Practical range along the minor axis, metres; defaults to ``range_m`` (isotropic).
    azimuth_deg : float
        Direction of the major axis, degrees clockwise from north.
    """

    kind: str
    sill: float
    range_m: float
    range_minor_m: float | None = None
    azimuth_deg: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in STRUCTURE_KINDS:
            raise ValueError(f"Structure kind {self.kind!r} unknown; use one of {STRUCTURE_KINDS}")
        if not (self.sill >= 0 and np.isfinite(self.sill)):
            raise ValueError(f"Structure sill must be finite and >= 0, got {self.sill}")
        if not (self.range_m > 0 and np.isfinite(self.range_m)):
            raise ValueError(f"Structure range_m must be finite and > 0, got {self.range_m}")
        if self.range_minor_m is not None and not self.range_minor_m > 0:
            raise ValueError(f"Structure range_minor_m must be > 0, got {self.range_minor_m}")

    @property
    def minor_m(self) -> float:
        """Minor practical range (equal to the major range when isotropic)."""
        return float(self.range_m if self.range_minor_m is None else self.range_minor_m)

    def scaled_distance(self, d_east: np.ndarray, d_north: np.ndarray) -> np.ndarray:
        """Anisotropic distance in units of the practical range."""
        if self.range_minor_m is None or self.range_minor_m == self.range_m:
            return np.hypot(d_east, d_north) * (1.0 / self.range_m)
        az = np.deg2rad(self.azimuth_deg)
        h_major = d_east * np.sin(az) + d_north * np.cos(az)
        h_minor = d_east * np.cos(az) - d_north * np.sin(az)
        return np.hypot(h_major / self.range_m, h_minor / self.minor_m)

    def range_along(self, azimuth_deg: np.ndarray | float) -> np.ndarray:
        """Practical range in direction ``azimuth_deg`` (clockwise from north), metres."""
        theta = np.deg2rad(np.asarray(azimuth_deg, dtype=float) - self.azimuth_deg)
        return 1.0 / np.hypot(np.cos(theta) / self.range_m, np.sin(theta) / self.minor_m)


@dataclass(frozen=True)
class VariogramModel:
    """Nugget plus nested structures.

    Parameters
    ----------
    nugget : float
        Nugget effect (variance at zero lag discontinuity).
    structures : tuple of Structure
        Nested structures; the total sill is ``nugget + sum(s.sill)``.
    """

    nugget: float = 0.0
    structures: tuple[Structure, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not (self.nugget >= 0 and np.isfinite(self.nugget)):
            raise ValueError(f"VariogramModel nugget must be finite and >= 0, got {self.nugget}")
        object.__setattr__(self, "structures", tuple(self.structures))
        if self.sill <= 0:
            raise ValueError("VariogramModel has zero total sill: add a structure or a nugget > 0")

    @property
    def sill(self) -> float:
        """Total sill (nugget + partial sills)."""
        return float(self.nugget + sum(s.sill for s in self.structures))

    def scaled(self, factor: float) -> VariogramModel:
        """The same model with every sill multiplied by ``factor`` (same correlation shape)."""
        return VariogramModel(
            self.nugget * factor,
            tuple(Structure(s.kind, s.sill * factor, s.range_m, s.range_minor_m, s.azimuth_deg)
                  for s in self.structures),
        )

    # -- evaluation -------------------------------------------------------------------------
    def covariance_delta(self, d_east: np.ndarray, d_north: np.ndarray) -> np.ndarray:
        """Covariance for separation vectors (``d_east``, ``d_north``) in metres."""
        d_east = np.asarray(d_east, dtype=float)
        d_north = np.asarray(d_north, dtype=float)
        out = np.where((d_east == 0) & (d_north == 0), self.nugget, 0.0)
        for s in self.structures:
            out = out + s.sill * _correlation(s.kind, s.scaled_distance(d_east, d_north))
        return out

    def covariance_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Covariance between point sets broadcast against each other (``[..., 2]`` arrays)."""
        a = np.asarray(a, dtype=float)
        b = np.asarray(b, dtype=float)
        return self.covariance_delta(a[..., 0] - b[..., 0], a[..., 1] - b[..., 1])

    def covariance(self, h: np.ndarray, azimuth_deg: float | None = None) -> np.ndarray:
        """Covariance at lag distance ``h`` (m) along ``azimuth_deg`` (default: the major axis)."""
        h = np.asarray(h, dtype=float)
        az = self.structures[0].azimuth_deg if (azimuth_deg is None and self.structures) else (azimuth_deg or 0.0)
        rad = np.deg2rad(az)
        return self.covariance_delta(h * np.sin(rad), h * np.cos(rad))

    def variogram(self, h: np.ndarray, azimuth_deg: float | None = None) -> np.ndarray:
        """Semivariogram ``gamma(h) = sill - C(h)`` (0 at ``h == 0``)."""
        return self.sill - self.covariance(h, azimuth_deg)

    # -- interchange ------------------------------------------------------------------------
    def to_dict(self) -> dict:
        """JSON-ready dictionary (round-trips through :meth:`from_dict`)."""
        return {
            "nugget": float(self.nugget),
            "structures": [
                {"kind": s.kind, "sill": float(s.sill), "range_m": float(s.range_m),
                 "range_minor_m": float(s.minor_m), "azimuth_deg": float(s.azimuth_deg)}
                for s in self.structures
            ],
            "convention": "practical ranges in m; azimuth clockwise from north",
        }

    @classmethod
    def from_dict(cls, d: dict) -> VariogramModel:
        """Inverse of :meth:`to_dict`."""
        try:
            structures = tuple(
                Structure(s["kind"], float(s["sill"]), float(s["range_m"]),
                          float(s.get("range_minor_m", s["range_m"])), float(s.get("azimuth_deg", 0.0)))
                for s in d.get("structures", [])
            )
            return cls(float(d.get("nugget", 0.0)), structures)
        except KeyError as exc:
            raise ValueError(f"variogram model dict is missing key {exc}; expected nugget and "
                             "structures=[{kind, sill, range_m, ...}]") from exc

    def to_gstools(self):
        """An equivalent gstools covariance model (a sum model when there are several structures).

        gstools uses ``len_scale`` with ``rescale`` (``cor(r * rescale / len_scale)``) and a rotation
        angle counter-clockwise from the easting axis; we pass ``len_scale = practical range`` and the
        ``rescale`` that makes gstools' correlation equal ours, and ``angle = 90 deg - azimuth``.
        Nested structures become a gstools ``SumModel`` (which requires equal anisotropy and angle).
        """
        import gstools as gs

        if not self.structures:
            raise ValueError("a pure-nugget model has no gstools equivalent; add a structure")
        first = self.structures[0]
        if len(self.structures) > 1 and any(
                s.minor_m / s.range_m != first.minor_m / first.range_m or s.azimuth_deg != first.azimuth_deg
                for s in self.structures[1:]):
            raise ValueError("gstools SumModel needs the same anisotropy ratio and azimuth in every nested "
                             "structure; this model has different ones")
        parts = []
        for s in self.structures:
            kw = dict(dim=2, var=s.sill, len_scale=[s.range_m, s.minor_m],
                      angles=np.deg2rad(90.0 - s.azimuth_deg))
            if s.kind == "spherical":
                parts.append(gs.Spherical(**kw))
            elif s.kind == "exponential":
                parts.append(gs.Exponential(rescale=3.0, **kw))
            else:
                parts.append(gs.Gaussian(rescale=np.sqrt(3.0), **kw))
        if len(parts) == 1:
            parts[0].nugget = self.nugget
            return parts[0]
        return gs.SumModel(*parts, nugget=self.nugget)

    def describe(self) -> str:
        """One-line human description."""
        parts = [f"nugget {self.nugget:.4g}"]
        for s in self.structures:
            aniso = "" if s.minor_m == s.range_m else f"/{s.minor_m:.0f} m az {s.azimuth_deg:.0f}"
            parts.append(f"{s.kind} sill {s.sill:.4g} range {s.range_m:.0f} m{aniso}")
        return " + ".join(parts)
