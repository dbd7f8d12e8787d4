"""Generate a features file (the "bring your own features" format) with realistic cluster structure.

Used by the scale benchmarks (``bench/browser.py --features N``, ``bench/loop.py``) and by tests.
Run on its own to write one:

    .venv/bin/python bench/feature_file.py --tracks 10000 --out /tmp/feat10k.parquet

Structure (seeded, deterministic): ``n_genres`` genres, each with a centre in the audio space and
one in the lyrics space. Half the genres are told apart mostly by their audio (lyrics centres
close together), the other half mostly by their lyrics; a share of tracks are instrumental (no
lyrics embedding), a share have degraded audio (the embedding drowned in noise, low
``audio_quality``) or degraded lyrics (low ``lyrics_quality``). Indicator columns follow the
genre (loud, percussive genres) and the degradations, so the default rules have something to read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent


def feature_frame(n_tracks: int, n_genres: int = 10, d_audio: int = 128, d_lyrics: int = 96, seed: int = 0,
                  instrumental: float = 0.15, degraded: float = 0.1, audio: bool = True,
                  lyrics: bool = True) -> pd.DataFrame:
    """A features table as a DataFrame (columns as in the README's "Your own features").

    Parameters
    ----------
    n_tracks : int >= n_genres
    d_audio, d_lyrics : int
        Embedding widths (0 or ``audio=False`` / ``lyrics=False`` leaves a modality out).
    instrumental, degraded : float in [0, 1)
        Share of tracks without lyrics; share with degraded audio and (separately) degraded lyrics.
    """
    rng = np.random.default_rng(seed)
    genre = np.arange(n_tracks) % n_genres
    rng.shuffle(genre)
    by_audio = np.arange(n_genres) % 2 == 0          # even genres: audio separates them
    out = {"track_id": [f"t{i:06d}" for i in range(n_tracks)],
           "title": [f"Track {i}" for i in range(n_tracks)],
           "genre": [f"genre{g:02d}" for g in genre]}
    a_centres = rng.normal(size=(n_genres, d_audio)).astype(np.float32)
    a_centres[~by_audio] *= 0.35
    l_centres = rng.normal(size=(n_genres, d_lyrics)).astype(np.float32)
    l_centres[by_audio] *= 0.35
    bad_audio = rng.random(n_tracks) < degraded
    bad_lyrics = rng.random(n_tracks) < degraded
    no_lyrics = rng.random(n_tracks) < instrumental
    cols = {}
    if audio and d_audio:
        a = a_centres[genre] + rng.normal(scale=0.9, size=(n_tracks, d_audio)).astype(np.float32)
        a[bad_audio] = rng.normal(scale=1.5, size=(int(bad_audio.sum()), d_audio))
        cols.update({f"audio_{j}": a[:, j] for j in range(d_audio)})
    if lyrics and d_lyrics:
        x = l_centres[genre] + rng.normal(scale=0.9, size=(n_tracks, d_lyrics)).astype(np.float32)
        x[bad_lyrics] = rng.normal(scale=1.5, size=(int(bad_lyrics.sum()), d_lyrics))
        x[no_lyrics] = np.nan
        cols.update({f"lyrics_{j}": x[:, j] for j in range(d_lyrics)})
    loud = (genre % 3 == 0)
    out.update({
        "vocal_presence": np.where(no_lyrics, 0.0, 0.55 + 0.4 * rng.random(n_tracks)),
        "percussive_ratio": np.clip(0.3 + 0.35 * (genre % 4 == 0) + 0.1 * rng.normal(size=n_tracks), 0, 1),
        "loudness_dbfs": np.minimum(np.where(loud, -12.0, -24.0) + 3.0 * rng.normal(size=n_tracks), 0.0),
        "dynamic_range_db": np.maximum(np.where(loud, 5.0, 11.0) + 2.0 * rng.normal(size=n_tracks), 0.0),
        "instrumental_density": np.clip(0.5 + 0.15 * rng.normal(size=n_tracks), 0, 1),
        "audio_quality": np.where(bad_audio, 0.2 * rng.random(n_tracks), 0.7 + 0.3 * rng.random(n_tracks)),
        "lyrics_quality": np.where(no_lyrics, np.nan,
                                   np.where(bad_lyrics, 0.3 * rng.random(n_tracks), 0.6 + 0.4 * rng.random(n_tracks))),
    })
    frame = pd.concat([pd.DataFrame(out), pd.DataFrame(cols).astype(np.float32)], axis=1)
    frame["audio_degradation"] = np.where(bad_audio, "noise", "none")
    frame["lyrics_degradation"] = np.where(no_lyrics, "missing", np.where(bad_lyrics, "garbled", "none"))
    frame["has_voice"] = ~no_lyrics
    return frame


def write_feature_file(path, n_tracks: int, **kw) -> Path:
    """Write :func:`feature_frame` to ``path`` (``.parquet`` or ``.csv``) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = feature_frame(n_tracks, **kw)
    if path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tracks", type=int, default=1000)
    ap.add_argument("--genres", type=int, default=10)
    ap.add_argument("--d-audio", type=int, default=128)
    ap.add_argument("--d-lyrics", type=int, default=96)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", required=True)
    args = ap.parse_args(argv)
    p = write_feature_file(args.out, args.tracks, n_genres=args.genres, d_audio=args.d_audio,
                           d_lyrics=args.d_lyrics, seed=args.seed)
    print(f"wrote {p} ({p.stat().st_size / 2**20:.1f} MiB)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
