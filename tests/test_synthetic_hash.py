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
#: sha256 of that set's ground_truth.csv alone, taken from the generator before v2 (commit b308ac0)
GOLDEN_TRUTH_SHA256 = "353f34ba0802418124d1ab98b03388768d7b45a4eb90c022431b3bb671f1d430"


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


def test_v1_by_name_on_the_command_line_reproduces_the_stored_set(tmp_path):
    """``synth --generator v1`` with the golden knobs writes the pinned set, even though the
    default generator is now another version: v1's ground_truth.csv, audio and lyrics, byte for
    byte, and a ground_truth.csv whose own hash is stored too."""
    from core.__main__ import main

    root = tmp_path / "by-name"
    rates = ["--audio-noise-rate", "0.2", "--audio-dropout-rate", "0.2", "--audio-clipping-rate",
             "0.2", "--audio-lowpass-rate", "0.2", "--lyrics-truncate-rate", "0.3",
             "--lyrics-garble-rate", "0.3", "--lyrics-missing-rate", "0.3"]
    assert main(["synth", "--generator", "v1", "--tracks-per-genre", "2", "--clip-seconds", "2",
                 "--seed", "7", *rates, "--out", str(root), "--jobs", "1"]) == 0
    truth = hashlib.sha256((root / "ground_truth.csv").read_bytes()).hexdigest()
    assert truth == GOLDEN_TRUTH_SHA256
    assert set_digest(root) == GOLDEN_SHA256
