"""Step 3 of an extraction: the lyrics texts without a cached vector, embedded in one model call.

The batch is stored whole before its per-text entries, so a run killed in between resumes with the
very same vectors (a text's vector depends in its last bits on its batch).
"""

from __future__ import annotations

import numpy as np

from core.features import lyrics as lyrics_mod
from core.features.cache import make_key
from core.progress import report


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
