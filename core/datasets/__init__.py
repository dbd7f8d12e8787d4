"""Dataset sources: synthetic songs (built-in), GTZAN, a folder of your own music, a CSV manifest,
a features file (Parquet or CSV of precomputed embeddings).

:func:`load_dataset` picks the loader from what ``path`` holds; each loader can also be called
directly. Every loader returns a :class:`~core.tracks.Dataset`.
"""

from __future__ import annotations

from pathlib import Path

from core.errors import DatasetError
from core.tracks import AUDIO_EXTENSIONS, Dataset, Problem

KINDS = ("auto", "synthetic", "gtzan", "folder", "manifest", "features")


def detect_kind(path: Path) -> str:
    """Guess the dataset kind from what ``path`` holds.

    A ``.parquet`` file is a features file; a ``.csv`` file is a features file when its header has
    embedding columns (``audio_*`` / ``lyrics_*`` other than ``audio_path``, ``lyrics_path``),
    otherwise a manifest: the columns decide, not the name.
    """
    from core.features.given import SUFFIXES, looks_like_feature_table
    path = Path(path)
    if path.is_file():
        if looks_like_feature_table(path):
            return "features"
        if path.suffix.lower() == ".csv":
            return "manifest"
        raise DatasetError(f"{path.name}: expected a folder, a .csv manifest or a features file "
                           f"({', '.join(SUFFIXES)})")
    if not path.is_dir():
        raise DatasetError(f"Dataset not found: {path}")
    if (path / "synth_config.json").is_file() and (path / "manifest.csv").is_file():
        return "synthetic"
    from core.datasets.gtzan import looks_like_gtzan
    if looks_like_gtzan(path):
        return "gtzan"
    if (path / "manifest.csv").is_file() and not any(
        p.suffix.lower() in AUDIO_EXTENSIONS for p in path.iterdir() if p.is_file()
    ):
        return "manifest"
    return "folder"


def load_dataset(path, kind: str = "auto", check_audio: bool = True) -> Dataset:
    """Load a dataset from a folder or a CSV manifest.

    Parameters
    ----------
    path : str or Path
        A synthetic set's folder, a GTZAN folder, a folder of your own music, or a ``.csv`` manifest
        (a folder holding ``manifest.csv`` also works).
    kind : {"auto", "synthetic", "gtzan", "folder", "manifest", "features"}
        ``"features"``: a Parquet or CSV file of precomputed embeddings (:mod:`core.features.given`).
    check_audio : bool
        Open each audio header while loading so unreadable files are named and skipped up front.
    """
    from core.errors import check_param
    check_param("load_dataset", "kind", kind, f"one of {KINDS}", kind in KINDS)
    path = Path(path)
    if kind == "auto":
        try:
            kind = detect_kind(path)
        except OSError as exc:  # e.g. the folder itself cannot be listed
            raise DatasetError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if kind == "features":
        from core.datasets.features_file import load_features_file
        return load_features_file(path, confine_to=_upload_folder(path))
    if kind == "synthetic":
        from core.datasets.synthetic import load_synthetic
        return load_synthetic(path)
    if kind == "gtzan":
        from core.datasets.gtzan import load_gtzan
        return load_gtzan(path, check_audio=check_audio)
    if kind == "manifest":
        from core.datasets.manifest import load_manifest
        return load_manifest(path / "manifest.csv" if path.is_dir() else path, check_audio=check_audio,
                             confine_to=_upload_folder(path))
    from core.datasets.folder import load_folder
    return load_folder(path, check_audio=check_audio)


def _upload_folder(path: Path):
    """The upload folder (``data/uploads/<hash>``) holding ``path``, or None when it is not an upload:
    an uploaded manifest or features file may only name files inside its own upload."""
    from core.paths import data_dir
    uploads = (data_dir() / "uploads").resolve()
    if uploads not in path.resolve().parents:
        return None
    return next((p for p in path.resolve().parents if p.parent == uploads), None)


__all__ = ["Dataset", "Problem", "load_dataset", "detect_kind", "KINDS"]
