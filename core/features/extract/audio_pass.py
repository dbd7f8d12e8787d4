"""Step 2 of an extraction: the audio clips, in worker processes, each cached as it is done.

:func:`_audio_worker` extracts one clip; it is sent by reference (module and name) to the worker
processes (:mod:`core.features.pool`) and to Dask workers (:mod:`core.features.distributed.jobs`),
so it stays at ``core.features.extract.audio_pass._audio_worker`` (also importable from
:mod:`core.features.extract`). :func:`_extract_audio` runs every clip and names the bad ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from core.errors import AudioDecodeError
from core.features import audio as audio_mod
from core.features.cache import FeatureCache
from core.features.extract.keys import _where
from core.features.jit import warm_up
from core.features.learned_parts import hand_crafted_entry, without_learned
from core.features.pool import run_with_retries
from core.progress import report
from core.tracks import Problem

#: A clip with at least this share of samples at full scale is named as clipped (kept, though).
CLIPPED_SHARE = 0.25


def _audio_worker(path: str, key: str, cache_root: str, config: audio_mod.AudioConfig):
    """Extract one clip and write its cache entry (runs in a worker process, or in this one).

    Before its first clip a process compiles or loads the JIT functions under the machine-wide
    lock (:func:`core.features.jit.warm_up`: concurrent first compilations corrupt numba's cache).
    """
    cache = FeatureCache(Path(cache_root))
    hit = cache.get("audio", key)
    if hit is not None:
        return "cached", hit["features"], hit["stats"]
    base_key, base = hand_crafted_entry(path, config, cache)
    try:
        # One BLAS thread: the same clip then gives the same bits in any process (thread counts
        # change the order of float sums), and parallelism comes from the worker processes.
        with threadpool_limits(limits=1):
            warm_up(config)
            if base is not None:  # the hand-crafted levels are cached: compute the learned level only
                clip = audio_mod.ClipFeatures(
                    features=np.concatenate([base["features"], audio_mod.extract_learned(path, config)]),
                    stats=base["stats"])
            else:
                clip = audio_mod.extract_clip(path, config)
    except AudioDecodeError as exc:
        return "error", exc.reason, exc.hint
    except MemoryError:
        return "error", "too large to decode in memory", "shorten the clip"
    except Exception as exc:  # a bug or an exotic file: name it, keep going
        return "error", f"unexpected error while extracting ({type(exc).__name__}: {exc})", "please report it"
    if base_key is not None and base is None:  # turning the learned level off later finds these
        n_hand = len(audio_mod.feature_names(without_learned(config)))
        cache.put("audio", base_key, features=clip.features[:n_hand], stats=clip.stats)
    cache.put("audio", key, features=clip.features, stats=clip.stats)
    return "ok", clip.features, clip.stats


def _extract_audio(dataset, keys, config, cache, executor, progress, total, rep):
    n = dataset.n_tracks
    names = audio_mod.feature_names(config)
    feats = np.full((n, len(names)), np.nan, dtype=np.float32)
    stats = np.full((n, len(audio_mod.STAT_NAMES)), np.nan, dtype=np.float32)
    todo = []
    done = 0
    for i, key in enumerate(keys):
        if key is None:
            continue
        hit = cache.get("audio", key)
        if hit is not None:
            feats[i], stats[i] = hit["features"], hit["stats"]
            rep.audio_cached += 1
            done += 1
        else:
            todo.append(i)
    report(progress, done, total, f"{rep.audio_cached} clips from cache")
    paths = dataset.tracks["audio_path"].tolist()
    ids = dataset.track_ids

    def fail(i, reason, hint):
        rep.audio_failed += 1
        rep.failure_reasons.append(reason)
        rep.problems.append(Problem(_where(ids[i], paths[i]), reason, f"audio skipped: {hint}" if hint
                                    else "audio skipped", stage="audio"))

    def handle(j, result):
        nonlocal done
        i = todo[j]
        status, a, b = result
        if status == "error":
            fail(i, a, b)
        else:
            feats[i], stats[i] = a, b
            if status == "ok":
                rep.audio_extracted += 1
            else:
                rep.audio_cached += 1
        done += 1
        report(progress, done, total, f"audio {ids[i]}")

    jobs = [(paths[i], keys[i], str(cache.root), config) for i in todo]
    died = run_with_retries(executor, _audio_worker, jobs, handle)
    for j, exc in sorted(died.items()):
        # a worker died on this clip in every round (a fresh pool, then alone): reported, never cached
        rep.audio_crashed += 1
        fail(todo[j], f"the worker process crashed on this clip in every retry ({type(exc).__name__})",
             "not cached: the next extraction tries it again")
        done += 1
        report(progress, done, total, f"audio {ids[todo[j]]}")
    ok = ~np.isnan(stats).any(axis=1)
    silence = stats[:, audio_mod.STAT_NAMES.index("silence_ratio")]
    silent = ok & (silence >= 0.999)
    for i in np.flatnonzero(silent):
        rep.problems.append(Problem(_where(ids[i], paths[i]), "silent audio (no signal above "
                                    f"{config.silence_db:g} dBFS)", "kept; the rules give it no audio weight",
                                    stage="audio"))
    clipping = stats[:, audio_mod.STAT_NAMES.index("clipping_ratio")]
    for i in np.flatnonzero(ok & ~silent & (clipping >= CLIPPED_SHARE)):
        rep.problems.append(Problem(_where(ids[i], paths[i]), f"clipped audio: {clipping[i]:.0%} of the samples "
                                    f"are at full scale (|x| >= {config.clip_level:g})",
                                    "kept; the rules count it as poor-quality audio. Re-export it at a lower gain",
                                    stage="audio"))
    return feats, stats, ok, names, done
