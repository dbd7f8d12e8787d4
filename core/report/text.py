"""Text renderings of an ablation result: markdown tables, the main condition x metric table and
the paired tests for a terminal."""

from __future__ import annotations

import math
from typing import Optional, Sequence

import numpy as np
import pandas as pd


def _fmt(x, digits: int = 3) -> str:
    if x is None:
        return ""
    if isinstance(x, (bool, np.bool_)):
        return "yes" if x else ""
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)):
            return "nan"
        x = float(x)
        if abs(x) < 1e-12:  # rounding noise (e.g. NMI of a one-cluster slice)
            x = 0.0
        if x != 0 and (abs(x) < 10 ** -digits):
            return f"{x:.1e}"
        return f"{x:.{digits}f}" if abs(x) < 1000 else f"{x:.1f}"
    return str(x)


def markdown_table(df: pd.DataFrame, index: bool = False, digits: int = 3) -> str:
    """A pipe table (GitHub markdown) of ``df``; floats to ``digits`` decimals, NaN as "nan"."""
    cols = ([df.index.name or ""] if index else []) + [str(c) for c in df.columns]
    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join(["---"] * len(cols)) + "|"]
    for idx, row in df.iterrows():
        cells = ([str(idx)] if index else []) + [_fmt(v, digits).replace("|", "\\|") for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _main_metrics(result) -> list:
    if result.labelled:
        return ["nmi", "ari", "accuracy", "silhouette"]
    return ["silhouette", "calinski_harabasz", "davies_bouldin"]


def format_main_table(result, metrics: Optional[Sequence[str]] = None, title: str = "") -> str:
    """The condition x metric table (mean ± std over seeds) as fixed-width text.

    The best static weight by the primary metric is marked ``<- oracle best static`` (labelled)
    or ``<- best static (post hoc)``; a line under the table says it plainly.
    """
    metrics = list(metrics or _main_metrics(result))
    head = f"{'condition':<12}" + "".join(f"{m:>20}" for m in metrics)
    lines = []
    if title:
        lines.append(title)
    lines.append(head)
    lines.append("-" * len(head))
    best = _static_name(result.best_static_weight)
    for c in result.conditions:
        cells = []
        for m in metrics:
            s = result.summary[(result.summary.condition == c) & (result.summary.metric == m)]
            if len(s):
                r = s.iloc[0]
                cells.append(f"{_fmt(r['mean'])} ± {_fmt(r['std'])}")
            else:
                cells.append("")
        mark = ""
        if c == best:
            mark = "  <- oracle best static" if result.oracle else "  <- best static (post hoc)"
        lines.append(f"{c:<12}" + "".join(f"{x:>20}" for x in cells) + mark)
    lines += _covered_lines(result)
    n = result.coverage["n_seeds"]
    if result.oracle:
        lines.append(f"mean ± std over {n} seeds. ORACLE: the best static weight "
                     f"({result.best_static_weight:g}, by {result.primary_metric}) was picked "
                     "with the labels.")
    else:
        lines.append(f"mean ± std over {n} seeds. No labels: internal metrics only; the best "
                     "static weight was picked post hoc on the silhouette.")
    return "\n".join(lines)


def _covered_lines(result) -> list:
    """Single-modality scores among the tracks that have the modality (when some lack it)."""
    out = []
    cov = result.coverage
    for cond, missing, what in (("lyrics_only", cov["n_without_lyrics"], "lyrics"),
                                ("audio_only", cov["n_without_audio"], "audio")):
        s = result.summary[(result.summary.condition == cond)
                           & result.summary.metric.str.endswith("_covered")]
        if not missing or not len(s):
            continue
        parts = [f"{r.metric[:-8]} {_fmt(r['mean'])} ± {_fmt(r['std'])}" for _, r in s.iterrows()]
        out.append(f"{cond} among the {cov['n_tracks'] - missing} tracks with {what} (the "
                   f"{missing} without {what} left out instead of grouped): " + ", ".join(parts))
    return out


def format_tests(result, metrics: Optional[Sequence[str]] = None) -> str:
    """The paired tests as text lines."""
    t = result.tests
    if metrics is not None:
        t = t[t.metric.isin(list(metrics))]
    lines = []
    for _, r in t.iterrows():
        flag = " [oracle]" if r["oracle"] else ""
        note = f" ({r['note']})" if r["note"] else ""
        lines.append(f"  {r['metric']:<10} {r['comparison']:<24} ({r['other']}{flag}): "
                     f"mean diff {_fmt(r['mean_diff'], 4):>8}, dynamic better in "
                     f"{r['wins']}/{r['n']} seeds, worse in {r['losses']}, Wilcoxon p = "
                     f"{_fmt(r['p_value'], 4)}, Holm p = {_fmt(r.get('p_holm'), 4)}{note}")
    return "\n".join(lines)


def format_rule_table(result) -> str:
    """The planned per-rule ablation as fixed-width text (one line per rule and metric)."""
    t = getattr(result, "rule_table", None)
    if t is None or not len(t):
        return "  (no rules to switch off)"
    head = (f"  {'rule switched off':<17} {'kind':<5} {'fired':>5} {'moved':>5} {'metric':<10} "
            f"{'dynamic':>8} {'rule off':>8} {'delta':>8} {'full better/worse':>17} "
            f"{'p':>7} {'Holm p':>7}")
    lines = [head]
    for _, r in t.iterrows():
        lines.append(f"  {r['rule']:<17} {r['kind']:<5} {_fmt(r['n_fired']):>5} "
                     f"{_fmt(r['n_changed']):>5} {r['metric']:<10} {_fmt(r['dynamic']):>8} "
                     f"{_fmt(r['rule_off']):>8} {_fmt(r['delta'], 4):>8} "
                     f"{str(r['wins']) + '/' + str(r['losses']):>17} {_fmt(r['p_value'], 4):>7} "
                     f"{_fmt(r['p_holm'], 4):>7}")
    lines.append("  delta = dynamic - rule off (> 0: the rule earns its place); fired: tracks the "
                 "rule fired on; moved: tracks whose fused weight changes without it; Holm over "
                 "every line of this table")
    return "\n".join(lines)


def _static_name(w) -> str:
    from core.experiments import static_name

    return static_name(w)


# ----------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------


def _fmt_stat_row(r) -> str:
    return f"{_fmt(r['mean'])} ± {_fmt(r['std'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
