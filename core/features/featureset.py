"""``FeatureSet``: every per-track array the interactive loop needs, in ``Dataset`` row order.

Produced by :func:`core.features.extract.extract_features` (slow, cached on disk) and read by
indicators, fusion, clustering and projection (fast). Saved and loaded as one ``.npz`` file.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.features.cache import atomic_write_bytes


@dataclass
class FeatureSet:
    """Feature blocks and raw quality measures for ``n`` tracks.

    Attributes
    ----------
    track_ids : list of str, length n
    audio : float32 (n, d_audio)
        Audio features, each column standardised over the tracks with usable audio, then each
        level block ("low", "mid", "high", and "learned" when extracted) scaled by 1/sqrt(block
        width) so no block dominates by its width. Rows where ``audio_ok`` is False are 0 and must not be used.
    audio_names : list of str, length d_audio
    audio_blocks : dict str -> list of int
        Column indices of each level block in ``audio``.
    audio_ok : bool (n,)
        True where the track's audio decoded and was extracted.
    audio_stats : float32 (n, len(core.features.audio.STAT_NAMES))
        Raw per-clip measures with units (dBFS, s, ratios); NaN rows where ``audio_ok`` is False.
    audio_stat_names : list of str
    lyrics : float32 (n, d_lyrics)
        Lyrics features: blocks "semantic" (384-d sentence embedding), "lexical" (word TF-IDF + SVD),
        "character" (character 2-5-gram TF-IDF + SVD, any language) and "stylistic", standardised
        and balanced like ``audio``. Rows where ``lyrics_ok`` is False are 0 and must not be used (a missing lyric is a mask, not a zero song).
    lyrics_names : list of str
    lyrics_blocks : dict str -> list of int
    lyrics_ok : bool (n,)
        True where the track has usable lyrics.
    lyrics_stats : float32 (n, len(core.features.lyrics.STAT_NAMES))
        Raw lyrics measures (word count, ratios); NaN rows where ``lyrics_ok`` is False.
    lyrics_stat_names : list of str
    has_lyrics : bool
        False when the dataset carries no lyrics at all (GTZAN): fusion is off.
    semantic : float32 (n, 384)
        The unit-length sentence embeddings before standardisation (zero rows where lyrics are
        missing), kept for nearest-neighbour views.
    meta : dict
        Configuration keys and versions the features were computed with.
    """

    track_ids: list
    audio: np.ndarray
    audio_names: list
    audio_blocks: dict
    audio_ok: np.ndarray
    audio_stats: np.ndarray
    audio_stat_names: list
    lyrics: np.ndarray
    lyrics_names: list
    lyrics_blocks: dict
    lyrics_ok: np.ndarray
    lyrics_stats: np.ndarray
    lyrics_stat_names: list
    has_lyrics: bool
    semantic: np.ndarray
    meta: dict = field(default_factory=dict)

    @property
    def n_tracks(self) -> int:
        return len(self.track_ids)

    def audio_stat(self, name: str) -> np.ndarray:
        """Column ``name`` of ``audio_stats``, float32 (n,)."""
        return self.audio_stats[:, self.audio_stat_names.index(name)]

    def lyrics_stat(self, name: str) -> np.ndarray:
        """Column ``name`` of ``lyrics_stats``, float32 (n,)."""
        return self.lyrics_stats[:, self.lyrics_stat_names.index(name)]

    # -- persistence -------------------------------------------------------------------------
    _ARRAYS = ("audio", "audio_ok", "audio_stats", "lyrics", "lyrics_ok", "lyrics_stats", "semantic")

    def save(self, path: Path) -> None:
        """Write to ``path`` (.npz) atomically: a temporary file in the same folder, then rename."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        header = {
            "track_ids": list(map(str, self.track_ids)),
            "audio_names": list(self.audio_names),
            "audio_blocks": {k: list(map(int, v)) for k, v in self.audio_blocks.items()},
            "audio_stat_names": list(self.audio_stat_names),
            "lyrics_names": list(self.lyrics_names),
            "lyrics_blocks": {k: list(map(int, v)) for k, v in self.lyrics_blocks.items()},
            "lyrics_stat_names": list(self.lyrics_stat_names),
            "has_lyrics": bool(self.has_lyrics),
            "meta": self.meta,
        }
        buf = io.BytesIO()
        np.savez(buf, header=np.array(json.dumps(header)), **{k: getattr(self, k) for k in self._ARRAYS})
        atomic_write_bytes(path, buf.getvalue())

    @classmethod
    def load(cls, path: Path) -> "FeatureSet":
        with np.load(Path(path), allow_pickle=False) as z:
            header = json.loads(str(z["header"]))
            arrays = {k: z[k] for k in cls._ARRAYS}
        return cls(
            track_ids=header["track_ids"],
            audio_names=header["audio_names"],
            audio_blocks=header["audio_blocks"],
            audio_stat_names=header["audio_stat_names"],
            lyrics_names=header["lyrics_names"],
            lyrics_blocks=header["lyrics_blocks"],
            lyrics_stat_names=header["lyrics_stat_names"],
            has_lyrics=header["has_lyrics"],
            meta=header["meta"],
            **arrays,
        )
