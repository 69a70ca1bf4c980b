"""One home for the defaults shared by several parts of reymud.

Each value is a judgement default, not a measured figure; where a value comes from the
literature the source is named. Override them per run through an
:class:`reymud.spatial.plan.EstimationPlan` (``--plan plan.yaml``) or the command's options;
never edit them to change one run.
"""

from __future__ import annotations

__all__ = [
    "ARTIFACT_BLOCK_MODEL_2D",
    "ARTIFACT_BLOCK_MODEL_3D",
    "ARTIFACT_REALIZATIONS",
    "ARTIFACT_RESULTS_JSON",
    "BLOCK_DISCRETISATION",
    "CELL_M",
    "CLASSES",
    "CUTOFFS_PPM",
    "MARGIN_M",
    "MAX_SAMPLES",
    "MIN_SAMPLES",
    "N_LAGS",
    "N_REALIZATIONS",
    "PRICE_YEAR",
    "REY_THRESHOLD_PPM",
    "SEED",
    "WINDOW_MBSF",
]

#: Master random seed (simulation, demo survey); same seed and inputs give the same numbers.
SEED: int = 20260202

#: Depth window in metres below seafloor (Takaya et al. 2018 reported 0-10 mbsf).
WINDOW_MBSF: tuple[float, float] = (0.0, 10.0)

#: Total REY at or above which mud counts as REY-rich (Kato et al. 2011: 400 ppm).
REY_THRESHOLD_PPM: float = 400.0

#: Cut-offs of the resource statement, total REY ppm: 400 = REY-rich mud (Kato et al. 2011),
#: 2,000 = highly REY-rich (Iijima et al. 2016); 1,000 is an intermediate reporting step (ASSUMPTION).
CUTOFFS_PPM: tuple[float, ...] = (400.0, 1000.0, 2000.0)

#: Block (cell) size, metres (ASSUMPTION: keeps the demo grid near 50,000 cells).
CELL_M: float = 250.0

#: Grid margin around the outermost cores when no area of interest is given, metres (ASSUMPTION).
MARGIN_M: float = 2_000.0

#: Points per block for block kriging (easting, northing) (ASSUMPTION: 2x2 keeps the demo fast;
#: with 5-10 km core spacing and 250 m blocks the block variance barely changes with finer grids).
BLOCK_DISCRETISATION: tuple[int, int] = (2, 2)

#: Kriging neighbourhood: most and fewest cores per block (ASSUMPTION).
MAX_SAMPLES: int = 16
MIN_SAMPLES: int = 3

#: Experimental variogram lag classes (ASSUMPTION).
N_LAGS: int = 12

#: Conditional simulation realisations (ASSUMPTION: enough for stable P10/P90 on the demo).
N_REALIZATIONS: int = 100

#: Resource classes in reporting order (CRIRSCO / JORC), then blocks that are not a resource. Shared
#: vocabulary of the resource stage (which assigns them) and of the exports and pages that show them.
CLASSES: tuple[str, ...] = ("measured", "indicated", "inferred", "unclassified")

#: USGS Mineral Commodity Summaries 2026 price column used for value (2025 estimate).
PRICE_YEAR: str = "2025e"

#: Artefact file names inside ``<project>.files/``.
ARTIFACT_BLOCK_MODEL_2D: str = "block_model_2d.nc"
ARTIFACT_BLOCK_MODEL_3D: str = "block_model_3d.nc"
ARTIFACT_REALIZATIONS: str = "realizations.nc"
ARTIFACT_RESULTS_JSON: str = "results.json"

#: Default dry bulk density of REY-rich red clay (t/m3 == g/cm3); its basis is
#: ``reymud.resource.config.DENSITY_BASIS``. One home: the resource stage and the 3-D slice
#: reconciliation (spatial, an earlier stage) both read it here.
DENSITY_T_M3: float = 0.55
