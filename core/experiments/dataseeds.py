"""Generated-data seeds: the ablation repeated on several generated sets, the dataset as the unit.

Pipeline position: synthetic generator (one set per seed, cached) -> features (cached) ->
prepare -> ablation (per set) -> **dataseeds** (paired tests over sets).

A clustering seed changes only the 80 % subsample and the initialisation, so the p-values of one
ablation describe ONE generated dataset. Here each generator seed builds its own set; per set, a
condition's score is its mean over the clustering seeds, and the paired tests run over the sets.
With ``n`` sets a two-sided Wilcoxon signed-rank test cannot fall below ``2 / 2**n`` (0.25 for
three sets): the sign count (in how many sets dynamic won) is then the honest summary, and both
are reported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence

import numpy as np
import pandas as pd

from core.experiments.config import EXTERNAL_METRICS, INTERNAL_METRICS, static_name
from core.experiments.stats import _best, paired_test, summarize, with_holm


def synth_config(seed: int, tracks_per_genre: Optional[int] = None,
                 clip_seconds: Optional[float] = None, genres: Optional[Sequence[str]] = None):
    """The built-in generator's config with ``seed`` and the given knobs (others at default)."""
    from core.datasets.synthetic import SynthConfig

    kw = {"seed": int(seed)}
    if tracks_per_genre is not None:
        kw["tracks_per_genre"] = int(tracks_per_genre)
    if clip_seconds is not None:
        kw["clip_seconds"] = float(clip_seconds)
    if genres:
        kw["genres"] = tuple(genres)
    return SynthConfig(**kw)


def seed_dir(config, root: Optional[Path] = None) -> Path:
    """Where the set of ``config`` is cached: ``<data>/synthetic-seed-<seed>`` for the default
    knobs, with ``-t<tracks>-c<seconds>[-g<n genres>]`` appended otherwise."""
    from core.datasets.synthetic import SynthConfig
    from core.paths import data_dir

    default = SynthConfig()
    name = f"synthetic-seed-{config.seed}"
    if (config.tracks_per_genre, config.clip_seconds, tuple(config.genres)) != (
            default.tracks_per_genre, default.clip_seconds, tuple(default.genres)):
        name += f"-t{config.tracks_per_genre}-c{config.clip_seconds:g}"
        if tuple(config.genres) != tuple(default.genres):
            name += f"-g{len(config.genres)}-" + "-".join(config.genres)
    return Path(root if root is not None else data_dir()) / name


@dataclass(eq=False)
class DataSeedsResult:
    """Paired tests with the generated dataset as the unit (one fusion).

    Attributes
    ----------
    fusion : str
    data_seeds : tuple of int
    per_dataset : DataFrame
        ``data_seed``, ``condition``, ``metric``, ``value``: the mean over clustering seeds.
    summary : DataFrame
        :func:`summarize` over datasets (``n`` = number of datasets).
    tests : DataFrame
        Dynamic vs static 0.5, vs shuffled and vs the oracle best static (chosen on the mean over
        datasets, with the labels), paired over datasets; ``p_holm`` over the table.
    best_static : dict metric -> float
    notes : list of str
    """

    fusion: str
    data_seeds: tuple
    per_dataset: pd.DataFrame
    summary: pd.DataFrame
    tests: pd.DataFrame
    best_static: dict
    notes: list = field(default_factory=list)


