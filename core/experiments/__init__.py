"""Experiments: the multi-seed ablation, an unsupervised threshold auto-tune and a sensitivity grid.

Pipeline position: features (cached) -> indicators -> rules -> fusion -> clustering -> metrics,
run many times. This package is the ONE place the app and the command line get experiment results
from (``python -m core ablate`` and ``python -m core export`` call it; the dashboard will too).

Work is split by cost:

* :func:`prepare` (once per feature set): per-modality embeddings, the indicators, the fixed
  internal-metric scorer (each modality's own space: no weight favoured), and per-seed subsamples with their scorers.
  Nothing in it depends on weights, and nothing in it reads labels.
* :func:`run_condition` (one clustering): weights -> fusion -> clustering -> metrics.
* :func:`run_ablation`: every condition x every seed, summaries, paired tests, weight
  distributions and (synthetic sets) degradation slices, as an :class:`AblationResult`.
* :func:`autotune` and :func:`sensitivity_grid`: rule thresholds searched / swept on the same
  prepared state.

Conditions
----------
``audio_only``
    Only the audio representation. Tracks without usable audio have no audio representation:
    they are NOT given their lyrics; they form one group of their own ("no audio"), and the
    tracks with audio are clustered into ``k - 1`` clusters so that the partition still has ``k``
    groups like every other condition. Every track is scored (the group counts as a cluster).
    How many tracks lack audio is reported (``n_without_modality``).
``lyrics_only``
    The same with the lyrics: tracks without usable lyrics (instrumentals, missing lyric files)
    form one "no lyrics" group, the others are clustered into ``k - 1`` clusters on their lyrics
    alone. They are never given audio.
``static_<w>``
    Audio weight ``w`` for every track that has both modalities; a track with one usable
    modality uses it (the fusion enforces this, :func:`core.fusion.effective_weights`), so
    ``static_0.0`` is *not* lyrics-only: instrumentals still cluster by their audio.
``dynamic``
    Per-track weights from the rule set (:func:`core.rules.apply_rules`) on the indicators;
    missing modalities enforced the same way.

What a seed changes
-------------------
Two things, both derived from the seed and identical for every condition (so the conditions are
*paired* by seed): (1) the clustering's random initialisation (k-means++ seeding and restarts,
the spectral eigensolver, GMM init), and (2) a random subsample of ``subsample`` (default 80 %)
of the tracks, drawn without replacement and without looking at labels. Metrics of a seed are
computed on its subsample. The subsample makes the spread reflect how the result depends on the
data, not only initialisation noise (set ``subsample=1.0`` for init noise only). The embeddings
(per-modality PCA) are fitted once on all tracks and not re-fitted per seed.

Statistics
----------
Per condition and metric: mean, standard deviation (ddof 1) and a **t-based** 95 % confidence
interval of the mean over seeds, ``mean +- t(0.975, n - 1) * std / sqrt(n)``. Paired test: the
Wilcoxon signed-rank test (``scipy.stats.wilcoxon``, two-sided, zero differences dropped) of
dynamic against the best static weight and against static 0.5, per external metric when labels
exist, per internal metric otherwise. When every paired difference is 0 the test is not run:
``p = 1``, note "identical". **The best static weight is chosen per metric by looking at the
scores, i.e. with the labels for external metrics: an oracle.** Every output flags it.

Number of clusters
------------------
``ExperimentConfig.n_clusters`` when given; otherwise the number of distinct labels (genres) when
labels are given (the same ``k`` for every condition: a count, no per-track information); otherwise
the unsupervised rule of :func:`choose_n_clusters` (best mean silhouette of equal-weight k-means
(per-modality internal scores) over ``k = 2 .. min(15, n // 5)``).

Honesty
-------
Rules see indicators only; :func:`prepare`, :func:`autotune` and the weights never receive labels
or ground truth. Labels and the synthetic ground truth enter only the scoring (external metrics,
per-genre weight distributions, degradation slices).


Modules
-------
``config``        metric names, default grids, :class:`ExperimentConfig` (frozen, hashable)
``preparation``   :func:`prepare` -> :class:`Prepared`; the number of clusters
``conditions``    one clustering of one condition and seed: :func:`run_condition`, :func:`partition`
``stats``         :func:`summarize` (mean, std, t-based 95 % CI), :func:`paired_test` (Wilcoxon)
``slices``        :func:`weight_distributions`, :func:`degradation_slices` (evaluation only)
``controls``      the shuffled weights and the per-rule switches (:func:`rule_ablation_table`)
``ablation``      :func:`run_ablation`: every condition x seed, the paired tests
``ablation_result`` :class:`AblationResult` and its condition x metric table
``ablation_notes`` the condition descriptions and the notes every output repeats
``thresholds``    read and set one rule-set threshold by name
``tuning``        :func:`autotune` (label-free), :func:`evaluate_rulesets`
``sensitivity``   :func:`sensitivity_grid`
``tracks``        :func:`track_table`
``dataseeds``    the ablation over generated sets, the dataset as the unit (:func:`across_datasets`)

Everything public is importable from ``core.experiments``.
"""

from core.experiments.ablation import AblationResult, condition_list, run_ablation
from core.experiments.conditions import dynamic_weights, partition, run_condition
from core.experiments.controls import rule_ablation_table, rule_switches, shuffled_weights
from core.experiments.dataseeds import DataSeedsResult, across_datasets
from core.experiments.config import (DEFAULT_AUTOTUNE_GRID, DEFAULT_SEEDS, DEFAULT_STATIC_GRID,
                                     EXTERNAL_METRICS, HIST_BINS, INTERNAL_METRICS, LOWER_IS_BETTER,
                                     ExperimentConfig, ruleset_to_dict, static_name)
from core.experiments.preparation import Prepared, choose_n_clusters, prepare, resolve_n_clusters
from core.experiments.sensitivity import sensitivity_grid
from core.experiments.slices import degradation_slices, weight_distributions
from core.experiments.stats import holm, paired_test, summarize
from core.experiments.tracks import track_table
from core.experiments.tuning import AutotuneResult, autotune, evaluate_rulesets

__all__ = [
    "EXTERNAL_METRICS",
    "INTERNAL_METRICS",
    "LOWER_IS_BETTER",
    "DEFAULT_SEEDS",
    "DEFAULT_STATIC_GRID",
    "DEFAULT_AUTOTUNE_GRID",
    "HIST_BINS",
    "ExperimentConfig",
    "ruleset_to_dict",
    "static_name",
    "Prepared",
    "prepare",
    "resolve_n_clusters",
    "choose_n_clusters",
    "dynamic_weights",
    "run_condition",
    "partition",
    "AblationResult",
    "condition_list",
    "run_ablation",
    "summarize",
    "paired_test",
    "holm",
    "shuffled_weights",
    "rule_switches",
    "rule_ablation_table",
    "DataSeedsResult",
    "across_datasets",
    "weight_distributions",
    "degradation_slices",
    "AutotuneResult",
    "autotune",
    "evaluate_rulesets",
    "sensitivity_grid",
    "track_table",
]
