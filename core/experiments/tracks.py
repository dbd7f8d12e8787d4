"""Per-track table: weights, rule traces, indicators and clusters (export, dashboard download).

Pipeline position: preparation -> dynamic condition on every track -> **tracks** -> CSV/JSON.
"""

from __future__ import annotations

from typing import Optional

import numpy as np
import pandas as pd

from core.errors import check_param
from core.experiments.conditions import _run, dynamic_weights
from core.experiments.config import _is_int
from core.experiments.preparation import Prepared, resolve_n_clusters
from core.rules import RuleSet


def track_table(prepared: Prepared, seed: Optional[int] = None, labels=None,
                ruleset: Optional[RuleSet] = None, *, n_clusters: Optional[int] = None) -> pd.DataFrame:
    """Per-track weights, rule traces, indicators and the dynamic condition's clusters.

    The dynamic condition is clustered on ALL prepared tracks with ``seed`` (default: the
    config's first seed). Labels, when given, only fill the ``genre`` column and set ``k``.

    Returns
    -------
    DataFrame, one row per prepared track
        ``track_id``, ``genre`` (if labels), ``cluster``, ``audio_weight`` (the rules' weight),
        ``lyrics_weight``, ``fusion_audio_weight`` (after the fusion enforced missing
        modalities), ``decided_by`` (hard rule or ""), ``fired`` (rules that fired, ";"-joined),
        ``flagged``, ``audio_ok``, ``lyrics_ok``, ``trace_<column>`` (contributions summing to
        ``audio_weight``), ``ind_<indicator>`` (indicator values, NaN where unknown).
    """
    config = prepared.config
    seed = config.seeds[0] if seed is None else seed
    check_param("track_table", "seed", seed, "an int in [0, 2**32)", _is_int(seed) and 0 <= seed < 2**32)
    rr = dynamic_weights(prepared, ruleset)
    lab = prepared.align(labels)
    k = int(n_clusters) if n_clusters is not None else resolve_n_clusters(prepared, lab)[0]
    w = np.asarray(rr.weights, np.float32)
    run = _run(prepared, "weights", w, int(seed), k, config, full=True)
    data = {"track_id": list(prepared.track_ids)}
    if lab is not None:
        data["genre"] = lab.astype(str)
    data["cluster"] = run.labels
    data["audio_weight"] = w
    data["lyrics_weight"] = (1.0 - w).astype(np.float32)
    data["fusion_audio_weight"] = run.w_eff
    data["decided_by"] = rr.decided_by
    data["fired"] = [";".join(n for n, f in zip(rr.rule_names, row) if f) for row in rr.fired]
    data["flagged"] = rr.flagged
    data["audio_ok"] = prepared.embeddings.audio_ok
    data["lyrics_ok"] = prepared.embeddings.lyrics_ok
    for j, col in enumerate(rr.columns):
        data[f"trace_{col}"] = rr.trace[:, j] + 0.0  # no -0.0 (0 x a negative delta) in the CSV
    for name, values in prepared.indicators.as_dict().items():
        data[f"ind_{name}"] = values
    df = pd.DataFrame(data)
    df.attrs.update(seed=int(seed), n_clusters=k, algorithm=config.algorithm, fusion=config.fusion)
    return df
