"""Declustered normal-score transform, tails, unit sill and spatial bootstrap against hand-computed cases."""

import numpy as np
import pytest
from scipy import stats

from reymud.spatial import NormalScoreTransform as FromPackage
from reymud.spatial.covariance import Structure, VariogramModel
from reymud.spatial.nscore import (
    NormalScoreTransform,
    TailModel,
    declustering_weights,
    spatial_bootstrap,
    standardise_sill,
)
from reymud.spatial.variogram import NormalScoreTransform as FromVariogram


def test_reexports_are_the_same_class():
    assert FromPackage is NormalScoreTransform and FromVariogram is NormalScoreTransform


def test_equal_weights_midpoint_probabilities():
    ns = NormalScoreTransform().fit([3.0, 1.0, 4.0, 2.0])
    assert ns.probs_ == pytest.approx([0.125, 0.375, 0.625, 0.875])
    assert ns.transform([1.0, 4.0]) == pytest.approx(stats.norm.ppf([0.125, 0.875]))


def test_weighted_probabilities_and_ties():
    ns = NormalScoreTransform().fit([1.0, 2.0, 3.0, 4.0], weights=[1, 2, 3, 4])
    assert ns.probs_ == pytest.approx([0.05, 0.2, 0.45, 0.8])
    tie = NormalScoreTransform().fit([1.0, 2.0, 2.0, 3.0])  # the tie spans 0.25-0.75 -> mid-point 0.5
    assert tie.probs_ == pytest.approx([0.125, 0.5, 0.875])


def test_linear_tails_hand_computed():
    ns = NormalScoreTransform().fit([1.0, 2.0, 3.0, 4.0])  # p1 = 0.125, pK = 0.875, zmin 0, zmax 6
    y = stats.norm.ppf([0.0625, 0.9375])
    assert ns.inverse_transform(y) == pytest.approx([0.5, 5.0])
    assert ns.transform([0.5, 5.0]) == pytest.approx(y)
    given = NormalScoreTransform(TailModel(zmin=0.5, zmax=8.0)).fit([1.0, 2.0, 3.0, 4.0])
    assert given.inverse_transform(y) == pytest.approx([0.75, 6.0])


def test_hyperbolic_upper_tail_hand_computed():
    ns = NormalScoreTransform(TailModel(upper="hyperbolic", omega=2.0)).fit([1.0, 2.0, 3.0, 4.0])
    # lambda = 4**2 * (1 - 0.875) = 2; z = (2 / 0.0625) ** 0.5
    assert ns.inverse_transform(stats.norm.ppf(0.9375)) == pytest.approx(32 ** 0.5)
    clip = NormalScoreTransform(TailModel(lower="clip", upper="clip")).fit([1.0, 2.0, 3.0, 4.0])
    assert clip.inverse_transform([-5.0, 5.0]) == pytest.approx([1.0, 4.0])


def test_round_trip_inside_table():
    z = np.random.default_rng(1).lognormal(7, 0.4, 200)
    ns = NormalScoreTransform().fit(z)
    assert np.allclose(ns.inverse_transform(ns.transform(z)), z)


def test_bad_input():
    with pytest.raises(ValueError, match="weights"):
        NormalScoreTransform().fit([1.0, 2.0], weights=[1.0])
    with pytest.raises(ValueError, match="upper"):
        TailModel(upper="power")


def test_cell_declustering_weights_hand_computed():
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [100.0, 100.0]])
    w, size = declustering_weights(xy, [5.0, 5.0, 5.0, 1.0], cell_sizes=[50.0])
    assert size == 50.0
    assert w == pytest.approx([1 / 6, 1 / 6, 1 / 6, 1 / 2])
    ns = NormalScoreTransform().fit([5.0, 5.0, 5.0, 1.0], weights=w)
    assert ns.probs_ == pytest.approx([0.25, 0.75])  # declustered: each value carries half the weight


def test_standardise_sill_hand_computed():
    model = VariogramModel(0.2, (Structure("spherical", 1.47, 30_000.0),))
    unit, sill = standardise_sill(model)
    assert sill == pytest.approx(1.67)
    assert unit.sill == pytest.approx(1.0)
    assert unit.nugget == pytest.approx(0.2 / 1.67)
    assert unit.structures[0].range_m == 30_000.0


def test_spatial_bootstrap_seeded_and_unbiased():
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 50_000, (30, 2))
    z = rng.lognormal(7, 0.3, 30)
    w = np.full(30, 1 / 30)
    ns = NormalScoreTransform().fit(z, w)
    model = VariogramModel(0.1, (Structure("exponential", 0.9, 20_000.0),))
    a = spatial_bootstrap(xy, z, w, model, ns, 400, seed=5)
    b = spatial_bootstrap(xy, z, w, model, ns, 400, seed=5)
    assert np.array_equal(a, b) and a.shape == (400, 30)
    means = a @ w
    assert means.mean() == pytest.approx(z.mean(), rel=0.02)
    # correlated resampling: the spread of the mean exceeds the independent-bootstrap spread
    assert means.std() > 1.2 * z.std() / np.sqrt(30)


def test_polygonal_weights_hand_computed():
    from reymud.spatial.nscore import polygonal_weights

    data = np.array([[0.0, 0.0], [0.1, 0.0], [10.0, 0.0]])
    targets = np.column_stack([np.arange(10.0) + 0.5, np.zeros(10)])  # 0.5 .. 9.5
    # nearest datum: 0.5-4.5 -> datum 1 (0.1), 5.5-9.5 -> datum 2 (10); datum 0 is shadowed by its neighbour
    assert polygonal_weights(data, targets) == pytest.approx([0.0, 0.5, 0.5])
    with pytest.raises(ValueError, match="at least one"):
        polygonal_weights(data, np.zeros((0, 2)))


def test_exact_scores_invert_the_back_transform_between_table_entries():
    from reymud.spatial.nscore import NormalScoreTransform

    rng = np.random.default_rng(4)
    ns = NormalScoreTransform().fit(rng.lognormal(6, 0.5, 15))
    z = np.concatenate([rng.uniform(ns.values_[0], ns.values_[-1], 50), [0.5 * ns.values_[0], 1.2 * ns.values_[-1]]])
    assert np.allclose(ns.inverse_transform(ns.exact_scores(z)), z, rtol=1e-9)
    assert np.allclose(ns.exact_scores(ns.values_), ns.transform(ns.values_))  # same at the table entries
    between = ns.inverse_transform(ns.transform(z[:50]))
    assert np.abs(between - z[:50]).max() > 1e-3  # the cdf-interpolating transform is not the exact inverse
