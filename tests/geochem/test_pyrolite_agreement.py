"""Normalisation and anomalies agree with pyrolite on the same data."""

import numpy as np
import pandas as pd
import pytest

from reymud import geochem
from reymud.elements import REY

pyrolite_geochem = pytest.importorskip("pyrolite.geochem")


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    return pd.DataFrame(rng.lognormal(2.0, 1.0, size=(200, 15)), columns=list(REY))


def test_ci_mcdonough_sun_matches_pyrolite(data):
    ours = geochem.normalise(data, "CI_McDonoughSun1995")
    theirs = data.pyrochem.normalize_to("Chondrite_MS95", units="ppm")[list(REY)]
    np.testing.assert_allclose(ours.to_numpy(), theirs.to_numpy(dtype=float), rtol=1e-12)


def test_paas_taylor_mclennan_matches_pyrolite_except_la(data):
    ours = geochem.normalise(data, "PAAS_TaylorMcLennan1985")
    theirs = data.pyrochem.normalize_to("PAAS_TM1985", units="ppm")[list(REY)]
    others = [el for el in REY if el != "La"]
    np.testing.assert_allclose(ours[others].to_numpy(), theirs[others].to_numpy(dtype=float), rtol=1e-12)
    # pyrolite's PAAS_TM1985 lists La = 38.2 ppm; the packaged table (Taylor & McLennan 1985) gives 38
    np.testing.assert_allclose(ours["La"] / theirs["La"].astype(float), 38.2 / 38.0, rtol=1e-12)


def test_pourmand_matches_pyrolite_for_lanthanides(data):
    ours = geochem.normalise(data, "PAAS_Pourmand2012")
    theirs = data.pyrochem.normalize_to("PAAS_Pourmand2012", units="ppm")
    lanth = [el for el in REY if el != "Y"]
    np.testing.assert_allclose(ours[lanth].to_numpy(), theirs[lanth].to_numpy(dtype=float), rtol=1e-12)


def test_ce_anomaly_matches_ratio_of_pyrolite_normalised_values(data):
    norm = data.pyrochem.normalize_to("Chondrite_MS95", units="ppm").astype(float)
    expected = norm["Ce"] / np.sqrt(norm["La"] * norm["Pr"])
    ours = geochem.ce_anomaly(data, reference="Chondrite_MS95")
    np.testing.assert_allclose(ours, expected, rtol=1e-12)
