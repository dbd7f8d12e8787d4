"""Do the indicators measure what they say? ROC AUC against the generator's truth, per degradation
kind and over its parameter, and each rule's firing against the truth it targets.

Evaluation only (README, "Do the indicators measure what they say?"): the truth comes in through
:func:`core.validation.truth.read_truth` and goes out as tables; the rules never see it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy.stats import rankdata

from core.validation.truth import AUDIO_KINDS, AUDIO_PARAM_UNITS, LYRICS_KINDS, target

#: An indicator passes a check at this ROC AUC or above.
AUC_PASS = 0.95

#: (indicator, target, sign): sign +1 when a higher value claims the target, -1 when a lower one does.
CHECKS = (
    ("vocal_presence_audio", "has_voice", +1),
    ("vocal_presence", "has_voice", +1),
    ("vocal_presence_learned", "has_voice", +1),  # NaN (no tracks) without the learned level
    ("snr_db", "audio_noise", -1),
    ("silence_ratio", "audio_dropout", +1),
    ("clipping_ratio", "audio_clipping", +1),
    ("high_band_db", "audio_lowpass", -1),
    ("bandwidth_hz", "audio_lowpass", -1),
    ("audio_quality", "audio_noise", -1),
    ("audio_quality", "audio_dropout", -1),
    ("audio_quality", "audio_clipping", -1),
    ("audio_quality", "audio_lowpass", -1),
    ("audio_quality", "audio_degraded", -1),
    ("word_count", "lyrics_truncated", -1),
    ("junk_token_share", "lyrics_garbled", +1),
    ("lyrics_quality", "lyrics_truncated", -1),
    ("lyrics_quality", "lyrics_garbled", -1),
    ("lyrics_quality", "lyrics_poor", -1),
    ("lyrics_available", "lyrics_missing", -1),
    # the level: the measured one as the reference, the learned tagger's quiet/soft estimate beside it
    ("loudness_dbfs", "quiet", -1),
    ("quiet_learned", "quiet", +1),  # NaN (no tracks) without the learned level
)

#: What a soft rule on an indicator targets: indicator -> (target, sign as in :data:`CHECKS`).
RULE_TARGETS = {
    "vocal_presence": ("has_voice", +1),
    "vocal_presence_audio": ("has_voice", +1),
    "vocal_presence_learned": ("has_voice", +1),
    "audio_quality": ("audio_degraded", -1),
    "lyrics_quality": ("lyrics_poor", -1),
    "snr_db": ("audio_noise", -1),
    "silence_ratio": ("audio_dropout", +1),
    "clipping_ratio": ("audio_clipping", +1),
    "high_band_db": ("audio_lowpass", -1),
    "bandwidth_hz": ("audio_lowpass", -1),
    "word_count": ("lyrics_truncated", -1),
    "junk_token_share": ("lyrics_garbled", +1),
}
#: Hard rule -> (target, True when firing claims the target, False when it claims its absence).
HARD_TARGETS = {"no_lyrics": ("no_lyrics", True), "unusable_audio": ("audio_degraded", True),
                "no_voice": ("has_voice", False)}

#: Parameter bins of the curve of each audio kind.
CURVE_BINS = 3


def auc(values, positive, population, sign: int) -> tuple:
    """ROC AUC of ``sign * values`` for ``positive`` within ``population`` (NaN values left out).

    The Mann-Whitney form, ties counted half: the same number as ``sklearn.metrics.roc_auc_score``
    (a test checks it) at a fraction of its cost, so the Rules page can recompute it on every slider move.

    Returns ``(auc or NaN, n_pos, n_neg)``; NaN when either class is empty.
    """
    x = np.asarray(values, dtype=np.float64)
    keep = np.asarray(population, bool) & np.isfinite(x)
    y = np.asarray(positive, bool)[keep]
    n_pos, n_neg = int(y.sum()), int((~y).sum())
    if n_pos == 0 or n_neg == 0:
        return math.nan, n_pos, n_neg
    ranks = rankdata(sign * x[keep])
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)), n_pos, n_neg


def indicator_checks(ind, truth: pd.DataFrame) -> pd.DataFrame:
    """One row per check of :data:`CHECKS` whose indicator ``ind`` holds.

    Returns
    -------
    DataFrame
        ``indicator``, ``target``, ``direction`` ("higher" / "lower" claims the target), ``auc``
        (0..1, NaN when a class is empty), ``n_pos``, ``n_neg``, ``passes`` (auc >= :data:`AUC_PASS`).
    """
    rows = []
    for name, tgt, sign in CHECKS:
        if name not in ind:
            continue
        pos, pop = target(truth, tgt)
        a, n_pos, n_neg = auc(ind.column(name), pos, pop, sign)
        rows.append({"indicator": name, "target": tgt, "direction": "higher" if sign > 0 else "lower",
                     "auc": a, "n_pos": n_pos, "n_neg": n_neg, "passes": bool(a >= AUC_PASS)})
    return pd.DataFrame(rows, columns=["indicator", "target", "direction", "auc", "n_pos", "n_neg", "passes"])


def parameter_curves(ind, truth: pd.DataFrame, bins: int = CURVE_BINS) -> pd.DataFrame:
    """AUC against clean audio as a curve over each audio kind's parameter, mildest bin last.

    The degraded tracks of a kind are split at parameter quantiles into ``bins`` groups (fewer when
    there are few tracks); each group is scored against every clean track.

    Returns
    -------
    DataFrame
        ``indicator``, ``kind``, ``unit``, ``param_lo``, ``param_hi`` (the group's parameter range),
        ``n_pos``, ``auc``, ``passes``, ``mildest`` (True for the mildest group).
    """
    rows = []
    a_kind = truth["audio_kind"].to_numpy()
    param = truth["audio_param"].to_numpy(dtype=float)
    clean = a_kind == "none"
    for name, tgt, sign in CHECKS:
        kind = tgt[6:] if tgt.startswith("audio_") else None
        if kind not in AUDIO_KINDS or name not in ind:
            continue
        idx = np.flatnonzero((a_kind == kind) & np.isfinite(param))
        if idx.size == 0:
            continue
        idx = idx[np.argsort(AUDIO_KINDS[kind] * param[idx], kind="stable")]  # harshest first
        groups = [g for g in np.array_split(idx, min(bins, idx.size)) if g.size]
        x = ind.column(name)
        for k, g in enumerate(groups):
            pos = np.zeros(len(truth), bool)
            pos[g] = True
            a, n_pos, _ = auc(x, pos, pos | clean, sign)
            rows.append({"indicator": name, "kind": kind, "unit": AUDIO_PARAM_UNITS[kind],
                         "param_lo": float(param[g].min()), "param_hi": float(param[g].max()),
                         "n_pos": n_pos, "auc": a, "passes": bool(a >= AUC_PASS),
                         "mildest": k == len(groups) - 1})
    return pd.DataFrame(rows, columns=["indicator", "kind", "unit", "param_lo", "param_hi", "n_pos", "auc",
                                       "passes", "mildest"])


def _precision_recall(fired, positive) -> tuple:
    tp = int(np.sum(fired & positive))
    n_fired, n_pos = int(fired.sum()), int(positive.sum())
    precision = tp / n_fired if n_fired else math.nan
    recall = tp / n_pos if n_pos else math.nan
    return precision, recall


def rule_checks(result, truth=None) -> pd.DataFrame:
    """How often each rule fires and, with truth, its precision and recall against its target.

    A soft rule targets what its indicator claims (:data:`RULE_TARGETS`; a rule firing on the
    claiming side of the threshold targets it, on the other side its absence: ``not <target>``);
    a hard rule targets :data:`HARD_TARGETS`. Rules on an indicator without a truth target
    (loudness, percussion...) get NaN precision and recall. Firing is the engine's
    (:attr:`core.rules.RuleResult.fired`): a soft rule does not fire on a track a hard rule decides.

    Returns
    -------
    DataFrame
        ``rule``, ``kind`` ("soft" / "hard"), ``indicator`` ("" for hard rules), ``fires``
        (tracks), ``share`` (0..1), ``target`` ("" without one), ``target_share`` (0..1 of all
        tracks, NaN without truth), ``precision``, ``recall`` (0..1, NaN without truth or target).
    """
    rs = result.ruleset
    n = result.n_tracks
    rows = []
    for j, name in enumerate(result.rule_names):
        fired = np.asarray(result.fired[:, j], bool)
        if j < len(rs.rules):
            rule = rs.rules[j]
            kind, indicator = "soft", rule.indicator
            tgt = RULE_TARGETS.get(rule.indicator)
            claims = None if tgt is None else ((rule.op == ">") == (tgt[1] > 0))
            tgt_name = None if tgt is None else tgt[0]
        else:
            kind, indicator = "hard", ""
            tgt_name, claims = HARD_TARGETS.get(name, (None, None))
        row = {"rule": name, "kind": kind, "indicator": indicator, "fires": int(fired.sum()),
               "share": float(fired.sum() / n) if n else math.nan, "target": "",
               "target_share": math.nan, "precision": math.nan, "recall": math.nan}
        if tgt_name is not None:
            row["target"] = tgt_name if claims else f"not {tgt_name}"
            if truth is not None:
                pos, _ = target(truth, tgt_name)
                pos = pos if claims else ~pos
                row["target_share"] = float(pos.mean()) if n else math.nan
                row["precision"], row["recall"] = _precision_recall(fired, pos)
        rows.append(row)
    return pd.DataFrame(rows, columns=["rule", "kind", "indicator", "fires", "share", "target", "target_share",
                                       "precision", "recall"])


def mildest_failures(curves: pd.DataFrame) -> list:
    """Sentences naming each kind's dedicated indicator whose mildest parameter group fails."""
    out = []
    for (name, kind), g in curves.groupby(["indicator", "kind"], sort=False):
        failing = g[~g["passes"]]
        if failing.empty:
            continue
        first = failing.iloc[0]
        out.append(f"{name} on {kind}: AUC {first['auc']:.3f} < {AUC_PASS} for {first['unit']} "
                   f"{first['param_lo']:.4g}-{first['param_hi']:.4g} ({int(first['n_pos'])} tracks)")
    return out


__all__ = ["AUC_PASS", "CHECKS", "RULE_TARGETS", "HARD_TARGETS", "LYRICS_KINDS", "auc", "indicator_checks",
           "parameter_curves", "rule_checks", "mildest_failures"]
