"""Takaya 2018 slab checks from published inputs only, and the mud's own oxide factor."""

import pandas as pd
import pytest

from reymud.elements import oxide_factors
from reymud.resource.slab import TAKAYA_2018, mud_oxide_factor, published_checks, slab_tonnage


def test_mud_oxide_factor_is_the_measured_pattern_ratio():
    f = oxide_factors()
    samples = pd.DataFrame({"La": [10.0, 30.0], "Y": [20.0, 40.0], "Ce": [0.0, 0.0]})  # means La 20, Y 30
    assert mud_oxide_factor(samples) == pytest.approx((20 * f["La"] + 30 * f["Y"]) / 50)
    blocks = pd.DataFrame({"La_ppm": [20.0], "Y_ppm": [30.0]})
    assert mud_oxide_factor(blocks) == pytest.approx(mud_oxide_factor(samples))
    with pytest.raises(ValueError, match="no REY columns"):
        mud_oxide_factor(pd.DataFrame({"SiO2": [50.0]}))


def test_published_checks_label_every_input():
    mud = {"La": 100.0, "Ce": 60.0, "Nd": 100.0, "Y": 400.0}  # a Y-rich, Ce-poor mud-like pattern
    study, square = published_checks(oxide_factor=mud)
    assert study["inputs"]["grade_ppm"] == (964.0, "published (Takaya et al. 2018): mean total REY")
    assert all("published" in study["inputs"][k][1] for k in ("area_km2", "thickness_m", "grade_ppm"))
    assert study["inputs"]["density_t_m3"][1].startswith("ASSUMPTION")
    assert "TREO/REY" in study["inputs"]["oxide_factor"][1]
    factor = study["oxide_factor"]
    assert study["contained_reo_t"] == pytest.approx(2.5e9 * 10 * 0.55 * 964e-6 * factor)
    assert square["inputs"]["grade_ppm"][1].startswith("BACK-SOLVED")
    assert square["contained_reo_t"] == pytest.approx(TAKAYA_2018["richest_square"]["reo_t"])  # circular
    assert square["inputs"]["grade_ppm"][0] == pytest.approx(1.2e6 / (105e6 * 10 * 0.55 * 1e-6 * factor))


def test_published_checks_without_the_mud_pattern_say_so():
    study, _ = published_checks()
    assert "NOT the mud's own pattern" in study["inputs"]["oxide_factor"][1]
    assert "NOT the mud's own pattern" in slab_tonnage(1, 1, 1000, 0.55)["oxide_factor_basis"]
