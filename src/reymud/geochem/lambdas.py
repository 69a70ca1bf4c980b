"""REE shape coefficients (lambdas, O'Neill 2016) through pyrolite.

O'Neill, H. St. C. (2016) The smoothness and shapes of chondrite-normalized rare earth element patterns in
basalts. Journal of Petrology 57(8), 1463-1508. The fit is pyrolite's
(``df.pyrochem.lambda_lnREE``); this module only selects the REE columns of a reymud samples frame, keeps
its index and gives the coefficients plain column names.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

__all__ = ["DEFAULT_LAMBDA_EXCLUDE", "lambdas"]

#: REE left out of the fit by default. Eu (and Pm, never measured) is pyrolite's own default; Ce is also left
#: out here because deep-sea REY-rich mud carries a strong negative Ce anomaly from seawater (Kato et al. 2011,
#: Nature Geoscience 4, 535-539), which would bend a smooth-pattern fit. Override with ``exclude=``.
DEFAULT_LAMBDA_EXCLUDE: tuple[str, ...] = ("Pm", "Ce", "Eu")


def lambdas(df: pd.DataFrame, norm_to: str = "ChondriteREE_ON", exclude: Sequence[str] = DEFAULT_LAMBDA_EXCLUDE,
            degree: int = 4) -> pd.DataFrame:
    """Orthogonal-polynomial coefficients ``lambda0 ... lambda{degree-1}`` of ln(normalised REE) per sample.

    Parameters
    ----------
    df : pandas.DataFrame
        Wide samples frame with REE element-symbol columns in ppm (``La`` ... ``Lu``; ``Y`` is ignored).
    norm_to : str
        pyrolite reference composition to normalise to (default ``ChondriteREE_ON``, O'Neill 2016).
    exclude : sequence of str
        REE left out of the fit (default :data:`DEFAULT_LAMBDA_EXCLUDE`).
    degree : int
        Number of coefficients.

    Returns
    -------
    pandas.DataFrame
        Same index as ``df``; column ``lambda<i>`` is pyrolite's ``λ<i>``.

    Raises
    ------
    ValueError
        When fewer than ``degree + 1`` REE columns remain to fit.

    Examples
    --------
    >>> import pandas as pd
    >>> import reymud.geochem  # registers df.rey
    >>> df = pd.DataFrame({"La": [120.0], "Ce": [60.0], "Pr": [30.0], "Nd": [130.0], "Sm": [28.0],
    ...                    "Eu": [7.0], "Gd": [32.0], "Tb": [5.0], "Dy": [30.0], "Ho": [6.5], "Er": [18.0],
    ...                    "Tm": [2.6], "Yb": [16.0], "Lu": [2.5]})
    >>> list(df.rey.lambdas().columns)
    ['lambda0', 'lambda1', 'lambda2', 'lambda3']
    """
    _import_pyrolite()
    from pyrolite.geochem.ind import REE

    ree = [el for el in REE() if el in df.columns]
    used = [el for el in ree if el not in set(exclude)]
    if len(used) < degree + 1:
        raise ValueError(f"lambdas of degree {degree} need at least {degree + 1} REE columns (ppm) besides the "
                         f"excluded {list(exclude)}; the frame has {ree}")
    frame = df[ree].astype(float)
    out = frame.pyrochem.lambda_lnREE(norm_to=norm_to, exclude=list(exclude), degree=degree)
    out = pd.DataFrame(out)
    out.columns = [str(c).replace("λ", "lambda") for c in out.columns]
    out.index = df.index
    return out


def _import_pyrolite() -> None:
    """Import pyrolite (registers ``df.pyrochem``) safely from several processes at once.

    On import pyrolite copies its style file into matplotlib's ``stylelib`` folder, creating the folder with
    ``mkdir`` without ``exist_ok``; two processes importing it together (Dask or test workers on a fresh
    machine) race there and one fails with FileExistsError. Creating the folder first removes the race.
    """
    from pathlib import Path

    import matplotlib

    Path(matplotlib.get_configdir(), "stylelib").mkdir(parents=True, exist_ok=True)
    import pyrolite.geochem  # noqa: F401
