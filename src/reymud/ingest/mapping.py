"""The mapping file (YAML) for what automatic recognition cannot resolve, and every ingest default.

Example ``mapping.yaml``::

    sheet: Assays                 # Excel sheet name (default: every sheet, layout detected per sheet)
    core_id_from_sheet: true      # one sheet per core: core_id = sheet name
    require_position: true        # refuse samples of cores without a collar (default: stored, no position)
    encoding: cp1252              # text encoding (default: UTF-8)
    columns:                      # column name as written -> role, analyte or ignore
      "Sample No.": sample_id
      "Hole": core_id
      "Depth (m)": depth_mbsf
      "Lanthanum": {analyte: La, unit: ppm}
      "Comments": ignore
    units:                        # unit of a column (or of an analyte) whose header has none
      "La": ppm
      "Depth (m)": cm             # depth columns: m, cm, mm (mbsf, cmbsf, m CSF-A); CCSF/mcd refused
    default_unit: ppm             # unit of every analyte column that states none
    point_half_thickness_m: 0.01  # single-depth samples span depth +- this (default: a point)
    negative_means_below_detection: false
    sample_types: {STD: crm, REP: duplicate}
    bounds:                       # plausibility bounds (see reymud.ingest.bounds)
      max_concentration_ppm: 1000000
      max_major_sum_wt_pct: 105

Roles are those of :data:`reymud.ingest.columns.ROLES`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from reymud.ingest.bounds import PlausibilityBounds
from reymud.ingest.columns import ROLES
from reymud.ingest.depth_units import is_depth_unit
from reymud.ingest.errors import IngestError
from reymud.ingest.units import normalise_unit, parse_analyte

__all__ = ["SAMPLE_TYPE_SPELLINGS", "IngestMapping"]

#: Built-in sample-type spellings (lower case) -> canonical type.
SAMPLE_TYPE_SPELLINGS: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("sample", "smp", "unknown", "core", "core sample", "s", ""), "sample"),
    **dict.fromkeys(("crm", "srm", "rm", "std", "standard", "reference material", "certified reference material",
                     "reference"), "crm"),
    **dict.fromkeys(("duplicate", "dup", "replicate", "rep", "field duplicate", "lab duplicate", "repeat"),
                    "duplicate"),
    **dict.fromkeys(("blank", "blk", "procedural blank", "method blank", "reagent blank"), "blank"),
})


@dataclass(frozen=True)
class IngestMapping:
    """User choices for reading lab files; every judgement default lives here.

    Attributes
    ----------
    columns : mapping
        Column name -> role (see ``ROLES``), ``"ignore"``, or ``{"analyte": .., "unit": ..}``.
    units : mapping
        Column name or analyte -> unit, for analyte columns whose header states none (or to override it).
    default_unit : str or None
        Unit for analyte columns with no unit anywhere. None: such a column is an error.
    sheet : str, int or None
        Excel sheet.
    encoding : str or None
        Text encoding (None: UTF-8).
    point_half_thickness_m : float or None
        Single-depth samples get ``top = depth - h``, ``bottom = depth + h`` (m, top clipped at 0);
        None keeps them as points (top = bottom = depth).
    negative_means_below_detection : bool
        Read negative numbers as ``<|x|``.
    sample_types : mapping
        Extra sample-type spellings -> ``sample|crm|duplicate|blank``.
    latitude_range_deg, longitude_range_deg : tuple of float
        Accepted coordinate ranges (degrees; longitude may be given 0-360).
    bounds : PlausibilityBounds
        Plausibility bounds (concentration, sum of majors, depth in core, water depth).
    core_id_from_sheet : bool
        Workbooks with one sheet per core: a sheet without a core column gets ``core_id`` = its name.
    require_position : bool
        Refuse samples whose core has no collar (latitude/longitude). Off by default: such cores are
        stored with ``position_status = "none"`` (geochemistry, layers and composites work; the spatial
        stage leaves them out) and named in the report; a later collar file gives them their position.
    """

    columns: Mapping[str, Any] = field(default_factory=dict)
    units: Mapping[str, str] = field(default_factory=dict)
    default_unit: str | None = None
    sheet: str | int | None = None
    encoding: str | None = None
    point_half_thickness_m: float | None = None
    negative_means_below_detection: bool = False
    sample_types: Mapping[str, str] = field(default_factory=dict)
    latitude_range_deg: tuple[float, float] = (-90.0, 90.0)
    longitude_range_deg: tuple[float, float] = (-180.0, 360.0)
    bounds: PlausibilityBounds = field(default_factory=PlausibilityBounds)
    core_id_from_sheet: bool = False
    require_position: bool = False

    @classmethod
    def load(cls, source: str | Path | Mapping[str, Any] | IngestMapping | None) -> IngestMapping:
        """Build from a YAML file, a dict, an existing mapping or None (all defaults)."""
        if source is None:
            return cls()
        if isinstance(source, IngestMapping):
            return source
        name = "mapping"
        if isinstance(source, (str, Path)):
            path = Path(source)
            name = path.name
            try:
                loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            except (OSError, yaml.YAMLError, UnicodeDecodeError) as exc:
                raise IngestError(name, f"cannot read the mapping file ({str(exc).splitlines()[0]})",
                                  "write it as UTF-8 YAML (see reymud.ingest.mapping for an example)") from None
            source = loaded
        if not isinstance(source, Mapping):
            raise IngestError(name, "the mapping must be a YAML mapping of keys to values",
                              "see reymud.ingest.mapping for an example")
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(source) - known)
        if unknown:
            raise IngestError(name, f"unknown mapping key(s) {unknown}", f"use only: {', '.join(sorted(known))}")
        values = dict(source)
        for key in ("latitude_range_deg", "longitude_range_deg"):
            if key in values:
                values[key] = tuple(float(v) for v in values[key])
        if "bounds" in values:
            try:
                values["bounds"] = PlausibilityBounds.from_mapping(values["bounds"])
            except (TypeError, ValueError) as exc:
                raise IngestError(name, f"bad 'bounds' section ({exc})",
                                  "see reymud.ingest.bounds for the bound names and defaults") from None
        mapping = cls(**values)
        mapping._check(name)
        return mapping

    def _check(self, name: str) -> None:
        for column, target in self.columns.items():
            if isinstance(target, str):
                if target not in ROLES:
                    raise IngestError(name, f"column {column!r} is mapped to {target!r}, which is not a role",
                                      f"use one of {', '.join(ROLES)} or {{analyte: La, unit: ppm}}")
            elif isinstance(target, Mapping):
                if parse_analyte(str(target.get("analyte", ""))) is None:
                    raise IngestError(name, f"column {column!r}: analyte {target.get('analyte')!r} is not an "
                                      "element symbol or oxide formula", "write e.g. {analyte: La, unit: ppm}")
                if "unit" in target and normalise_unit(target["unit"]) is None:
                    raise IngestError(name, f"column {column!r}: unknown unit {target['unit']!r}",
                                      "use ppm, ppb, mg/kg, ug/g, wt% or %")
            else:
                raise IngestError(name, f"column {column!r}: mapping value must be a role or "
                                  "{analyte: .., unit: ..}", "see reymud.ingest.mapping for an example")
        for key, unit in {**self.units, "default_unit": self.default_unit or "ppm"}.items():
            if normalise_unit(unit) is None and not (key != "default_unit" and is_depth_unit(unit)):
                raise IngestError(name, f"unit {unit!r} given for {key!r} is not known",
                                  "use ppm, ppb, mg/kg, ug/g, g/t, wt% or % (depth columns: m, cm, mm, mbsf, "
                                  "cmbsf, m CSF-A)")
        for key, value in self.sample_types.items():
            if value not in ("sample", "crm", "duplicate", "blank"):
                raise IngestError(name, f"sample_types maps {key!r} to {value!r}",
                                  "map spellings to sample, crm, duplicate or blank")

    def sample_type_spellings(self) -> dict[str, str]:
        """Built-in plus user spellings (lower case) -> canonical sample type."""
        return {**SAMPLE_TYPE_SPELLINGS, **{str(k).strip().lower(): v for k, v in self.sample_types.items()}}

    def to_json(self) -> str:
        """The mapping as JSON (stored in the import log)."""
        return json.dumps({k: (dict(v) if isinstance(v, Mapping) else v) for k, v in asdict(self).items()},
                          default=str, sort_keys=True)
