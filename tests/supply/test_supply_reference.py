"""Reference data, overrides and provenance."""

from __future__ import annotations

import pytest

from reymud.supply import OverrideError, load_reference, reference_in_force
from reymud.supply.reference import load_overrides


def test_japan_demand_is_a_labelled_assumption_summing_to_the_total():
    ref = load_reference()
    jp = ref.series("japan_demand_t")
    assert jp.sum() == pytest.approx(18_835.0)
    proxy = ref.series("global_demand_t")
    assert jp["Dy"] / jp["Nd"] == pytest.approx(proxy["Dy"] / proxy["Nd"])
    assert ref.origin("japan_demand_t", "Nd").startswith("ASSUMPTION")
    assert "PROXY" in ref.origin("global_demand_t", "Nd")


def test_yaml_overrides_replace_single_values_and_record_origin(tmp_path):
    f = tmp_path / "ov.yaml"
    f.write_text("values:\n  japan_demand_t: {Nd: 5000}\n  prices_usd_per_kg: {Nd: 80}\n"
                 "  wgi_score: {China: 6.4}\nsource: my note\n")
    ref = load_reference(f)
    assert ref.series("japan_demand_t")["Nd"] == 5000.0
    assert ref.prices("2025e")["Nd"] == 80.0
    assert ref.prices("2025e")["Dy"] == 239.0  # untouched
    assert ref.origin("japan_demand_t", "Nd") == "override:ov.yaml (my note)"
    assert ref.origin("japan_demand_t", "Dy").startswith("ASSUMPTION")
    shown = reference_in_force(ref)
    row = shown[(shown["item"] == "wgi_score") & (shown["key"] == "China")]
    assert row["value"].iloc[0] == 6.4 and row["origin"].iloc[0].startswith("override:ov.yaml")


def test_csv_overrides_and_table_replacement(tmp_path):
    prices = tmp_path / "prices.csv"
    prices.write_text("# source: my price sheet\nproduct,2025e\nNd2O3 99.5%,99\n")
    f = tmp_path / "ov.csv"
    f.write_text(f"item,key,value,source\ntable,usgs_mcs2026_prices_usd_per_kg,{prices.name},mine\n"
                 "japan_total_demand_t,total,20000,METI\n")
    ref = load_reference(f)
    assert ref.prices("2025e")["Nd"] == 99.0
    assert ref.series("japan_demand_t").sum() == pytest.approx(20_000.0)
    assert "my price sheet" in ref.table("prices").attrs["source"]


def test_default_weights_are_shown_as_equal_weights():
    shown = reference_in_force()
    wgi = shown[shown["item"] == "wgi_score"]
    assert wgi["origin"].str.contains("equal weights").all()


@pytest.mark.parametrize("text, key", [
    ("values:\n  bogus_item: {Nd: 1}\n", "values.bogus_item"),
    ("values:\n  prices_usd_per_kg: {Nd: cheap}\n", "values.prices_usd_per_kg.Nd"),
    ("tables:\n  nope: x.csv\n", "tables.nope"),
    ("colour: red\n", "colour"),
])
def test_bad_override_files_name_file_and_key(tmp_path, text, key):
    f = tmp_path / "bad.yaml"
    f.write_text(text)
    with pytest.raises(OverrideError, match=rf"bad\.yaml: {key}"):
        load_overrides(f)


def test_bad_price_year_is_explained():
    with pytest.raises(ValueError, match="choose from"):
        load_reference().prices("1999")


def test_tables_carry_source_edition_year():
    shown = reference_in_force()
    tables = shown[shown["kind"] == "table"].set_index("item")
    assert tables.at["usgs_mcs2026_prices_usd_per_kg", "edition"] == "USGS MCS 2026"
    assert tables.at["usgs_mcs2026_prices_usd_per_kg", "year"] == "2021-2025e"
    assert (tables["source"].str.len() > 10).all()
    assert tables["origin"].str.startswith("package:").all()
