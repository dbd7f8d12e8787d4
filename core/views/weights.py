"""Data behind the "Weights per cluster" page: weights per track, which clusters lean on audio or
lyrics, and weights per cluster and genre."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real
from typing import Sequence

import numpy as np
import pandas as pd

from core.errors import check_param
from core.views.checks import _cluster_name, _group_key, _same_length, _weights
from core.views.rules import SOFT_DECIDED

#: A cluster whose mean audio weight is above this "leans on audio".
LEAN_AUDIO = 0.6
#: A cluster whose mean audio weight is below this "leans on lyrics".
LEAN_LYRICS = 0.4


def weights_frame(track_ids: Sequence[str], weights, clusters, genres=None, decided_by=None) -> pd.DataFrame:
    """One row per track: ``track_id``, ``cluster``, ``genre`` (when given), ``audio_weight``,
    ``decided_by`` (when given; "" -> :data:`SOFT_DECIDED`). All inputs have length n."""
    w = _weights("weights_frame", weights)
    n = w.size
    data = {"track_id": [str(t) for t in _same_length("weights_frame", "track_ids", list(track_ids), n)],
            "cluster": _same_length("weights_frame", "clusters", clusters, n)}
    if genres is not None:
        data["genre"] = _same_length("weights_frame", "genres", genres, n).astype(str)
    data["audio_weight"] = w
    if decided_by is not None:
        d = _same_length("weights_frame", "decided_by", decided_by, n).astype(object)
        data["decided_by"] = np.where(d == "", SOFT_DECIDED, d)
    return pd.DataFrame(data)


@dataclass(frozen=True)
class Leaning:
    """Which clusters lean on which modality.

    Attributes
    ----------
    table : DataFrame
        One row per cluster (sorted): ``cluster``, ``n``, ``mean``, ``median``, ``leans``
        ("audio", "lyrics" or "both").
    sentence : str
        The same in words, with the numbers.
    audio_above, lyrics_below : float
        The cut-offs used.
    """

    table: pd.DataFrame
    sentence: str
    audio_above: float
    lyrics_below: float


def _join(words: list) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def cluster_leaning(weights, clusters, audio_above: float = LEAN_AUDIO,
                    lyrics_below: float = LEAN_LYRICS) -> Leaning:
    """Say which clusters lean on audio (mean weight > ``audio_above``) and which on lyrics
    (mean weight < ``lyrics_below``); the others use both.

    Parameters
    ----------
    weights : float (n,)
        Audio weight per track in [0, 1].
    clusters : int (n,)
        Cluster per track (-1 is HDBSCAN noise, named "noise").
    audio_above, lyrics_below : float in [0, 1], ``lyrics_below <= audio_above``

    Returns
    -------
    Leaning
    """
    own = "cluster_leaning"
    for name, v in (("audio_above", audio_above), ("lyrics_below", lyrics_below)):
        check_param(own, name, v, "a float in the range [0, 1]",
                    isinstance(v, Real) and not isinstance(v, bool) and 0.0 <= v <= 1.0)
    check_param(own, "lyrics_below", lyrics_below, f"at most audio_above={audio_above:g}",
                lyrics_below <= audio_above)
    w = _weights(own, weights)
    c = _same_length(own, "clusters", clusters, w.size)
    rows = []
    for grp in sorted(set(c.tolist()), key=_group_key):
        x = w[c == grp]
        x = x[np.isfinite(x)]
        mean = float(x.mean()) if x.size else math.nan
        leans = "audio" if mean > audio_above else ("lyrics" if mean < lyrics_below else "both")
        rows.append({"cluster": grp, "n": int(x.size), "mean": mean,
                     "median": float(np.median(x)) if x.size else math.nan, "leans": leans})
    table = pd.DataFrame(rows, columns=["cluster", "n", "mean", "median", "leans"])
    if table.empty:
        return Leaning(table, "No clusters.", float(audio_above), float(lyrics_below))

    def named(sub: pd.DataFrame) -> list:
        sub = sub.sort_values("mean", ascending=False, kind="stable")
        return [f"{_cluster_name(r.cluster)} (mean {r.mean:.2f}, {r.n} track{'' if r.n == 1 else 's'})"
                for r in sub.itertuples()]

    parts = []
    for leans, verb_one, verb_many, what in (
            ("audio", "leans", "lean", f"on audio (mean audio weight above {audio_above:g})"),
            ("lyrics", "leans", "lean", f"on lyrics (below {lyrics_below:g})"),
            ("both", "uses", "use", "both")):
        names = named(table[table["leans"] == leans])
        if names:
            verb = verb_one if len(names) == 1 else verb_many
            parts.append(f"{_join(names)} {verb} {what}")
    sentence = "; ".join(parts) + "."
    sentence = sentence[0].upper() + sentence[1:]
    return Leaning(table, sentence, float(audio_above), float(lyrics_below))


def cluster_genre_weights(weights, clusters, genres) -> tuple:
    """Mean audio weight and track count in every cluster x genre cell.

    Returns
    -------
    means : DataFrame (clusters x genres), float, NaN where a cell is empty
    counts : DataFrame (clusters x genres), int
        Index named "cluster", columns named "genre", both sorted.
    """
    own = "cluster_genre_weights"
    w = _weights(own, weights)
    c = _same_length(own, "clusters", clusters, w.size)
    g = _same_length(own, "genres", genres, w.size).astype(str)
    frame = pd.DataFrame({"cluster": c, "genre": g, "w": w})
    rows = sorted(set(c.tolist()), key=_group_key)
    cols = sorted(set(g.tolist()))
    means = frame.pivot_table(index="cluster", columns="genre", values="w", aggfunc="mean")
    counts = frame.pivot_table(index="cluster", columns="genre", values="w", aggfunc="size", fill_value=0)
    means = means.reindex(index=rows, columns=cols).astype(float)
    counts = counts.reindex(index=rows, columns=cols, fill_value=0).astype(np.int64)
    for df in (means, counts):
        df.index.name, df.columns.name = "cluster", "genre"
    return means, counts
