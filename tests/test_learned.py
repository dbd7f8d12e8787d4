"""The learned audio level: parity of the PyTorch musicnn port with the original, on real recorded music.

The fixture (``tests/fixtures/musicnn_parity.npz``) holds what the original TensorFlow implementation computed
on ``tests/fixtures/musicnn_clip.flac`` (9.5 s of "Frontiers" by Michael Kievernagel, GPL-2+, from the
Debian package asc-music), recorded by ``tools/record_musicnn_parity.py`` in a scratch environment.
"""

from pathlib import Path

import numpy as np
import pytest

from core.features.audio import AudioConfig, load_audio
from core.features.audio import musicnn
from core.features.audio import LEARNED_LAYERS
from core.features.audio.learned import SR, learned_level, learned_names, log_mel, patches, run_patches

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def recorded():
    with np.load(FIX / "musicnn_parity.npz") as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def clip_patches():
    import librosa
    y = load_audio(FIX / "musicnn_clip.flac", AudioConfig())  # the project's one decode, at 22,050 Hz
    return patches(log_mel(librosa.resample(y, orig_sr=22050, target_sr=SR, res_type="soxr_hq")))


def test_input_patches_equal_the_originals(recorded, clip_patches):
    """Equal up to float32 rounding: the STFT and the mel projection run in float32 through code paths chosen
    for the CPU (SIMD width), so the last bit depends on the machine: equal on the machines that recorded and
    first ran it, 4.8e-7 on values near 4 (1.6e-7 relative, 46 % of the cells) on every run of another. A wrong
    front end (another mel scale, log or patching) is off by far more than this bound."""
    assert clip_patches.shape == (3, 187, 96)
    np.testing.assert_allclose(clip_patches, recorded["patches"], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("model", musicnn.MODELS)
def test_port_matches_the_original(recorded, clip_patches, model):
    tags, pen = run_patches(clip_patches, model)
    assert tags.shape == (3, 50) and pen.shape == (3, 200)
    assert np.abs(tags - recorded[f"{model}/tags"]).max() <= 1e-4
    assert np.abs(pen - recorded[f"{model}/penultimate"]).max() <= 1e-4
    # the patches differ from each other, so the comparison is not of three copies of one patch
    assert np.abs(pen[1] - pen[0]).max() > 0.05


def test_learned_level_shape_names_and_pooling(clip_patches):
    y = load_audio(FIX / "musicnn_clip.flac", AudioConfig())
    v = learned_level(y, 22050, "MTT_musicnn")
    names = learned_names("MTT_musicnn")
    assert v.shape == (450,) == (len(names),) and np.isfinite(v).all()
    tags, pen = run_patches(clip_patches, "MTT_musicnn")
    np.testing.assert_allclose(v[:200], pen.mean(0), atol=1e-6)
    np.testing.assert_allclose(v[200:400], pen.max(0), atol=1e-6)
    np.testing.assert_allclose(v[400:], tags.mean(0), atol=1e-6)
    assert names[400 + musicnn.MTT_LABELS.index("no vocals")] == "learned.tag.no_vocals"
    # fewer patches: evenly spaced, first and last kept
    assert patches(np.zeros((187 * 5 + 20, 96), np.float32), max_patches=2).shape == (2, 187, 96)


@pytest.mark.parametrize("model", musicnn.MODELS)
def test_midend_columns_are_what_feeds_the_back_end(recorded, clip_patches, model):
    """The mid-end outputs are the tensor the original's back end reads: put through the back end's batch
    norm and dense layers they give the penultimate layer that matches the original TensorFlow graph (and the
    tags); a mid-end from another place, pooled in another order or after the batch norm would not."""
    import torch
    tags, pen, max_pool, mean_pool = run_patches(clip_patches, model, midend=True)
    assert max_pool.shape == mean_pool.shape == (3, musicnn.MIDEND_DIM) == (3, 753)
    assert (max_pool >= mean_pool - 1e-6).all() and np.abs(max_pool - mean_pool).max() > 0.1
    net = musicnn.load_model(model)
    pooled = torch.from_numpy(np.stack([max_pool, mean_pool], axis=2).reshape(3, -1))  # TF order: max, mean
    s, b = net.bn[9]
    (W1, b1), (W2, b2) = net.dense
    s10, b10 = net.bn[10]
    pen_again = torch.relu(((pooled * s + b) @ W1) + b1) * s10 + b10
    assert np.abs(pen_again.numpy() - recorded[f"{model}/penultimate"]).max() <= 1e-4
    np.testing.assert_allclose(pen_again.numpy(), pen, atol=1e-5)
    np.testing.assert_allclose(torch.sigmoid(pen_again @ W2 + b2).numpy(), tags, atol=1e-5)
    # asking for the mid-end changes nothing else
    tags0, pen0 = run_patches(clip_patches, model)
    np.testing.assert_array_equal(tags0, tags)
    np.testing.assert_array_equal(pen0, pen)


def test_learned_layers_columns_from_a_real_clip(clip_patches):
    y = load_audio(FIX / "musicnn_clip.flac", AudioConfig())
    v = {layer: learned_level(y, 22050, "MTT_musicnn", layer=layer) for layer in LEARNED_LAYERS}
    names = {layer: learned_names("MTT_musicnn", layer) for layer in LEARNED_LAYERS}
    assert LEARNED_LAYERS[0] == "penultimate"
    assert {k: a.shape for k, a in v.items()} == {"penultimate": (450,), "midend": (3062,), "both": (3462,)}
    assert all(len(names[k]) == v[k].size and np.isfinite(v[k]).all() for k in LEARNED_LAYERS)
    tags, pen, max_pool, mean_pool = run_patches(clip_patches, "MTT_musicnn", midend=True)
    mid = v["midend"]
    # mean over patches of the time max and the time mean, then the same max over patches, then the tags
    np.testing.assert_allclose(mid[:753], max_pool.mean(0), atol=1e-6)
    np.testing.assert_allclose(mid[753:1506], mean_pool.mean(0), atol=1e-6)
    np.testing.assert_allclose(mid[1506:2259], max_pool.max(0), atol=1e-6)
    np.testing.assert_allclose(mid[2259:3012], mean_pool.max(0), atol=1e-6)
    np.testing.assert_allclose(mid[3012:], tags.mean(0), atol=1e-6)
    assert names["midend"][:2] == ["learned.mid000.tmax.mean", "learned.mid001.tmax.mean"]
    assert names["midend"][753] == "learned.mid000.tmean.mean" and names["midend"][3011] == "learned.mid752.tmean.max"
    assert names["midend"][3012:] == names["penultimate"][400:]  # the tags, in every layer
    # "both" is the penultimate columns, then the mid-end ones, then the tags, with the same values
    assert names["both"] == names["penultimate"][:400] + names["midend"]
    np.testing.assert_array_equal(v["both"], np.concatenate([v["penultimate"][:400], v["midend"]]))
    with pytest.raises(Exception, match="learned_layer"):
        learned_level(y, 22050, "MTT_musicnn", layer="dense")
    with pytest.raises(Exception, match="learned_layer"):
        AudioConfig(learned_model="MTT_musicnn", learned_layer="last")


def test_short_and_silent_clips_give_finite_values():
    short = (0.1 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)).astype(np.float32)  # 0.5 s
    for y in (short, np.zeros(16000, np.float32)):
        v = learned_level(y, 16000, "MSD_musicnn")
        assert v.shape == (450,) and np.isfinite(v).all()


