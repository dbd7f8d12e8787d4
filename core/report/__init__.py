"""Ablation reports: tidy CSV, one JSON with everything, and a short markdown report.

Pipeline position: :mod:`core.experiments` -> **report** -> files a person reads or re-plots.

:func:`write_report` writes into one output folder:

``scores.csv``      tidy, one row per fusion x condition x seed x metric
                    (``fusion, algorithm, condition, kind, static_weight, seed, metric, value``)
``summary.csv``     per fusion x condition x metric: ``n, mean, std, ci_low, ci_high`` (t-based 95 %
                    interval over seeds) and ``oracle_best_static`` (this static weight is the best
                    one for this metric, chosen with the labels)
``tests.csv``       paired Wilcoxon tests of dynamic vs the best static weight (``oracle``), vs
                    static 0.5 and vs its own shuffle, per metric; ``p_holm`` beside ``p_value``
``rules.csv``       the planned per-rule ablation: full dynamic vs each rule switched off
                    (``delta`` = dynamic - rule off), paired tests, ``p_holm``
``weights.csv``     weight distributions of the dynamic condition per cluster and per genre
                    (summary statistics + counts in 10 fixed bins over [0, 1])
``slices.csv``      degradation slices (synthetic ground truth; evaluation only), if any
``autotune.csv``    the auto-tune grid (if run), ``autotune_eval.csv`` its evaluation
``result.json``     the whole result: dataset, command, versions, config, oracle flag, notes,
                    summaries, tests, per-seed scores, weight distributions, slices, auto-tune
``report.md``       tables of the above; the command that regenerates it is at the top

:func:`format_main_table` renders the condition x metric table for a terminal.

Modules: ``files`` (:func:`write_report`), ``markdown`` (``report.md``), ``text`` (tables for
the terminal and markdown), ``values`` (library versions, JSON-ready objects).
"""

from __future__ import annotations

from core.report.files import write_report
from core.report.text import format_main_table, format_rule_table, format_tests, markdown_table
from core.report.values import to_jsonable, versions

__all__ = ["write_report", "format_main_table", "format_tests", "format_rule_table", "versions",
           "to_jsonable",
           "markdown_table"]
