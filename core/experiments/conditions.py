"""One condition, one seed: weights -> fusion -> clustering -> metrics.

Pipeline position: :mod:`~core.experiments.preparation` -> **conditions** -> ablation,
auto-tune, sensitivity grid and track table, which all cluster through :func:`_run` so that
static and dynamic weights go through one code path.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Optional

import numpy as np

from core.clustering import cluster
from core.errors import check_param
from core.experiments.config import (EXTERNAL_METRICS, INTERNAL_BY_MODALITY, INTERNAL_METRICS,
                                     ExperimentConfig, _is_int, _is_real)
from core.experiments.preparation import Prepared, _take, resolve_n_clusters
from core.fusion import build_graphs, effective_weights, hot_path
from core.metrics import external_metrics
from core.rules import RuleSet, apply_rules


def dynamic_weights(prepared: Prepared, ruleset: Optional[RuleSet] = None):
    """``apply_rules(prepared.indicators, ruleset)``: the RuleResult (weights + trace)."""
    ruleset = prepared.config.ruleset if ruleset is None else ruleset
    return apply_rules(prepared.indicators, ruleset)


@dataclass(eq=False)
class _Run:
    idx: np.ndarray          # rows of the prepared tracks clustered (the seed's subsample)
    labels: np.ndarray       # int64 (m,) partition
    w_eff: Optional[np.ndarray]
    n_without: int           # single modality: tracks without it (own group)
    warnings: list
    covered: Optional[np.ndarray] = None  # single modality: bool (m,), tracks that have it


def _spec(prepared: Prepared, weights):
    """Normalise the weights argument: ("audio"|"lyrics", None) or ("weights", float32 (n,))."""
    n = prepared.n_tracks
    if isinstance(weights, str):
        name = {"audio": "audio", "audio_only": "audio", "lyrics": "lyrics",
                "lyrics_only": "lyrics"}.get(weights)
        check_param("run_condition", "weights", weights,
                    "'audio_only', 'lyrics_only', a float in [0, 1], a RuleSet or an array (n,)",
                    name is not None)
        return name, None
    if isinstance(weights, RuleSet):
        return "weights", np.asarray(dynamic_weights(prepared, weights).weights, np.float32)
    if _is_real(weights):
        check_param("run_condition", "weights", weights, "a static weight in [0, 1]",
                    0.0 <= float(weights) <= 1.0)
        return "weights", np.full(n, float(weights), np.float32)
    w = np.asarray(weights)
    check_param("run_condition", "weights", f"array of shape {w.shape}",
                f"a 1-d array of {n} audio weights in [0, 1]",
                w.ndim == 1 and w.shape[0] == n and w.dtype.kind in "fiu"
                and bool(np.all(np.isfinite(w))) and (n == 0 or (w.min() >= 0 and w.max() <= 1)))
    return "weights", w.astype(np.float32)


def _cluster_call(emb, w, k, seed, config, init=None, graphs=None):
    opts = {}
    if config.algorithm == "kmeans":
        opts["n_init"] = config.n_init
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = cluster(emb, w, algorithm=config.algorithm, n_clusters=k, seed=seed,
                      fusion=config.fusion, init=init,
                      graphs=graphs if config.fusion == "affinity" else None, **opts)
    return res, sorted({str(c.message) for c in caught})


def _run(prepared: Prepared, kind: str, w: Optional[np.ndarray], seed: int, k: int,
         config: ExperimentConfig, full: bool = False) -> _Run:
    """Cluster one condition on the seed's subsample (or every track if ``full``)."""
    if full:
        idx, emb = np.arange(prepared.n_tracks, dtype=np.int64), prepared.embeddings
        graphs_owner = prepared
    else:
        sub = prepared.subset(seed)
        idx, emb, graphs_owner = sub.idx, sub.emb, sub
    m = len(idx)
    check_param("run_condition", "n_clusters", k,
                f"at most the number of tracks clustered (n_tracks={m})", k <= m)
    if kind == "weights":
        graphs = None
        if config.fusion == "affinity":
            attr = "_graphs" if graphs_owner is prepared else "graphs"
            graphs = getattr(graphs_owner, attr)
            if graphs is None:
                graphs = build_graphs(emb)
                setattr(graphs_owner, attr, graphs)
        wk = w[idx]
        res, msgs = _cluster_call(emb, wk, k, seed, config, graphs=graphs)
        return _Run(idx=idx, labels=res.labels, w_eff=effective_weights(emb, wk), n_without=0,
                    warnings=msgs)
    # single modality: tracks without it form one group of their own
    has = emb.audio_ok if kind == "audio" else emb.lyrics_ok
    n_without = int((~has).sum())
    labels = np.zeros(m, np.int64)
    msgs: list = []
    if n_without == 0:
        target = 1.0 if kind == "audio" else 0.0
        res, msgs = _cluster_call(emb, np.full(m, target, np.float32), k, seed, config)
        labels = res.labels
    elif n_without < m:
        rows = np.flatnonzero(has)
        k_cov = max(1, min(k - 1, len(rows)))
        sub_emb = _take(emb, rows)
        target = 1.0 if kind == "audio" else 0.0
        if k_cov == 1:
            part = np.zeros(len(rows), np.int64)
        else:
            res, msgs = _cluster_call(sub_emb, np.full(len(rows), target, np.float32), k_cov,
                                      seed, config)
            part = res.labels
        labels[rows] = part
        labels[~has] = int(part.max()) + 1  # the missing-modality group
    w_eff = np.where(has, 1.0 if kind == "audio" else 0.0, np.nan).astype(np.float32)
    return _Run(idx=idx, labels=labels, w_eff=w_eff, n_without=n_without, warnings=msgs,
                covered=has.copy())


