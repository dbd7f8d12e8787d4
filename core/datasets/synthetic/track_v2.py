"""One track of generator v2: the planned voice, language and degradations, a per-track
mastering gain, lyrics from shared vocabularies, and the richer ground-truth row.

Seeding is v1's (music, lyrics, audio degradation, lyrics degradation streams from
``(seed, genre, index)``) plus one stream for the track's level, so the same config gives the
same files whatever the number of worker processes. What v2 decides per set (which tracks are
instrumental versions or degraded, and how) comes from :func:`~core.datasets.synthetic.plan.genre_plan`.
"""

from __future__ import annotations

import dataclasses
import unicodedata

import numpy as np

from core.datasets.synthetic.config import SynthConfig
from core.datasets.synthetic.degrade import degrade_planned_audio, degrade_planned_lyrics
from core.datasets.synthetic.lyrics import lyrics_text
from core.datasets.synthetic.plan import TrackPlan
from core.datasets.synthetic.recipes import GENRES, _uniform
from core.datasets.synthetic.song import Song, mix
from core.datasets.synthetic.vocab import make_lyrics_v2

#: Columns of v2's ``ground_truth.csv`` (v1's six plus the per-track truths).
GROUND_TRUTH_COLUMNS_V2 = ("track_id", "genre", "has_voice", "voiced_share", "language",
                           "loudness_dbfs", "gain_db", "audio_degradation",
                           "audio_degradation_param", "audio_degradation_severity",
                           "lyrics_degradation", "lyrics_degradation_strength")
_LEVEL_RANGE_DBFS = (-40.0, -6.0)


def _ascii_for_singing(stanzas: list[list[str]]) -> list[list[str]]:
    """The lines with accents stripped (``canción`` -> ``cancion``) so the voice finds the vowels."""
    def fold(text: str) -> str:
        return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return [[fold(line) for line in stanza] for stanza in stanzas]


def voiced_share(notes, clip_seconds: float) -> float:
    """Share (0..1) of the clip during which a sung note sounds: the union of the notes'
    ``(onset s, duration s)`` intervals within the clip, divided by its length."""
    if not notes:
        return 0.0
    spans = sorted((max(0.0, on), min(clip_seconds, on + dur)) for on, dur, *_ in notes)
    total, start, end = 0.0, None, None
    for a, b in spans:
        if b <= a:
            continue
        if start is None or a > end:
            if start is not None:
                total += end - start
            start, end = a, b
        else:
            end = max(end, b)
    if start is not None:
        total += end - start
    return round(min(1.0, total / clip_seconds), 4)


def synthesize_v2(config: SynthConfig, genre: str, plan: TrackPlan, streams: tuple) -> dict:
    """Make one v2 track; returns the fields of
    :class:`~core.datasets.synthetic.track.SynthTrack` (``stems`` always filled).

    Parameters
    ----------
    config : SynthConfig
        A v2 config.
    genre : str
    plan : TrackPlan
        From :func:`~core.datasets.synthetic.plan.genre_plan`.
    streams : tuple of 5 numpy Generators
        Music, lyrics, audio degradation, lyrics degradation, level.
    """
    music_rng, lyrics_rng, audio_deg_rng, lyrics_deg_rng, level_rng = streams
    recipe = GENRES[genre]
    genre_level = _uniform(level_rng, recipe.loudness_dbfs)
    gain = round(_uniform(level_rng, config.gain_db), 3)
    level = round(float(np.clip(genre_level + gain, *_LEVEL_RANGE_DBFS)), 3)
    changes = {"loudness_dbfs": (level, level)}
    if not plan.has_voice:
        mix_db = tuple(recipe.mix_db[:4]) + (-99.0,)
        changes.update(has_voice=False, mix_db=mix_db)
    recipe = dataclasses.replace(recipe, **changes)
    stanzas = []
    if plan.has_voice:
        lo, hi = config.lyric_words
        n_words = int(round(_uniform(lyrics_rng, (lo, hi))))
        stanzas = make_lyrics_v2(recipe.themes, lyrics_rng, theme_share=config.theme_share,
                                 n_words=n_words, language=plan.language)
    song = Song(recipe, config.sr, config.clip_seconds, music_rng)
    audio = mix(song, _ascii_for_singing(stanzas))
    a_value, a_severity, audio = degrade_planned_audio(config, audio, plan.audio_kind,
                                                       audio_deg_rng)
    sung = lyrics_text(stanzas) if stanzas else None
    strength, text = degrade_planned_lyrics(config, plan.lyrics_kind, sung, lyrics_deg_rng)
    truth = {"track_id": plan.track_id, "genre": genre, "has_voice": plan.has_voice,
             "voiced_share": voiced_share(song.voice_notes, config.clip_seconds),
             "language": plan.language if plan.has_voice else "",
             "loudness_dbfs": level, "gain_db": gain,
             "audio_degradation": plan.audio_kind,
             "audio_degradation_param": a_value if a_value is not None else "",
             "audio_degradation_severity": a_severity,
             "lyrics_degradation": plan.lyrics_kind,
             "lyrics_degradation_strength": strength}
    return {"track_id": plan.track_id, "audio": audio, "sr": config.sr, "lyrics": text,
            "sung_lyrics": sung, "truth": truth, "info": dict(song.info),
            "voice_notes": tuple(song.voice_notes), "stems": dict(song.stems)}
