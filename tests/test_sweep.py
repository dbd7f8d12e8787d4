"""The degradation sweep: ``python -m core sweep`` on a tiny real config writes the CSV with one
row per share x fusion x condition, and the Ablation page draws that CSV as one line chart."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core.__main__ import main
from core.datasets import load_dataset
from core.experiments.sweep import (
    SWEEP_COLUMNS,
    SWEEP_CONDITIONS,
    crossing,
    parse_shares,
    read_sweep,
    sweep_config,
    sweep_dir,
)
from core.errors import DatasetError, ParameterError
from core.paths import REPO_ROOT


@pytest.fixture(scope="module")
def sweep_run(tmp_path_factory):
    """(sweep.csv, data folder): the sweep's sets and cache live in their own data folder (the
    autouse per-test folder is not set yet when a module fixture runs)."""
    root = tmp_path_factory.mktemp("sweep-data")
    out = root / "run"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WORKBENCH_DATA_DIR", str(root))
        mp.setenv("WORKBENCH_CACHE_DIR", str(root / "cache"))
        code = main(["sweep", "--degrade", "0,0.5", "--tracks-per-genre", "4", "--clip-seconds",
                     "1", "--genres", "metal,ballad,ambient", "--seeds", "2", "--fusion",
                     "concat", "--jobs", "1", "--out", str(out)])
    assert code == 0
    return out / "sweep.csv", root


@pytest.fixture
def sweep_csv(sweep_run):
    return sweep_run[0]


def test_sweep_writes_one_row_per_share_and_condition(sweep_csv):
    table = read_sweep(sweep_csv)
    assert tuple(table.columns) == SWEEP_COLUMNS
    assert len(table) == 2 * len(SWEEP_CONDITIONS)
    assert sorted(set(table.degrade)) == [0.0, 0.5]
    assert set(table.condition) == set(SWEEP_CONDITIONS)
    assert set(table.fusion) == {"concat"} and set(table.metric) == {"nmi"}
    assert table["mean"].between(0, 1 + 1e-9).all()
    assert (table.n_datasets == 1).all() and table.ci_low.isna().all()   # one data seed: no CI
    best = table[table.condition == "best_static"].set_index("degrade")
    static = table[table.condition == "static_0.5"].set_index("degrade")
    assert (best["mean"] >= static["mean"] - 1e-12).all()       # the oracle is at least static 0.5
    assert best.static_weight.between(0, 1).all()


def test_the_sweep_sets_differ_only_in_degradation(sweep_run):
    root = sweep_run[1]
    clean, half = (load_dataset(sweep_dir(sweep_config(d, 0, 4, 1.0, ["metal", "ballad",
                                                                      "ambient"]), root))
                   for d in (0.0, 0.5))
    tc, th = clean.ground_truth.set_index("track_id"), half.ground_truth.set_index("track_id")
    assert list(tc.index.sort_values()) == list(th.index.sort_values())
    assert (tc.audio_degradation == "none").all()
    # half of each genre's 4 tracks, over the kinds
    assert (th[th.audio_degradation != "none"].groupby("genre").size() == 2).all()
    assert (th.genre == tc.loc[th.index].genre).all()


def test_bad_sweep_input_names_it(tmp_path, capsys):
    with pytest.raises(ParameterError, match="'degrade' parameter of sweep"):
        parse_shares("0,1.5")
    assert main(["sweep", "--degrade", "x", "--out", str(tmp_path)]) == 2
    assert "'degrade' parameter" in capsys.readouterr().err
    rules = tmp_path / "rules.json"  # --rules: the same file format as ablate, refused as a whole with the field named
    rules.write_text('{"format": "workbench-ruleset", "version": 1, "ruleset": {"base_weight": 2}}', encoding="utf-8")
    assert main(["sweep", "--rules", str(rules), "--out", str(tmp_path / "no")]) == 2
    assert "Field 'ruleset.base_weight'" in capsys.readouterr().err and not (tmp_path / "no").exists()
    with pytest.raises(SystemExit):
        main(["sweep", "--lyrics-levels", "rhymes", "--out", str(tmp_path / "no")])
    assert "lyrics_levels" in capsys.readouterr().err
    bad = tmp_path / "other.csv"
    bad.write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="not a sweep table"):
        read_sweep(bad)


def test_crossing_finds_the_first_share_where_dynamic_wins():
    rows = []
    for d, dyn, stat in ((0.0, 0.7, 0.8), (0.2, 0.75, 0.74), (0.4, 0.7, 0.6)):
        rows += [{"degrade": d, "fusion": "concat", "condition": "dynamic", "metric": "nmi",
                  "mean": dyn},
                 {"degrade": d, "fusion": "concat", "condition": "static_0.5", "metric": "nmi",
                  "mean": stat}]
    table = pd.DataFrame(rows)
    assert crossing(table, "concat") == 0.2
    assert crossing(table[table.degrade == 0.0], "concat") is None


def test_ablation_page_draws_the_sweep_csv(sweep_csv):
    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=180)
    at.session_state["sweep.path"] = str(sweep_csv)
    at.switch_page("app_pages/ablation.py").run()
    assert not at.exception, [e.value for e in at.exception]
    charts = [c for c in at.get("plotly_chart")]
    assert charts, "no chart drawn"
    import json
    fig = json.loads(charts[0].proto.spec)
    names = [t["name"] for t in fig["data"]]
    assert len(names) == len(SWEEP_CONDITIONS)
    table = read_sweep(sweep_csv)
    dyn = [t for t in fig["data"] if t["name"].startswith("dynamic")][0]
    expected = table[table.condition == "dynamic"].sort_values("degrade")["mean"].tolist()
    ys = [float(y) for y in dyn["y"]]
    assert [round(y, 9) for y in ys] == [round(float(y), 9) for y in expected]
    assert all(not math.isnan(y) for y in ys)
    shown = [d.value for d in at.dataframe if "static_weight" in d.value.columns]
    assert shown and len(shown[0]) == len(table)
