"""What identifies an extraction's work: :class:`ExtractConfig`, the versions in its key, each
track's cache keys (:func:`track_keys`) and the key of a whole FeatureSet (:func:`_dataset_key`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.features import audio as audio_mod
from core.features import lyrics as lyrics_mod
from core.features.cache import file_digest, make_key, text_digest
from core.features.levels import DEFAULT_AUDIO_LEVELS, audio_config_for
from core.tracks import Dataset, Problem, printable_name

#: Version of the assembly step (standardisation, balancing, block layout). "2": feature sets that
#: version 1 stored with clips whose worker process had crashed (issue 18) are not read again.
ASSEMBLY_VERSION = "3"  # 3: lyrics stats gained language_id, language_confidence

#: Version of the raw measures the assembly reads from the learned level's tags (``learned_voice``, ...);
#: part of the key of a configuration with the learned level on, and only of those.
LEARNED_STATS_VERSION = "learned-stats-1"


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
    from core.features.extract.lyrics_pass import _semantic_texts

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
