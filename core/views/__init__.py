"""What the pages and exports show: pure builders, numpy/pandas in, tables and arrays out.

Pipeline position: rules -> weights -> fusion -> clustering -> metrics -> projection -> **views**.
Every function here is pure (no Streamlit, no plotting), so what a page shows can be recomputed
and checked in a test; pages hand the results to :mod:`ui.figures`, :mod:`ui.figures_map`,
:mod:`ui.figures_grids` and :mod:`ui.figures_report`. One module a page or job:

=======================  =====================================================================
``rules``                "Rules and weights": weight summary and histogram, rule tables, sliders
``weights``              "Weights per cluster": per-track frame, leaning clusters, per genre
``inspector``            "Track inspector": why this weight, indicators, neighbours, audio
``map``                  "Clusters and map": colouring, map rows, cache key, warm start, selections
``tables``               the metric comparison table and the genres x clusters counts
``sensitivity``          "Sensitivity": sweepable thresholds, grid, best cell, auto-tune
``indicator_overview``   "Dataset": the indicator overview table
``ablation``             "Ablation": curve with its band, paired tests, degradation slices
``export``               "Export": per-track tables and JSON (the CLI's columns)
``report``               tables the standalone HTML report draws
``viewstate``            the shareable settings (:class:`ViewSettings`) and their URL round trip
``checks``               input checks shared by the builders (internal)
=======================  =====================================================================

Rows follow the prepared tracks (``LoopResult.track_ids``); the page maps them to Dataset rows
through the track ids (a prepared set may have dropped tracks with no usable modality).

``from core import views`` gives the builders of the rules, weights and inspector pages directly
(``views.weight_summary``, ...), as the single ``core/views.py`` module did; the other modules are
imported by name (``from core.views.map import map_frame``).
"""

from __future__ import annotations

from core.views.inspector import (
    NEIGHBOUR_SPACES,
    audio_status,
    explain_table,
    flagged_line,
    indicator_table,
    nearest_neighbours,
    neighbour_tables,
    track_labels,
)
from core.views.rules import (
    DECIDED_ORDER,
    SOFT_DECIDED,
    WEIGHT_BINS,
    IndicatorHistogram,
    SliderSpec,
    delta_slider,
    flagged_note,
    hard_rules_table,
    indicator_choices,
    indicator_histogram,
    mean_contributions,
    rule_response,
    rules_table,
    threshold_slider,
    weight_histogram,
    weight_summary,
)
from core.views.weights import (
    LEAN_AUDIO,
    LEAN_LYRICS,
    Leaning,
    cluster_genre_weights,
    cluster_leaning,
    weights_frame,
)

__all__ = [
    "SOFT_DECIDED",
    "DECIDED_ORDER",
    "WEIGHT_BINS",
    "LEAN_AUDIO",
    "LEAN_LYRICS",
    "weight_summary",
    "flagged_note",
    "flagged_line",
    "weight_histogram",
    "mean_contributions",
    "rules_table",
    "hard_rules_table",
    "SliderSpec",
    "threshold_slider",
    "indicator_choices",
    "delta_slider",
    "IndicatorHistogram",
    "indicator_histogram",
    "rule_response",
    "weights_frame",
    "Leaning",
    "cluster_leaning",
    "cluster_genre_weights",
    "track_labels",
    "explain_table",
    "indicator_table",
    "nearest_neighbours",
    "NEIGHBOUR_SPACES",
    "neighbour_tables",
    "audio_status",
]
