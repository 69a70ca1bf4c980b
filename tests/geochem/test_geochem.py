"""Geochemistry against hand-computed values."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from reymud import geochem
from reymud.elements import REY
from reymud.geochem import GeochemConfig, Thresholds

PAAS = {"La": 38, "Ce": 80, "Pr": 8.9, "Nd": 32, "Sm": 5.6, "Eu": 1.1, "Gd": 4.7, "Tb": 0.77, "Dy": 4.4,
        "Ho": 1.0, "Er": 2.9, "Tm": 0.40, "Yb": 2.8, "Lu": 0.43, "Y": 27}


@pytest.fixture
def two():
    # sample 0: every element 1..15 ppm in REY order; sample 1: every element 10 ppm
    return pd.DataFrame([np.arange(1.0, 16.0), np.full(15, 10.0)], columns=list(REY), index=["a", "b"])


def test_totals_by_hand(two):
    assert geochem.total_rey(two).tolist() == [120.0, 150.0]
    assert geochem.total_rey(two, include_ce=False).tolist() == [118.0, 140.0]
    assert geochem.total_rey(two).name == "total_rey_ppm"
    # takaya2018: LREE La-Sm = 1..5, HREE Eu-Lu = 6..14, Y apart
    assert geochem.lree(two).tolist() == [15.0, 50.0]
    assert geochem.hree(two).tolist() == [sum(range(6, 15)), 90.0]
    # gd_lu_y: HREE Gd-Lu (7..14) + Y (15); LREE La-Eu (1..6)
    assert geochem.hree(two, "gd_lu_y").tolist() == [sum(range(7, 16)), 90.0]
    assert geochem.lree(two, "gd_lu_y").tolist() == [21.0, 60.0]


def test_oxides_by_hand(two):
    ox = geochem.to_oxides(two)
    assert ox.loc["b", "La2O3"] == pytest.approx(11.728)
    assert ox.loc["b", "CeO2"] == pytest.approx(12.284)
    assert ox.loc["b", "Pr6O11"] == pytest.approx(12.082)
    assert ox.loc["b", "Y2O3"] == pytest.approx(12.699)
    assert geochem.treo(two)["b"] == pytest.approx(ox.loc["b"].sum())
    assert geochem.treo(two)["a"] == pytest.approx(1 * 1.1728 + 2 * 1.2284 + 15 * 1.2699 + ox.loc["a"].iloc[2:14].sum())


def test_normalise_by_hand(two):
    ci = geochem.normalise(two, "CI_McDonoughSun1995")
    assert ci.loc["b", "La"] == pytest.approx(10 / 0.237)
    assert ci.loc["a", "Y"] == pytest.approx(15 / 1.57)
    assert ci.attrs["reference"] == "CI_McDonoughSun1995"
    paas = geochem.normalise(two, "PAAS_TM1985")  # pyrolite alias
    assert paas.loc["b", "Lu"] == pytest.approx(10 / 0.43)
    pourmand = geochem.normalise(two, "PAAS_Pourmand2012")
    assert pourmand.loc["a", "Y"] == pytest.approx(15 / 27.31)  # Pourmand et al. 2012 PAAS Y
    no_y = geochem.normalise(two, "CIvf_TaylorMcLennan1985")  # Taylor & McLennan 1985 give no Y
    assert np.isnan(no_y["Y"]).all()
    assert any("Y" in note for note in no_y.attrs["notes"])
    own = geochem.normalise(two, {el: 2.0 for el in REY})
    assert own.loc["b"].tolist() == [5.0] * 15


def _pattern(ratios):
    return pd.DataFrame([{el: ratios.get(el, 1.0) * PAAS[el] for el in REY}])


def test_ce_anomaly_formulas_by_hand():
    df = _pattern({"La": 1.0, "Ce": 0.5, "Pr": 2.0, "Nd": 4.0})
    assert geochem.ce_anomaly(df, method="geometric")[0] == pytest.approx(0.5 / np.sqrt(2.0))
    assert geochem.ce_anomaly(df, method="arithmetic")[0] == pytest.approx(2 * 0.5 / 3.0)
    assert geochem.ce_anomaly(df, method="lawrence2006")[0] == pytest.approx(0.5 / (2.0**2 / 4.0))


def test_eu_anomaly_formulas_by_hand():
    df = _pattern({"Sm": 1.0, "Eu": 2.0, "Gd": 4.0, "Tb": 27.0})
    assert geochem.eu_anomaly(df, method="geometric")[0] == pytest.approx(1.0)
    assert geochem.eu_anomaly(df, method="arithmetic")[0] == pytest.approx(0.8)
    assert geochem.eu_anomaly(df, method="lawrence2006")[0] == pytest.approx(2.0 / 3.0)
    with pytest.raises(ValueError, match="unknown anomaly method"):
        geochem.eu_anomaly(df, method="harmonic")


def test_y_ho_mass_ratio():
    df = pd.DataFrame({"Y": [56.0, 1.0], "Ho": [2.0, 0.0]})
    out = geochem.y_ho(df)
    assert out[0] == 28.0 and np.isnan(out[1])


def test_classify_boundaries_and_custom_thresholds():
    out = geochem.classify(pd.Series([0, 399.99, 400, 1999, 2000, 4999, 5000, np.nan]))
    assert out.astype(object).tolist()[:7] == ["below", "below", "rey_rich", "rey_rich", "highly_rey_rich",
                                                "highly_rey_rich", "extremely_rey_rich"]
    assert pd.isna(out.iloc[7])
    assert out.cat.ordered
    custom = geochem.classify(np.array([350.0, 1000.0]), Thresholds(300, 1000, 3000))
    assert custom.astype(str).tolist() == ["rey_rich", "highly_rey_rich"]
    with pytest.raises(ValueError, match="strictly increasing"):
        Thresholds(400, 300, 5000)


def test_nan_and_absent_elements_propagate_with_note(two):
    df = two.copy()
    df.loc["a", "Tm"] = np.nan
    total = geochem.total_rey(df)
    assert np.isnan(total["a"]) and total["b"] == 150.0
    assert any("Tm" in note for note in total.attrs["notes"])
    absent = geochem.total_rey(two.drop(columns="Lu"))
    assert absent.isna().all()
    assert any("Lu" in note and "absent" in note for note in absent.attrs["notes"])
    # Ce/Ce* does not need Lu: still computed
    assert geochem.ce_anomaly(two.drop(columns="Lu")).notna().all()


def test_bad_input_raises_clear_errors(two):
    bad = two.copy()
    bad.loc["a", "La"] = -1.0
    with pytest.raises(ValueError, match="negative concentrations"):
        geochem.total_rey(bad)
    with pytest.raises(ValueError, match="unknown reference composition"):
        geochem.normalise(two, "NASC")
    with pytest.raises(ValueError, match="unknown HREE convention"):
        geochem.hree(two, "la_lu")
    with pytest.raises(ValueError, match="must be numeric"):
        geochem.total_rey(two.astype({"La": str}).assign(La="<0.05"))


def test_summarise_matches_functions_and_keeps_input(two):
    df = two.assign(sample_id=["s1", "s2"])
    df.attrs["censored_policy"] = "half_limit"
    out = geochem.summarise(df)
    assert list(out.columns[-9:]) == list(geochem.SUMMARY_COLUMNS)
    assert "sample_id" in out.columns and "total_rey_ppm" not in df.columns
    pd.testing.assert_series_equal(out["total_rey_ppm"], geochem.total_rey(df), check_names=False)
    pd.testing.assert_series_equal(out["hree_ppm"], geochem.hree(df), check_names=False)
    pd.testing.assert_series_equal(out["ce_anomaly"], geochem.ce_anomaly(df), check_names=False)
    pd.testing.assert_series_equal(out["eu_anomaly"], geochem.eu_anomaly(df), check_names=False)
    pd.testing.assert_series_equal(out["treo_ppm"], geochem.treo(df), check_names=False)
    assert out["rey_class"].astype(str).tolist() == ["below", "below"]
    assert any("half_limit" in n for n in out.attrs["notes"])
    cfg = GeochemConfig(hree_convention="gd_lu_y", ce_method="lawrence2006",
                        thresholds=Thresholds(100, 140, 1000), class_include_ce=False)
    out2 = geochem.summarise(df, cfg)
    assert out2["hree_ppm"].tolist() == geochem.hree(df, "gd_lu_y").tolist()
    # class on total without Ce: 118 -> rey_rich, 140 -> highly (inclusive)
    assert out2["rey_class"].astype(str).tolist() == ["rey_rich", "highly_rey_rich"]
    assert out2.attrs["geochem_config"]["ce_method"] == "lawrence2006"


def test_accessor_is_thin_wrapper(two):
    assert two.rey.total().tolist() == [120.0, 150.0]
    pd.testing.assert_frame_equal(two.rey.normalise("PAAS_TaylorMcLennan1985"),
                                  geochem.normalise(two, "PAAS_TaylorMcLennan1985"))
    assert two.rey.classify().astype(str).tolist() == ["below", "below"]
    assert "rey_class" in two.rey.summarise().columns


def test_element_ppm_suffix_columns_accepted(two):
    renamed = two.rename(columns={el: f"{el}_ppm" for el in REY})
    assert geochem.total_rey(renamed).tolist() == [120.0, 150.0]


def test_config_is_frozen_and_describes_every_default():
    cfg = GeochemConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.reference = "CI_McDonoughSun1995"
    text = cfg.describe()
    for f in dataclasses.fields(GeochemConfig):
        assert f.name in text
    assert "400" in text and "2000" in text and "5000" in text and "takaya2018" in text
    changed = GeochemConfig(reference="CI_McDonoughSun1995").describe()
    assert "default 'PAAS_TaylorMcLennan1985'" in changed
    with pytest.raises(ValueError, match="unknown ce_method"):
        GeochemConfig(ce_method="x")


def test_summarise_nan_rows_only_affect_sums_that_need_the_element(two):
    df = two.copy()
    df.loc["a", "Ce"] = np.nan
    out = geochem.summarise(df)
    assert np.isnan(out.loc["a", "total_rey_ppm"]) and np.isnan(out.loc["a", "treo_ppm"])
    assert np.isnan(out.loc["a", "lree_ppm"]) and np.isnan(out.loc["a", "ce_anomaly"])
    assert out.loc["a", "total_rey_no_ce_ppm"] == 118.0 and out.loc["a", "hree_ppm"] == sum(range(6, 15))
    assert out.loc["b", "total_rey_ppm"] == 150.0
    assert pd.isna(out.loc["a", "rey_class"]) and out.loc["b", "rey_class"] == "below"
    assert any("Ce: 1 NaN" in note for note in out.attrs["notes"])
