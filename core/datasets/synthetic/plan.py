"""Generator v2's per-genre plan: which track is voiced, degraded (how), in which language, and
its opaque id; and the shuffled order of the set's tables.

Stratified, not drawn per track: each genre gets a fixed number of tracks of each kind,
``rate * n`` rounded with a staggered offset (:func:`_count`), capped by the kind's share of the
genre (below). Each kind owns its own slots: a seeded
permutation of the genre's tracks is dealt round-robin to the kinds (positions 0, 4, 8, ... to
noise, 1, 5, 9, ... to dropout, ...), and a kind takes the first ``count`` of its own slots. So
raising one rate adds tracks of that kind only and never moves another kind's tracks, and a rate
can be at most 1 / (number of kinds) (:meth:`SynthConfig.validate` says so).

Depends only on ``(config, genre)``; a separate seed stream from the tracks' own, so the plan
does not change a song's music.
"""

from __future__ import annotations

import hashlib
import math
import zlib
from dataclasses import dataclass

import numpy as np

from core.datasets.synthetic.config import SynthConfig
from core.datasets.synthetic.degrade import AUDIO_DEGRADATIONS, LYRICS_DEGRADATIONS
from core.datasets.synthetic.recipes import GENRES

_PLAN_TAG = 0x504C414E  # "PLAN": keeps the plan's stream apart from the tracks' streams
_ORDER_TAG = 0x4F524452  # "ORDR"


@dataclass(frozen=True)
class TrackPlan:
    """What v2 decided for one track before making it.

    Attributes
    ----------
    track_id : str
        Opaque and seeded, e.g. ``t3f9a2c1b0d``: carries no genre.
    has_voice : bool
        False for instrumental genres and for a vocal genre's instrumental versions.
    audio_kind : str
        A name from :data:`AUDIO_DEGRADATIONS`.
    lyrics_kind : str
        A name from :data:`LYRICS_DEGRADATIONS` (``"instrumental"`` when not voiced).
    language : str
        Lyric language code from ``config.languages``.
    """

    track_id: str
    has_voice: bool
    audio_kind: str
    lyrics_kind: str
    language: str


def opaque_id(seed: int, genre: str, index: int) -> str:
    """``t`` + 10 hex digits of a hash of ``(seed, genre, index)``: stable, seeded, no genre."""
    digest = hashlib.sha256(f"synthetic-v2/{int(seed)}/{genre}/{int(index)}".encode()).hexdigest()
    return "t" + digest[:10]


def _count(rate: float, n: int, slot: int = 0, n_slots: int = 1) -> int:
    """The fixed number of tracks of one kind: ``floor(rate * n + (slot + 0.5) / n_slots)``.

    With one slot that is ``rate * n`` rounded half up. With ``n_slots`` kinds at equal rates the
    offsets stagger the rounding, so the kinds together get ``round(n_slots * rate * n)`` tracks
    (a share of 0.1 of 8 tracks gives 1 degraded track, not 0 or 4), and each kind's count still
    depends on its own rate only."""
    return int(math.floor(rate * n + (slot + 0.5) / n_slots + 1e-9))


def _deal(rng: np.random.Generator, members: np.ndarray, kinds: tuple, counts: tuple) -> dict:
    """``index -> kind`` for ``counts[k]`` members per kind, each kind from its own slots."""
    order = rng.permutation(members)
    out = {}
    for k, (kind, count) in enumerate(zip(kinds, counts)):
        slots = order[k::len(kinds)]
        for i in slots[:count]:
            out[int(i)] = kind
    return out


def genre_plan(config: SynthConfig, genre: str) -> tuple[TrackPlan, ...]:
    """The plan of every track of ``genre``, by index within the genre.

    Parameters
    ----------
    config : SynthConfig
        A v2 config.
    genre : str
        A name in ``config.genres``.
    """
    n = config.tracks_per_genre
    rng = np.random.default_rng(
        np.random.SeedSequence([int(config.seed), zlib.crc32(genre.encode("utf-8")), _PLAN_TAG]))
    idx = np.arange(n)
    voiced = np.zeros(n, dtype=bool)
    if GENRES[genre].has_voice:
        n_instr = _count(config.instrumental_rate, n)
        voiced[rng.permutation(n)[n_instr:]] = True
    c = config
    audio_rates = (c.audio_noise_rate, c.audio_dropout_rate, c.audio_clipping_rate,
                   c.audio_lowpass_rate)
    g = config.genres.index(genre)  # rotates which kind rounds up first, genre to genre
    audio = _deal(rng, idx, AUDIO_DEGRADATIONS[1:],
                  tuple(_count(r, n, (k + g) % 4, 4) for k, r in enumerate(audio_rates)))
    sung = idx[voiced]
    lyrics_rates = (c.lyrics_truncate_rate, c.lyrics_garble_rate, c.lyrics_missing_rate)
    lyrics = _deal(rng, sung, LYRICS_DEGRADATIONS[1:4],
                   tuple(_count(r, len(sung), (k + g) % 3, 3) for k, r in enumerate(lyrics_rates)))
    langs = config.languages
    lang_order = rng.permutation(n)
    language = {int(i): langs[p % len(langs)] for p, i in enumerate(lang_order)}
    return tuple(
        TrackPlan(track_id=opaque_id(config.seed, genre, i), has_voice=bool(voiced[i]),
                  audio_kind=audio.get(i, "none"),
                  lyrics_kind=lyrics.get(i, "none") if voiced[i] else "instrumental",
                  language=language[i])
        for i in range(n))


def table_order(config: SynthConfig, n_rows: int) -> np.ndarray:
    """The seeded permutation v2 writes ``manifest.csv`` and ``ground_truth.csv`` rows in
    (so the files show no genre blocks); ``arange`` for v1."""
    if config.version == 1:
        return np.arange(n_rows)
    rng = np.random.default_rng(np.random.SeedSequence([int(config.seed), _ORDER_TAG]))
    return rng.permutation(n_rows)