def _score(prepared: Prepared, run: _Run, seed: Optional[int], labels: Optional[np.ndarray],
           full: bool = False) -> dict:
    internal = prepared.internal if full else prepared.subset(seed).internal
    with hot_path():
        out = {}
        if labels is not None:
            ext = prepared.external_scorer(labels, None if full else seed)(run.labels)
            out.update({m: float(ext[m]) for m in EXTERNAL_METRICS})
        ints = internal(run.labels)
        out.update({m: float(ints[m]) for m in INTERNAL_METRICS + INTERNAL_BY_MODALITY})
        if labels is not None and run.covered is not None and run.n_without:
            # single modality: the scores among the tracks that have it (the group of tracks
            # without it left out), so a reader can see both views
            t = labels[run.idx][run.covered]
            cov = external_metrics(t, run.labels[run.covered]) if len(t) >= 3 else None
            for m in ("nmi", "ari", "accuracy"):
                out[f"{m}_covered"] = float(cov[m]) if cov is not None else math.nan
    out["n_clusters_found"] = int(np.unique(run.labels[run.labels >= 0]).size)
    out["n_tracks"] = int(len(run.idx))
    out["n_without_modality"] = int(run.n_without)
    return out


def run_condition(prepared: Prepared, weights, seed: int, labels=None, *,
                  config: Optional[ExperimentConfig] = None) -> dict:
    """Cluster once and score: weights -> fusion -> clustering -> metrics.

    Parameters
    ----------
    prepared : Prepared
    weights : "audio_only", "lyrics_only", float in [0, 1], RuleSet, or float (n,) array
        The condition: a single modality (see the module docstring for tracks that lack it), a
        static audio weight, the rules' weights, or any per-track audio weights.
    seed : int >= 0
        Clustering initialisation and track subsample (see "What a seed changes").
    labels : (n,) or None
        Genre labels, for the FeatureSet's rows or the kept rows; only for external metrics.
    config : ExperimentConfig, optional
        Default ``prepared.config``.

    Returns
    -------
    dict
        External metrics (``nmi``, ``ari``, ``ami``, ``v_measure``, ``purity``, ``accuracy``)
        when labels are given; internal metrics (``silhouette``, ``calinski_harabasz``,
        ``davies_bouldin``: the mean of the audio and lyrics spaces' scores, each also
        given as ``<metric>_audio`` / ``<metric>_lyrics``) always; ``n_clusters_found``, ``n_tracks``
        (scored), ``n_without_modality`` (single-modality conditions: tracks in the
        missing-modality group); for a single modality with tracks lacking it and labels given,
        also ``nmi_covered``, ``ari_covered``, ``accuracy_covered``: the scores among the tracks
        that have the modality only.
    """
    config = prepared.config if config is None else config
    check_param("run_condition", "seed", seed, "an int in [0, 2**32)",
                _is_int(seed) and 0 <= seed < 2**32)
    if config.subsample != prepared.config.subsample:
        prepared = prepared.with_config(config)
    kind, w = _spec(prepared, weights)
    lab = prepared.align(labels)
    k, _ = resolve_n_clusters(prepared, lab, config)
    run = _run(prepared, kind, w, int(seed), k, config)
    return _score(prepared, run, int(seed), lab)


def partition(prepared: Prepared, weights, seed: int, labels=None, *,
              config: Optional[ExperimentConfig] = None, full: bool = False):
    """The clustering :func:`run_condition` scores, without scoring it.

    Parameters are those of :func:`run_condition` (labels only set ``k`` when the config leaves
    it open); ``full=True`` clusters every prepared track instead of the seed's subsample.

    Returns
    -------
    idx : int64 (m,)
        Rows of the prepared tracks that were clustered (sorted).
    labels : int64 (m,)
        Cluster of each; in a single-modality condition the tracks without the modality share
        the highest label (their own group).
    """
    config = prepared.config if config is None else config
    check_param("partition", "seed", seed, "an int in [0, 2**32)", _is_int(seed) and 0 <= seed < 2**32)
    if config.subsample != prepared.config.subsample:
        prepared = prepared.with_config(config)
    kind, w = _spec(prepared, weights)
    k, _ = resolve_n_clusters(prepared, prepared.align(labels), config)
    run = _run(prepared, kind, w, int(seed), k, config, full=full)
    return run.idx, run.labels
