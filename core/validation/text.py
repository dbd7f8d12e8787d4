"""The indicator report as plain-text tables for the terminal (``python -m core indicators``)."""

from __future__ import annotations

import math

from core.validation import AUC_PASS, IndicatorReport


def _num(v, fmt=".3f") -> str:
    try:
        return "-" if v is None or not math.isfinite(float(v)) else format(float(v), fmt)
    except (TypeError, ValueError):
        return str(v)


def _table(header: list, rows: list) -> list:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(header)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return [line(header), line(["-" * w for w in widths])] + [line(r) for r in rows]


def report_text(rep: IndicatorReport, dataset: str = "") -> str:
    """Distributions, AUC checks, parameter curves and rule firing, as aligned text."""
    out = [f"indicators of {dataset or 'the dataset'}: {rep.n_tracks} tracks"]
    if not rep.has_truth:
        out.append("no ground truth is available for this dataset: firing rates and distributions only "
                   "(no AUC, precision or recall)")
    out += ["", "What each indicator claims and its distribution (over tracks where it is known):"]
    out += _table(["indicator", "unit", "p05", "median", "p95", "known", "claims"],
                  [[r.indicator, r.unit or "-", _num(r.p05, ".3g"), _num(r.median, ".3g"), _num(r.p95, ".3g"),
                    r.known, r.claims] for r in rep.distributions.itertuples()])
    if rep.has_truth:
        out += ["", f"ROC AUC against the generator's truth (pass: >= {AUC_PASS}):"]
        out += _table(["indicator", "target", "claims when", "auc", "pos", "neg", "pass"],
                      [[r.indicator, r.target, r.direction, _num(r.auc), r.n_pos, r.n_neg,
                        "yes" if r.passes else ("-" if not math.isfinite(r.auc) else "NO")]
                       for r in rep.checks.itertuples()])
        if any(r.n_pos + r.n_neg == 0 and r.indicator.endswith("_learned") for r in rep.checks.itertuples()):
            out.append("(\"-\" on a *_learned indicator: the learned level is off; add --audio-levels "
                       "low,mid,high,learned)")
        if not rep.curves.empty:
            out += ["", "AUC against clean audio over each degradation's parameter (harshest first):"]
            out += _table(["indicator", "kind", "parameter", "range", "n", "auc", "pass"],
                          [[r.indicator, r.kind, r.unit, f"{r.param_lo:.4g}-{r.param_hi:.4g}", r.n_pos,
                            _num(r.auc), "yes" if r.passes else "NO"] for r in rep.curves.itertuples()])
    out += ["", "Rules: how often each fires" + (" and against the truth it targets:" if rep.has_truth else ":")]
    out += _table(["rule", "kind", "indicator", "fires", "share", "target", "target share", "precision", "recall"],
                  [[r.rule, r.kind, r.indicator or "-", r.fires, _num(r.share, ".1%"), r.target or "-",
                    _num(r.target_share, ".1%"), _num(r.precision), _num(r.recall)] for r in rep.rules.itertuples()])
    if rep.failures:
        out += ["", "Below the bar:"] + [f"  - {f}" for f in rep.failures]
    return "\n".join(out)
