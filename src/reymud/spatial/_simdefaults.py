"""Judgement defaults of the conditional simulation (:mod:`reymud.spatial.simulate`), in one place.

:class:`SimulationDefaults` is re-exported by :mod:`reymud.spatial.simulate` and :mod:`reymud.spatial`;
it lives here so that the simulation's normal-score recipe (:mod:`reymud.spatial._simscores`) and the
simulation itself share it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reymud.defaults import MAX_SAMPLES
from reymud.spatial._simtrend import TREND_SPACES
from reymud.spatial.neighbourhood import Neighbourhood
from reymud.spatial.nscore import TAIL_DEFAULTS, TailModel

__all__ = ["SIMULATION_DEFAULTS", "SimulationDefaults"]


@dataclass(frozen=True)
class SimulationDefaults:
    """Judgement defaults of the simulation, stated in one place."""

    cholesky_max: int = 3_000  #: cells + data up to which the exact Cholesky field is used
    neighbourhood: Neighbourhood = field(default_factory=lambda: Neighbourhood(max_samples=24, min_samples=1))
    n_workers: int = 2  #: LocalCluster workers (1 thread each) when no client is given
    decluster: bool = True  #: cell-declustering weights for the normal-score transform
    bootstrap: bool = True  #: spatial bootstrap of the declustered histogram, one per realisation
    unit_sill: bool = True  #: rescale the normal-score variogram to total sill 1
    tails: TailModel = TAIL_DEFAULTS  #: back-transform tail models
    trend_slopes: bool = True  #: with a trend: draw its slopes per realisation (reymud.spatial._simtrend)
    #: with a trend: "global" = one OLS surface over the area (TrendSurface, the residual-variogram recipe);
    #: "local" = OLS surface of the ``trend_neighbours`` nearest data at each node (locally varying mean,
    #: closer to the moving-neighbourhood kriging but a narrower band: see benchmarks/README calibration)
    trend_scope: str = "global"
    #: data per local trend fit; simulate_blocks takes the plan's ``max_samples`` (kriging neighbourhood)
    trend_neighbours: int = MAX_SAMPLES
    #: with a trend: fit and simulate it on the values ("linear"), on log(values) ("log", exp back) or
    #: "auto" (linear unless negative on > 1 % of the nodes, then log; by calibration, reymud.spatial._simtrend)
    trend_space: str = "auto"
    batch_size: int = 5  #: realisations per task (fixed: the result does not depend on the workers)
    #: grid cells per conditioning-weight task (fixed: the weights of a slab's targets are solved together,
    #: so a different slab size can change them in the last bits, and the demo's numbers with them)
    weight_slab_cells: int = 32_768

    def __post_init__(self) -> None:
        if self.trend_space not in TREND_SPACES:
            raise ValueError(f"SimulationDefaults.trend_space must be one of {TREND_SPACES}, got {self.trend_space!r}")
        if self.trend_scope not in ("local", "global"):
            raise ValueError(f"SimulationDefaults.trend_scope must be 'local' or 'global', got {self.trend_scope!r}")
        if self.trend_neighbours < 2:
            raise ValueError(f"SimulationDefaults.trend_neighbours must be >= 2, got {self.trend_neighbours!r}")


SIMULATION_DEFAULTS = SimulationDefaults()
