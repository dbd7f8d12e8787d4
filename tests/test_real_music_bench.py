"""bench/real_music.py: the two sets stay disjoint, and clips are cut as its
docstring says (middle 20 s, jingles skipped, a symlinked track once), on the real-music fixture."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from bench.real_music import SOURCES, build

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "musicnn_clip.flac"


def test_groups_share_no_package_nor_folder():
    groups = list(SOURCES)
    assert groups == ["dev", "heldout", "heldout2", "heldout3"]
    for i, a in enumerate(groups):
        assert len(SOURCES[a]) >= 6
        for b in groups[i + 1:]:
            assert not set(SOURCES[a]) & set(SOURCES[b]), (a, b)
            assert not set(SOURCES[a].values()) & set(SOURCES[b].values()), (a, b)


def test_mix_variants_parse_and_name_round_trip():
    import pytest

    from bench.real_music import MIX_LAYERS, MIX_PATCHES, MIX_WEIGHTS, mix_name, parse_mix
    grid = parse_mix("grid")
    assert len(grid) == len(MIX_LAYERS) * len(MIX_WEIGHTS) * len(MIX_PATCHES)
    assert parse_mix("both/w3/p3,penultimate/w1/pall") == [("both", 3.0, 3), ("penultimate", 1.0, None)]
    assert [mix_name(*v) for v in parse_mix("both/w3/p3,penultimate/w1/pall")] == ["both/w3/p3",
                                                                                  "penultimate/w1/pall"]
    with pytest.raises(SystemExit, match="LAYER/wWEIGHT/pN"):
        parse_mix("both/3/p3")


def test_build_cuts_the_middle_skips_jingles_and_counts_a_symlink_once(tmp_path):
    y, sr = sf.read(FIXTURE, dtype="float32", always_2d=True)
    music = tmp_path / "pkgs" / "usr/share/game/music"
    music.mkdir(parents=True)
    sf.write(music / "a_song.flac", y, sr)
    os.symlink(music / "a_song.flac", music / "b_link.flac")       # the same track under a second name
    sf.write(music / "c_jingle.ogg", y[: 2 * sr], sr)                  # 2 s: a jingle
    (music / "notes.txt").write_text("not audio")
    out = build(tmp_path / "pkgs", tmp_path / "clips", {"some-music": "usr/share/game/music"},
                per_style=12, seconds=4.0, min_seconds=3.0)
    clips = sorted((out / "some-music").glob("*.wav"))
    assert [c.name for c in clips] == ["a_song.wav"]
    z, zsr = sf.read(clips[0], dtype="float32")
    n = 4 * sr
    start = (len(y) - n) // 2
    assert zsr == sr and len(z) == n
    np.testing.assert_allclose(z, y[start:start + n].mean(axis=1), atol=1e-6)
