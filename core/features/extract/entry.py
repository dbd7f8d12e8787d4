"""The entries of an extraction: :func:`extract_features` (step 1, the whole FeatureSet from the
cache; else, under the dataset's lock, the other steps) and :func:`cached_status` (how much is cached,
without extracting). A features file is read, never extracted.
"""

from __future__ import annotations

import time
from typing import Optional

from core.errors import check_param
from core.features.cache import FeatureCache
from core.features.extract.assemble import _compute
from core.features.extract.keys import ExtractConfig, _dataset_key, track_keys
from core.features.extract.lyrics_pass import multilingual_key
from core.features.featureset import FeatureSet
from core.features.pool import Executor
from core.features.report import ExtractionReport
from core.progress import ProgressCallback, report
from core.tracks import Dataset, Problem


def extract_features(dataset: Dataset, config: ExtractConfig = ExtractConfig(),
                     cache: Optional[FeatureCache] = None, n_jobs: int = 2,
                     progress: Optional[ProgressCallback] = None,
                     use_dataset_cache: bool = True,
                     executor: Optional[Executor] = None) -> tuple[FeatureSet, ExtractionReport]:
    """Compute (or load from cache) every feature of ``dataset``.

    Parameters
    ----------
    dataset : Dataset
    config : ExtractConfig
    cache : FeatureCache, optional
        Defaults to ``data/cache`` (or ``$WORKBENCH_CACHE_DIR``).
    n_jobs : int >= 1
        Worker processes for audio extraction (1 = in this process).
    progress : callable(done, total, message), optional
        Called as clips and lyrics complete; ``total`` = clips + lyrics texts to process.
    use_dataset_cache : bool
        Return the whole FeatureSet from cache when every key matches.
    executor : Executor, optional
        Where audio jobs run; default :func:`local_executor` with ``n_jobs`` processes.

    Returns
    -------
    features : FeatureSet
        Rows in ``dataset`` order.
    report : ExtractionReport
        Counts and problems (extraction problems only; ``dataset.problems`` holds load problems).
    """
    check_param("extract_features", "n_jobs", n_jobs, "an int >= 1", isinstance(n_jobs, int) and n_jobs >= 1)
    if dataset.kind == "features":  # precomputed: read, never extracted (config does not apply)
        return _given_features(dataset, progress)
    t0 = time.perf_counter()
    cache = cache or FeatureCache()
    rep = ExtractionReport(tracks=dataset.n_tracks)
    audio_keys, lyr_keys, key_problems = track_keys(dataset, config)
    rep.problems += key_problems
    rep.lyrics_missing = sum(k is None for k in lyr_keys)
    rep.audio_total = sum(k is not None for k in audio_keys)
    ds_key = _dataset_key(config, audio_keys, lyr_keys, dataset.has_lyrics, dataset.track_ids)
    if use_dataset_cache:
        fs = _from_dataset_cache(cache, ds_key, audio_keys, rep, progress, t0)
        if fs is not None:
            return fs, rep

    def waiting():
        report(progress, 0, 1, "waiting for another extraction of this dataset")

    # one extraction of a dataset at a time (other processes wait, then read the cached result)
    with cache.lock(f"featureset-{ds_key}", on_wait=waiting):
        if use_dataset_cache:
            fs = _from_dataset_cache(cache, ds_key, audio_keys, rep, progress, t0)
            if fs is not None:
                return fs, rep
        fs = _compute(dataset, config, cache, n_jobs, progress, executor, audio_keys, lyr_keys, ds_key, rep)
    rep.seconds = time.perf_counter() - t0
    return fs, rep


def _given_features(dataset: Dataset, progress) -> tuple[FeatureSet, ExtractionReport]:
    """The FeatureSet of a features file (:mod:`core.features.given`) and a report saying so."""
    from core.features.given import feature_set, read_feature_table
    t0 = time.perf_counter()
    fs = feature_set(read_feature_table(dataset.source))
    rep = ExtractionReport(tracks=dataset.n_tracks, audio_cached=int(fs.audio_ok.sum()),
                           lyrics_cached=int(fs.lyrics_ok.sum()), lyrics_missing=int((~fs.lyrics_ok).sum()),
                           from_dataset_cache=True, stored=True, seconds=time.perf_counter() - t0)
    report(progress, 1, 1, "features read from the file")
    return fs, rep


def _from_dataset_cache(cache, ds_key, audio_keys, rep, progress, t0) -> Optional[FeatureSet]:
    """The whole FeatureSet from the cache (filling ``rep``), or None on a miss or a damaged entry."""
    hit = cache.path("featuresets", ds_key)
    if not hit.is_file():
        return None
    try:
        fs = FeatureSet.load(hit)
    except Exception:  # damaged: a miss, removed
        hit.unlink(missing_ok=True)
        return None
    rep.from_dataset_cache = True
    rep.stored = True
    rep.audio_cached = int(fs.audio_ok.sum())
    rep.audio_failed = sum(k is not None for k in audio_keys) - rep.audio_cached
    rep.failure_reasons = list(fs.meta.get("audio_failures", []))
    rep.lyrics_cached = int(fs.lyrics_ok.sum())
    rep.problems = [Problem(**p) for p in fs.meta.get("problems", [])]  # they include the key problems
    rep.seconds = time.perf_counter() - t0
    report(progress, 1, 1, "features loaded from cache")
    return fs


def cached_status(dataset: Dataset, config: ExtractConfig = ExtractConfig(),
                  cache: Optional[FeatureCache] = None) -> dict:
    """How much of ``dataset`` is already extracted, without extracting anything.

    Returns a dict with ``audio_cached``, ``audio_total``, ``lyrics_cached``, ``lyrics_total`` and
    ``complete`` (the whole FeatureSet is cached). With the multilingual block on, a lyric counts as cached
    when both its semantic and its multilingual vectors are.
    """
    if dataset.kind == "features":  # precomputed: complete as soon as the file loads
        n_a, n_l = int(dataset.tracks["audio_features"].sum()), int(dataset.tracks["lyrics_features"].sum())
        return {"audio_total": n_a, "audio_cached": n_a, "lyrics_total": n_l, "lyrics_cached": n_l, "complete": True}
    cache = cache or FeatureCache()
    audio_keys, lyr_keys, _ = track_keys(dataset, config)
    ds_key = _dataset_key(config, audio_keys, lyr_keys, dataset.has_lyrics, dataset.track_ids)
    return {
        "audio_total": sum(k is not None for k in audio_keys),
        "audio_cached": sum(k is not None and cache.has("audio", k) for k in audio_keys),
        "lyrics_total": sum(k is not None for k in lyr_keys),
        "lyrics_cached": sum(k is not None and cache.has("lyrics", k) and (
            not config.lyrics.multilingual or cache.has("lyrics_multilingual", multilingual_key(text)))
            for k, text in zip(lyr_keys, dataset.tracks["lyrics"].tolist())),
        "complete": cache.has("featuresets", ds_key),
    }
