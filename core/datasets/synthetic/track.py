"""One track in memory: seeding, the song, its lyrics and degradations, and the ground-truth row.

Every random choice comes from numpy Generators seeded from ``(config.seed, genre, index within
the genre)``, with separate streams for the music, the lyrics and each degradation, so the same
seed gives the same track whatever the number of worker processes, and changing a degradation
rate does not change the songs themselves.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from core.datasets.synthetic.config import SynthConfig, _is_int
from core.datasets.synthetic.degrade import degrade_track_audio, degrade_track_lyrics
from core.datasets.synthetic.lyrics import lyrics_text, make_lyrics
from core.datasets.synthetic.recipes import GENRES
from core.datasets.synthetic.song import Song, mix
from core.errors import check_param


def _track_streams(seed: int, genre: str, index: int, n: int = 4
                   ) -> tuple[np.random.Generator, ...]:
    """``n`` independent generators: music, lyrics, audio degradation, lyrics degradation
    (and, for v2, the track's level). The first four do not depend on ``n``."""
    root = np.random.SeedSequence([int(seed), zlib.crc32(genre.encode("utf-8")), int(index)])
    return tuple(np.random.default_rng(s) for s in root.spawn(n))


@dataclass(frozen=True)
class SynthTrack:
    """One generated track, in memory.

    Attributes
    ----------
    track_id : str
        v1: ``<genre>_<index>``, e.g. ``metal_007``; v2: opaque, e.g. ``t3f9a2c1b0d``.
    audio : ndarray of float64, shape (round(clip_seconds * sr),)
        Mono signal in [-1, 1] (before 16-bit quantisation).
    sr : int
    lyrics : str or None
        Text of the lyrics file, or None when there is no file (instrumental or "missing").
    sung_lyrics : str or None
        The lyrics the voice sings (before any lyrics degradation); None for instrumentals.
    truth : dict
        The ``ground_truth.csv`` row.
    info : dict
        Musical choices: ``bpm``, ``key`` (tonic pitch class, 0 = C), ``mode`` (``"major"`` or
        ``"minor"``), ``progression`` (scale degrees), and the drum, bass and harmony pattern names.
    voice_notes : tuple of (onset s, duration s, midi, vowel)
        The sung notes in the clip, one per syllable of the sung lyric lines, in order; empty for
        instrumentals.
    stems : dict of str -> ndarray, shape (n_samples,), or None
        Only with ``stems=True``: the dry stems present in the mix (names from
        :data:`STEM_NAMES`), at their mixed level and master gain, before reverb, level swells,
        limiting and any degradation.
    """

    track_id: str
    audio: np.ndarray
    sr: int
    lyrics: Optional[str]
    sung_lyrics: Optional[str]
    truth: dict
    info: dict
    voice_notes: tuple
    stems: Optional[dict] = None


def track_id(genre: str, index: int, tracks_per_genre: int = 1000) -> str:
    """``metal_007``: genre and the index within the genre, zero-padded to at least 3 digits."""
    width = max(3, len(str(max(tracks_per_genre - 1, 0))))
    return f"{genre}_{index:0{width}d}"


def synthesize_track(config: SynthConfig, genre: str, index: int, stems: bool = False
                     ) -> SynthTrack:
    """Generate one track (audio, lyrics, ground truth) without touching the disk.

    Depends only on ``(config, genre, index)``; the same arguments give the same arrays.

    Parameters
    ----------
    config : SynthConfig
    genre : str
        A name in ``config.genres``.
    index : int
        Index within the genre, in ``[0, config.tracks_per_genre)``.
    stems : bool
        Also return the dry stems (memory: five clip-length float64 arrays).
    """
    config.validate()
    check_param("synthesize_track", "genre", genre, f"one of {list(config.genres)}",
                genre in config.genres)
    check_param("synthesize_track", "index", index,
                f"an int in [0, {config.tracks_per_genre - 1}]",
                _is_int(index) and 0 <= index < config.tracks_per_genre)
    if config.version >= 2:
        from core.datasets.synthetic.plan import genre_plan
        from core.datasets.synthetic.track_v2 import synthesize_v2
        plan = genre_plan(config, genre)[index]
        fields = synthesize_v2(config, genre, plan, _track_streams(config.seed, genre, index, 5))
        if not stems:
            fields["stems"] = None
        return SynthTrack(**fields)
    recipe = GENRES[genre]
    music_rng, lyrics_rng, audio_deg_rng, lyrics_deg_rng = _track_streams(config.seed, genre,
                                                                         index)
    stanzas = make_lyrics(recipe, lyrics_rng)
    song = Song(recipe, config.sr, config.clip_seconds, music_rng)
    audio = mix(song, stanzas)
    a_kind, a_value, audio = degrade_track_audio(config, audio, audio_deg_rng)
    sung = lyrics_text(stanzas) if stanzas else None
    l_kind, text = degrade_track_lyrics(config, stanzas, sung, lyrics_deg_rng)
    tid = track_id(genre, index, config.tracks_per_genre)
    truth = {"track_id": tid, "genre": genre, "has_voice": bool(recipe.has_voice),
             "audio_degradation": a_kind,
             "audio_degradation_param": a_value if a_value is not None else "",
             "lyrics_degradation": l_kind}
    return SynthTrack(tid, audio, config.sr, text, sung, truth, dict(song.info),
                      tuple(song.voice_notes), dict(song.stems) if stems else None)
