"""Loading a synthetic set from disk: manifest, ground truth and configuration record."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import pandas as pd

from core.errors import DatasetError
from core.tracks import Dataset, Problem, make_tracks

MANIFEST_COLUMNS = ("track_id", "audio_path", "lyrics_path")
GROUND_TRUTH_COLUMNS = ("track_id", "genre", "has_voice", "audio_degradation",
                        "audio_degradation_param", "lyrics_degradation")


def load_synthetic(root: Path) -> Dataset:
    """Load a synthetic song set written by :func:`generate`.

    Parameters
    ----------
    root : path-like
        The set's folder.

    Returns
    -------
    Dataset
        ``kind="synthetic"``, ``has_lyrics=True``; ``tracks`` with absolute ``audio_path``,
        ``lyrics`` (file text, None when there is no file) and absolute ``lyrics_path`` (or None);
        ``labels`` the genres and ``ground_truth`` the table of ``ground_truth.csv``, in track
        order. Files listed but absent are reported in ``problems`` (and their path set to None).

    Raises
    ------
    DatasetError
        If the folder, ``manifest.csv`` or ``ground_truth.csv`` is missing or they disagree.
    """
    root = Path(root).absolute()
    missing = [n for n in ("manifest.csv", "ground_truth.csv") if not (root / n).is_file()]
    if missing:
        raise DatasetError(f"{root} is not a synthetic song set: {', '.join(missing)} missing "
                           "(build it with `python -m core synth`).")
    manifest = pd.read_csv(root / "manifest.csv", dtype=str, keep_default_na=False)
    truth = pd.read_csv(root / "ground_truth.csv",
                        dtype={"track_id": str, "genre": str, "audio_degradation": str,
                               "lyrics_degradation": str, "language": str},
                        keep_default_na=False, na_values={"audio_degradation_param": [""]})
    for name, table, cols in (("manifest.csv", manifest, MANIFEST_COLUMNS),
                              ("ground_truth.csv", truth, GROUND_TRUTH_COLUMNS)):
        lacking = [c for c in cols if c not in table.columns]
        if lacking:
            raise DatasetError(f"{root / name} lacks columns {lacking}.")
    ids = manifest["track_id"].tolist()
    if sorted(ids) != sorted(truth["track_id"].tolist()) or len(set(ids)) != len(ids):
        raise DatasetError(f"{root}: manifest.csv and ground_truth.csv list different tracks.")
    extra = [c for c in truth.columns if c not in GROUND_TRUTH_COLUMNS]  # v2's per-track truths
    truth = truth.set_index("track_id").loc[ids].reset_index()[list(GROUND_TRUTH_COLUMNS) + extra]
    truth["has_voice"] = truth["has_voice"].astype(str).str.lower().eq("true")
    rows, problems = _track_rows(root, manifest)
    return Dataset(name="synthetic", kind="synthetic", root=root, tracks=make_tracks(rows),
                   has_lyrics=True, labels=truth["genre"].astype(str).to_numpy(),
                   ground_truth=truth, problems=problems)


def _track_rows(root: Path, manifest: pd.DataFrame) -> tuple[list[dict], list[Problem]]:
    """One row per manifest entry with absolute paths and the lyrics text; missing files are
    named in the problems and their paths set to None."""
    rows, problems = [], []
    for tid, audio_rel, lyrics_rel in manifest[list(MANIFEST_COLUMNS)].itertuples(index=False):
        audio_path = root / audio_rel
        audio = str(audio_path)
        if not audio_path.is_file():
            problems.append(Problem(audio, "audio file listed in manifest.csv is missing",
                                    "rebuild the synthetic set"))
            audio = None
        lyrics, lyrics_path = None, None
        if lyrics_rel:
            p = root / lyrics_rel
            if p.is_file():
                lyrics, lyrics_path = p.read_text(encoding="utf-8"), str(p)
            else:
                problems.append(Problem(str(p), "lyrics file listed in manifest.csv is missing",
                                        "rebuild the synthetic set"))
        rows.append({"track_id": tid, "audio_path": audio, "lyrics": lyrics,
                     "lyrics_path": lyrics_path})
    return rows, problems


def read_config(root: Path) -> Optional[dict]:
    """The record in ``root/synth_config.json`` (config fields + ``generator_version``), or None."""
    path = Path(root) / "synth_config.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
