"""Which tracks the 2-D map draws when there are too many to draw them all.

A big catalogue (a features file of 100,000 tracks) is clustered and scored on every track, but
the map draws at most :data:`MAP_POINT_LIMIT` of them: a browser keeps a few thousand SVG points
responsive (about 10 ms of drawing per 1,000 points on the test machine), not 100,000, and a
UMAP layout of a sample costs seconds where one of every track costs minutes.

Sampling rather than binning or WebGL: a sampled point is still a track, so clicking it opens the
inspector and a box still lists tracks; a density bin is not a track. And the Vega-Lite chart is
updated in place when its data change, while a WebGL (plotly ``Scattergl``) chart with selections
is re-created on every slider move. The sample is chosen by a hash of the track id, not at random
and not by cluster: the same tracks stay on the map while sliders move (points move, they do not
blink in and out), and every region keeps its share of points.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Iterable, Sequence

import numpy as np

#: At most this many points on the 2-D map (the rest are clustered and scored, not drawn). 2,500, not
#: 5,000 as before: the browser's redraw after a slider move grows with the points drawn (~130 ms of a
#: move at 5,000, bench/browser.py at 10,000 tracks), and 2,500 still gives each of 10 clusters ~250 points.
MAP_POINT_LIMIT = 2500


def map_rows(track_ids: Sequence[str], limit: int = MAP_POINT_LIMIT, keep: Iterable[str] = ()) -> np.ndarray:
    """Row indices (sorted, int64) of the tracks the map draws: all of them when there are at most
    ``limit``, else the ``limit`` tracks with the smallest id hash, plus the ``keep`` tracks (the one
    open in the inspector) wherever they fall.

    Parameters
    ----------
    track_ids : sequence of str, length n
    limit : int >= 1
    keep : iterable of str
        Ids that are always drawn (unknown ids are ignored).
    """
    n = len(track_ids)
    if n <= limit:
        return np.arange(n, dtype=np.int64)
    rows = _first_by_hash(tuple(map(str, track_ids)), int(limit))
    wanted = set(map(str, keep))
    if wanted:
        extra = [i for i, t in enumerate(track_ids) if str(t) in wanted]
        rows = np.union1d(rows, np.asarray(extra, dtype=np.int64))
    return np.sort(rows).astype(np.int64)


@functools.lru_cache(maxsize=4)
def _first_by_hash(track_ids: tuple, limit: int) -> np.ndarray:
    """The ``limit`` rows with the smallest id hash (read-only; hashing 100,000 ids took 190 ms a
    slider move before this was kept per set of ids)."""
    keys = np.fromiter((int.from_bytes(hashlib.blake2b(t.encode(), digest_size=8).digest(), "little")
                        for t in track_ids), dtype=np.uint64, count=len(track_ids))
    rows = np.argpartition(keys, limit - 1)[:limit]
    rows.flags.writeable = False
    return rows


def take_rows(indicators, rows: np.ndarray):
    """The :class:`~core.indicators.Indicators` of ``rows`` only (the drawn sample), languages included."""
    from core.indicators import Indicators
    rows = np.asarray(rows, dtype=np.int64)
    languages = tuple(indicators.languages[i] for i in rows) if indicators.languages else ()
    return Indicators(values=np.asarray(indicators.values)[rows], names=indicators.names, languages=languages)


def rows_key(rows: np.ndarray, n: int) -> str:
    """A short key of the drawn rows ("" when every row is drawn), for caches of the map."""
    if len(rows) == n:
        return ""
    return hashlib.blake2b(np.asarray(rows, dtype=np.int64).tobytes(), digest_size=8).hexdigest()
