"""The export / dataset / ablation view builders (core.views.export, .indicator_overview, .report, .ablation), their figures and the
standalone HTML report (ui.figures_report), on hand-made values and on the tiny synthetic set."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from core.errors import ParameterError
from core.experiments import ExperimentConfig, prepare, run_ablation, track_table
from core.indicators import INDICATORS, Indicators
from core.loop import InteractiveLoop
from core.rules import DEFAULT_RULES, apply_rules, rule_counts
from core.views.ablation import (ablation_conditions_table, ablation_curve, ablation_slices_table,
                                 ablation_tests_table)
from core.views.export import EXPORT_TABLES, dropped_track_ids, split_tracks_table, tracks_json, tracks_table
from core.views.indicator_overview import INDICATOR_OVERVIEW_COLUMNS, indicator_overview
from core.views.report import cluster_weight_table, weight_histogram
from ui.figures_report import ablation_figure, build_html_report, map_figure, weight_histogram_figure

FAKE_PLOTLYJS = "/* plotly.js stand-in for the test: the real one is 4.8 MB */"


# ----------------------------------------------------------------------------------------------
# Shared real state: the tiny synthetic set, prepared, one loop pass, small ablations
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def parts(tiny_features):
    ds, fs = tiny_features
    prepared = prepare(fs)
    loop = InteractiveLoop(prepared, ds.labels)
    rs = DEFAULT_RULES.replace_rule("loud", threshold=-15.0)
    result = loop.run(rs, n_clusters=6, seed=1)
    table = loop.comparison_table(result, "kmeans", "concat", 1)
    return ds, fs, prepared, rs, result, table


@pytest.fixture(scope="module")
def ablations(parts):
    ds, _, prepared, *_ = parts
    cfg = ExperimentConfig(seeds=(0, 1, 2), subsample=1.0, n_init=1)
    p = prepared.with_config(cfg)
    labelled = run_ablation(p, labels=ds.labels, ground_truth=ds.ground_truth)
    unlabelled = run_ablation(p)
    return labelled, unlabelled


# ----------------------------------------------------------------------------------------------
# Indicator overview
# ----------------------------------------------------------------------------------------------
def test_indicator_overview_on_hand_made_values():
    ind = Indicators.from_columns({
        "loudness_dbfs": [-20.0, -10.0, np.nan, -30.0],
        "word_count": [np.nan, np.nan, np.nan, np.nan],
        "lyrics_available": [1.0, 0.0, 1.0, 1.0],
    })
    ov = indicator_overview(ind)
    assert tuple(ov.columns) == INDICATOR_OVERVIEW_COLUMNS
    assert ov["indicator"].tolist() == ["loudness_dbfs", "word_count", "lyrics_available"]
    loud = ov.iloc[0]
    assert loud["median"] == pytest.approx(-20.0)        # median of -30, -20, -10
    assert (loud["min"], loud["max"]) == (-30.0, -10.0)
    assert loud["nan_share"] == pytest.approx(0.25) and loud["n_known"] == 3
    assert loud["unit"] == "dBFS" and loud["group"] == "energy"
    words = ov.iloc[1]
    assert math.isnan(words["median"]) and words["nan_share"] == 1.0 and words["n_known"] == 0
    assert words["description"] == INDICATORS["word_count"].description
    assert ov.iloc[2]["median"] == 1.0


def test_indicator_overview_rejects_a_plain_array():
    with pytest.raises(ParameterError, match=r"The 'ind' parameter of indicator_overview must be an Indicators"):
        indicator_overview(np.zeros((3, 2)))


# ----------------------------------------------------------------------------------------------
# Weight histogram and per-cluster table
# ----------------------------------------------------------------------------------------------
def test_weight_histogram_counts_by_deciding_rule():
    w = np.array([0.0, 0.05, 0.5, 0.55, 1.0, 1.0, np.nan])
    by = np.array(["unusable_audio", "", "", "", "no_lyrics", "", ""], dtype=object)
    h = weight_histogram(w, by, bins=10)
    assert list(h.columns) == ["bin_lo", "bin_hi", "decided_by", "count"]
    assert h["decided_by"].unique().tolist() == ["soft rules", "no_lyrics", "unusable_audio"]
    soft = h[h.decided_by == "soft rules"].set_index("bin_lo")["count"]
    assert soft[0.0] == 1 and soft[0.5] == 2 and soft[0.9] == 1   # 1.0 falls in the last bin
    assert h[h.decided_by == "no_lyrics"]["count"].tolist()[-1] == 1
    assert h[h.decided_by == "unusable_audio"]["count"].tolist()[0] == 1
    assert h["count"].sum() == 6                                   # the NaN is left out
    with pytest.raises(ParameterError, match="The 'bins' parameter of weight_histogram must be an int >= 1"):
        weight_histogram(w, by, bins=0)
    with pytest.raises(ParameterError, match="'decided_by' parameter of weight_histogram"):
        weight_histogram(w, by[:3])


def test_cluster_weight_table_matches_numpy():
    w = np.array([0.2, 0.4, 0.9, 1.0, 0.6])
    c = np.array([0, 0, 1, 1, 1])
    t = cluster_weight_table(w, c)
    assert t["cluster"].tolist() == [0, 1] and t["n"].tolist() == [2, 3]
    assert t["mean"].tolist() == pytest.approx([0.3, np.mean([0.9, 1.0, 0.6])])
    assert t["median"].tolist() == pytest.approx([0.3, 0.9])


# ----------------------------------------------------------------------------------------------
# Per-track export
# ----------------------------------------------------------------------------------------------
def test_tracks_table_describes_the_loop_result(parts):
    ds, _, prepared, rs, result, _ = parts
    t = tracks_table(prepared, result, ds.labels)
    # the same columns as `python -m core export` writes
    assert list(t.columns) == list(track_table(prepared, seed=0, labels=ds.labels).columns)
    assert t["track_id"].tolist() == list(prepared.track_ids)
    np.testing.assert_array_equal(t["cluster"].to_numpy(), result.labels)
    expected = apply_rules(prepared.indicators, rs)
    np.testing.assert_array_equal(t["audio_weight"].to_numpy(), expected.weights)
    np.testing.assert_allclose(t["lyrics_weight"], 1.0 - expected.weights, atol=1e-7)
    traces = t[[c for c in t.columns if c.startswith("trace_")]].to_numpy()
    np.testing.assert_allclose(traces.sum(axis=1), t["audio_weight"], atol=1e-5)
    assert t["genre"].tolist() == list(prepared.align(ds.labels).astype(str))
    fired = rule_counts(expected)
    assert sum(("loud" in x.split(";")) for x in t["fired"]) == fired["loud"]
    assert t.attrs["n_clusters"] == 6
    # a rule that did not fire contributes 0, not "-0.0" (0 x a negative delta), in the CSV a spreadsheet opens
    for table in (t, track_table(prepared, seed=0, labels=ds.labels)):
        assert ",-0.0," not in table.to_csv(index=False).replace("\n", ",")


def test_split_tables_and_json(parts):
    ds, fs, prepared, rs, result, _ = parts
    t = tracks_table(prepared, result, ds.labels)
    tables = split_tracks_table(t)
    assert set(tables) == set(EXPORT_TABLES)
    for frame in tables.values():
        assert frame.columns[:2].tolist() == ["track_id", "genre"] and len(frame) == len(t)
    covered = set().union(*(set(f.columns) for f in tables.values()))
    assert covered == set(t.columns)                      # nothing lost between the four files
    assert all(c.startswith("ind_") for c in tables["indicators"].columns[2:])
    doc = json.loads(tracks_json(t, dataset={"name": "tiny", "root": "/x", "labelled": True},
                                 settings={"algorithm": "kmeans", "seed": 1}, metrics=result.metrics,
                                 dropped=[]))
    assert doc["condition"] == "dynamic" and doc["n_clusters"] == 6 and doc["labelled"] is True
    assert len(doc["tracks"]) == len(t)
    first = doc["tracks"][0]
    assert first["track_id"] == t["track_id"].iloc[0]
    assert first["audio_weight"] == pytest.approx(float(t["audio_weight"].iloc[0]))
    assert doc["metrics"]["nmi"] == pytest.approx(result.metrics["nmi"])
    # NaN indicators (instrumentals have no lyrics) are written as null, never as NaN
    nan_col = t["ind_word_count"].isna()
    assert nan_col.any()
    i = int(np.flatnonzero(nan_col.to_numpy())[0])
    assert doc["tracks"][i]["ind_word_count"] is None


def test_tracks_table_rejects_a_result_of_other_tracks(parts, tiny_features):
    ds, fs, prepared, rs, result, _ = parts
    other = dataclasses.replace(result, track_ids=tuple(reversed(result.track_ids)))
    with pytest.raises(ParameterError, match="The 'result' parameter of tracks_table must be a LoopResult"):
        tracks_table(prepared, other)


def test_dropped_tracks_are_named_and_left_out(tiny_features):
    ds, fs = tiny_features
    # a track with neither usable audio nor usable lyrics, made by hand from the real features
    audio_ok, lyrics_ok = fs.audio_ok.copy(), fs.lyrics_ok.copy()
    audio_stats, lyrics_stats = fs.audio_stats.copy(), fs.lyrics_stats.copy()
    audio_ok[3] = lyrics_ok[3] = False
    audio_stats[3] = np.nan
    lyrics_stats[3] = np.nan
    broken = dataclasses.replace(fs, audio_ok=audio_ok, lyrics_ok=lyrics_ok, audio_stats=audio_stats,
                                 lyrics_stats=lyrics_stats)
    prepared = prepare(broken)
    assert dropped_track_ids(prepared, broken.track_ids) == [fs.track_ids[3]]
    result = InteractiveLoop(prepared, ds.labels).run(DEFAULT_RULES, n_clusters=4)
    t = tracks_table(prepared, result, ds.labels)
    assert fs.track_ids[3] not in set(t["track_id"]) and len(t) == fs.n_tracks - 1
    with pytest.raises(ParameterError, match="'track_ids' parameter of dropped_track_ids"):
        dropped_track_ids(prepared, broken.track_ids[:-1])


# ----------------------------------------------------------------------------------------------
# Ablation views
# ----------------------------------------------------------------------------------------------
def test_ablation_curve_matches_the_summary(ablations):
    res, _ = ablations
    static, dynamic, singles = ablation_curve(res, "nmi")
    assert static["weight"].tolist() == pytest.approx(list(res.config.static_grid))
    for _, row in static.iterrows():
        name = f"static_{row['weight']:.1f}"
        assert row["mean"] == pytest.approx(res.mean(name, "nmi"))
        assert row["ci_low"] <= row["mean"] <= row["ci_high"] or row["std"] == 0
    assert static.loc[static.best, "weight"].tolist() == [res.best_static["nmi"]]
    assert dynamic["mean"] == pytest.approx(res.mean("dynamic", "nmi")) and dynamic["n"] == 3
    assert set(singles) == {"audio_only", "lyrics_only"}
    with pytest.raises(ParameterError, match="The 'metric' parameter of ablation_curve"):
        ablation_curve(res, "no_such_metric")


def test_ablation_tests_flag_the_oracle_only_with_labels(ablations):
    labelled, unlabelled = ablations
    t = ablation_tests_table(labelled)
    best = t[t.comparison == "dynamic vs best static"]
    assert len(best) == len(labelled.test_metrics)
    assert best["static weight"].str.contains("picked with the labels: oracle").all()
    assert not t[t.comparison == "dynamic vs static 0.5"]["static weight"].str.contains("oracle").any()
    np.testing.assert_allclose(t["p value"], labelled.tests["p_value"])
    u = ablation_tests_table(unlabelled)
    assert set(u["metric"]) <= {"silhouette ↑", "Calinski-Harabasz ↑", "Davies-Bouldin ↓"}
    assert not u["static weight"].str.contains("oracle").any()
    assert u[u.comparison == "dynamic vs best static"]["static weight"].str.contains("post hoc").all()


def test_slices_exist_only_with_ground_truth_and_labels(ablations):
    labelled, unlabelled = ablations
    s = ablation_slices_table(labelled)
    assert s is not None and {"dynamic (rules)", "static 0.5"} <= set(s["condition"])
    clean = s[(s.slice.str.startswith("clean")) & (s.condition == "dynamic (rules)")].iloc[0]
    raw = labelled.slices
    acc = raw[(raw.slice == clean["slice"]) & (raw.condition == "dynamic") & (raw.metric == "accuracy")]
    assert clean["accuracy"] == pytest.approx(float(acc["mean"].iloc[0]))
    assert ablation_slices_table(unlabelled) is None


def test_the_conditions_table_is_in_words(ablations):
    """The Ablation page said 'static_0.4  *oracle best static*', 'audio_only', 'nmi', 'v_measure'."""
    labelled, unlabelled = ablations
    t = ablation_conditions_table(labelled)
    assert t.index.tolist()[:3] == ["audio only", "lyrics only", "static 0.0"]
    assert "dynamic (rules)" in t.index and "NMI ↑" in t.columns and "V-measure ↑" in t.columns
    best = [c for c in t.index if "oracle" in c]
    assert best == [f"static {labelled.best_static_weight:.1f} (best static, picked with the labels: oracle)"]
    assert not any("_" in c or "*" in c for c in list(t.index) + list(t.columns))
    assert t["NMI ↑"].tolist() == labelled.table()["nmi"].tolist()       # values unchanged
    u = ablation_conditions_table(unlabelled)
    assert any("picked post hoc" in c for c in u.index) and not any("oracle" in c for c in u.index)


def test_ablation_figure_draws_the_band_and_the_dynamic_line(ablations):
    res, _ = ablations
    fig = ablation_figure(res, "nmi")
    names = [t.name for t in fig.data]
    assert names[:4] == ["static weight: 95 % CI", "static weight", "dynamic: 95 % CI", "dynamic (rules)"]
    assert "best static (oracle: picked with the labels)" in names
    static, dynamic, _ = ablation_curve(res, "nmi")
    band = fig.data[0]                                  # upper edge left to right, lower edge back
    n = len(static)
    assert list(band.x) == static["weight"].tolist() + static["weight"].tolist()[::-1]
    assert list(band.y[:n]) == pytest.approx(static["ci_high"].tolist())
    assert list(band.y[n:]) == pytest.approx(static["ci_low"].tolist()[::-1])
    assert list(fig.data[1].y) == pytest.approx(static["mean"].tolist())
    assert list(fig.data[3].y) == pytest.approx([dynamic["mean"]] * 2)
    assert fig.layout.title.text.startswith("NMI ↑ against") and fig.layout.yaxis.title.text == "NMI ↑"
    _, unlabelled = ablations
    names_u = [t.name for t in ablation_figure(unlabelled, "silhouette").data]
    assert "best static (post hoc)" in names_u and not any("oracle" in x for x in names_u)


# ----------------------------------------------------------------------------------------------
# Figures and the HTML report
# ----------------------------------------------------------------------------------------------
def test_map_figure_is_webgl_in_2d_and_3d_in_3d():
    rng = np.random.default_rng(0)
    ids = [f"t{i}" for i in range(6)]
    c = np.array([0, 0, 1, 1, 2, 2])
    f2 = map_figure(rng.normal(size=(6, 2)), c, ids, genres=list("aabbcc"), weights=np.linspace(0, 1, 6))
    assert {t.type for t in f2.data} == {"scattergl"} and len(f2.data) == 3
    assert "genre a" in f2.data[0].text[0]
    f3 = map_figure(rng.normal(size=(6, 3)), c, ids)
    assert {t.type for t in f3.data} == {"scatter3d"}
    with pytest.raises(ValueError):
        map_figure(rng.normal(size=(5, 2)), c, ids)


class _Report(HTMLParser):
    """Collects script blocks (with attributes), table cells by table id, section ids, links."""

    def __init__(self):
        super().__init__()
        self.scripts, self.tables, self.sections, self.external = [], {}, [], []
        self._script, self._table, self._row, self._cell = None, None, None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if "src" in a:
                self.external.append(a["src"])
            self._script = {"attrs": a, "text": ""}
        elif tag == "link" and "href" in a:
            self.external.append(a["href"])
        elif tag == "section":
            self.sections.append(a.get("id"))
        elif tag == "table":
            self._table = a.get("id")
            self.tables[self._table] = []
        elif tag == "tr" and self._table:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = ""

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.scripts.append(self._script)
            self._script = None
        elif tag in ("td", "th") and self._cell is not None:
            self._row.append(self._cell.strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data
        elif self._cell is not None:
            self._cell += data


def _parse(text: str) -> _Report:
    p = _Report()
    p.feed(text)
    return p


def _figure(report: _Report, fig_id: str) -> dict:
    block = [s for s in report.scripts if s["attrs"].get("id") == f"{fig_id}-data"]
    assert len(block) == 1, fig_id
    return json.loads(block[0]["text"])


def test_html_report_holds_settings_metrics_histogram_clusters_and_map(parts, ablations):
    ds, _, prepared, rs, result, table = parts
    coords = np.random.default_rng(1).normal(size=(prepared.n_tracks, 2))
    html_text = build_html_report(
        dataset={"name": "tiny <synth>", "tracks": prepared.n_tracks},
        settings={"algorithm": "kmeans", "fusion": "concat", "seed": 1},
        metric_table=table, weights=result.weights, clusters=result.labels, track_ids=result.track_ids,
        decided_by=result.rules.decided_by, genres=list(prepared.align(ds.labels)), coords=coords,
        ruleset=rs, rule_counts=rule_counts(result.rules), notes=["no labels <here>"],
        ablation={"concat": ablations[0]}, versions={"numpy": np.__version__},
        created="2026-01-01T00:00:00", plotlyjs=FAKE_PLOTLYJS)
    r = _parse(html_text)
    assert r.external == []                                  # works offline: nothing fetched
    assert r.scripts[0]["text"] == FAKE_PLOTLYJS             # plotly.js inline, in the head, once
    assert sum(FAKE_PLOTLYJS in s["text"] for s in r.scripts) == 1
    assert r.sections == ["dataset", "settings", "metrics", "weights", "cluster-weights", "map", "ablation"]
    assert "tiny &lt;synth&gt;" in html_text and "no labels &lt;here&gt;" in html_text  # escaped
    settings = dict((row[0], row[1]) for row in r.tables["table-settings"])
    assert settings == {"algorithm": "kmeans", "fusion": "concat", "seed": "1"}
    # the metric table: the loop's comparison table, 3 decimals
    head, *rows = r.tables["table-metrics"]
    assert head[0] == "condition" and head[1:] == list(table.columns)
    shown = {row[0]: row[1:] for row in rows}
    for cond, values in table.iterrows():
        assert shown[cond] == [f"{v:.3f}" for v in values]
    # rules table with fired counts
    rule_rows = {row[0]: row for row in r.tables["table-rules"][1:]}
    counts = rule_counts(result.rules)
    assert {k: int(v[-1]) for k, v in rule_rows.items()} == {x.name: counts[x.name] for x in rs.rules}
    # the weight histogram: per deciding rule, the counts of weight_histogram; all tracks counted
    fig = _figure(r, "fig-weights")
    hist = weight_histogram(result.weights, result.rules.decided_by, bins=20)
    assert sum(sum(t["y"]) for t in fig["data"]) == prepared.n_tracks
    for t in fig["data"]:
        group = t["name"].removeprefix("hard rule: ")
        assert t["y"] == hist[hist.decided_by == group]["count"].tolist()
    # per-cluster weights: one box per cluster holding that cluster's weights
    boxes = _figure(r, "fig-cluster-weights")["data"]
    for b in boxes:
        k = int(b["name"].split()[-1])
        assert sorted(b["y"]) == pytest.approx(sorted(result.weights[result.labels == k].astype(float)))
    cw = r.tables["table-cluster-weights"]
    assert [int(row[1]) for row in cw[1:]] == [int((result.labels == k).sum()) for k in np.unique(result.labels)]
    # the map: every track once, at its coordinates
    pts = _figure(r, "fig-map")["data"]
    assert sum(len(t["x"]) for t in pts) == prepared.n_tracks
    assert {t["type"] for t in pts} == {"scattergl"}
    # the ablation with its oracle flag
    assert _figure(r, "fig-ablation-concat")["data"][1]["name"] == "static weight"
    assert "picked with the labels: oracle" in html_text


def test_html_report_without_map_or_ablation_and_with_the_real_plotlyjs(parts):
    ds, _, prepared, rs, result, table = parts
    html_text = build_html_report(dataset={"name": "tiny"}, settings={}, metric_table=table,
                                  weights=result.weights, clusters=result.labels,
                                  track_ids=result.track_ids)
    r = _parse(html_text)
    assert "map" not in r.sections and "ablation" not in r.sections
    assert r.external == []
    assert re.search(r"plotly\.js v\d", r.scripts[0]["text"])      # the bundled library, inline
    assert html_text.count("plotly.js v") == 1
    with pytest.raises(ValueError, match="one weight, cluster and id per track"):
        build_html_report(dataset={}, settings={}, metric_table=table, weights=result.weights[:-1],
                          clusters=result.labels, track_ids=result.track_ids)


def test_weight_histogram_figure_stacks_one_trace_per_group():
    h = weight_histogram(np.array([0.1, 0.9, 1.0]), np.array(["", "", "no_lyrics"], dtype=object), bins=5)
    fig = weight_histogram_figure(h)
    assert [t.name for t in fig.data] == ["soft rules", "hard rule: no_lyrics"]
    assert fig.layout.barmode == "stack"
    assert list(fig.data[0].y) == [1, 0, 0, 0, 1] and list(fig.data[1].y) == [0, 0, 0, 0, 1]
    assert pd.Series(fig.data[0].x).round(2).tolist() == [0.1, 0.3, 0.5, 0.7, 0.9]
