"""The on-disk cache: keys follow content, writes are atomic, damaged entries are misses."""

from __future__ import annotations

import os

import numpy as np

from core.features.cache import FeatureCache, atomic_write_bytes, file_digest, make_key


def test_put_get_roundtrip_and_miss(tmp_path):
    cache = FeatureCache(tmp_path)
    assert cache.get("audio", "ab" * 16) is None
    cache.put("audio", "ab" * 16, features=np.arange(3, dtype=np.float32), stats=np.ones(2, np.float32))
    hit = cache.get("audio", "ab" * 16)
    np.testing.assert_array_equal(hit["features"], [0, 1, 2])
    assert hit["features"].dtype == np.float32
    assert cache.count("audio") == 1
    assert not list(tmp_path.rglob("*.tmp"))   # no temporary file left behind


def test_damaged_entry_is_a_miss_and_is_removed(tmp_path):
    cache = FeatureCache(tmp_path)
    path = cache.path("audio", "cd" * 16)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 half written")
    assert cache.get("audio", "cd" * 16) is None
    assert not path.exists()


def test_file_digest_follows_content_not_name(tmp_path):
    a, b = tmp_path / "a.wav", tmp_path / "b.wav"
    a.write_bytes(b"same bytes")
    b.write_bytes(b"same bytes")
    assert file_digest(a) == file_digest(b)
    b.write_bytes(b"other bytes")
    os.utime(b, ns=(1, 1))
    assert file_digest(a) != file_digest(b)


def test_key_changes_with_each_part():
    base = make_key("content", "config", "v1")
    assert base != make_key("content", "config", "v2")
    assert base != make_key("content", "config2", "v1")
    assert base == make_key("content", "config", "v1")


def test_atomic_write_never_leaves_a_partial_file_on_failure(tmp_path):
    target = tmp_path / "x.bin"
    atomic_write_bytes(target, b"old")

    atomic_write_bytes(target, b"new")  # a valid write replaces
    assert target.read_bytes() == b"new"
    try:
        atomic_write_bytes(target, object())  # type: ignore[arg-type]  - fails inside the write
    except TypeError:
        pass
    assert target.read_bytes() == b"new"
    assert not list(tmp_path.glob("*.tmp"))
