"""Resource stage: tonnage, classification, resource tables by cut-off, grade-tonnage, uncertainty.

Built on the BLOCK MODEL contract (an xarray Dataset from the spatial stage). Stated defaults
(density, cut-offs, classification rules) live in :mod:`reymud.resource.config` and are printed
by ``ResourceConfig().describe()``. The transparent slab method of Takaya et al. (2018) is
:func:`slab_tonnage`.
"""

from reymud.resource.blocks import block_area_m2, blocks_table
from reymud.resource.classify import class_codes, classify_blocks
from reymud.resource.config import (
    CLASSES,
    DEFAULT_DENSITY_T_M3,
    DENSITY_BASIS,
    ClassificationRules,
    DensitySpec,
    ResourceConfig,
)
from reymud.resource.handoff import element_resource, read_element_resource
from reymud.resource.index import GradeTonnageIndex
from reymud.resource.slab import implied_density_t_m3, implied_grade_ppm, mean_oxide_factor, slab_tonnage
from reymud.resource.table import grade_tonnage, resource_table
from reymud.resource.uncertainty import (
    density_factors,
    exceedance_probability,
    realization_totals,
    uncertainty_summary,
)
from reymud.resource.value import block_value_usd_t, default_prices_usd_per_kg

__all__ = [
    "CLASSES",
    "DEFAULT_DENSITY_T_M3",
    "DENSITY_BASIS",
    "ClassificationRules",
    "DensitySpec",
    "GradeTonnageIndex",
    "ResourceConfig",
    "block_area_m2",
    "block_value_usd_t",
    "blocks_table",
    "class_codes",
    "classify_blocks",
    "default_prices_usd_per_kg",
    "density_factors",
    "element_resource",
    "exceedance_probability",
    "grade_tonnage",
    "implied_density_t_m3",
    "implied_grade_ppm",
    "mean_oxide_factor",
    "read_element_resource",
    "realization_totals",
    "resource_table",
    "slab_tonnage",
    "uncertainty_summary",
]
