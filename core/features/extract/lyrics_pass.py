"""Step 3 of an extraction: the lyrics texts without a cached vector, embedded in one model call.

What the semantic model embeds is :func:`_semantic_texts`: the English gloss of a lyric in a language
with a dictionary when ``LyricsConfig.gloss`` is on, the lyric itself otherwise.

The batch is stored whole before its per-text entries, so a run killed in between resumes with the
very same vectors (a text's vector depends in its last bits on its batch).
"""

from __future__ import annotations

import numpy as np

from core.features import lyrics as lyrics_mod
from core.features.cache import make_key
from core.features.lyrics import gloss as gloss_mod
from core.progress import report
from core.tracks import Dataset, Problem


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


def multilingual_key(text) -> str:
    """Per-text cache key of the multilingual block: the lyric as written, the model package and version."""
    from core.features.lyrics import multilingual as ml
    model_id = f"{ml.MULTILINGUAL_PACKAGE}=={ml.MULTILINGUAL_VERSION}"
    return make_key("multilingual", model_id, lyrics_mod.LYRICS_VERSION, str(text).strip())


def _embed_multilingual(texts, lyrics_ok, cache, progress, done, total) -> np.ndarray:
    """The multilingual block (:mod:`core.features.lyrics.multilingual`) of every track with lyrics, from the
    per-text cache where it can; the lyric as written is embedded (no gloss). NaN rows elsewhere."""
    from core.features.lyrics import multilingual as ml
    n = len(texts)
    out = np.full((n, ml.MULTILINGUAL_DIM), np.nan, dtype=np.float32)
    keys = {i: multilingual_key(texts[i]) for i in range(n) if lyrics_ok[i]}
    missing = []
    for i, key in keys.items():
        hit = cache.get("lyrics_multilingual", key)
        if hit is not None:
            out[i] = hit["embedding"]
        else:
            missing.append(i)
    if missing:
        def sub(d, t, msg=""):
            report(progress, done, total, f"multilingual model: {d} of {t} lyrics")

        vecs = ml.embed_multilingual([str(texts[i]).strip() for i in missing], progress=sub)
        for j, i in enumerate(missing):
            out[i] = vecs[j]
            cache.put("lyrics_multilingual", keys[i], embedding=vecs[j])
    return out


def multilingual_coverage(texts, lyrics_ok, languages=None) -> tuple:
    """Which lyrics are in a language the multilingual model was trained on.

    Parameters
    ----------
    texts : list of (str or None)
    lyrics_ok : bool array
        Tracks with usable lyrics.
    languages : list of str, optional
        Each lyric's language code when known (the gloss report's); identified with py3langid otherwise.

    Returns
    -------
    coverage : dict
        ``{"covered": n, "outside": {code: n, ...}}`` (JSON-safe, for the feature set's meta).
    problems : list of Problem
        One, naming the languages outside the model's and how many lyrics each, when there are any.
    """
    from core.features.lyrics.multilingual import MULTILINGUAL_LANGUAGES
    covered, outside = 0, {}
    for i, ok in enumerate(lyrics_ok):
        if not ok:
            continue
        code = (languages[i] if languages is not None else gloss_mod._language(str(texts[i]))) or "?"
        if code in MULTILINGUAL_LANGUAGES:
            covered += 1
        else:
            outside[code] = outside.get(code, 0) + 1
    problems = []
    if outside:
        listed = ", ".join(f"{code} {n}" for code, n in sorted(outside.items(), key=lambda kv: (-kv[1], kv[0])))
        problems.append(Problem(
            "multilingual level", f"{sum(outside.values())} lyrics in languages outside the multilingual model's 16 "
            f"({listed}): they are embedded anyway, with less of their meaning",
            "the character level (--char-ngrams) reads any alphabet; the lexical level reads any language",
            stage="lyrics"))
    return {"covered": covered, "outside": outside}, problems


def _semantic_texts(dataset: Dataset, config) -> tuple:
    """What the semantic model embeds per track (None where no lyrics) and the gloss report."""
    texts = dataset.tracks["lyrics"].tolist()
    if not dataset.has_lyrics:
        return [None] * len(texts), gloss_mod.GlossReport(languages=[""] * len(texts))
    texts = [t if isinstance(t, str) and t.strip() else None for t in texts]
    return gloss_mod.semantic_texts(texts, gloss=config.lyrics.gloss, engine=config.lyrics.gloss_engine)


def _gloss_problems(gloss_rep) -> list:
    """The semantic level's word on languages: which were glossed, which fall back to the untranslated
    text (a missing dictionary package named with the command that installs it)."""
    out = []
    if gloss_rep.engine_problem:
        out.append(Problem(
            "semantic level", f"Apertium could not translate ({gloss_rep.engine_problem}): those lyrics get the "
            "dictionary gloss instead", "install the pairs (as root: apt-get install "
            f"{' '.join(gloss_rep.engine_packages) or 'apertium-eng-spa'}; make install installs the Spanish one, "
            "make install-test the pivots too), then extract again", stage="lyrics"))
    if gloss_rep.missing_dictionaries:
        pkgs = " ".join(gloss_mod.dictionaries.PACKAGES[lang] for lang in gloss_rep.missing_dictionaries)
        out.append(Problem(
            "semantic level", f"no English dictionary installed for {', '.join(gloss_rep.missing_dictionaries)}: "
            "those lyrics are embedded untranslated by the English model (the lexical levels still read them)",
            f"install the dictionaries (make install, or apt-get install {pkgs}), then extract again",
            stage="lyrics"))
    return out
