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

Layout, one job a module (everything is importable from here, as before the split):

* :mod:`core.features.extract.keys`: :class:`ExtractConfig`, the versions in its key, per-track
  cache keys (:func:`track_keys`) and the whole FeatureSet's key;
* :mod:`core.features.extract.audio_pass`: step 2, the audio worker (:func:`_audio_worker`, sent
  by reference to worker processes and Dask workers) and the pass over the clips;
* :mod:`core.features.extract.lyrics_pass`: step 3, the batched, resumable lyrics embedding;
* :mod:`core.features.extract.assemble`: steps 2-4 joined: the blocks, the FeatureSet, its storage;
* :mod:`core.features.extract.entry`: :func:`extract_features` (step 1, the lock, features files)
  and :func:`cached_status`.
"""

from __future__ import annotations

from core.features.blocks import standardise_blocks
from core.features.extract.entry import cached_status, extract_features
from core.features.extract.keys import ASSEMBLY_VERSION, LEARNED_STATS_VERSION, ExtractConfig, track_keys
from core.features.extract.audio_pass import CLIPPED_SHARE
from core.features.pool import Executor, local_executor, run_with_retries, shutdown_pools
from core.features.report import MAX_FAILED_SHARE, ExtractionReport

# Private names kept importable from here, as before the split (tests, core.features.distributed.jobs).
from core.features.extract.assemble import _compute  # noqa: F401
from core.features.extract.audio_pass import _audio_worker, _extract_audio  # noqa: F401
from core.features.extract.entry import _from_dataset_cache, _given_features  # noqa: F401
from core.features.extract.keys import _dataset_key, _where  # noqa: F401
from core.features.extract.lyrics_pass import _embed_lyrics, _gloss_problems, _semantic_texts  # noqa: F401

__all__ = [
    "ASSEMBLY_VERSION",
    "LEARNED_STATS_VERSION",
    "CLIPPED_SHARE",
    "MAX_FAILED_SHARE",
    "ExtractConfig",
    "ExtractionReport",
    "Executor",
    "local_executor",
    "run_with_retries",
    "shutdown_pools",
    "standardise_blocks",
    "track_keys",
    "extract_features",
    "cached_status",
]

