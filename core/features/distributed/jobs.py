"""The two halves of an audio job on a cluster: what a worker computes, what the parent stores.

Pipeline position: features -> extraction on a Dask cluster (:mod:`core.features.distributed`).

A worker runs :func:`_audio_job` (decode and extract one clip, BLAS on one thread so the float32
features are bit-identical to a single-threaded local run) and never touches the feature cache;
the parent writes each per-clip cache entry as the result arrives (:func:`_audio_store`).
:data:`_SPLIT` maps the local job function to these halves. :func:`_probe` runs on each worker
when the executor connects. Workers unpickle these functions by reference, so they must import
this project's ``core`` at the same feature version.
"""

from __future__ import annotations

import os
import socket

from core.errors import AudioDecodeError
from core.features import audio as audio_mod
from core.features.cache import FeatureCache
from core.features.extract import _audio_worker
from core.features.jit import warm_up

_ONE_BLAS_THREAD = False


def _one_blas_thread() -> None:
    """Limit BLAS/OpenMP to one thread in this worker process, once.

    The extractor's float32 results differ in the last bits (~1e-6 relative) with the number of
    BLAS threads, so a worker started with the default thread count would not reproduce a
    single-threaded run bit for bit. One worker process per core with one BLAS thread each is also
    the fastest layout (no oversubscription).
    """
    global _ONE_BLAS_THREAD
    if not _ONE_BLAS_THREAD:
        from threadpoolctl import threadpool_limits
        threadpool_limits(1)
        _ONE_BLAS_THREAD = True


def _audio_job(path: str, key: str, cache_root: str, config: audio_mod.AudioConfig):
    """Extract one clip on a worker; no cache access (the parent writes the entry).

    Same contract as :func:`core.features.extract._audio_worker`: returns ``("ok", features,
    stats)`` or ``("error", reason, hint)``; ``key`` and ``cache_root`` are unused here. BLAS runs
    on one thread (see :func:`_one_blas_thread`).
    """
    _one_blas_thread()
    if not os.path.exists(path):
        return ("error", f"file not found on Dask worker {socket.gethostname()}",
                "workers need the audio files at the same path (a shared filesystem)")
    try:
        warm_up(config)  # several worker processes on one machine: compile the JIT cache one at a time
        clip = audio_mod.extract_clip(path, config)
    except AudioDecodeError as exc:
        return "error", exc.reason, exc.hint
    except MemoryError:
        return "error", "too large to decode in memory", "shorten the clip"
    except Exception as exc:  # noqa: BLE001 - a bug or an exotic file: name it, keep going
        return "error", f"unexpected error while extracting ({type(exc).__name__}: {exc})", "please report it"
    return "ok", clip.features, clip.stats


def _audio_store(args: tuple, result: tuple) -> tuple:
    """In the parent: write the per-clip cache entry of a successful remote job."""
    path, key, cache_root, _ = args
    status, a, b = result
    if status == "ok":
        FeatureCache(cache_root).put("audio", key, features=a, stats=b)
    return result


def _audio_args(args: tuple) -> tuple:
    path, key, cache_root, config = args
    return (os.path.abspath(path), key, cache_root, config)


#: Job functions that run split on a cluster: fn -> (remote function, parent-side store, arg fix).
#: Any other function is submitted unchanged.
_SPLIT: dict = {_audio_worker: (_audio_job, _audio_store, _audio_args)}


def _probe() -> dict:
    """Runs on each worker when connecting: can it run this project's extraction, and which version."""
    import core.features.audio as a
    return {"feature_version": a.FEATURE_VERSION, "pid": os.getpid(), "host": socket.gethostname()}
