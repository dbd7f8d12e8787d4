"""The interactive loop: what a slider move computes equals the parts computed by hand, warm starts
keep cluster identity, and the comparison table lines up dynamic with the baselines."""

from __future__ import annotations

import numpy as np
import pytest

from core.clustering import cluster
from core.experiments import prepare
from core.loop import InteractiveLoop
from core.metrics import external_metrics
from core.rules import DEFAULT_RULES, apply_rules


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
    assert table.loc["dynamic (rules)", "nmi"] == pytest.approx(res.metrics["nmi"])
    static = cluster(prepared.embeddings, np.full(prepared.n_tracks, 0.5, np.float32), n_clusters=5, seed=0,
                     n_init=1)
    labels = prepared.align(ds.labels)
    assert table.loc["static 0.5", "nmi"] == pytest.approx(external_metrics(labels, static.labels)["nmi"])
