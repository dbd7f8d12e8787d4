"""The map's sample of a big catalogue (issue 14 Speed: the map stays responsive at 100,000 tracks)."""

from __future__ import annotations

import numpy as np
from streamlit.testing.v1 import AppTest

from bench.feature_file import write_feature_file
from core.indicators import Indicators
from core.paths import REPO_ROOT
from core.views.map_sample import MAP_POINT_LIMIT, map_rows, rows_key, take_rows


def test_small_sets_are_drawn_whole():
    ids = [f"t{i}" for i in range(50)]
    assert map_rows(ids, limit=50).tolist() == list(range(50)) and rows_key(map_rows(ids, limit=50), 50) == ""


def test_the_sample_is_stable_sized_and_keeps_the_selected_track():
    ids = [f"t{i:05d}" for i in range(10_000)]
    rows = map_rows(ids, limit=500)
    assert len(rows) == 500 and np.all(np.diff(rows) > 0)
    assert map_rows(list(ids), limit=500).tolist() == rows.tolist()           # same ids, same sample
    outside = next(t for i, t in enumerate(ids) if i not in set(rows.tolist()))
    kept = map_rows(ids, limit=500, keep=[outside, "unknown"])
    assert len(kept) == 501 and ids.index(outside) in kept
    assert rows_key(rows, 10_000) != rows_key(kept, 10_000)
    # uniform over the rows: each tenth of the table keeps about a tenth of the sample
    counts = np.bincount(rows // 1000, minlength=10)
    assert counts.min() > 25 and counts.max() < 75


def test_take_rows_keeps_values_and_languages():
    ind = Indicators(values=np.arange(8, dtype=np.float32).reshape(4, 2), names=("loudness_dbfs", "snr_db"),
                     languages=("en", "de", "", "fr"))
    sub = take_rows(ind, np.array([1, 3]))
    assert sub.values.tolist() == [[2, 3], [6, 7]] and sub.languages == ("de", "fr")


def test_clusters_page_draws_a_sample_of_a_big_features_file(tmp_path):
    n = MAP_POINT_LIMIT + 700
    path = write_feature_file(tmp_path / "big.parquet", n, n_genres=4, d_audio=8, d_lyrics=8)
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=240)
    at.session_state["dataset_source"] = "path"
    at.session_state["dataset_path"] = str(path)
    at.session_state["projection"] = "pca"
    at.run()
    at.switch_page("app_pages/clusters.py").run()
    assert not at.exception
    assert any(f"The map draws {MAP_POINT_LIMIT:,} of the {n:,} tracks" in c.value for c in at.caption)
    assert f"{n} tracks; weights, fusion and clustering took" in " ".join(c.value for c in at.caption)  # every track


def test_the_metric_table_of_a_big_set_clusters_each_row_once(tmp_path, monkeypatch):
    import core.loop
    from core.datasets import load_dataset
    from core.experiments import prepare
    from core.features.extract import extract_features
    from core.loop import COLD_N_INIT, InteractiveLoop
    from core.rules import DEFAULT_RULES
    ds = load_dataset(write_feature_file(tmp_path / "f.parquet", 60, n_genres=3, d_audio=6, d_lyrics=6))
    loop = InteractiveLoop(prepare(extract_features(ds)[0]), ds.labels)
    res = loop.run(DEFAULT_RULES, n_clusters=3, seed=0)
    assert loop.table_config("kmeans", "concat", 3).n_init == COLD_N_INIT
    assert loop.comparison_table(res, "kmeans", "concat", 0).attrs["n_init"] == COLD_N_INIT
    monkeypatch.setattr(core.loop, "BIG_TABLE_TRACKS", 59)
    assert loop.table_config("kmeans", "concat", 3).n_init == 1
