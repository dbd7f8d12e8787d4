"""The interactive loop: what a slider move computes equals the parts computed by hand, warm starts
keep cluster identity, and the comparison table lines up dynamic with the baselines."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.clustering import cluster
from core.experiments import prepare, run_condition
from core.loop import COLD_N_INIT, InteractiveLoop
from core.metrics import external_metrics
from core.rules import DEFAULT_RULES, apply_rules
from sklearn.metrics import adjusted_rand_score


@pytest.fixture(scope="module")
def loop_parts(tiny_features):
    ds, fs = tiny_features
    prepared = prepare(fs)
    return ds, prepared


def test_run_equals_rules_then_cluster_then_metrics(loop_parts):
    ds, prepared = loop_parts
    loop = InteractiveLoop(prepared, ds.labels)
    rs = DEFAULT_RULES.replace_rule("loud", threshold=-25.0)
    res = loop.run(rs, n_clusters=5, seed=3)
    expected_w = apply_rules(prepared.indicators, rs).weights
    np.testing.assert_array_equal(res.weights, expected_w)
    assert set(res.timings_ms) == {"rules", "clustering", "metrics", "total"}
    labels = prepared.align(ds.labels)
    ext = external_metrics(labels, res.labels)
    assert res.metrics["nmi"] == pytest.approx(ext["nmi"])
    assert res.metrics["ari"] == pytest.approx(ext["ari"])
    assert len(res.labels) == prepared.n_tracks == len(res.track_ids)


def test_warm_start_keeps_the_partition_when_nothing_changes(loop_parts):
    ds, prepared = loop_parts
    loop = InteractiveLoop(prepared, ds.labels)
    first = loop.run(DEFAULT_RULES, n_clusters=4, seed=0)
    again = loop.run(DEFAULT_RULES, n_clusters=4, seed=0)
    np.testing.assert_array_equal(first.labels, again.labels)   # same ids, not just the same partition
    loop.reseed()
    cold = loop.run(DEFAULT_RULES, n_clusters=4, seed=0)
    np.testing.assert_array_equal(first.labels, cold.labels)    # a cold start is deterministic for a seed


def test_unlabelled_loop_reports_internal_metrics_only(loop_parts):
    _, prepared = loop_parts
    loop = InteractiveLoop(prepared)
    res = loop.run(DEFAULT_RULES, n_clusters=3)
    assert "nmi" not in res.metrics and "silhouette" in res.metrics
    table = loop.comparison_table(res, "kmeans", "concat", 0)
    assert list(table.columns) == ["silhouette", "calinski_harabasz", "davies_bouldin"]


def test_comparison_table_has_dynamic_and_the_three_baselines(loop_parts):
    ds, prepared = loop_parts
    loop = InteractiveLoop(prepared, ds.labels)
    res = loop.run(DEFAULT_RULES, n_clusters=5)
    table = loop.comparison_table(res, "kmeans", "concat", 0)
    assert list(table.index) == ["dynamic (rules)", "audio only", "lyrics only", "static 0.5"]
    assert table.loc["dynamic (rules)", "nmi"] == pytest.approx(res.metrics["nmi"])  # a cold start: the map's own
    static = cluster(prepared.embeddings, np.full(prepared.n_tracks, 0.5, np.float32), n_clusters=5, seed=0,
                     n_init=COLD_N_INIT)
    labels = prepared.align(ds.labels)
    assert table.loc["static 0.5", "nmi"] == pytest.approx(external_metrics(labels, static.labels)["nmi"])


def test_every_row_of_the_live_table_is_clustered_alike_whatever_the_slider_history(loop_parts):
    """Like for like: the dynamic row uses the baselines' restarts and initialisation (k-means++ from
    the seed, COLD_N_INIT restarts, every track), so it does not depend on where the warm start came
    from, while the map's own clustering does."""
    ds, prepared = loop_parts
    target = DEFAULT_RULES.replace_rule("loud", threshold=-40.0, delta=0.4)
    found = None
    for seed in (2, 3, 5, 0):
        warm = InteractiveLoop(prepared, ds.labels)
        start = DEFAULT_RULES.with_changes(base_weight=0.1, rules=())
        warm.run(start, n_clusters=5, seed=seed)                    # a different weighting first ...
        moved = warm.run(target, n_clusters=5, seed=seed)           # ... then warm-started to the target
        cold = InteractiveLoop(prepared, ds.labels).run(target, n_clusters=5, seed=seed)
        if adjusted_rand_score(moved.labels, cold.labels) < 0.99:
            found = (warm, moved, cold, seed)
            break
    assert found is not None, "no seed where the warm start changes the map's clustering: the test would be vacuous"
    warm, moved, cold, seed = found
    fresh = InteractiveLoop(prepared, ds.labels)
    t_warm = warm.comparison_table(moved, "kmeans", "concat", seed)
    t_cold = fresh.comparison_table(cold, "kmeans", "concat", seed)
    pd.testing.assert_frame_equal(t_warm, t_cold)
    assert t_warm.attrs["n_init"] == COLD_N_INIT and t_warm.attrs["subsample"] == 1.0
    config = warm.table_config("kmeans", "concat", 5)
    for name, weights in (("dynamic (rules)", moved.weights), ("static 0.5", 0.5), ("audio only", "audio_only")):
        expected = run_condition(prepared, weights, seed, ds.labels, config=config)
        assert t_warm.loc[name, "nmi"] == pytest.approx(expected["nmi"])
        assert t_warm.loc[name, "silhouette"] == pytest.approx(expected["silhouette"])