def test_model_is_loaded_once_per_process():
    assert musicnn.load_model("MTT_musicnn") is musicnn.load_model("MTT_musicnn")
    assert musicnn.load_model("MTT_musicnn").n_params == 792_079
    with pytest.raises(Exception, match="MTT_musicnn"):
        musicnn.load_model("nope")


def _real_music_folder(root: Path) -> Path:
    """Four 4 s clips cut from the real recording, as a two-style folder dataset."""
    import soundfile as sf
    y, sr = sf.read(FIX / "musicnn_clip.flac", dtype="float32")
    for i in range(4):
        d = root / ("a" if i < 2 else "b")
        d.mkdir(parents=True, exist_ok=True)
        sf.write(d / f"clip{i}.wav", y[i * sr * 5 // 4: i * sr * 5 // 4 + 4 * sr], sr)
    return root


def test_extraction_with_the_learned_level(tmp_path):
    import torch

    from core.datasets import load_dataset
    from core.features.cache import FeatureCache
    from core.features.extract import ExtractConfig, cached_status, extract_features
    from core.features.levels import audio_config_for, parse_audio_levels, select_audio_levels

    ds = load_dataset(_real_music_folder(tmp_path / "music"))
    cache = FeatureCache(tmp_path / "cache")
    levels = parse_audio_levels("learned,low, mid,high")
    assert levels == ("low", "mid", "high", "learned")
    config = ExtractConfig(audio=audio_config_for(levels, "MTT_musicnn"))
    threads = torch.get_num_threads()
    fs, rep = extract_features(ds, config, cache=cache, n_jobs=2)  # worker processes: 1 torch thread each
    assert torch.get_num_threads() == threads
    assert rep.audio_extracted == 4 and fs.audio_ok.all()
    assert list(fs.audio_blocks) == ["low", "mid", "high", "learned"] and len(fs.audio_blocks["learned"]) == 450
    assert fs.audio_names[fs.audio_blocks["learned"][0]] == "learned.pen000.mean"
    # switching the model or the patch limit never serves these features; turning the level off keeps the
    # hand-crafted cache key of before the level existed
    for other in (audio_config_for(levels, "MSD_musicnn"), audio_config_for(levels, "MTT_musicnn", patches=1),
                  audio_config_for(levels, "MTT_musicnn", layer="midend"),
                  audio_config_for(levels, "MTT_musicnn", layer="both")):
        assert cached_status(ds, ExtractConfig(audio=other), cache=cache)["audio_cached"] == 0
    assert audio_config_for(("low", "mid", "high")).key() == "6237fd9f839a54ef"
    # the default layer keeps the key of before the layer was a choice; each layer has its own
    keys = {layer: audio_config_for(levels, "MTT_musicnn", layer=layer).key() for layer in LEARNED_LAYERS}
    assert keys["penultimate"] == "c4b57c1c06daa03b" and len(set(keys.values())) == 3
    assert audio_config_for(("low", "mid", "high"), layer="midend").key() == "6237fd9f839a54ef"  # level off
    # another layer: only the learned block is computed (the hand-crafted levels come from their own entry)
    mid_cfg = ExtractConfig(audio=audio_config_for(levels, "MTT_musicnn", layer="midend"))
    mid, rep_mid = extract_features(ds, mid_cfg, cache=cache, n_jobs=1)
    assert rep_mid.audio_extracted == 4 and len(mid.audio_blocks["learned"]) == 3062
    assert mid.audio_names[mid.audio_blocks["learned"][0]] == "learned.mid000.tmax.mean"
    for lv in ("low", "mid", "high"):
        np.testing.assert_array_equal(mid.audio[:, mid.audio_blocks[lv]], fs.audio[:, fs.audio_blocks[lv]])
    np.testing.assert_array_equal(mid.audio_stats, fs.audio_stats)  # the tag measures too: same tags
    only = select_audio_levels(fs, ("learned",))
    assert only.audio.shape == (4, 450) and only.audio_blocks == {"learned": list(range(450))}
    np.testing.assert_array_equal(only.audio, fs.audio[:, fs.audio_blocks["learned"]])
    hand = select_audio_levels(fs, ("low", "mid", "high"))
    assert hand.audio.shape[1] == 132 and "learned" not in hand.audio_blocks
    with pytest.raises(Exception, match="learned"):
        select_audio_levels(hand, ("learned",))
    with pytest.raises(Exception, match="audio_levels"):
        parse_audio_levels("low,timbre")


def test_learned_layer_flag():
    import argparse

    from core.cli.options import _add_levels, _extract_config, level_flags
    p = argparse.ArgumentParser()
    _add_levels(p)
    args = p.parse_args(["--audio-levels", "low,mid,high,learned", "--learned-layer", "midend"])
    assert _extract_config(args).audio.learned_layer == "midend"
    assert level_flags(args) == ["--audio-levels low,mid,high,learned", "--learned-layer midend"]
    # without the learned level the layer is moot: the hand-crafted configuration of before
    off = p.parse_args(["--learned-layer", "both"])
    assert _extract_config(off).audio == AudioConfig() and level_flags(off) == []
    assert _extract_config(p.parse_args(["--audio-levels", "learned"])).audio.learned_layer == "penultimate"
    with pytest.raises(SystemExit):
        p.parse_args(["--learned-layer", "dense"])
