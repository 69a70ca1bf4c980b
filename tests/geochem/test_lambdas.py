"""df.rey.lambdas() against pyrolite's own lambda_lnREE call."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import reymud.geochem  # noqa: F401  (registers df.rey)
from reymud.elements import REY

PAAS_LIKE = {"La": 38.2, "Ce": 79.6, "Pr": 8.83, "Nd": 33.9, "Sm": 5.55, "Eu": 1.08, "Gd": 4.66, "Tb": 0.774,
             "Dy": 4.68, "Ho": 0.991, "Er": 2.85, "Tm": 0.405, "Yb": 2.82, "Lu": 0.433, "Y": 27.0}


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    rows = [{el: v * f * (0.3 if el == "Ce" else 1.0) for el, v in PAAS_LIKE.items()} for f in rng.uniform(5, 40, 6)]
    return pd.DataFrame(rows, index=[f"S{i}" for i in range(6)])[list(REY)].assign(core_id="C1")


@pytest.mark.parametrize("exclude", [["Pm", "Ce", "Eu"], ["Pm", "Eu"]])
def test_lambdas_equal_pyrolite(exclude):
    import pyrolite.geochem  # noqa: F401

    df = _frame()
    ours = df.rey.lambdas(exclude=exclude)
    ree = ["La", "Ce", "Pr", "Nd", "Sm", "Eu", "Gd", "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu"]
    theirs = df[ree].pyrochem.lambda_lnREE(norm_to="ChondriteREE_ON", exclude=exclude, degree=4)
    assert list(ours.columns) == ["lambda0", "lambda1", "lambda2", "lambda3"]
    assert list(ours.index) == list(df.index)
    np.testing.assert_allclose(ours.to_numpy(), np.asarray(theirs, float), rtol=1e-12)


def test_default_excludes_ce_so_the_ce_anomaly_does_not_change_the_fit():
    df = _frame()
    bent = df.assign(Ce=df["Ce"] * 0.1)
    pd.testing.assert_frame_equal(df.rey.lambdas(), bent.rey.lambdas())
    assert not np.allclose(df.rey.lambdas(exclude=["Eu"]), bent.rey.lambdas(exclude=["Eu"]))


def test_too_few_ree_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 5 REE columns"):
        pd.DataFrame({"La": [1.0], "Ce": [2.0], "Nd": [1.0]}).rey.lambdas()
