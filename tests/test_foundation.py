"""The shared vocabulary: element lists, oxide factors and packaged reference tables."""

import pytest

from reymud import data, elements


def test_rey_has_fifteen_elements_without_pm():
    assert len(elements.REY) == 15
    assert "Pm" not in elements.REY
    assert elements.REY_PLOT_ORDER.index("Y") == elements.REY_PLOT_ORDER.index("Dy") + 1


def test_oxide_factor_matches_stoichiometry():
    weights = elements.atomic_weights()
    factors = elements.oxide_factors()
    oxygen = 15.999
    assert factors["Ce"] == pytest.approx((weights["Ce"] + 2 * oxygen) / weights["Ce"], rel=2e-4)
    assert factors["Pr"] == pytest.approx((6 * weights["Pr"] + 11 * oxygen) / (6 * weights["Pr"]), rel=2e-4)
    assert factors["Y"] == pytest.approx((2 * weights["Y"] + 3 * oxygen) / (2 * weights["Y"]), rel=2e-4)
    assert elements.oxide_names()["Tb"] == "Tb4O7"


def test_every_packaged_table_names_its_source():
    names = data.available()
    assert "oxide_factors" in names and "china_export_controls" in names
    for name in names:
        table = data.read_reference(name)
        assert len(table) > 0
        assert table.attrs["source"], f"{name} has no source line"


def test_user_table_overrides_packaged(tmp_path):
    own = tmp_path / "mine.csv"
    own.write_text("# source: my lab, 2026\nelement,value\nLa,1\n")
    frame = data.read_reference(own)
    assert frame.attrs["source"] == "my lab, 2026"
    assert frame["value"].tolist() == [1]


def test_unknown_table_is_a_clear_error():
    with pytest.raises(FileNotFoundError, match="no packaged reference table 'nope'"):
        data.read_reference("nope")


def test_top_level_reexports_resolve_to_their_stage():
    import reymud

    for name, stage in reymud._EXPORTS.items():
        assert getattr(reymud, name) is getattr(__import__(f"reymud.{stage}", fromlist=[name]), name)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        reymud.nope  # noqa: B018
