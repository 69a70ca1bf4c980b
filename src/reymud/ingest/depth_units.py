"""Depth units of sample-depth columns: metres, centimetres or millimetres below seafloor.

A depth column's unit is read from (in order of authority) the mapping file (``units:
{"Top (cm)": cm}``), a units row under the header, and the column name (``Top (cm)``,
``top_cm``, ``Depth CSF-A (m)``). Stated units that disagree, and units that are not a
length below seafloor on the drilling (CSF-A/mbsf) scale, are refused, never ignored. A depth
column stating no unit anywhere is read as metres (the stored unit, ``*_mbsf``).

CSF-A (core depth below seafloor, method A) is IODP's name for the former ``mbsf``; CCSF
(core composite depth below seafloor, the former ``mcd``) is a different scale, stretched
against CSF-A by a site-specific growth factor (IODP Depth scales terminology, 2011), so it is
refused rather than stored as mbsf.
"""

from __future__ import annotations

import re

from reymud.ingest.errors import IngestError

__all__ = ["DEPTH_ROLES", "depth_factor", "depth_unit_key", "is_depth_unit", "split_depth_name"]

#: Roles holding a depth in metres below seafloor (interval offsets in cm are separate roles).
DEPTH_ROLES: tuple[str, ...] = ("top_mbsf", "bottom_mbsf", "depth_mbsf", "section_top_mbsf")
#: Unit key -> metres per unit.
_FACTORS: dict[str, float] = {
    **dict.fromkeys(("m", "mbsf", "m_bsf", "m_csf_a", "mcsf_a", "csf_a", "csf_a_m", "m_csf", "csf", "metres",
                     "meters", "m_csf_a_mbsf"), 1.0),
    **dict.fromkeys(("cm", "cmbsf", "cm_bsf", "cm_csf_a", "cmcsf_a", "centimetres", "centimeters"), 0.01),
    **dict.fromkeys(("mm", "mmbsf", "mm_bsf", "mm_csf_a", "millimetres", "millimeters"), 0.001),
}
_REFUSED: dict[str, str] = {
    **dict.fromkeys(("ccsf", "ccsf_a", "ccsf_m", "m_ccsf", "mccsf", "ccsf_a_m", "m_ccsf_a", "mcd", "rmcd",
                     "m_cd", "ccsf_d", "m_ccsf_d", "cm_ccsf", "cmccsf"),
                    "a composite (CCSF/mcd) depth, which is not the drilling depth below seafloor: give CSF-A "
                    "(mbsf) depths, or convert with the site's growth factor before loading"),
    **dict.fromkeys(("ft", "feet", "fbsf", "ft_bsf", "in", "inch", "inches"),
                    "an imperial length: convert to metres (1 ft = 0.3048 m) before loading"),
    **dict.fromkeys(("mbsl", "m_bsl", "mbmsl", "mbrf", "m_brf", "drf", "mrd"),
                    "a depth below sea level or rig floor, not below seafloor: subtract the water depth "
                    "(or rig-floor offset) first"),
}


def depth_unit_key(unit: str) -> str:
    """Lower-case key of a unit spelling (``"m CSF-A"`` -> ``"m_csf_a"``)."""
    return re.sub(r"[^a-z0-9]+", "_", str(unit).lower()).strip("_")


def is_depth_unit(unit: object) -> bool:
    """Whether ``unit`` is a depth unit spelling that is converted (m, cm, mm and their bsf/CSF-A forms)."""
    return depth_unit_key(str(unit)) in _FACTORS


def split_depth_name(key: str) -> tuple[str, str] | None:
    """Split a column-name key ``top_cm`` / ``depth_cmbsf`` into (stem, unit key) for cm/mm/m units.

    Only units that change the scale (cm, mm and their ``bsf`` forms) or refused scales are split
    off; ``top_m`` is left alone (already a synonym of ``top_mbsf``).
    """
    for unit in sorted((*_FACTORS, *_REFUSED), key=len, reverse=True):
        if key.endswith("_" + unit) and len(key) > len(unit) + 1 and (_FACTORS.get(unit, 1.0) != 1.0
                                                                     or unit in _REFUSED):
            return key[: -len(unit) - 1], unit
    return None


def depth_factor(stated: list[tuple[str, str]], file: str, column: str, row: int) -> float:
    """Metres per unit of one depth column from its stated units.

    Parameters
    ----------
    stated : list of (source, unit text)
        Every unit stated for the column (``"mapping file"``, ``"units row"``, ``"column name"``).
    file, column : str
        For the message.
    row : int
        Header row (for the message).

    Raises
    ------
    IngestError
        A unit that is not a length below seafloor, an unknown unit, or two sources that disagree.
    """
    factors: list[tuple[str, str, float]] = []
    for source, unit in stated:
        key = depth_unit_key(unit)
        if key in _REFUSED:
            raise IngestError(file, f"the depth unit {unit!r} ({source}) is {_REFUSED[key].split(':')[0]}",
                              _REFUSED[key].split(":", 1)[1].strip(), row=row, column=column)
        if key not in _FACTORS:
            raise IngestError(file, f"unknown depth unit {unit!r} ({source})",
                              "write depths in m, cm or mm below seafloor (mbsf, cmbsf, m CSF-A), or set the unit "
                              f"in the mapping file (units: {{'{column}': cm}})", row=row, column=column)
        factors.append((source, unit, _FACTORS[key]))
    if not factors:
        return 1.0
    if factors[0][0] == "mapping file":
        return factors[0][2]
    for source, unit, factor in factors[1:]:
        if factor != factors[0][2]:
            raise IngestError(file, f"the depth unit {factors[0][1]!r} ({factors[0][0]}) contradicts {unit!r} "
                              f"({source})", f"correct one of them, or state the unit in the mapping file (units: "
                              f"{{'{column}': cm}})", row=row, column=column)
    return factors[0][2]
