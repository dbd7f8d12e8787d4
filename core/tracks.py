"""The common ``Dataset`` type every source (synthetic, GTZAN, folder, manifest) produces, and the
``Problem`` record every stage uses to name an input it could not use.

It sits below both :mod:`core.datasets` (which builds datasets) and :mod:`core.features` (which
reads them), so features never import a dataset loader. ``core.datasets.base`` re-exports it.

A dataset is a table of tracks, one row per track, rows in a fixed order that every array
downstream follows (features ``(n_tracks, n_features)``, weights and labels ``(n_tracks,)``).

Labels (``genre``) and the synthetic generator's ground truth are kept apart from the track
table: feature extraction, indicators and rules receive the track table only, and only
evaluation (metrics, experiments) reads ``labels`` and ``ground_truth``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

#: Audio file extensions the loaders accept (decoded by soundfile, or audioread for mp3/au fallbacks).
AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3", ".au")

#: Columns of ``Dataset.tracks``, in order.
TRACK_COLUMNS = ("track_id", "audio_path", "lyrics", "lyrics_path")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one input, in words a user can act on.

    Attributes
    ----------
    path : str
        The file (or ``manifest.csv:row 12``) concerned, as the user would recognise it.
    reason : str
        What is wrong, e.g. ``"not a decodable audio file (unknown format)"``.
    hint : str
        What to do about it, e.g. ``"re-export the file as WAV or FLAC"``.
    stage : str
        Where it was found: ``"load"`` (scanning the dataset), ``"audio"`` or ``"lyrics"`` (extraction).
    """

    path: str
    reason: str
    hint: str = ""
    stage: str = "load"

    def __str__(self) -> str:
        text = f"{self.path}: {self.reason}"
        return f"{text} ({self.hint})" if self.hint else text


@dataclass
class Dataset:
    """A table of tracks plus what is known about where it came from.

    Attributes
    ----------
    name : str
        Short display name.
    kind : str
        ``"synthetic"``, ``"gtzan"``, ``"folder"`` or ``"manifest"``.
    root : Path
        Folder the dataset lives in (the manifest's folder for a manifest).
    tracks : pandas.DataFrame
        One row per track in a fixed order, columns :data:`TRACK_COLUMNS`:
        ``track_id`` (str, unique), ``audio_path`` (absolute path as str, or None when the track has
        no audio), ``lyrics`` (str, or None when the track has no lyrics), ``lyrics_path`` (str or None,
        where the lyrics were read from).
    has_lyrics : bool
        False when the *source* carries no lyrics at all (GTZAN): fusion is then off and the
        rules give audio weight 1. True when lyrics exist for at least some tracks.
    labels : numpy.ndarray of str, shape (n_tracks,), or None
        Genre labels for evaluation only; None for an unlabelled set.
    ground_truth : pandas.DataFrame or None
        Synthetic sets only: per-track generator truth (genre, which modality was degraded and how),
        read from its own file; evaluation only.
    problems : list of Problem
        Inputs that were skipped or look wrong, each named with a reason.
    source : Path or None
        The file the set was read from when it is one file (a features file); None otherwise.

    A features file's track table has two more columns, ``audio_features`` and
    ``lyrics_features`` (bool): which tracks carry each embedding. The masks below read them.
    """

    name: str
    kind: str
    root: Path
    tracks: pd.DataFrame
    has_lyrics: bool
    labels: Optional[np.ndarray] = None
    ground_truth: Optional[pd.DataFrame] = None
    problems: list = field(default_factory=list)
    source: Optional[Path] = None

    def __post_init__(self) -> None:
        missing = [c for c in TRACK_COLUMNS if c not in self.tracks.columns]
        if missing:
            raise ValueError(f"Dataset.tracks lacks columns {missing}")
        self.tracks = self.tracks.reset_index(drop=True)
        if self.labels is not None and len(self.labels) != len(self.tracks):
            raise ValueError(
                f"Dataset has {len(self.tracks)} tracks but {len(self.labels)} labels"
            )

    @property
    def n_tracks(self) -> int:
        return len(self.tracks)

    @property
    def track_ids(self) -> list[str]:
        return self.tracks["track_id"].astype(str).tolist()

    @property
    def has_labels(self) -> bool:
        return self.labels is not None

    @property
    def lyrics_mask(self) -> np.ndarray:
        """Boolean ``(n_tracks,)``: True where the track has non-blank lyrics (a lyrics embedding, for a
        features file)."""
        if "lyrics_features" in self.tracks.columns:
            return self.tracks["lyrics_features"].to_numpy(dtype=bool)
        return np.array(
            [isinstance(t, str) and t.strip() != "" for t in self.tracks["lyrics"]], dtype=bool
        )

    @property
    def audio_mask(self) -> np.ndarray:
        """Boolean ``(n_tracks,)``: True where the track has an audio file path."""
        return np.array([isinstance(p, str) and p != "" for p in self.tracks["audio_path"]], dtype=bool)

    def summary(self) -> dict:
        """Counts a person wants first: tracks, genres, lyrics coverage, problems."""
        out = {
            "name": self.name,
            "kind": self.kind,
            "tracks": self.n_tracks,
            "with_audio": int(self.audio_mask.sum()) if "audio_features" not in self.tracks.columns
            else int(self.tracks["audio_features"].to_numpy(dtype=bool).sum()),
            "with_lyrics": int(self.lyrics_mask.sum()) if self.has_lyrics else 0,
            "lyrics_coverage": float(self.lyrics_mask.mean()) if self.has_lyrics and self.n_tracks else 0.0,
            "has_lyrics": self.has_lyrics,
            "labelled": self.has_labels,
            "problems": len(self.problems),
        }
        if "audio_features" in self.tracks.columns:  # a features file: audio files are optional extras
            out["playable"] = int(self.audio_mask.sum())
        if self.labels is not None:
            genres, counts = np.unique(self.labels, return_counts=True)
            out["genres"] = {str(g): int(c) for g, c in zip(genres, counts)}
        return out


def make_tracks(rows: list[dict]) -> pd.DataFrame:
    """Build a track table with exactly :data:`TRACK_COLUMNS` from a list of row dicts."""
    table = pd.DataFrame(rows, columns=list(TRACK_COLUMNS))
    table = table.astype(object).where(pd.notna(table), None)
    return table


def printable_name(name: str) -> str:
    """A file name (``os.fsdecode`` form) with undecodable bytes written as ``\\xNN`` escapes."""
    return os.fsencode(name).decode("utf-8", "backslashreplace")
