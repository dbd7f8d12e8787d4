"""A CSV manifest: one row per track.

Columns: ``audio_path`` (required; may be blank for a lyrics-only track), ``lyrics`` (text) or
``lyrics_path`` (a text file) -- at least one of these two columns is optional, ``genre``
(optional: no column means an unlabelled set), ``track_id`` (optional; defaults to the audio file
name). Relative paths are resolved against the manifest's folder.

A row with problems is named by its line number; the other rows carry on.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np

from core.datasets.base import Dataset, Problem, make_tracks
from core.datasets.scan import display_path, probe_audio
from core.errors import DatasetError
from core.features.text_io import check_lyrics_text, read_lyrics_file

REQUIRED_COLUMNS = ("audio_path",)
KNOWN_COLUMNS = ("track_id", "audio_path", "lyrics", "lyrics_path", "genre")


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict]], list[Problem]]:
    """Parse the CSV with the standard library, tolerating ragged rows (each is reported)."""
    problems: list[Problem] = []
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DatasetError(f"Cannot read manifest {path}: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "utf-16", "cp1252"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise DatasetError(f"Manifest {path.name} is not text")
    if "\x00" in text:
        raise DatasetError(f"Manifest {path.name} contains binary data; expected a CSV text file")
    reader = csv.reader(io.StringIO(text, newline=""), strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError(f"Manifest {path.name} is empty; expected a header line with audio_path") from None
    except csv.Error as exc:
        raise DatasetError(f"Manifest {path.name}: cannot parse the header ({exc})") from None
    header = [h.strip().lower() for h in header]
    rows: list[tuple[int, dict]] = []
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(Problem(f"{path.name}:line {reader.line_num}", f"bad CSV quoting ({exc})",
                                    "fix the quotes on that line; the row was skipped"))
            continue
        if not any(v.strip() for v in values):
            continue
        line = reader.line_num
        if len(values) != len(header):
            problems.append(Problem(f"{path.name}:line {line}",
                                    f"{len(values)} fields where the header has {len(header)}",
                                    "check for an unquoted comma or a stray quote; the row was skipped"))
            continue
        rows.append((line, dict(zip(header, values))))
    return header, rows, problems


def load_manifest(path: Path, check_audio: bool = True) -> Dataset:
    """Load a CSV manifest (see the module docstring for the columns)."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"Manifest not found: {path}")
    base = path.parent
    header, raw_rows, problems = _read_rows(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise DatasetError(
            f"Manifest {path.name} lacks the column(s) {', '.join(missing)}; it has {', '.join(header) or 'none'}. "
            "Required: audio_path; optional: lyrics or lyrics_path, genre, track_id.")
    labelled = "genre" in header
    rows, genres, seen = [], [], {}
    for line, rec in raw_rows:
        where = f"{path.name}:line {line}"
        audio_rel = rec.get("audio_path", "").strip()
        audio_path = None
        if audio_rel:
            candidate = Path(audio_rel)
            candidate = candidate if candidate.is_absolute() else (base / candidate)
            if not candidate.exists():
                problems.append(Problem(f"{where} ({audio_rel})", "audio file not found",
                                        "fix the path (relative paths start at the manifest's folder)"))
            else:
                reason = probe_audio(candidate) if check_audio else None
                if reason:
                    problems.append(Problem(f"{where} ({audio_rel})", reason, "the audio is skipped"))
                else:
                    audio_path = str(candidate.resolve())
        lyrics, lyrics_path = None, None
        if rec.get("lyrics", "").strip():
            lyrics, why = check_lyrics_text(rec["lyrics"])
            if lyrics is None:
                problems.append(Problem(where, f"lyrics cell: {why}", "the track is kept without lyrics",
                                        stage="lyrics"))
        elif rec.get("lyrics_path", "").strip():
            lp = Path(rec["lyrics_path"].strip())
            lp = lp if lp.is_absolute() else base / lp
            lyrics_path = str(lp)
            text, problem = read_lyrics_file(lp)
            if problem:
                problems.append(Problem(f"{where} ({rec['lyrics_path'].strip()})", problem,
                                        "the track is kept without lyrics", stage="lyrics"))
            else:
                lyrics = text
        if audio_path is None and lyrics is None:
            if audio_rel:
                continue  # already reported above; nothing usable left in this row
            problems.append(Problem(where, "row has neither audio nor lyrics", "row skipped"))
            continue
        track_id = rec.get("track_id", "").strip() or (Path(audio_rel).stem if audio_rel else f"row{line}")
        if track_id in seen:
            seen[track_id] += 1
            new_id = f"{track_id}#{seen[track_id]}"
            problems.append(Problem(where, f"duplicate track_id {track_id!r}", f"kept as {new_id!r}"))
            track_id = new_id
        else:
            seen[track_id] = 1
        rows.append({"track_id": track_id, "audio_path": audio_path, "lyrics": lyrics, "lyrics_path": lyrics_path})
        genres.append(rec.get("genre", "").strip() or None)
    if not rows:
        raise DatasetError(f"Manifest {path.name} has no usable rows ({len(problems)} problems)")
    has_labels = labelled and all(g is not None for g in genres)
    if labelled and not has_labels:
        problems.append(Problem(path.name, "some rows have no genre", "the set is treated as unlabelled"))
    return Dataset(name=path.stem, kind="manifest", root=base, tracks=make_tracks(rows),
                   has_lyrics=any(r["lyrics"] for r in rows),
                   labels=np.array(genres, dtype=object) if has_labels else None, problems=problems)

