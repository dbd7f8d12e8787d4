"""The metric comparison table with readable headers, and the genres x clusters counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.errors import check_param
from core.metrics import contingency
from core.views.map import _cluster_names

#: Display names of the metrics (with the direction that is better).
METRIC_NAMES = {
    "nmi": "NMI ↑",
    "ari": "ARI ↑",
    "ami": "AMI ↑",
    "v_measure": "V-measure ↑",
    "purity": "purity ↑",
    "accuracy": "accuracy ↑",
    "silhouette": "silhouette ↑",
    "calinski_harabasz": "Calinski-Harabasz ↑",
    "davies_bouldin": "Davies-Bouldin ↓",
    "mean_weight": "mean audio weight",
}
#: Metrics where lower is better.
LOWER_IS_BETTER = frozenset({"davies_bouldin"})
#: What the pages say when a dataset has no genre labels.
NO_LABELS_NOTE = "no labels: internal metrics only"


def metric_table(table: pd.DataFrame) -> pd.DataFrame:
    """The comparison table (:meth:`core.loop.InteractiveLoop.comparison_table`) with readable
    headers (``"NMI ↑"``, ``"Davies-Bouldin ↓"``); values unchanged, rows unchanged."""
    check_param("metric_table", "table", type(table).__name__, "a DataFrame",
                isinstance(table, pd.DataFrame))
    out = table.rename(columns={c: METRIC_NAMES.get(c, c) for c in table.columns})
    out.index.name = table.index.name or "condition"
    return out


def metric_text(table: pd.DataFrame, digits: int = 3) -> pd.DataFrame:
    """:func:`metric_table`'s numbers as text with ``digits`` decimals ("" where a metric is missing),
    for a static table (``st.table``): the Clusters page shows the table that way because
    ``st.dataframe``'s grid redraws its accessible copy about 200 ms after the rest of a slider move
    (bench/browser.py), and a float column in ``st.table`` shows four decimals whatever the rounding."""
    check_param("metric_text", "digits", digits, "an int in [0, 10]", isinstance(digits, int) and 0 <= digits <= 10)
    out = table.copy()
    for c in out.columns:
        if out[c].dtype.kind == "f":
            v = out[c].to_numpy(dtype=np.float64)
            out[c] = ["" if not np.isfinite(x) else f"{x:.{digits}f}" for x in v]
    return out


def contingency_frame(genres, clusters) -> pd.DataFrame:
    """Tracks per genre (rows) and cluster (columns), from :func:`core.metrics.contingency`.

    Parameters
    ----------
    genres : (n,) str
        Labels; missing ones ("" or None) are left out.
    clusters : int (n,)

    Returns
    -------
    DataFrame of int64 (n_genres, n_clusters)
        Index named "genre" (sorted), columns "cluster 0", ... ("noise" for -1).
    """
    genres = np.asarray(genres, dtype=object)
    clusters = np.asarray(clusters)
    ct = contingency(genres, clusters)
    return pd.DataFrame(ct.table, index=pd.Index([str(c) for c in ct.classes], name="genre"),
                        columns=pd.Index(list(_cluster_names(np.asarray(ct.clusters))), name="cluster"))