def across_datasets(results: Mapping[int, object], fusion: str = "") -> DataSeedsResult:
    """Paired tests over generated datasets from one :class:`AblationResult` per data seed.

    Parameters
    ----------
    results : mapping data seed -> AblationResult
        The same config on each set (same conditions and clustering seeds).
    fusion : str
        Label only.
    """
    seeds = tuple(results)
    first = next(iter(results.values()))
    labelled = bool(first.labelled)
    quality = (EXTERNAL_METRICS if labelled else ()) + INTERNAL_METRICS
    rows = []
    for ds_seed, r in results.items():
        s = r.summary[r.summary.metric.isin(quality)]
        rows += [{"data_seed": ds_seed, "condition": c, "metric": m, "value": v}
                 for c, m, v in zip(s.condition, s.metric, s["mean"])]
    per = pd.DataFrame(rows, columns=["data_seed", "condition", "metric", "value"])
    summary = summarize(per.rename(columns={"data_seed": "seed"}))
    statics = [(c, first.condition_info[c]["weight"]) for c in first.conditions
               if first.condition_info[c]["kind"] == "static"]
    best = {}
    for m in quality:
        means = {w: float(summary[(summary.condition == c) & (summary.metric == m)]["mean"].iloc[0])
                 for c, w in statics}
        best[m] = _best(means, m)
    tests = []
    for m in (("nmi", "ari") if labelled else ("silhouette",)):
        dyn = _by_dataset(per, "dynamic", m, seeds)
        for label, other, oracle in (("static 0.5", "static_0.5", False),
                                     ("shuffled", "shuffled", False),
                                     ("best static", static_name(best[m]), labelled)):
            if other not in set(per.condition):
                continue
            res = paired_test(dyn, _by_dataset(per, other, m, seeds), m)
            tests.append({"unit": "generated dataset", "metric": m,
                          "comparison": f"dynamic vs {label}", "other": other, "oracle": oracle,
                          **res})
    n = len(seeds)
    notes = [f"unit: generated dataset ({n} generator seeds: {', '.join(map(str, seeds))}); a "
             "dataset's score is its mean over the clustering seeds",
             f"with {n} datasets a two-sided Wilcoxon p cannot fall below {2.0 / 2 ** n:.3g}"
             + (" (so p < 0.05 is out of reach: read the sign count, dynamic better/worse in how "
                "many datasets)" if 2.0 / 2 ** n >= 0.05 else ""),
             "Holm: p_holm adjusts every p of the table for the number of tests in it"]
    if labelled:
        notes.append("ORACLE: the best static weight is chosen on the mean over datasets with "
                     "the labels")
    return DataSeedsResult(fusion=fusion, data_seeds=seeds, per_dataset=per, summary=summary,
                           tests=with_holm(pd.DataFrame(tests)), best_static=best, notes=notes)


def _by_dataset(per: pd.DataFrame, condition: str, metric: str, seeds: tuple) -> np.ndarray:
    sel = per[(per.condition == condition) & (per.metric == metric)].set_index("data_seed")["value"]
    return np.array([float(sel.get(s, math.nan)) for s in seeds])


def format_dataset_tests(result: DataSeedsResult) -> str:
    """The dataset-unit table as text: per condition the mean over datasets, then the tests."""
    lines = [f"== unit: generated dataset, fusion {result.fusion} "
             f"(data seeds {', '.join(map(str, result.data_seeds))}) =="]
    s = result.summary
    metrics = [m for m in ("nmi", "ari", "silhouette") if m in set(s.metric)]
    for c in ("static_0.5", "dynamic", "shuffled", static_name(result.best_static.get(metrics[0]))):
        vals = [s[(s.condition == c) & (s.metric == m)] for m in metrics]
        cells = [f"{m} {v['mean'].iloc[0]:.3f} ± {v['std'].iloc[0]:.3f}" for m, v in zip(metrics, vals)
                 if len(v)]
        flag = "  (oracle best static)" if c == static_name(result.best_static.get(metrics[0])) \
            and c not in ("static_0.5",) else ""
        lines.append(f"  {c:<12} " + ", ".join(cells) + flag)
    for _, r in result.tests.iterrows():
        lines.append(f"  {r['metric']:<10} {r['comparison']:<24} mean diff {r['mean_diff']:+.4f}, "
                     f"dynamic better in {r['wins']}/{r['n']} datasets, worse in {r['losses']}, "
                     f"Wilcoxon p = {r['p_value']:.4f}, Holm p = {r['p_holm']:.4f}"
                     + (" [oracle]" if r["oracle"] else ""))
    lines += [f"  note: {n}" for n in result.notes]
    return "\n".join(lines)
