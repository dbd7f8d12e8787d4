"""What the instant panel sends the browser: the data to run rules -> weights -> fusion -> warm
k-means -> PCA map -> metrics there, on every slider step, with no round trip to the server.

The Clusters page's instant panel (``ui/instant.py``, JavaScript in ``ui/instant_js/``) is a
Streamlit component that holds its own sliders. The browser computes what the server's loop
computes (:mod:`core.loop`: :func:`core.rules.apply_rules`, :func:`core.fusion.fuse_concat`, the
warm Lloyd k-means of :mod:`core.clustering.kmeans`, the PCA of :mod:`core.projection.pca`, the
external and neutral internal metrics); ``tests/test_instant_math.py`` checks the two agree in
Chromium.

Two parts, both JSON-ready dicts:

* :func:`dataset_payload` (large: the embeddings), sent once per dataset and kept by the browser
  under :func:`dataset_key`;
* :func:`setting_payload` (small), sent on every run: the rule set, the clustering setting, the
  server's current centres (the browser's warm start when the rules changed elsewhere), the
  slider bounds.

Matrices are base64 of little-endian row-major arrays: float32 for embeddings, centres and
indicators (NaN: unknown), uint8 for the modality masks, int32 for genre codes (-1: no genre).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Optional, Sequence

import numpy as np

from core.errors import check_param
from core.metrics.labels import _encode, _missing_mask
from core.presets import ruleset_to_json
from core.rules import RuleSet
from core.views.rules import threshold_slider
from core.views.tables import METRIC_NAMES

#: Above this many tracks the panel is not offered: the browser would hold n x 2d floats and the
#: silhouette's sample distances (the server's map and table serve larger sets).
INSTANT_MAX_TRACKS = 20_000
#: The metrics the panel's live row shows, in this order (labelled sets: external first).
LIVE_EXTERNAL = ("nmi", "ari", "ami", "v_measure", "purity", "accuracy")
LIVE_INTERNAL = ("silhouette", "calinski_harabasz", "davies_bouldin")


def _b64(a, dtype) -> str:
    """Base64 of ``a`` as a C-ordered little-endian ``dtype`` array."""
    arr = np.ascontiguousarray(np.asarray(a), dtype=np.dtype(dtype).newbyteorder("<"))
    return base64.b64encode(arr.tobytes()).decode("ascii")


def dataset_key(identity: str, prepared) -> str:
    """The browser's cache key of a prepared dataset: ``identity`` (whatever names it: path, cache stamp,
    the level choice) with its track count, embedding width and indicator names; another extraction or
    level choice gives another key."""
    emb = prepared.embeddings
    text = f"{identity}|{prepared.n_tracks}|{emb.width}|{','.join(prepared.indicators.names)}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def truth_codes(labels) -> tuple[np.ndarray, list]:
    """int32 (n,) class codes for ``LiveMath.external`` (the index of each label among the sorted
    distinct labels, as :class:`core.metrics.ExternalScorer` encodes them; -1 where missing: None, NaN,
    "") and the class names in code order."""
    t = np.asarray(labels)
    keep = ~_missing_mask(t)
    out = np.full(t.shape[0], -1, np.int32)
    names: list = []
    if keep.any():
        classes, codes = _encode(t[keep])
        out[keep] = codes
        names = [str(c) for c in classes]
    return out, names


def internal_samples(scorer) -> dict:
    """``{"audio": rows or None, "lyrics": rows or None}`` for ``LiveMath.prepareInternal``: the
    silhouette rows of each modality of a :class:`core.metrics.NeutralScorer` (positions among that
    modality's usable tracks, ``InternalScorer.sample_``), None where it uses every one (up to its
    ``sample_size`` tracks)."""
    out = {"audio": None, "lyrics": None}
    for name, _, sc in scorer.parts_:
        if sc.subsampled:
            out[name] = np.asarray(sc.sample_, np.int64)
    return out


def dataset_payload(key: str, prepared, genres: Optional[Sequence]) -> dict:
    """The large part: embeddings, masks, every indicator column, genre codes, track ids and the
    silhouette samples (:func:`internal_samples` of ``prepared.internal``).

    Parameters
    ----------
    key : str
        :func:`dataset_key`.
    prepared : core.experiments.Prepared
    genres : (n,) str or None
        Genre of each prepared track ("" unknown); None for an unlabelled set.
    """
    emb = prepared.embeddings
    n = int(prepared.n_tracks)
    check_param("dataset_payload", "prepared", f"{n} tracks", f"at most {INSTANT_MAX_TRACKS:,} tracks",
                n <= INSTANT_MAX_TRACKS)
    codes, names = truth_codes(genres) if genres is not None else (None, [])
    ind = prepared.indicators
    samples = internal_samples(prepared.internal)
    return {
        "key": key, "n": n, "d": int(emb.width),
        "audio": _b64(emb.audio, np.float32), "lyrics": _b64(emb.lyrics, np.float32),
        "audio_ok": _b64(np.asarray(emb.audio_ok, bool), np.uint8),
        "lyrics_ok": _b64(np.asarray(emb.lyrics_ok, bool), np.uint8),
        "indicators": {name: _b64(ind.column(name), np.float32) for name in ind.names},
        "truth": None if codes is None else _b64(codes, np.int32), "genres": names,
        "track_ids": [str(t) for t in prepared.track_ids],
        "samples": {m: None if rows is None else _b64(rows, np.int32) for m, rows in samples.items()},
    }


def setting_payload(ruleset: RuleSet, rule: str, *, algorithm: str, fusion: str, n_clusters: int, seed: int,
                    centers: Optional[np.ndarray], selected: str = "", color_by: str = "cluster",
                    epoch: int = 0) -> dict:
    """The small part, sent on every run: the rule set (the ``"ruleset"`` object of
    :func:`core.presets.ruleset_to_json`), the rule whose threshold the panel shows, its slider's
    bounds for every soft rule, the clustering setting and the server's centres for it.

    ``setting`` names the clustering setting and ``epoch`` (the page's re-seed count): the browser
    forgets its warm start and takes ``centers`` when it changes.
    """
    import json
    names = [r.name for r in ruleset.rules]
    check_param("setting_payload", "rule", rule, f"one of {names}", rule in names)
    sliders = {}
    for r in ruleset.rules:
        spec = threshold_slider(r)
        sliders[r.name] = {"min": spec.min_value, "max": spec.max_value, "step": spec.step, "label": spec.label,
                           "format": spec.format, "help": spec.help, "indicator": r.indicator, "op": r.op,
                           "delta": float(r.delta)}
    return {
        "ruleset": json.loads(ruleset_to_json(ruleset))["ruleset"], "rule": rule, "sliders": sliders,
        "setting": f"{algorithm}|{fusion}|{int(n_clusters)}|{int(seed)}|{int(epoch)}", "k": int(n_clusters),
        "centers": None if centers is None else _b64(centers, np.float32),
        "selected": selected, "color_by": color_by,
        "metric_names": {m: METRIC_NAMES[m] for m in LIVE_EXTERNAL + LIVE_INTERNAL},
    }


def instant_unavailable(n_tracks: int, algorithm: str, fusion: str, dims: int) -> str:
    """Why the instant panel cannot run this view ("" when it can): it runs k-means on the scaled
    concatenation, a 2-D PCA map, up to :data:`INSTANT_MAX_TRACKS` tracks."""
    if algorithm != "kmeans" or fusion != "concat":
        return "it runs k-means on the scaled concatenation only (the sidebar's clustering is another)"
    if dims != 2:
        return "it draws a 2-D map only"
    if n_tracks > INSTANT_MAX_TRACKS:
        return f"it holds at most {INSTANT_MAX_TRACKS:,} tracks in the browser (this set has {n_tracks:,})"
    return ""
