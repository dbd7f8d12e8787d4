"""The synthetic generator's files are pinned: a tiny set must hash to the stored digest.

The digest was taken from the generator before it was split into a package (commit 50e28b6,
``core/datasets/synthetic.py``), so any change to what a seed writes, however small, fails here.
Twenty 2 s tracks, every genre, with degradation rates high enough that each audio and lyrics
degradation kind occurs (about 2 s). If the files change on purpose, bump ``GENERATOR_VERSION``
and store the new digest; a numpy/scipy upgrade that moves a float in the last place changes it
too, and then the digest is re-taken after checking the audio by ear and eye.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from core.datasets.synthetic import SynthConfig, generate

GOLDEN = SynthConfig(version=1, tracks_per_genre=2, clip_seconds=2.0, seed=7,
                     audio_noise_rate=0.2, audio_dropout_rate=0.2, audio_clipping_rate=0.2,
                     audio_lowpass_rate=0.2, lyrics_truncate_rate=0.3, lyrics_garble_rate=0.3,
                     lyrics_missing_rate=0.3)
GOLDEN_SHA256 = "dd262f2f803f3fe978bab66238c6c4ac609cdacefa29c669a4e9fc9fce5153f7"


def set_digest(root: Path) -> str:
    """sha256 over ``relative path NUL sha256(file)`` lines of every file, in path order."""
    digest = hashlib.sha256()
    for p in sorted(root.rglob("*")):
        if p.is_file():
            line = f"{p.relative_to(root).as_posix()}\0{hashlib.sha256(p.read_bytes()).hexdigest()}\n"
            digest.update(line.encode())
    return digest.hexdigest()


def test_tiny_set_is_byte_identical_to_the_stored_digest(tmp_path):
    root = tmp_path / "golden"
    generate(GOLDEN, root, n_jobs=1)
    truth = pd.read_csv(root / "ground_truth.csv")
    # the set exercises every degradation kind, so the digest covers each code path
    assert set(truth["audio_degradation"]) == {"none", "noise", "dropout", "clipping", "lowpass"}
    assert set(truth["lyrics_degradation"]) >= {"truncated", "garbled", "missing", "instrumental"}
    assert set_digest(root) == GOLDEN_SHA256
