"""The transparent slab method against Takaya et al. 2018 and hand arithmetic."""

import pytest

from reymud.elements import oxide_factors
from reymud.resource import (
    DEFAULT_DENSITY_T_M3,
    implied_density_t_m3,
    implied_grade_ppm,
    mean_oxide_factor,
    slab_tonnage,
)


def test_takaya_2500_km2_gives_16_mt_reo():
    res = slab_tonnage(2500, 10, 964, 0.55, oxide_factor=1.2)
    assert res["area_m2"] == pytest.approx(2.5e9)  # km2 -> m2 x 1e6
    assert res["dry_t"] == pytest.approx(2.5e9 * 10 * 0.55)
    assert res["contained_rey_t"] == pytest.approx(1.375e10 * 964e-6)
    assert res["contained_reo_t"] == pytest.approx(15.906e6, rel=1e-4)
    assert round(res["contained_reo_mt"], 1) == 15.9


def test_default_oxide_factor_is_implied_by_a_stated_pattern():
    res = slab_tonnage(2500, 10, 964, DEFAULT_DENSITY_T_M3)
    assert 1.19 < res["oxide_factor"] < 1.22
    assert "PAAS" in res["oxide_factor_basis"]
    assert res["contained_reo_mt"] == pytest.approx(15.97, abs=0.02)  # "more than 16 Mt" to within 0.2 %


def test_grams_per_cubic_centimetre_equal_tonnes_per_cubic_metre():
    # 0.55 g/cm3 x 1e6 cm3/m3 / 1e6 g/t = 0.55 t/m3: the same number
    g_cm3 = 0.55
    t_m3 = g_cm3 * 1e6 / 1e6
    a = slab_tonnage(1, 1, 1000, t_m3, oxide_factor=1.2)
    assert a["dry_t"] == pytest.approx(0.55e6)  # 1 km2 x 1 m = 1e6 m3
    assert a["contained_rey_t"] == pytest.approx(550.0)  # 1,000 g/t x 0.55e6 t = 550 t
    assert a["contained_reo_t"] == pytest.approx(660.0)


def test_105_km2_square_implies_about_1730_ppm():
    grade = implied_grade_ppm(1.2e6, 105, 10, 0.55, oxide_factor=1.2)
    assert grade == pytest.approx(1.2e6 / (105e6 * 10 * 0.55 * 1e-6 * 1.2))
    assert round(grade) == 1732
    back = slab_tonnage(105, 10, grade, 0.55, oxide_factor=1.2)
    assert back["contained_reo_t"] == pytest.approx(1.2e6)


def test_density_implied_by_published_total_matches_stated_default():
    density = implied_density_t_m3(16e6, 2500, 10, 964, oxide_factor=1.2)
    assert density == pytest.approx(0.5533, abs=1e-3)
    assert 0.54 <= density <= 0.57
    # red clay: grain density 2.5 g/cm3 at 78 % porosity
    assert 2.5 * (1 - 0.78) == pytest.approx(DEFAULT_DENSITY_T_M3)


def test_mean_oxide_factor_of_a_pattern():
    f = oxide_factors()
    assert mean_oxide_factor({"Y": 5.0}) == pytest.approx(f["Y"])
    assert mean_oxide_factor({"La": 1.0, "Y": 3.0}) == pytest.approx((f["La"] + 3 * f["Y"]) / 4)
    res = slab_tonnage(1, 1, 1000, 1.0, oxide_factor={"Y": 1.0})
    assert res["oxide_factor"] == pytest.approx(f["Y"])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((-1, 10, 964, 0.55), "area_km2"),
        ((2500, 10, 964, 550.0), "kg/m3"),
        ((2500, float("nan"), 964, 0.55), "thickness_m"),
    ],
)
def test_bad_input_names_the_argument(args, match):
    with pytest.raises(ValueError, match=match):
        slab_tonnage(*args)


def test_bad_pattern_and_factor():
    with pytest.raises(ValueError, match="unknown REY pattern"):
        mean_oxide_factor("NoSuchSet")
    with pytest.raises(ValueError, match="oxide factor"):
        mean_oxide_factor({"Xx": 1.0})
    with pytest.raises(ValueError, match=r"1\.13"):
        slab_tonnage(1, 1, 1, 1, oxide_factor=12.0)
