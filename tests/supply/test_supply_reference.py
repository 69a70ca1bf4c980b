"""Reference data, overrides and provenance."""

from __future__ import annotations

import pytest

from reymud.supply import OverrideError, load_reference, reference_in_force
from reymud.supply.reference import load_overrides


def test_japan_demand_sector_basis_sums_to_the_total():
    ref = load_reference()
    jp = ref.series("japan_demand_t")
    assert jp.sum() == pytest.approx(18_835.0)
    # magnets by hand: 12,400 t NdFeB alloy x 2 % Dy x Dy2O3/Dy 1.1477; Nd = 12,400 x 29 % x 3/4 x 1.1664
    assert jp["Dy"] == pytest.approx(12_400 * 0.02 * 1.1477)
    assert jp["Nd"] == pytest.approx(12_400 * 0.29 * 0.75 * 1.1664)
    assert jp["Pr"] == pytest.approx(12_400 * 0.29 * 0.25 * 1.2082)
    assert 200 < jp["Dy"] < 600  # "several hundred t"
    proxy = ref.series("global_demand_t")
    rest = 18_835.0 - jp[["Nd", "Pr", "Dy"]].sum()
    others = proxy.drop(["Nd", "Pr", "Dy"])
    assert jp["Ce"] == pytest.approx(rest * others["Ce"] / others.sum())
    assert ref.origin("japan_demand_t", "Dy").startswith("DERIVED (sector basis)")
    assert ref.origin("japan_demand_t", "Ce").startswith("ASSUMPTION")
    assert "PROXY" in ref.origin("global_demand_t", "Nd")
    world = ref.series("japan_demand_world_mix_t")
    assert world.sum() == pytest.approx(18_835.0)
    assert world["Dy"] == pytest.approx(18_835.0 * proxy["Dy"] / proxy.sum())
    assert jp["Dy"] / world["Dy"] > 2  # the world mix understates Japan's Dy


def test_japan_basis_table_errors_name_the_file_and_row(tmp_path):
    from reymud.data import read_reference

    basis = read_reference("supply_japan_demand_basis")
    basis.loc[basis["item"] == "ndfeb_alloy_t", "value"] = 1e6  # magnets larger than the total
    bad = tmp_path / "basis.csv"
    bad.write_text("# source: test\n" + basis.to_csv(index=False))
    (tmp_path / "ov.yaml").write_text(f"tables:\n  supply_japan_demand_basis: {bad.name}\n")
    with pytest.raises(ValueError, match="exceeds the total"):
        load_reference(tmp_path / "ov.yaml")
    basis.loc[basis["item"] == "ndfeb_alloy_t", "value"] = -1
    (tmp_path / "negative.csv").write_text("# source: test\n" + basis.to_csv(index=False))
    (tmp_path / "ov2.yaml").write_text("tables:\n  supply_japan_demand_basis: negative.csv\n")
    with pytest.raises(ValueError, match=r"negative.csv: data row 2, column value"):
        load_reference(tmp_path / "ov2.yaml")


def test_yaml_overrides_replace_single_values_and_record_origin(tmp_path):
    f = tmp_path / "ov.yaml"
    f.write_text("values:\n  japan_demand_t: {Nd: 5000}\n  prices_usd_per_kg: {Nd: 80}\n"
                 "  wgi_score: {China: 6.4}\nsource: my note\n")
    ref = load_reference(f)
    assert ref.series("japan_demand_t")["Nd"] == 5000.0
    assert ref.prices("2025e")["Nd"] == 80.0
    assert ref.prices("2025e")["Dy"] == 239.0  # untouched
    assert ref.origin("japan_demand_t", "Nd") == "override:ov.yaml (my note)"
    assert ref.origin("japan_demand_t", "Dy").startswith("DERIVED")
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


def test_wgi_scores_shown_with_their_source_and_trade_factor_not_set():
    shown = reference_in_force()
    wgi = shown[shown["item"] == "wgi_score"]
    assert len(wgi) == 13 and wgi["origin"].str.contains("supply_wgi_2024_update").all()
    trade = shown[shown["item"] == "trade_factor"]
    assert trade["origin"].str.startswith("NOT SET").all()
    assert not shown["origin"].astype(str).str.contains("equal weights", case=False).any()


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
