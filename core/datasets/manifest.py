"""A CSV manifest: one row per track.

Columns: ``audio_path`` (required; may be blank for a lyrics-only track), ``lyrics`` (text) or
``lyrics_path`` (a text file) -- at least one of these two columns is optional, ``genre``
(optional: no column means an unlabelled set), ``track_id`` (optional; defaults to the audio file
name). Relative paths are resolved against the manifest's folder.

A row with problems is named by its line number; the other rows carry on.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Optional

import numpy as np

from core.datasets.scan import audio_size_limit, check_audio_file, problems_text
from core.errors import DatasetError
from core.features.text_io import BINARY, check_lyrics_text, decode_text, lyrics_advice, read_lyrics_file
from core.tracks import Dataset, Problem, make_tracks

REQUIRED_COLUMNS = ("audio_path",)
KNOWN_COLUMNS = ("track_id", "audio_path", "lyrics", "lyrics_path", "genre")


def _decode_manifest(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except PermissionError:
        raise DatasetError(f"Cannot read manifest {path}: permission denied; make it readable, "
                           "e.g. chmod a+r") from None
    except OSError as exc:
        raise DatasetError(f"Cannot read manifest {path}: {exc.strerror or exc}") from None
    # The lyrics files' decoding: a byte-order mark decides; UTF-16 without one only when every other byte
    # is NUL (plain "try UTF-16" read any even-length bytes as CJK mojibake); then UTF-8, cp1252, Latin-1.
    text, problem = decode_text(raw)
    if text is None:
        if problem == BINARY:
            raise DatasetError(f"Manifest {path.name} contains binary data (NUL bytes); expected a CSV text "
                               "file, saved as UTF-8")
        raise DatasetError(f"Manifest {path.name} is {problem}; save it as UTF-8 text")
    if text.startswith("\ufeff"):  # a UTF-16/32 byte-order mark survives decoding with an explicit byte order
        text = text[1:]
    if "\x00" in text:
        raise DatasetError(f"Manifest {path.name} contains binary data; expected a CSV text file")
    return text


def _read_rows(path: Path) -> tuple[list[str], list[tuple[int, dict]], list[Problem]]:
    """Parse the CSV with the standard library, tolerating bad rows (each is reported).

    Rows are numbered by the physical line they start on, as an editor shows them. A quote that is
    opened and never closed would make the csv module swallow every following line into one field,
    so a record that spans several lines and does not fit the header is reported as bad quoting and
    parsing restarts on the next line: one bad quote costs one row, not the rest of the file.
    """
    problems: list[Problem] = []
    lines = _decode_manifest(path).splitlines(keepends=True)
    reader = csv.reader(lines, strict=False)
    try:
        header = next(reader)
    except StopIteration:
        raise DatasetError(f"Manifest {path.name} is empty; expected a header line with audio_path") from None
    except csv.Error as exc:
        raise DatasetError(f"Manifest {path.name}: cannot parse the header ({exc})") from None
    header = [h.strip().lower() for h in header]
    rows: list[tuple[int, dict]] = []
    pos = reader.line_num                       # 0-based index of the next unread physical line
    while pos < len(lines):
        reader = csv.reader(lines[pos:], strict=False)
        first = pos
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field limit" in str(exc):
                problems.append(Problem(f"{path.name}:line {first + 1}",
                                        f"a field is longer than {csv.field_size_limit():,} characters",
                                        "row skipped: shorten it (put long lyrics in a file named by "
                                        "lyrics_path) or close a quote left open"))
            else:
                problems.append(Problem(f"{path.name}:line {first + 1}", f"bad CSV quoting ({exc})",
                                        "row skipped: fix the quotes on that line"))
            pos = first + 1
            continue
        last = first + reader.line_num - 1      # 0-based index of the record's last physical line
        pos = last + 1
        if not any(v.strip() for v in values):
            continue
        where = f"{path.name}:line {first + 1}"
        if len(values) != len(header):
            if last > first:
                problems.append(Problem(where, f"bad CSV quoting: a quote opened on this line is not closed "
                                               f"(the row runs on to line {last + 1} and has {len(values)} "
                                               f"fields where the header has {len(header)})",
                                        "row skipped: close the quote or remove it; the following lines were "
                                        "read on their own"))
                pos = first + 1
            else:
                problems.append(Problem(where, f"{len(values)} fields where the header has {len(header)}",
                                        "row skipped: check for an unquoted comma or a stray quote"))
            continue
        rows.append((first + 1, dict(zip(header, values))))
    return header, rows, problems


def _outside(path: Path, root: Optional[Path]) -> bool:
    """True when ``root`` is given and ``path`` (symlinks resolved) is not inside it."""
    if root is None:
        return False
    try:
        path.resolve().relative_to(root.resolve())
        return False
    except (ValueError, OSError):
        return True


def load_manifest(path: Path, check_audio: bool = True, max_audio_bytes: Optional[int] = None,
                  confine_to: Optional[Path] = None) -> Dataset:
    """Load a CSV manifest (see the module docstring for the columns).

    Parameters
    ----------
    path : path
        The ``.csv`` file.
    check_audio : bool
        Open each audio file's header and skip (with a Problem) those that are not usable audio.
    max_audio_bytes : int, optional
        Per-file size limit in bytes (default :func:`core.datasets.scan.audio_size_limit`: 200 MiB or
        ``$WORKBENCH_MAX_AUDIO_MB``); larger files are named and skipped.
    confine_to : path, optional
        Refuse audio and lyrics paths outside this folder (an uploaded manifest must not make the
        server read or play its other files). :func:`core.datasets.load_dataset` sets it for uploads.

    Raises
    ------
    DatasetError
        The manifest is missing, unreadable, not a CSV, lacks the ``audio_path`` column, or no row is
        usable (the message lists the problems).
    """
    path = Path(path)
    limit = audio_size_limit(max_audio_bytes)
    if not path.is_file():
        raise DatasetError(f"Manifest not found: {path}")
    base = path.parent
    header, raw_rows, problems = _read_rows(path)
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        from core.features.given import export_hint, separator_hint
        shown = ", ".join(header[:12]) + (f" and {len(header) - 12} more" if len(header) > 12 else "")
        if separator_hint(header):
            shown = repr(header[0][:60] + ("..." if len(header[0]) > 60 else ""))
        raise DatasetError(
            f"Manifest {path.name} lacks the column(s) {', '.join(missing)}; it has {shown or 'none'}. "
            "Required: audio_path; optional: lyrics or lyrics_path, genre, track_id."
            + (" (A features file of embeddings is read instead when it has columns named audio_* or lyrics_*.)"
               if any(h[-1:].isdigit() for h in header) else "") + export_hint(header) + separator_hint(header))
    labelled = "genre" in header
    rows, genres, seen = [], [], {}
    for line, rec in raw_rows:
        where = f"{path.name}:line {line}"
        audio_rel = rec.get("audio_path", "").strip()
        audio_path = None
        if audio_rel:
            candidate = Path(audio_rel)
            candidate = candidate if candidate.is_absolute() else (base / candidate)
            bad_path = None
            try:
                exists, is_dir = candidate.exists(), candidate.is_dir()
            except (OSError, ValueError) as exc:  # e.g. a name too long for the file system
                exists = is_dir = False
                bad_path = getattr(exc, "strerror", None) or str(exc)
            if _outside(candidate, confine_to):
                problems.append(Problem(f"{where} ({audio_rel})", "path points outside the uploaded folder",
                                        "audio skipped: put the file inside the zip and use a relative path"))
            elif bad_path:
                problems.append(Problem(f"{where} ({audio_rel})", f"cannot use this path ({bad_path})",
                                        "audio skipped: fix the path"))
            elif not exists:
                problems.append(Problem(f"{where} ({audio_rel})", "audio file not found",
                                        "audio skipped: fix the path (relative paths start at the "
                                        "manifest's folder)"))
            elif is_dir:
                problems.append(Problem(f"{where} ({audio_rel})", "is a folder, not an audio file",
                                        "audio skipped: point audio_path at a file"))
            else:
                probe = check_audio_file(candidate, limit) if check_audio else None
                if probe is not None and probe.reason:
                    hint = probe.hint.replace("track skipped", "audio skipped", 1)
                    problems.append(Problem(f"{where} ({audio_rel})", probe.reason, hint))
                else:
                    if probe is not None and probe.note:
                        problems.append(Problem(f"{where} ({audio_rel})", probe.note, probe.note_hint))
                    audio_path = str(candidate.resolve())
        lyrics, lyrics_path = None, None
        # what becomes of the row when its lyrics cannot be used: without audio nothing is kept
        outcome = ("the track is kept without lyrics" if audio_path is not None
                   else "row skipped: its audio cannot be used either" if audio_rel
                   else "row skipped: it has no audio either")
        if rec.get("lyrics", "").strip():
            lyrics, why = check_lyrics_text(rec["lyrics"])
            if lyrics is None:
                problems.append(Problem(where, f"lyrics cell: {why}",
                                        f"{outcome}; {lyrics_advice(why)}",
                                        stage="lyrics"))
        elif rec.get("lyrics_path", "").strip():
            lp = Path(rec["lyrics_path"].strip())
            lp = lp if lp.is_absolute() else base / lp
            lyrics_path = str(lp)
            text, problem = (None, "path points outside the uploaded folder") if _outside(lp, confine_to) \
                else read_lyrics_file(lp)
            if problem:
                problems.append(Problem(f"{where} ({rec['lyrics_path'].strip()})", problem,
                                        f"{outcome}; {lyrics_advice(problem)}",
                                        stage="lyrics"))
            else:
                lyrics = text
        if audio_path is None and lyrics is None:
            if audio_rel:
                continue  # already reported above; nothing usable left in this row
            problems.append(Problem(where, "row has neither audio nor lyrics",
                                    "row skipped: fill in audio_path or lyrics"))
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
        raise DatasetError(f"Manifest {path.name} has no usable rows ({len(problems)} problems)"
                           + problems_text(problems))
    has_labels = labelled and all(g is not None for g in genres)
    if labelled and not has_labels:
        blank = sum(g is None for g in genres)
        problems.append(Problem(path.name, f"{blank} of {len(genres)} rows have no genre",
                                "the set is treated as unlabelled: give every row a genre"))
    return Dataset(name=path.stem, kind="manifest", root=base, tracks=make_tracks(rows),
                   has_lyrics=any(r["lyrics"] for r in rows),
                   labels=np.array(genres, dtype=object) if has_labels else None, problems=problems)

