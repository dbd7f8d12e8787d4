"""The common ``Dataset`` type: it lives in :mod:`core.tracks` (below both the loaders and the
features); the names stay importable from here."""

from core.tracks import AUDIO_EXTENSIONS, TRACK_COLUMNS, Dataset, Problem, make_tracks

__all__ = ["AUDIO_EXTENSIONS", "TRACK_COLUMNS", "Dataset", "Problem", "make_tracks"]
