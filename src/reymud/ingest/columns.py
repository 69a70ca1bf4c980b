"""Column recognition: which column of a lab table is which role or analyte (and in what unit).

A column name is first matched against the role synonyms below (case, spaces, underscores and
punctuation ignored), then read as ``<analyte><separator><unit>`` where the separator is a
space, ``_`` or brackets: ``La``, ``La_ppm``, ``La (ppm)``, ``La [mg/kg]``, ``La ppb``,
``La2O3 (wt%)``. Anything else is *unrecognised*: listed in the import report, never guessed.
A mapping file (:class:`reymud.ingest.IngestMapping`) resolves what this cannot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reymud.ingest.depth_units import DEPTH_ROLES, split_depth_name
from reymud.ingest.units import UNITS_PER_PPM, normalise_unit, parse_analyte

__all__ = ["ROLES", "ColumnSpec", "name_key", "recognise_column", "split_name"]

_SYNONYMS: dict[str, tuple[str, ...]] = {
    "sample_id": ("sample_id", "sample", "sample_name", "sample_no", "sampleid", "sample_number", "id", "label",
                  "label_id", "label_identifier", "text_id", "sample_label", "specimen", "sample_code"),
    "core_id": ("core_id", "core", "coreid", "core_name", "station", "station_id", "core_no", "site_core"),
    "top_mbsf": ("top_mbsf", "top", "top_m", "top_depth", "top_depth_m", "top_depth_mbsf", "depth_top",
                 "depth_top_m", "depth_top_mbsf", "top_depth_csf_a_m", "top_depth_csf_a", "top_depth_m_csf_a",
                 "top_depth_csf_b_m", "from", "from_m", "from_mbsf", "depth_from_m", "upper_depth_m"),
    "bottom_mbsf": ("bottom_mbsf", "bottom", "bottom_m", "bot", "bot_m", "base", "base_m", "base_mbsf",
                    "bottom_depth", "bottom_depth_m", "bottom_depth_mbsf", "depth_bottom", "depth_bottom_m",
                    "depth_bottom_mbsf", "depth_base_m", "bottom_depth_csf_a_m", "bottom_depth_csf_a",
                    "bottom_depth_m_csf_a", "bottom_depth_csf_b_m", "to", "to_m", "to_mbsf", "depth_to_m",
                    "lower_depth_m"),
    "depth_mbsf": ("depth", "depth_m", "depth_mbsf", "mbsf", "depth_csf_a_m", "depth_csf_a", "depth_m_csf_a",
                   "sample_depth_m", "mid_depth_m", "midpoint_depth_m", "depth_below_seafloor_m"),
    "section_top_mbsf": ("section_top_depth_csf_a_m", "section_top_mbsf", "section_top_depth_m",
                         "section_top_depth_csf_a"),
    "interval_top_cm": ("top_offset_on_section_cm", "offset_on_section_cm", "top_offset_cm", "interval_top_cm"),
    "interval_bottom_cm": ("bottom_offset_on_section_cm", "bottom_offset_cm", "interval_bottom_cm"),
    "sample_type": ("sample_type", "type", "qc_type", "qc", "sampletype", "sample_kind"),
    "reference": ("reference", "crm", "crm_name", "parent", "parent_sample", "parent_id", "parent_sample_id",
                  "duplicate_of", "reference_material", "standard", "qc_reference"),
    "lab": ("lab", "laboratory", "lab_name"),
    "method": ("method", "technique", "analytical_method", "instrument"),
    "cruise": ("cruise", "expedition", "exp", "leg", "voyage", "cruise_id"),
    "site": ("site", "site_id"),
    "hole": ("hole", "hole_id"),
    "latitude": ("latitude", "lat", "lat_deg", "latitude_deg", "latitude_n", "latitude_deg_n", "lat_dd",
                 "latitude_dd", "latitude_decimal", "latitude_degrees"),
    "longitude": ("longitude", "lon", "long", "lng", "lon_deg", "longitude_deg", "longitude_e",
                  "longitude_deg_e", "lon_dd", "longitude_dd", "longitude_decimal", "longitude_degrees"),
    "water_depth_m": ("water_depth_m", "water_depth", "waterdepth", "water_depth_mbsl", "depth_water_m", "wd_m",
                      "water_depth_metres", "water_depth_meters"),
    "core_length_m": ("core_length_m", "core_length", "length_m", "recovered_length_m", "core_length_metres"),
    "recovery": ("recovery", "recovery_pct", "recovery_%", "recovery_fraction", "core_recovery"),
    # measured dry bulk density of a sample, g/cm3 == t/m3 (stored as the pseudo-analyte dry_density_g_cm3)
    "dry_density_g_cm3": ("dry_density_g_cm3", "dry_bulk_density_g_cm3", "dry_density", "dry_bulk_density",
                          "dry_bulk_density_t_m3", "dry_density_t_m3", "dbd_g_cm3", "density_dry_g_cm3",
                          "bulk_density_dry_g_cm3", "dry_density_g_cc"),
    "analyte_name": ("analyte", "element", "parameter", "determinand", "analyte_name", "component", "oxide"),
    "value": ("value", "result", "concentration", "conc", "reported_value", "result_value"),
    "unit": ("unit", "units", "uom", "unit_of_measure"),
    "detection_limit": ("detection_limit", "dl", "lod", "lld", "mdl", "limit_of_detection", "reporting_limit",
                        "detection_limit_value", "d_l"),
}
#: Every role a column can play (besides ``analyte``); also the role names a mapping file may use.
ROLES: tuple[str, ...] = (*_SYNONYMS, "ignore")
_ROLE_BY_KEY = {key: role for role, keys in _SYNONYMS.items() for key in keys}
#: Lab bookkeeping columns that carry a concentration unit but are not an element or oxide.
_BOOKKEEPING = frozenset({"loi", "total", "sum", "totals", "lol"})
_SPLIT_RE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9]*(?:\((?:T|t)\)|\*)?)(.*)$")


def name_key(name: str) -> str:
    """Lower-case key with runs of spaces/punctuation collapsed to ``_`` (``"Top depth CSF-A (m)"``
    -> ``"top_depth_csf_a_m"``)."""
    return re.sub(r"[^a-z0-9%]+", "_", str(name).lower()).strip("_")


def split_name(name: str) -> tuple[str, str | None] | None:
    """Split ``"La (ppm)"``/``"La_ppm"``/``"La [mg/kg]"``/``"La ppb"`` into (token, unit text or None)."""
    match = _SPLIT_RE.match(str(name))
    if not match:
        return None
    token, rest = match.group(1), match.group(2).strip()
    rest = rest.lstrip("_-:, ").strip()
    if rest[:1] in "([{" and rest[-1:] in ")]}":
        rest = rest[1:-1].strip()
    return token, (rest or None)


@dataclass(frozen=True)
class ColumnSpec:
    """What one column means.

    Attributes
    ----------
    name : str
        The column name as written.
    role : str
        A role of :data:`ROLES`, ``"analyte"`` or ``"unrecognised"``.
    analyte : tuple or None
        Parsed analyte (see :func:`reymud.ingest.units.parse_analyte`) for analyte columns.
    unit_text : str or None
        The unit as written in the name (analyte columns).
    unit : str or None
        Normalised unit key, None when absent or unknown.
    problem : str or None
        ``"unknown_unit"`` or ``"not_analyte"`` when the column looks like a concentration but cannot
        be read (the caller turns this into an error).
    """

    name: str
    role: str
    analyte: tuple[str, str, int, int] | None = None
    unit_text: str | None = None
    unit: str | None = None
    problem: str | None = None


def recognise_column(name: str) -> ColumnSpec:
    """Recognise one column name (no mapping file applied)."""
    name = str(name)
    role = _ROLE_BY_KEY.get(name_key(name))
    if role is not None:
        return ColumnSpec(name, role)
    depth = split_depth_name(name_key(name))
    if depth is not None:
        stem_role = _ROLE_BY_KEY.get(depth[0]) or _ROLE_BY_KEY.get(depth[0] + "_m")
        if stem_role in DEPTH_ROLES:
            return ColumnSpec(name, stem_role, unit_text=depth[1])
    parts = split_name(name)
    if parts is None:
        return ColumnSpec(name, "unrecognised")
    token, unit_text = parts
    unit = normalise_unit(unit_text)
    analyte = parse_analyte(token, case_insensitive=unit is not None)
    if analyte is not None:
        problem = "unknown_unit" if unit_text is not None and unit is None else None
        return ColumnSpec(name, "analyte", analyte, unit_text, unit, problem)
    if unit is not None and token.lower() not in _BOOKKEEPING:
        return ColumnSpec(name, "unrecognised", None, unit_text, unit, "not_analyte")
    return ColumnSpec(name, "unrecognised")


def known_units() -> str:
    """The unit spellings understood, for error messages."""
    return ", ".join(sorted(UNITS_PER_PPM))
