"""Writing the set: one worker per track, a temporary sibling folder renamed into place.

Files on disk (``out_dir``)::

    audio/<track_id>.wav     mono PCM_16 at ``config.sr`` (22,050 Hz by default)
    lyrics/<track_id>.txt    UTF-8; absent for instrumentals and "missing" lyrics
    manifest.csv             track_id, audio_path, lyrics_path (relative; lyrics_path empty if none)
    ground_truth.csv         track_id, genre, has_voice, audio_degradation,
                             audio_degradation_param, lyrics_degradation; v2 adds voiced_share
                             (0..1 of the clip), language, loudness_dbfs, gain_db (dB),
                             audio_degradation_severity and lyrics_degradation_strength (0..1)
                             and writes both tables in a seeded shuffled order
    synth_config.json        the configuration plus ``generator_version``

The set is built in a temporary sibling folder and renamed into place, so a killed build never
leaves a half set that looks complete.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Optional

import pandas as pd
import soundfile as sf

from core.datasets.synthetic.config import SynthConfig, _is_int
from core.datasets.synthetic.load import (
    GROUND_TRUTH_COLUMNS,
    MANIFEST_COLUMNS,
    load_synthetic,
    read_config,
)
from core.datasets.synthetic.plan import table_order
from core.datasets.synthetic.track import synthesize_track
from core.datasets.synthetic.track_v2 import GROUND_TRUTH_COLUMNS_V2
from core.errors import DatasetError, ParameterError, check_param
from core.features.pool import spawning_without_main
from core.progress import ProgressCallback, report
from core.tracks import Dataset


def _build_one(config: SynthConfig, genre: str, index: int, folder: str) -> dict:
    """Worker: synthesise one track and write its files under ``folder``; return its rows."""
    track = synthesize_track(config, genre, index)
    root = Path(folder)
    audio_rel = f"audio/{track.track_id}.wav"
    sf.write(root / audio_rel, track.audio, track.sr, subtype="PCM_16", format="WAV")
    lyrics_rel = ""
    if track.lyrics is not None:
        lyrics_rel = f"lyrics/{track.track_id}.txt"
        (root / lyrics_rel).write_text(track.lyrics, encoding="utf-8")
    return {"manifest": {"track_id": track.track_id, "audio_path": audio_rel,
                         "lyrics_path": lyrics_rel},
            "truth": track.truth}


def _config_record(config: SynthConfig) -> dict:
    return {**config.to_dict(), "generator_version": config.generator_version}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _replaceable(folder: Path) -> bool:
    """True for an empty folder or one that looks like a synthetic set (safe to replace)."""
    return not any(folder.iterdir()) or (folder / "synth_config.json").is_file() \
        or (folder / "manifest.csv").is_file() and (folder / "ground_truth.csv").is_file()


def _remove_stale_siblings(out_dir: Path) -> None:
    """Delete temporary build folders of ``out_dir`` left by processes that no longer run."""
    pattern = re.compile(rf"^\.{re.escape(out_dir.name)}\.(?:tmp|old)-(\d+)-")
    for p in out_dir.parent.iterdir():
        m = pattern.match(p.name)
        if m and p.is_dir() and not _pid_alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)


def generate(config: SynthConfig, out_dir: Path, n_jobs: int = 2,
             progress: Optional[ProgressCallback] = None) -> Dataset:
    """Build the synthetic song set into ``out_dir`` (replacing any previous set) and load it.

    The files are written into a temporary sibling folder, which is renamed into place only when
    complete, so an interrupted build never leaves a set that looks finished.

    Parameters
    ----------
    config : SynthConfig
    out_dir : path-like
        Folder of the set; its parent is created if needed. An existing folder is replaced only
        if it is empty or a synthetic set (never a folder of other files).
    n_jobs : int
        Worker processes (spawned) for ``n_jobs > 1``; ``-1`` uses every core. The files do not
        depend on it.
    progress : callable(done, total, message), optional
        Called after each track.

    Returns
    -------
    Dataset
        As :func:`load_synthetic` returns it.
    """
    check_param("generate", "config", config, "a SynthConfig", isinstance(config, SynthConfig))
    config.validate()
    check_param("generate", "n_jobs", n_jobs, "an int >= 1 or -1",
                _is_int(n_jobs) and (n_jobs >= 1 or n_jobs == -1))
    out_dir = Path(out_dir).absolute()
    if out_dir.exists() and not (out_dir.is_dir() and _replaceable(out_dir)):
        raise ParameterError(
            "The 'out_dir' parameter of generate must be a new or empty folder, or a synthetic "
            f"song set to replace. Got {str(out_dir)!r}, which holds other files, instead.")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_siblings(out_dir)
    workers = (os.cpu_count() or 1) if n_jobs == -1 else int(n_jobs)
    tasks = [(g, i) for g in config.genres for i in range(config.tracks_per_genre)]
    workers = max(1, min(workers, len(tasks)))
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-{os.getpid()}-", dir=out_dir.parent))
    try:
        (tmp / "audio").mkdir()
        (tmp / "lyrics").mkdir()
        results = _build_tracks(config, tasks, tmp, workers, progress)
        _write_tables(config, results, tmp)
        _move_into_place(config, tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load_synthetic(out_dir)


def _build_tracks(config: SynthConfig, tasks: list[tuple[str, int]], tmp: Path, workers: int,
                  progress: Optional[ProgressCallback]) -> list[dict]:
    """Write every track's files under ``tmp`` (in ``workers`` spawned processes if > 1);
    return their rows in task order."""
    results: list[Optional[dict]] = [None] * len(tasks)
    total = len(tasks)
    report(progress, 0, total, "synthesising songs")
    if workers == 1:
        for k, (g, i) in enumerate(tasks):
            results[k] = _build_one(config, g, i, str(tmp))
            report(progress, k + 1, total, results[k]["manifest"]["track_id"])
        return results
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        with spawning_without_main():  # workers must not run the main script (or the Streamlit app) again
            futures = {pool.submit(_build_one, config, g, i, str(tmp)): k
                       for k, (g, i) in enumerate(tasks)}
        try:
            for done, fut in enumerate(as_completed(futures), start=1):
                k = futures[fut]
                results[k] = fut.result()
                report(progress, done, total, results[k]["manifest"]["track_id"])
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    return results


def _write_tables(config: SynthConfig, results: list[dict], tmp: Path) -> None:
    """``manifest.csv``, ``ground_truth.csv`` and ``synth_config.json`` into ``tmp``."""
    order = table_order(config, len(results))
    rows = [results[int(k)] for k in order]
    columns = GROUND_TRUTH_COLUMNS if config.version == 1 else GROUND_TRUTH_COLUMNS_V2
    manifest = pd.DataFrame([r["manifest"] for r in rows], columns=list(MANIFEST_COLUMNS))
    truth = pd.DataFrame([r["truth"] for r in rows], columns=list(columns))
    manifest.to_csv(tmp / "manifest.csv", index=False)
    truth.to_csv(tmp / "ground_truth.csv", index=False)
    (tmp / "synth_config.json").write_text(
        json.dumps(_config_record(config), indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _move_into_place(config: SynthConfig, tmp: Path, out_dir: Path) -> None:
    """Rename the finished ``tmp`` to ``out_dir``, replacing (then deleting) any previous set."""
    old = None
    if out_dir.exists():
        suffix = tmp.name.rsplit("-", 1)[-1]
        old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}-{suffix}"
        os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except OSError:
        # another process finished the same build first: keep its set
        if read_config(out_dir) != _config_record(config):
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def ensure_synthetic(config: SynthConfig, out_dir: Path, n_jobs: int = 2,
                     progress: Optional[ProgressCallback] = None) -> Dataset:
    """Load the set in ``out_dir`` if it was built from ``config`` by this generator version,
    complete; otherwise (re)build it with :func:`generate`.

    Parameters are those of :func:`generate`.
    """
    check_param("ensure_synthetic", "config", config, "a SynthConfig",
                isinstance(config, SynthConfig))
    config.validate()
    out_dir = Path(out_dir)
    if read_config(out_dir) == _config_record(config):
        try:
            dataset = load_synthetic(out_dir)
        except DatasetError:
            dataset = None
        if dataset is not None and not dataset.problems \
                and dataset.n_tracks == config.n_tracks:
            return dataset
    return generate(config, out_dir, n_jobs=n_jobs, progress=progress)
