"""Command line: ``python -m core <command>``.

Commands
--------
synth     build a synthetic song set (seeded, deterministic)
extract   extract (or load cached) features for any dataset, with a progress bar and a summary
summary   print a dataset's summary (tracks, genres, lyrics coverage, problems)
prepare   make sure the built-in synthetic set and its features exist (what `make app` runs)
ablate    multi-seed ablation (audio only, lyrics only, static weights, dynamic rules) + report
sweep     the ablation over shares of degraded tracks (generator v2), CSV for the Ablation page
export    per-track weights, rule traces, indicators and clusters as CSV and JSON
indicators  what each indicator claims, its distribution, its ROC AUC against the generator's truth,
          and each rule's firing rate, precision and recall (``--json`` for one JSON object)

Every command returns an exit code: 0 on success, 1 when nothing usable remains, 2 on bad usage.
"""

from __future__ import annotations

import sys

from core.cli.main import build_parser, main  # noqa: F401 - the entry points tests and scripts use
from core.cli.options import _synth_config  # noqa: F401 - used by tests

if __name__ == "__main__":
    sys.exit(main())
