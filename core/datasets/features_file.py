"""A features file (Parquet or CSV of precomputed per-track embeddings) as a Dataset.

The file is read and checked by :func:`core.features.given.read_feature_table` (memoised, so
the extraction step that follows reads the same table without touching the disk again); this
module turns it into the track table every page and command reads. Tracks have audio files only
where an ``audio_path`` column names an existing file (otherwise no play button), and lyrics
text only where a ``lyrics`` column gives it; which modalities a track *has* comes from its
embeddings (``Dataset.summary()`` counts them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from core.features.given import read_feature_table
from core.tracks import Dataset, Problem, make_tracks


def load_features_file(path, confine_to: Optional[Path] = None) -> Dataset:
    """The Dataset of the features file ``path`` (kind ``"features"``).

    ``confine_to``: drop (and name) audio paths outside this folder (an uploaded file must not make
    the server play its other files); :func:`core.datasets.load_dataset` sets it for uploads.

    Raises
    ------
    DatasetError
        The file cannot be used; the message names the file and the problem.
    """
    path = Path(path)
    table = read_feature_table(path)
    info = table.info
    lyrics = info["lyrics"].tolist() if "lyrics" in info.columns else [None] * table.n_tracks
    problems = [Problem(path.name, note, stage="load") for note in table.notes]
    audio_paths = info["audio_path"].tolist()
    if confine_to is not None:
        root = Path(confine_to).resolve()
        outside = [i for i, a in enumerate(audio_paths) if a is not None and root not in Path(a).resolve().parents]
        for i in outside:
            audio_paths[i] = None
        if outside:
            problems.append(Problem(path.name, f"{len(outside)} audio_path cells point outside the uploaded file's "
                                    "folder", "those tracks have no play button", stage="load"))
    rows = [{"track_id": t, "audio_path": a, "lyrics": text if ok else None, "lyrics_path": None}
            for t, a, text, ok in zip(table.track_ids, audio_paths, lyrics, table.lyrics_ok)]
    tracks = make_tracks(rows)
    if "title" in info.columns:
        tracks["title"] = info["title"].tolist()
    tracks["audio_features"] = table.audio_ok
    tracks["lyrics_features"] = table.lyrics_ok
    missing = table.missing_indicators
    if missing:
        problems.append(Problem(path.name, f"no indicator column for {', '.join(missing)}",
                                "these indicators are unknown (NaN), and a rule reading one does not fire",
                                stage="load"))
    return Dataset(name=path.stem, kind="features", root=path.parent, tracks=tracks,
                   has_lyrics=table.has_lyrics, labels=table.labels, ground_truth=table.ground_truth,
                   problems=problems, source=path)
