"""The plain statements an ablation's outputs repeat: what each condition is
(:func:`_describe_condition`) and the notes every output carries (:func:`_notes`: labels or not,
the oracle, seeds, the subsample, single modality, the tests).
"""

from __future__ import annotations

from core.experiments.config import _NO_LABELS
from core.metrics import NEUTRAL_SPACE


def _describe_condition(kind: str, w) -> str:
    if kind == "audio_only":
        return ("audio representation only; tracks without usable audio form one group of their "
                "own (never given their lyrics); the others are clustered into k - 1 clusters")
    if kind == "lyrics_only":
        return ("lyrics representation only; tracks without usable lyrics (instrumentals, missing "
                "lyrics) form one group of their own (never given audio); the others are "
                "clustered into k - 1 clusters")
    if kind == "static":
        return (f"audio weight {w:g} for every track with both modalities (a track with one "
                "usable modality uses it)")
    if kind == "shuffled":
        return ("the dynamic weights permuted (per seed) among the tracks with both modalities: "
                "same distribution, no per-track information")
    if kind == "rule_off":
        return f"dynamic with the rule {w!r} switched off"
    return "per-track audio weights from the rules (indicators only)"


def _notes(labelled, config, coverage, k, k_rule, has_lyrics) -> list:
    notes = []
    if labelled:
        notes.append("labelled: external metrics (NMI, ARI, AMI, V-measure, purity, accuracy) "
                     "and internal metrics in each modality's own space (averaged)")
        notes.append("ORACLE: the best static weight is chosen per metric by looking at the "
                     "scores, i.e. with the labels; no unsupervised user could pick it")
    else:
        notes.append(_NO_LABELS + "; the best static weight is chosen post hoc on the same "
                     "internal metric (an optimistic choice)")
    notes.append(f"k = {k} clusters for every condition ({k_rule})")
    sub = ("every track" if config.subsample >= 1.0 else
           f"a random {config.subsample:.0%} subsample of the tracks "
           f"({coverage['subsample_size']} of {coverage['n_tracks']}), drawn without labels")
    notes.append(f"{len(config.seeds)} seeds; a seed sets the clustering initialisation "
                 f"(k-means++ seeding, {config.n_init} restart(s) for k-means) and {sub}; every "
                 "condition sees the same seeds (paired)")
    notes.append("95 % intervals: t-based over seeds (mean ± t(0.975, n-1)·std/√n); paired "
                 "test: two-sided Wilcoxon signed-rank, zero differences dropped, "
                 "all-zero differences reported as p = 1 (identical)")
    if has_lyrics:
        notes.append(f"lyrics-only: {coverage['n_without_lyrics']} of {coverage['n_tracks']} tracks "
                     "have no usable lyrics and form one 'no lyrics' group (not given audio); "
                     f"audio-only: {coverage['n_without_audio']} tracks have no usable audio and form "
                     "one 'no audio' group")
    else:
        notes.append("no lyrics in this dataset: lyrics only is not run (it would be one group of every "
                     "track), and every weighting reduces to audio only; audio-only: "
                     f"{coverage['n_without_audio']} tracks have no usable audio and form one 'no audio' group")
    if coverage["n_dropped"]:
        notes.append(f"{coverage['n_dropped']} tracks with neither usable audio nor lyrics were "
                     "left out")
    notes.append("shuffled: per seed, the dynamic weights permuted (seeded) among the tracks "
                 "with both modalities: the same weight distribution without per-track "
                 "information; per rule: the rule set with each rule switched off in turn "
                 "(planned: every rule that moves a weight; a soft rule with delta 0 and a hard rule "
                 "that is off have nothing to switch off and are not listed)")
    notes.append("Holm: p_holm adjusts every p-value of a table for the number of tests in it")
    notes.append("internal metrics: " + NEUTRAL_SPACE)
    return notes
