"""Lyrics-only clustering of a multilingual set against the English-only set of the same size.

Issue 16's target: with the generator's multilingual option, lyrics-only clustering of a multilingual set
must not be worse than of the English-only set of the same configuration by more than 0.02 NMI.

:func:`synthetic_lyrics` writes only the lyrics of a v2 synthetic set (no audio is rendered): the same
plan and the same lyrics random streams as :func:`core.datasets.synthetic.synthesize_track`, so each
lyric is the one the full generator writes, in about a millisecond instead of a second of audio
synthesis. :func:`lyrics_only_scores` then runs the project's usual lyrics-only condition (the ablation's
``lyrics_only``: features -> PCA -> k-means with k = the number of genres, tracks without lyrics in one
group of their own, 80 % subsamples) over clustering seeds.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.datasets.synthetic.config import SynthConfig
from core.datasets.synthetic.degrade import degrade_planned_lyrics
from core.datasets.synthetic.lyrics import lyrics_text
from core.datasets.synthetic.plan import genre_plan
from core.datasets.synthetic.recipes import GENRES, _uniform
from core.datasets.synthetic.track import _track_streams
from core.datasets.synthetic.vocab import make_lyrics_v2
from core.errors import check_param
from core.tracks import Dataset


def synthetic_lyrics(config: SynthConfig) -> tuple:
    """The lyrics of the v2 synthetic set ``config`` describes, as a Dataset without audio.

    Returns
    -------
    dataset : Dataset
        One row per track (genre order, then index), ``audio_path`` None, ``lyrics`` None for
        instrumentals and missing lyrics; ``labels`` the genres.
    languages : ndarray of str, shape (n_tracks,)
        The language each lyric was written in ("" for tracks without voice).
    """
    check_param("synthetic_lyrics", "config.version", config.version, "2", config.version >= 2)
    rows, labels, langs = [], [], []
    lo, hi = config.lyric_words
    for genre in config.genres:
        for plan in genre_plan(config, genre):
            index = len([1 for g in labels if g == genre])
            _music, lyrics_rng, _audio_deg, lyrics_deg_rng, _level = _track_streams(config.seed, genre, index, 5)
            stanzas = []
            if plan.has_voice:
                n_words = int(round(_uniform(lyrics_rng, (lo, hi))))
                stanzas = make_lyrics_v2(GENRES[genre].themes, lyrics_rng, theme_share=config.theme_share,
                                         n_words=n_words, language=plan.language)
            sung = lyrics_text(stanzas) if stanzas else None
            _strength, text = degrade_planned_lyrics(config, plan.lyrics_kind, sung, lyrics_deg_rng)
            rows.append({"track_id": plan.track_id, "audio_path": None,
                         "lyrics": text if isinstance(text, str) and text.strip() else None, "lyrics_path": None})
            labels.append(genre)
            langs.append(plan.language if plan.has_voice else "")
    ds = Dataset(name=f"lyrics seed {config.seed} {'+'.join(config.languages)}", kind="synthetic",
                 root=Path("."), tracks=pd.DataFrame(rows), has_lyrics=True, labels=np.array(labels))
    return ds, np.array(langs)


def lyrics_only_scores(dataset: Dataset, extract_config=None, seeds: Sequence[int] = tuple(range(5)),
                       cache=None, use_dataset_cache: bool = True, lyrics_levels: Optional[tuple] = None) -> dict:
    """Lyrics-only clustering scores of ``dataset`` (labels required) over clustering ``seeds``, on the
    lyrics levels ``lyrics_levels`` (e.g. ``("semantic",)``; None: every extracted level).

    Returns
    -------
    dict
        ``nmi`` and ``nmi_covered`` (among tracks with lyrics only): lists, one value per seed;
        ``report``: the extraction report; ``meta``: the FeatureSet's meta (gloss summary included).
    """
    from core.experiments import ExperimentConfig, prepare, run_condition
    from core.features.extract import ExtractConfig, extract_features

    extract_config = ExtractConfig() if extract_config is None else extract_config
    fs, rep = extract_features(dataset, extract_config, cache=cache, n_jobs=1,
                               use_dataset_cache=use_dataset_cache)
    if lyrics_levels:
        from core.features.levels import select_lyrics_levels
        fs = select_lyrics_levels(fs, tuple(lyrics_levels))
    prepared = prepare(fs, ExperimentConfig(seeds=tuple(seeds)))
    nmi, covered = [], []
    for s in seeds:
        r = run_condition(prepared, "lyrics_only", int(s), labels=dataset.labels)
        nmi.append(float(r["nmi"]))
        covered.append(float(r.get("nmi_covered", r["nmi"])))
    return {"nmi": nmi, "nmi_covered": covered, "report": rep, "meta": fs.meta}


def with_languages(config: SynthConfig, languages: Optional[tuple]) -> SynthConfig:
    """``config`` with other lyric languages (same size, same seed)."""
    return dataclasses.replace(config, languages=tuple(languages)) if languages else config
