"""Plausibility bounds: values that parse but cannot be right are refused, not stored.

Every bound is a stated, overridable default (``bounds:`` in the mapping YAML). They are
physical limits or labelled assumptions, not statistics of any data set:

- a concentration cannot exceed 1,000,000 ppm (100 %; definition of ppm by mass);
- the major-element oxides of one sample add up to about 100 wt %; analytical totals of good
  XRF/ICP analyses are usually 98-101 % (loss on ignition included). ``max_major_sum_wt_pct``
  = 105 is an *assumption* (a margin for volatile-free/LOI-inclusive reporting), overridable;
- a sample lies within its core: bottom depth <= core length + ``depth_tolerance_m``
  (assumption: 0.5 m, for expansion/curated-length differences; overridable);
- an interval given by top and bottom has positive thickness; a core length is > 0;
- water depth is 0-11,000 m (the deepest point of the ocean, Challenger Deep, is about 10,925 m:
  Stewart & Jamieson 2019, Earth-Science Reviews 197, "The five deeps"; rounded up).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["PlausibilityBounds"]


@dataclass(frozen=True)
class PlausibilityBounds:
    """Stated limits beyond which a value is refused (override any of them in the mapping YAML).

    Attributes
    ----------
    max_concentration_ppm : float
        Largest concentration of one analyte (ppm; 1e6 ppm = 100 %).
    max_major_sum_wt_pct : float
        Largest sum of the oxide (wt %) values of one sample.
    depth_tolerance_m : float
        How far a sample's bottom depth may lie below the core's stated length (m).
    allow_zero_thickness : bool
        Accept intervals with top == bottom when both columns are given (a point sample
        written as an interval). Off by default: ``30-30`` is usually a typing error.
    water_depth_range_m : tuple of float
        Accepted water depths (m).
    """

    max_concentration_ppm: float = 1e6
    max_major_sum_wt_pct: float = 105.0
    depth_tolerance_m: float = 0.5
    allow_zero_thickness: bool = False
    water_depth_range_m: tuple[float, float] = (0.0, 11000.0)

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | PlausibilityBounds | None) -> PlausibilityBounds:
        """Build from the ``bounds:`` section of a mapping file (unknown keys are a ValueError)."""
        if values is None:
            return cls()
        if isinstance(values, PlausibilityBounds):
            return values
        if not isinstance(values, Mapping):
            raise ValueError("'bounds' must be a mapping of bound names to numbers")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown bound(s) {unknown}; known: {', '.join(sorted(known))}")
        out = dict(values)
        if "water_depth_range_m" in out:
            out["water_depth_range_m"] = tuple(float(v) for v in out["water_depth_range_m"])
        for key in ("max_concentration_ppm", "max_major_sum_wt_pct", "depth_tolerance_m"):
            if key in out:
                out[key] = float(out[key])
        if "allow_zero_thickness" in out:
            out["allow_zero_thickness"] = bool(out["allow_zero_thickness"])
        return cls(**out)
