"""Feature extraction for a whole dataset: audio in parallel worker processes, lyrics in one
batched model call, everything cached on disk, assembled into a :class:`FeatureSet`.

Order of work
-------------
1. Key every track: audio by file content + :class:`AudioConfig` + ``FEATURE_VERSION``; lyrics by
   text + :class:`LyricsConfig` + ``LYRICS_VERSION``. If the whole dataset's FeatureSet is cached
   under the combination of those keys, return it at once (no decoding, no model load).
2. Audio: clips without a cache entry go to worker processes; each worker writes its clip's entry
   atomically the moment it is done, so a killed run resumes where it stopped. Each process first
   compiles the JIT functions under a machine-wide lock (:mod:`core.features.jit`). A clip whose
   worker died is retried in a fresh pool, then alone in a fresh process
   (:func:`core.features.pool.run_with_retries`); only then is it reported, and a FeatureSet with
   such a clip is not stored, so the next run retries it.
3. Lyrics: texts without a cached embedding are chunked and embedded in one model call; the batch
   is stored whole before its per-text entries, so a run killed in between resumes with the very
   same vectors (a text's vector depends in its last bits on its batch). Lexical (TF-IDF + SVD,
   fitted on this dataset) and stylistic features are cheap and recomputed.
4. Blocks are standardised over the tracks that have the modality and scaled by
   1/sqrt(block width), so no block dominates by its width.

Steps 2-4 run under the cache's lock for this dataset (:meth:`FeatureCache.lock`): a second
extraction of the same dataset at the same time (another app session, the command line) waits,
then reads the finished FeatureSet from the cache.

Bad input: a clip that cannot be decoded is named in the report's problems (track id, file name,
reason, what to do) and gets ``audio_ok`` False; silent and heavily clipped clips are kept and named.
When more than :data:`MAX_FAILED_SHARE` of the clips fail, :meth:`ExtractionReport.health_problem`
says why the features are not ready (the CLI exits 1 with it; the app shows it as an error).

Progress is reported through one callback ``progress(done, total, message)`` counting audio clips
plus lyrics texts, which drives both the terminal bar and ``st.progress``.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

import numpy as np
from threadpoolctl import threadpool_limits

from core.errors import AudioDecodeError, check_param
from core.features import audio as audio_mod
from core.features import lyrics as lyrics_mod
from core.features.lyrics import gloss as gloss_mod
from core.features.lyrics.centring import centre_by_language
from core.features.cache import FeatureCache, file_digest, make_key, text_digest
from core.features.featureset import FeatureSet
from core.features.blocks import standardise_blocks  # noqa: F401 - public here too
from core.features.jit import warm_up
from core.features.report import MAX_FAILED_SHARE, ExtractionReport  # noqa: F401 - public here too
from core.features.levels import DEFAULT_AUDIO_LEVELS, audio_config_for
from core.features.learned_parts import hand_crafted_entry, with_tag_measures, without_learned
from core.features.pool import Executor, local_executor, run_with_retries, shutdown_pools  # noqa: F401 - public here
from core.progress import ProgressCallback, report
from core.tracks import Dataset, Problem, printable_name

#: Version of the assembly step (standardisation, balancing, block layout). "2": feature sets that
#: version 1 stored with clips whose worker process had crashed (issue 18) are not read again.
ASSEMBLY_VERSION = "3"  # 3: lyrics stats gained language_id, language_confidence

#: Version of the raw measures the assembly reads from the learned level's tags (``learned_voice``, ...);
#: part of the key of a configuration with the learned level on, and only of those.
LEARNED_STATS_VERSION = "learned-stats-1"


#: A clip with at least this share of samples at full scale is named as clipped (kept, though).
CLIPPED_SHARE = 0.25


def _where(track_id: str, path: str) -> str:
    """How an extraction problem names its track: ``"<track id> (<file name>)"``, printable."""
    return f"{track_id} ({printable_name(Path(path).name)})"


@dataclass(frozen=True)
class ExtractConfig:
    """What to compute. Frozen and hashable, so it can key caches (``key()``). The default audio
    configuration has the levels of :data:`core.features.levels.DEFAULT_AUDIO_LEVELS`."""

    audio: audio_mod.AudioConfig = audio_config_for(DEFAULT_AUDIO_LEVELS)
    lyrics: lyrics_mod.LyricsConfig = lyrics_mod.LyricsConfig()

    def key(self) -> str:
        # with the learned level on, the assembly also derives its tag measures (LEARNED_STATS_VERSION)
        learned = (LEARNED_STATS_VERSION,) if self.audio.learned_model is not None else ()
        return make_key(self.audio.key(), audio_mod.FEATURE_VERSION, self.lyrics.key(),
                        lyrics_mod.LYRICS_VERSION, ASSEMBLY_VERSION, *learned)


# -- audio worker ------------------------------------------------------------------------------

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


# -- lyrics ------------------------------------------------------------------------------------

def _embed_lyrics(texts, lyr_keys, config, cache, progress, done, total, rep):
    n = len(texts)
    semantic = np.zeros((n, lyrics_mod.EMBED_DIM), dtype=np.float32)
    missing = []
    for i, key in enumerate(lyr_keys):
        if key is None:
            continue
        hit = cache.get("lyrics", key)
        if hit is not None:
            semantic[i] = hit["embedding"]
            rep.lyrics_cached += 1
        else:
            missing.append(i)
    done += rep.lyrics_cached
    report(progress, done, total, f"{rep.lyrics_cached} lyrics from cache")
    if missing:
        # A text's vector depends in its last bits on the batch it was embedded with (padding, matrix
        # shapes), so a run killed while writing the per-text entries below must not resume with a
        # smaller batch: the batch is first stored whole as one entry (atomic), read back by the next
        # run if needed, and removed once every per-text entry is written.
        batch_key = make_key("lyrics-batch", *[k or "-" for k in lyr_keys])
        batch = cache.get("lyrics_batches", batch_key)
        base = done
        if (batch is not None and batch["embedding"].shape == (n, lyrics_mod.EMBED_DIM)
                and batch["mask"][missing].all()):
            vecs = batch["embedding"][missing]
            rep.lyrics_cached += len(missing)
        else:
            model = lyrics_mod.load_model()

            def sub(d, t, msg=""):
                report(progress, base + int(round(d / max(t, 1) * len(missing))), total, "embedding lyrics")

            vecs = lyrics_mod.embed_lyrics([texts[i] for i in missing], model, config, progress=sub)
            whole = np.zeros((n, vecs.shape[1]), dtype=vecs.dtype)
            whole[missing] = vecs
            mask = np.zeros(n, dtype=bool)
            mask[missing] = True
            cache.put("lyrics_batches", batch_key, embedding=whole, mask=mask)
            rep.lyrics_embedded += len(missing)
        for j, i in enumerate(missing):
            semantic[i] = vecs[j]
            cache.put("lyrics", lyr_keys[i], embedding=vecs[j])
        cache.path("lyrics_batches", batch_key).unlink(missing_ok=True)
        done = base + len(missing)
        report(progress, done, total, "lyrics embedded")
    return semantic, done


def _semantic_texts(dataset: Dataset, config: ExtractConfig) -> tuple:
    """What the semantic model embeds per track (None where no lyrics) and the gloss report."""
    texts = dataset.tracks["lyrics"].tolist()
    if not dataset.has_lyrics:
        return [None] * len(texts), gloss_mod.GlossReport(languages=[""] * len(texts))
    texts = [t if isinstance(t, str) and t.strip() else None for t in texts]
    return gloss_mod.semantic_texts(texts, gloss=config.lyrics.gloss)


def _gloss_problems(gloss_rep) -> list:
    """The semantic level's word on languages: which were glossed, which fall back to the untranslated
    text (a missing dictionary package named with the command that installs it)."""
    out = []
    if gloss_rep.missing_dictionaries:
        pkgs = " ".join(gloss_mod.dictionaries.PACKAGES[lang] for lang in gloss_rep.missing_dictionaries)
        out.append(Problem(
            "semantic level", f"no English dictionary installed for {', '.join(gloss_rep.missing_dictionaries)}: "
            "those lyrics are embedded untranslated by the English model (the lexical levels still read them)",
            f"install the dictionaries (make install, or apt-get install {pkgs}), then extract again",
            stage="lyrics"))
    return out


# -- assembly ----------------------------------------------------------------------------------



def _dataset_key(config: ExtractConfig, audio_keys, lyr_keys, has_lyrics: bool, track_ids) -> str:
    """Key of a whole FeatureSet: settings, every track's content keys, and the track ids (the
    same files under other ids must not come back with the cached ids)."""
    return make_key(config.key(), str(has_lyrics), *[k or "-" for k in audio_keys], *[k or "-" for k in lyr_keys],
                    "\x1e".join(map(str, track_ids)))


def track_keys(dataset: Dataset, config: ExtractConfig) -> tuple[list, list, list]:
    """Per-track audio cache keys, lyrics cache keys and load problems (unreadable files).

    A lyrics key is the digest of the text the semantic model embeds (the English gloss of a lyric
    when ``config.lyrics.gloss`` is on and its language has a dictionary, the lyric itself otherwise)
    with :meth:`LyricsConfig.embedding_key`: an English lyric keeps its key whether glossing is on or
    off, and a changed dictionary changes the gloss and so the key."""
    audio_keys, lyr_keys, problems = [], [], []
    ids = dataset.track_ids
    sem_texts = _semantic_texts(dataset, config)[0]
    for i, (path, text) in enumerate(zip(dataset.tracks["audio_path"], sem_texts)):
        key = None
        if isinstance(path, str) and path:
            try:
                key = make_key(file_digest(path), config.audio.key(), audio_mod.FEATURE_VERSION)
            except OSError as exc:
                problems.append(Problem(_where(ids[i], path),
                                        f"cannot read the file ({exc.strerror or exc})",
                                        "audio skipped: make the file readable, then extract again",
                                        stage="audio"))
        audio_keys.append(key)
        if dataset.has_lyrics and isinstance(text, str) and text.strip():
            lyr_keys.append(make_key(text_digest(text), config.lyrics.embedding_key()))
        else:
            lyr_keys.append(None)
    return audio_keys, lyr_keys, problems


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


def _compute(dataset, config, cache, n_jobs, progress, executor, audio_keys, lyr_keys, ds_key, rep) -> FeatureSet:
    """Extract what is not cached, assemble the FeatureSet and store it under ``ds_key``."""
    texts = dataset.tracks["lyrics"].tolist()
    total = sum(k is not None for k in audio_keys) + sum(k is not None for k in lyr_keys)
    report(progress, 0, max(total, 1), "starting")
    afeats, astats, audio_ok, anames, done = _extract_audio(
        dataset, audio_keys, config.audio, cache, executor or local_executor(n_jobs), progress, max(total, 1), rep)
    sem_texts, gloss_rep = _semantic_texts(dataset, config)
    rep.problems += _gloss_problems(gloss_rep)
    semantic, done = _embed_lyrics(sem_texts, lyr_keys, config.lyrics, cache, progress, done, max(total, 1), rep)
    lyrics_ok = np.array([k is not None for k in lyr_keys], dtype=bool)
    astats, stat_names = with_tag_measures(afeats, astats, anames, config.audio)

    # audio blocks
    levels = audio_mod.feature_levels(config.audio)
    audio = standardise_blocks(afeats, audio_ok, levels)

    # lyrics blocks: semantic | lexical (words) | character (2-5-grams, when on) | stylistic
    present = [t if ok else None for t, ok in zip(texts, lyrics_ok)]
    if lyrics_ok.any():
        # with glossing on, the word level reads the glosses: one English vocabulary across languages
        lex_in = [s if ok else None for s, ok in zip(sem_texts, lyrics_ok)] if config.lyrics.gloss else present
        lex, lex_names = lyrics_mod.lexical_features(lex_in, config.lyrics)
        chars, char_names = np.zeros((dataset.n_tracks, 0), np.float32), []
        if config.lyrics.char_ngrams:
            chars, char_names = lyrics_mod.char_features(present, config.lyrics)
    else:
        lex, lex_names = np.zeros((dataset.n_tracks, 0), np.float32), []
        chars, char_names = np.zeros((dataset.n_tracks, 0), np.float32), []
    durations = astats[:, audio_mod.STAT_NAMES.index("duration_s")]
    style = lyrics_mod.stylistic_features(present, durations).astype(np.float64)
    for name in ("word_count", "words_per_second"):
        j = lyrics_mod.STYLE_NAMES.index(name)
        style[:, j] = np.log1p(np.clip(style[:, j], 0, None))
    lstats = lyrics_mod.lyrics_stats(present)
    sem_names = [f"sem.{j:03d}" for j in range(lyrics_mod.EMBED_DIM)]
    style_names = [f"style.{s}" for s in lyrics_mod.STYLE_NAMES]
    raw_lyrics = np.hstack([np.where(lyrics_ok[:, None], semantic, np.nan), lex, chars, style])
    d_sem, d_lex, d_chr = len(sem_names), len(lex_names), len(char_names)
    lblocks = {"semantic": list(range(d_sem)), "lexical": list(range(d_sem, d_sem + d_lex)),
               **({"character": list(range(d_sem + d_lex, d_sem + d_lex + d_chr))} if d_chr else {}),
               "stylistic": list(range(d_sem + d_lex + d_chr, d_sem + d_lex + d_chr + len(style_names)))}
    lyrics = standardise_blocks(raw_lyrics, lyrics_ok, lblocks)
    if config.lyrics.gloss:  # each language's mean removed (a set with one language is left as it is)
        lyrics = centre_by_language(lyrics, lyrics_ok, gloss_rep.languages)

    all_problems = list(rep.problems)
    fs = FeatureSet(
        track_ids=dataset.track_ids, audio=audio, audio_names=anames, audio_blocks=levels, audio_ok=audio_ok,
        audio_stats=astats, audio_stat_names=stat_names,
        lyrics=lyrics, lyrics_names=sem_names + list(lex_names) + list(char_names) + style_names,
        lyrics_blocks=lblocks,
        lyrics_ok=lyrics_ok, lyrics_stats=lstats.astype(np.float32),
        lyrics_stat_names=list(lyrics_mod.STAT_NAMES), has_lyrics=bool(dataset.has_lyrics),
        semantic=semantic,
        meta={"config_key": config.key(), "audio_config": asdict(config.audio),
              "lyrics_config": asdict(config.lyrics), "feature_version": audio_mod.FEATURE_VERSION,
              "lyrics_version": lyrics_mod.LYRICS_VERSION, "dataset": dataset.name,
              "semantic_languages": {"glossed": dict(gloss_rep.glossed), "native": gloss_rep.native,
                                     "untranslated": dict(gloss_rep.untranslated),
                                     "known_share": {k: round(v, 4) for k, v in gloss_rep.known_share.items()},
                                     "message": gloss_rep.message()},
              "problems": [asdict(p) for p in all_problems], "audio_failures": list(rep.failure_reasons)},
    )
    json.dumps(fs.meta)  # fail here, not at load time, if meta is not JSON-safe
    if rep.audio_crashed == 0:  # a crash is transient: storing it would stop the next run retrying
        fs.save(cache.path("featuresets", ds_key))
        rep.stored = True
    report(progress, max(total, 1), max(total, 1), "done")
    return fs


def cached_status(dataset: Dataset, config: ExtractConfig = ExtractConfig(),
                  cache: Optional[FeatureCache] = None) -> dict:
    """How much of ``dataset`` is already extracted, without extracting anything.

    Returns a dict with ``audio_cached``, ``audio_total``, ``lyrics_cached``, ``lyrics_total`` and
    ``complete`` (the whole FeatureSet is cached).
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
        "lyrics_cached": sum(k is not None and cache.has("lyrics", k) for k in lyr_keys),
        "complete": cache.has("featuresets", ds_key),
    }
