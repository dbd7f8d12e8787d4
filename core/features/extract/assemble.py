"""Steps 2-4 of an extraction joined: extract what is not cached, build the standardised blocks and
the :class:`~core.features.featureset.FeatureSet`, and store it under the dataset's key.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import numpy as np

from core.features import audio as audio_mod
from core.features import lyrics as lyrics_mod
from core.features.blocks import standardise_blocks
from core.features.extract.audio_pass import _extract_audio
from core.features.extract.lyrics_pass import (_embed_lyrics, _embed_multilingual, _gloss_problems, _semantic_texts,
                                              multilingual_coverage)
from core.features.lyrics.centring import centre_by_language
from core.features.featureset import FeatureSet
from core.features.learned_parts import with_tag_measures
from core.features.pool import local_executor
from core.progress import in_parts, report


def _multilingual_block(texts, sem_texts, lyrics_ok, lcfg, cache, progress, done, total) -> np.ndarray:
    """The multilingual block on what ``lcfg.multilingual_input`` names: the lyric as written, the semantic
    model's text (the gloss where there is one), or both averaged (unit rows; NaN rows without lyrics)."""
    if lcfg.multilingual_input == "written":
        return _embed_multilingual(texts, lyrics_ok, cache, progress, done, total)
    read = [s if isinstance(s, str) and s.strip() else t for s, t in zip(sem_texts, texts)]
    glossed = _embed_multilingual(read, lyrics_ok, cache, progress, done, total)
    if lcfg.multilingual_input == "gloss":
        return glossed
    both = _embed_multilingual(texts, lyrics_ok, cache, progress, done, total) + glossed
    return both / np.maximum(np.linalg.norm(both, axis=1, keepdims=True), 1e-12)


def _compute(dataset, config, cache, n_jobs, progress, executor, audio_keys, lyr_keys, ds_key, rep) -> FeatureSet:
    """Extract what is not cached, assemble the FeatureSet and store it under ``ds_key``."""
    texts = dataset.tracks["lyrics"].tolist()
    n_clips, n_lyrics = sum(k is not None for k in audio_keys), sum(k is not None for k in lyr_keys)
    total = n_clips + n_lyrics  # clips first, then lyrics: each message says which is which
    progress = in_parts(progress, [("clips", n_clips), ("lyrics", n_lyrics)])
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

    # lyrics blocks: semantic | lexical (words) | character (2-5-grams, when on) | multilingual (when on) | stylistic
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
    multi, multi_names, coverage = np.zeros((dataset.n_tracks, 0), np.float32), [], None
    if config.lyrics.multilingual and lyrics_ok.any():  # the lyric as written, not the gloss
        multi = _multilingual_block(texts, sem_texts, lyrics_ok, config.lyrics, cache, progress, done,
                                    max(total, 1))
        multi_names = [f"ml.{j:03d}" for j in range(multi.shape[1])]
        coverage, ml_problems = multilingual_coverage(texts, lyrics_ok,
                                                      gloss_rep.languages if config.lyrics.gloss else None)
        rep.problems += ml_problems
    raw_lyrics = np.hstack([np.where(lyrics_ok[:, None], semantic, np.nan), lex, chars, multi, style])
    d_sem, d_lex, d_chr, d_ml = len(sem_names), len(lex_names), len(char_names), len(multi_names)
    start_ml, start_style = d_sem + d_lex + d_chr, d_sem + d_lex + d_chr + d_ml
    lblocks = {"semantic": list(range(d_sem)), "lexical": list(range(d_sem, d_sem + d_lex)),
               **({"character": list(range(d_sem + d_lex, start_ml))} if d_chr else {}),
               **({"multilingual": list(range(start_ml, start_style))} if d_ml else {}),
               "stylistic": list(range(start_style, start_style + len(style_names)))}
    lyrics = standardise_blocks(raw_lyrics, lyrics_ok, lblocks)
    if config.lyrics.gloss:  # each language's mean removed (a set with one language is left as it is)
        lyrics = centre_by_language(lyrics, lyrics_ok, gloss_rep.languages)

    all_problems = list(rep.problems)
    fs = FeatureSet(
        track_ids=dataset.track_ids, audio=audio, audio_names=anames, audio_blocks=levels, audio_ok=audio_ok,
        audio_stats=astats, audio_stat_names=stat_names,
        lyrics=lyrics, lyrics_names=sem_names + list(lex_names) + list(char_names) + multi_names + style_names,
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
                                     "message": gloss_rep.message(),
                                     **({"engines": gloss_rep.engines()}
                                        if gloss_rep.translated or gloss_rep.engine_problem else {})},
              **({"multilingual_languages": coverage} if coverage is not None else {}),
              "problems": [asdict(p) for p in all_problems], "audio_failures": list(rep.failure_reasons)},
    )
    json.dumps(fs.meta)  # fail here, not at load time, if meta is not JSON-safe
    if rep.audio_crashed == 0:  # a crash is transient: storing it would stop the next run retrying
        fs.save(cache.path("featuresets", ds_key))
        rep.stored = True
    report(progress, max(total, 1), max(total, 1), "done")
    return fs
