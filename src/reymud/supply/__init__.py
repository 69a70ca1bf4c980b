"""Supply security: reference data with overrides, supply-risk indices, years of supply,
export-control status, the lifting-to-oxide production model with economics and Monte Carlo,
export-restriction scenarios and end-use translation. Never imports ``reymud.spatial``.
"""

from reymud.supply.controls import export_control_status
from reymud.supply.coverage import GLOBAL_BASIS, read_resource, takaya2018_check, years_of_supply
from reymud.supply.economics import DEFAULT_UNCERTAINTY, economics, irr, monte_carlo, tornado
from reymud.supply.enduse import enduse_equivalents, enduse_intensities
from reymud.supply.indices import (
    china_share,
    element_production,
    eu_supply_risk,
    geopolrisk,
    hhi,
    supply_indices,
)
from reymud.supply.production import PRESETS, ProductionConfig, preset, production_schedule
from reymud.supply.reference import OverrideError, Reference, load_reference, reference_in_force
from reymud.supply.scenario_config import ScenarioConfig, ScenarioError, example_scenario, load_scenario
from reymud.supply.scenarios import (
    MONTHS_COVERED_DEFINITION,
    ScenarioResult,
    run_scenario,
    scenario_monte_carlo,
    side_by_side,
)
from reymud.supply.summary import supply_table

__all__ = [
    "DEFAULT_UNCERTAINTY",
    "GLOBAL_BASIS",
    "MONTHS_COVERED_DEFINITION",
    "PRESETS",
    "OverrideError",
    "ProductionConfig",
    "Reference",
    "ScenarioConfig",
    "ScenarioError",
    "ScenarioResult",
    "china_share",
    "economics",
    "element_production",
    "enduse_equivalents",
    "enduse_intensities",
    "eu_supply_risk",
    "example_scenario",
    "export_control_status",
    "geopolrisk",
    "hhi",
    "irr",
    "load_reference",
    "load_scenario",
    "monte_carlo",
    "preset",
    "production_schedule",
    "read_resource",
    "reference_in_force",
    "run_scenario",
    "scenario_monte_carlo",
    "side_by_side",
    "supply_indices",
    "supply_table",
    "takaya2018_check",
    "tornado",
    "years_of_supply",
]
