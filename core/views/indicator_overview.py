"""Data behind the indicator overview on the "Dataset" page: unit, median, range and unknowns."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.errors import check_param
from core.indicators import INDICATORS, Indicators

#: Columns of :func:`indicator_overview`.
INDICATOR_OVERVIEW_COLUMNS = ("indicator", "group", "unit", "median", "min", "max", "nan_share",
                              "n_known", "description")


def indicator_overview(ind: Indicators) -> pd.DataFrame:
    """One row per indicator: unit, median and range over tracks, and the share of unknowns.

    Parameters
    ----------
    ind : Indicators
        ``values`` float32 (n_tracks, n_indicators), NaN where unknown.

    Returns
    -------
    DataFrame
        Columns :data:`INDICATOR_OVERVIEW_COLUMNS`, one row per indicator in ``ind.names``
        order: ``median``, ``min``, ``max`` over the tracks where the value is known (NaN when
        no track has it), in the indicator's unit; ``nan_share`` the fraction of tracks in
        [0, 1] where it is unknown (0 for zero tracks); ``n_known`` how many tracks have it.
    """
    check_param("indicator_overview", "ind", type(ind).__name__, "an Indicators",
                isinstance(ind, Indicators))
    values = np.asarray(ind.values, np.float64)
    n = values.shape[0]
    rows = []
    for j, name in enumerate(ind.names):
        spec = INDICATORS[name]
        col = values[:, j]
        known = col[np.isfinite(col)]
        rows.append({
            "indicator": name, "group": spec.group, "unit": spec.unit,
            "median": float(np.median(known)) if known.size else math.nan,
            "min": float(known.min()) if known.size else math.nan,
            "max": float(known.max()) if known.size else math.nan,
            "nan_share": float(1.0 - known.size / n) if n else 0.0,
            "n_known": int(known.size), "description": spec.description,
        })
    return pd.DataFrame(rows, columns=list(INDICATOR_OVERVIEW_COLUMNS))
