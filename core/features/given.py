"""Bring your own features: a Parquet or CSV table of precomputed per-track features.

Pipeline position: a *features file* replaces both the loader's audio files and the extractor:
it is read once (memoised by path, size and modification time) into a :class:`FeatureTable`,
from which :mod:`core.datasets.features_file` builds the Dataset and :func:`feature_set` the
FeatureSet that every later stage reads as if it had been extracted.

Columns (names are case-sensitive; see the README's "Your own features" for an example):

``audio_*``, ``lyrics_*``
    Embedding columns, one number per cell (``audio_0 .. audio_511``, ``audio_clap_3``, ...), or
    in Parquet one list column named ``audio`` / ``lyrics`` (or with the prefix) holding a
    vector per row. Names listed in :data:`RESERVED` are not embedding columns. A row whose
    cells of one modality are all empty (NaN / null) lacks that modality (an instrumental has no
    lyrics embedding); a row with some cells empty and others not, or any infinite value, is an error.
indicator columns
    Named as the keys of :data:`core.indicators.INDICATORS` (``loudness_dbfs``, ``audio_quality``,
    ...), in the indicator's unit. Given values are used as they are; raw parts (e.g.
    ``snr_db``) also feed the composite scores the way extracted measures do. An indicator that is
    neither given nor derivable is NaN, and a rule reading it does not fire.
``track_id``, ``title``, ``genre`` or ``label``, ``audio_path``, ``lyrics``, ``language``
    Optional: ids (default ``row<N>``; duplicates are an error), a display title, the label
    for evaluation, a playable audio file (relative to the table's folder), the lyrics text
    (shown, not embedded), the lyrics' ISO 639 code.
ground truth
    Optional evaluation-only columns of :data:`core.validation.truth.TRUTH_COLUMNS`
    (``has_voice``, ``audio_degradation``, ...).

Embeddings are used as given (float32; missing rows 0): fusion centres them, reduces them by
PCA and L2-normalises each row, as for extracted features.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import numpy as np
import pandas as pd

from core.errors import DatasetError
from core.features.featureset import FeatureSet
from core.features.given_cells import _indicator_columns, _list_columns, _matrix, _text
from core.indicators import INDICATORS
from core.indicators.specs import threshold_allowed

#: Prefixes of the two modalities' embedding columns.
PREFIXES = {"audio": "audio_", "lyrics": "lyrics_"}
#: File suffixes a features file may have.
SUFFIXES = (".parquet", ".pq", ".csv")
#: Label columns, first found wins.
LABEL_COLUMNS = ("genre", "label")
#: Ground-truth columns kept for evaluation (the names :mod:`core.validation.truth` reads).
TRUTH_NAMES = ("has_voice", "voice", "audio_degradation", "audio_degradation_kind", "audio_degradation_param",
               "audio_degradation_value", "lyrics_degradation", "lyrics_degradation_kind", "language",
               "lyrics_language")
#: Per-track columns of the workbench's own export (core.views.export) that start with a modality's prefix.
EXPORT_COLUMNS = frozenset({"audio_weight", "lyrics_weight", "audio_ok", "lyrics_ok"})
#: Columns that are never embedding columns although they may start with a prefix.
RESERVED = frozenset({"track_id", "title", "audio_path", "lyrics_path", "lyrics", "audio", *LABEL_COLUMNS,
                      *TRUTH_NAMES, *INDICATORS, *EXPORT_COLUMNS}) - {"audio", "lyrics"}


def separator_hint(columns) -> str:
    """A sentence for a CSV whose header read as one column holding semicolons or tabs (a spreadsheet saved
    with another separator, as Excel does in many locales), else ""."""
    cols = [str(c) for c in columns]
    if len(cols) == 1 and (";" in cols[0] or "\t" in cols[0]):
        sep = "semicolons" if ";" in cols[0] else "tabs"
        return (f" Its values are separated by {sep}, not commas: save it as comma-separated CSV (numbers with a "
                "decimal point, e.g. 0.12).")
    return ""


def export_hint(columns) -> str:
    """A sentence for a table that is the workbench's own per-track export (its weights were once read as a
    2-wide "embedding"), else ""."""
    cols = set(map(str, columns))
    if {"decided_by", "trace_base"} <= cols:
        return (" It looks like the workbench's own per-track export (weights, rule traces, indicators), which "
                "holds no embeddings: a features file needs the embeddings themselves.")
    return ""
#: Indicator columns -> the raw measure of the FeatureSet they fill (the rest are given as they are).
_AUDIO_STAT_OF = {"vocal_presence_audio": "vocal_presence"}
#: Indicators the Dataset derives from which embeddings a row has (a given column only narrows it).
_AVAILABILITY = ("audio_available", "lyrics_available")


@dataclass(frozen=True, eq=False)
class FeatureTable:
    """A features file, read and checked.

    Attributes
    ----------
    path : Path
    track_ids : tuple of str, length n
    audio, lyrics : float32 (n, d_audio), (n, d_lyrics)
        Embeddings as given; rows without the modality are 0 (see ``audio_ok`` / ``lyrics_ok``).
        ``d`` is 0 for a modality the file does not carry.
    audio_names, lyrics_names : tuple of str
    audio_ok, lyrics_ok : bool (n,)
    indicators : dict str -> float64 (n,)
        Given indicator columns (NaN: unknown).
    labels : object (n,) or None
    info : DataFrame
        ``track_id`` plus the optional ``title``, ``audio_path``, ``lyrics``, ``language`` columns.
    ground_truth : DataFrame or None
        ``track_id``, ``genre`` (when labelled) and the truth columns found.
    notes : tuple of str
        What the file lacks, in words (missing indicators, unlabelled rows, missing audio files).
    """

    path: Path
    track_ids: tuple
    audio: np.ndarray
    lyrics: np.ndarray
    audio_names: tuple
    lyrics_names: tuple
    audio_ok: np.ndarray
    lyrics_ok: np.ndarray
    indicators: dict
    labels: Optional[np.ndarray]
    info: pd.DataFrame
    ground_truth: Optional[pd.DataFrame]
    notes: tuple = ()

    @property
    def n_tracks(self) -> int:
        return len(self.track_ids)

    @property
    def has_lyrics(self) -> bool:
        return self.lyrics.shape[1] > 0 and bool(self.lyrics_ok.any())

    @property
    def missing_indicators(self) -> tuple:
        """Indicator names the file does not give (availability flags are always known)."""
        return tuple(n for n in INDICATORS if n not in self.indicators and n not in _AVAILABILITY)


@dataclass
class GivenFeatureSet(FeatureSet):
    """A FeatureSet read from a features file; ``given_indicators`` override the computed ones
    (:func:`core.indicators.compute_indicators` reads them), NaN where their modality is missing."""

    given_indicators: dict = field(default_factory=dict)


# -- reading ----------------------------------------------------------------------------------

def embedding_columns(columns, modality: str, list_columns=()) -> list:
    """The names in ``columns`` that are ``modality``'s embedding columns, in file order: those with
    the prefix that are not :data:`RESERVED`, and a column named ``audio`` / ``lyrics`` only when it
    is in ``list_columns`` (a Parquet column of vectors; as text, ``lyrics`` is the lyrics)."""
    prefix = PREFIXES[modality]
    listed = set(map(str, list_columns))
    return [c for c in map(str, columns)
            if (c.startswith(prefix) and c not in RESERVED) or (c == modality and c in listed)]


def _header(path: Path) -> list:
    """Column names of a features file without reading its rows ([] when unreadable)."""
    try:
        if path.suffix.lower() == ".csv":
            return list(pd.read_csv(path, nrows=0, encoding_errors="replace").columns)
        import pyarrow.parquet as pq
        return list(pq.read_schema(path).names)
    except Exception:
        return []


def looks_like_feature_table(path) -> bool:
    """True when ``path`` is a ``.parquet``/``.csv`` file with at least one embedding column
    (a CSV manifest has ``audio_path``, which is not one, and stays a manifest)."""
    path = Path(path)
    if not path.is_file() or path.suffix.lower() not in SUFFIXES:
        return False
    if path.suffix.lower() != ".csv":
        return True  # a Parquet file can only be a features file; a bad one gets its message on load
    # a CSV cannot hold vectors in a cell: ``audio`` / ``lyrics`` there are never embedding columns
    cols = _header(path)
    if separator_hint(cols):  # 'audio_path;genre' is one column whose name starts with audio_: a manifest
        return False
    return bool(embedding_columns(cols, "audio") or embedding_columns(cols, "lyrics"))


def _read_frame(path: Path) -> pd.DataFrame:
    name = path.name
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise DatasetError(f"Cannot read features file {path}: {exc.strerror or exc}") from None
    if size == 0:
        raise DatasetError(f"Features file {name} is empty (0 bytes); expected a header and one row per track.")
    try:
        if path.suffix.lower() == ".csv":
            return pd.read_csv(path, low_memory=False)
        import pyarrow.parquet as pq
        return pq.read_table(path).to_pandas()
    except pd.errors.EmptyDataError:
        raise DatasetError(f"Features file {name} is empty; expected a header and one row per track.") from None
    except pd.errors.ParserError as exc:
        raise DatasetError(f"Features file {name}: rows of different widths ({exc}); every row must have "
                           "one value per column.") from None
    except UnicodeDecodeError:
        raise DatasetError(f"Features file {name} is not UTF-8 text; save the CSV as UTF-8.") from None
    except Exception as exc:  # pyarrow: not Parquet, truncated, ...
        raise DatasetError(f"Features file {name} cannot be read as {path.suffix.lower().lstrip('.')} "
                           f"({type(exc).__name__}: {str(exc)[:200]}).") from None


def read_feature_table(path) -> FeatureTable:
    """Read and check a features file (see the module docstring for the columns).

    Raises
    ------
    DatasetError
        The file is missing, empty, not Parquet/CSV, has no embedding column, a non-numeric or
        infinite embedding cell, a partly empty embedding row, vectors of different widths, or
        duplicate track ids. The message names the file and the problem.
    """
    path = Path(path)
    key = _memo_key(path)
    hit = _MEMO.get(path)
    if hit is not None and hit[0] == key:
        return hit[1]
    table = _read(path)
    _MEMO.clear()  # one file at a time: a 100,000-track table is hundreds of MB
    _MEMO[path] = (key, table)
    return table


_MEMO: dict = {}


def _memo_key(path: Path) -> tuple:
    try:
        st = path.stat()
        return (st.st_size, st.st_mtime_ns, st.st_ino)
    except OSError:
        return (None,)


def _read(path: Path) -> FeatureTable:
    name = path.name
    if not path.is_file():
        raise DatasetError(f"Features file not found: {path}")
    header = _header(path) if path.suffix.lower() == ".csv" and path.stat().st_size else []
    if separator_hint(header):  # before pandas: decimal commas would make it "rows of different widths"
        raise DatasetError(f"Features file {name} reads as one column ({str(header[0])[:60]!r})."
                           + separator_hint(header))
    frame = _read_frame(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    dupes = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if dupes:
        raise DatasetError(f"Features file {name}: column names appear twice: {', '.join(dupes[:5])}.")
    vectors = _list_columns(frame)
    a_cols, l_cols = (embedding_columns(frame.columns, m, vectors) for m in ("audio", "lyrics"))
    if not a_cols and not l_cols:
        raise DatasetError(f"Features file {name} has no embedding columns: expected columns named audio_* "
                           f"(e.g. audio_0 .. audio_511) and/or lyrics_*; it has "
                           f"{', '.join(map(str, frame.columns[:8])) or 'none'}"
                           f"{' ...' if len(frame.columns) > 8 else ''}.{export_hint(frame.columns)}")
    if len(frame) == 0:
        raise DatasetError(f"Features file {name} has a header but no rows (no tracks).")
    audio, a_names, audio_ok = _matrix(frame, a_cols, "audio", name)
    lyrics, l_names, lyrics_ok = _matrix(frame, l_cols, "lyrics", name)
    given = _indicator_columns(frame, name)
    for flag, ok in (("audio_available", audio_ok), ("lyrics_available", lyrics_ok)):
        if flag in given:  # a given 0 narrows what the embeddings say; it never invents a modality
            ok &= ~(given.pop(flag) < 0.5)
    if not (audio_ok | lyrics_ok).any():
        raise DatasetError(f"Features file {name}: no row has an audio or a lyrics embedding (every cell is empty).")
    ids = _text(frame, "track_id")
    ids = [t if t is not None else f"row{i + 1}" for i, t in enumerate(ids)]
    seen, dup = set(), []
    for t in ids:
        if t in seen:
            dup.append(t)
        seen.add(t)
    if dup:
        raise DatasetError(f"Features file {name}: duplicate track_id {dup[0]!r} ({len(dup)} duplicate "
                           f"{'row' if len(dup) == 1 else 'rows'}); every track_id must be unique.")
    notes = []
    for ind, values in given.items():  # used as given, but a value its indicator cannot take is worth a word
        lo, hi = INDICATORS[ind].limits
        bad = np.flatnonzero((values < lo) | (values > hi))
        if bad.size:
            allowed = threshold_allowed(ind, values[bad[0]])
            notes.append(f"indicator column {ind!r} has {bad.size} value(s) not {allowed}, e.g. "
                         f"{values[bad[0]]:g} in row {bad[0] + 1}: used as given")
    used = set(a_cols) | set(l_cols)
    for modality, prefix in PREFIXES.items():  # names are case-sensitive: Audio_0 was silently left out
        odd = [c for c in map(str, frame.columns) if c.lower().startswith(prefix) and not c.startswith(prefix)
               and c not in used and c.lower() not in RESERVED]
        if odd:
            notes.append(f"{len(odd)} column(s) such as {odd[0]!r} are not read as the {modality} embedding: column "
                         f"names are case-sensitive, rename them {prefix}*")
    label_col = next((c for c in LABEL_COLUMNS if c in frame.columns), None)
    labels = None
    if label_col:
        raw = _text(frame, label_col)
        if all(v is not None for v in raw):
            labels = np.array(raw, dtype=object)
        else:
            notes.append(f"column {label_col!r} is empty in {sum(v is None for v in raw)} rows: "
                         "the set is treated as unlabelled")
    info = pd.DataFrame({"track_id": ids})
    for col in ("title", "lyrics", "language"):
        if col in frame.columns:
            info[col] = _text(frame, col)
    info["audio_path"] = _audio_paths(frame, path, notes)
    truth_cols = [c for c in TRUTH_NAMES if c in frame.columns]
    ground_truth = None
    if truth_cols or labels is not None:
        ground_truth = pd.DataFrame({"track_id": ids})
        if labels is not None:
            ground_truth["genre"] = labels
        for c in truth_cols:
            ground_truth[c] = frame[c].to_numpy()
    return FeatureTable(path=path, track_ids=tuple(ids), audio=audio, lyrics=lyrics, audio_names=a_names,
                        lyrics_names=l_names, audio_ok=audio_ok, lyrics_ok=lyrics_ok, indicators=given,
                        labels=labels, info=info, ground_truth=ground_truth, notes=tuple(notes))


def _audio_paths(frame: pd.DataFrame, path: Path, notes: list) -> list:
    """Playable audio files (absolute) where ``audio_path`` names an existing file, else None."""
    raw = _text(frame, "audio_path")
    out, missing = [], 0
    for v in raw:
        if v is None:
            out.append(None)
            continue
        p = Path(v) if os.path.isabs(v) else path.parent / v
        if p.is_file():
            out.append(str(p.resolve()))
        else:
            out.append(None)
            missing += 1
    if missing:
        notes.append(f"{missing} audio_path cells name no existing file: those tracks have no play button")
    return out


# -- the FeatureSet ---------------------------------------------------------------------------

def feature_set(table: FeatureTable) -> GivenFeatureSet:
    """The FeatureSet of a features file: embeddings as given, one block per modality, raw
    measures filled from the indicator columns that name them (NaN otherwise), and the given
    indicators kept to override what :func:`core.indicators.compute_indicators` derives."""
    from core.features.audio.config import STAT_NAMES as AUDIO_STATS
    from core.features.lyrics.config import STAT_NAMES as LYRICS_STATS
    from core.features.lyrics.language import code_number
    n = table.n_tracks
    a_stats = np.full((n, len(AUDIO_STATS)), np.nan, np.float32)
    l_stats = np.full((n, len(LYRICS_STATS)), np.nan, np.float32)
    for ind, values in table.indicators.items():
        stat = _AUDIO_STAT_OF.get(ind, ind)
        if stat in AUDIO_STATS:
            a_stats[:, AUDIO_STATS.index(stat)] = values
        elif ind in LYRICS_STATS:
            l_stats[:, LYRICS_STATS.index(ind)] = values
    if "language" in table.info.columns:
        l_stats[:, LYRICS_STATS.index("language_id")] = [code_number(c or "") for c in table.info["language"]]
    given = {}
    for ind, values in table.indicators.items():
        needs = INDICATORS[ind].needs
        v = values.astype(np.float64, copy=True)
        if needs in ("audio", "both"):
            v[~table.audio_ok] = np.nan
        if needs in ("lyrics", "both"):
            v[~table.lyrics_ok] = np.nan
        given[ind] = v
    return GivenFeatureSet(
        track_ids=list(table.track_ids), audio=table.audio, audio_names=list(table.audio_names),
        audio_blocks={"embedding": list(range(table.audio.shape[1]))} if table.audio.shape[1] else {},
        audio_ok=table.audio_ok.copy(), audio_stats=a_stats, audio_stat_names=list(AUDIO_STATS),
        lyrics=table.lyrics, lyrics_names=list(table.lyrics_names),
        lyrics_blocks={"embedding": list(range(table.lyrics.shape[1]))} if table.lyrics.shape[1] else {},
        lyrics_ok=table.lyrics_ok.copy(), lyrics_stats=l_stats, lyrics_stat_names=list(LYRICS_STATS),
        has_lyrics=table.has_lyrics, semantic=np.zeros((n, 0), np.float32),
        meta={"source": "features file", "path": str(table.path),
              "given_indicators": sorted(table.indicators)},
        given_indicators=given)


def lyrics_as_only_modality(fs: FeatureSet) -> FeatureSet:
    """A set without audio, its lyrics moved into the audio slot and ``has_lyrics`` False, so the
    audio-only machinery (the lyrics-free ablation) clusters the lyrics alone. Rows as in ``fs``."""
    import dataclasses
    return dataclasses.replace(fs, audio=fs.lyrics, audio_names=list(fs.lyrics_names),
                               audio_blocks=dict(fs.lyrics_blocks), audio_ok=np.asarray(fs.lyrics_ok, bool).copy(),
                               has_lyrics=False)
