"""The generator's ground truth, read through one adapter: what each track really is.

Evaluation only: nothing here reaches the rules. :func:`read_truth` is the one place that knows the
column names of a synthetic set's ``ground_truth.csv``; when the generator renames a column, map
it in :data:`TRUTH_COLUMNS` and every check follows.

Canonical fields (one row per track, in the order asked for):

``has_voice``     bool, a voice sings in the track;
``audio_kind``    str, the audio degradation: "none", "noise", "dropout", "clipping", "lowpass";
``audio_param``   float, its parameter (SNR dB, silenced fraction, clipping gain, cut-off Hz), NaN for none;
``lyrics_kind``   str, the lyrics degradation: "none", "truncated", "garbled", "missing", "instrumental";
``language``      str or "" (only when the generator records it);
``loudness_dbfs`` float, the track's true RMS level after its gain, dBFS (generator v2; NaN otherwise).
"""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np
import pandas as pd

from core.errors import ParameterError

#: Canonical field -> column names it may have in ``ground_truth.csv`` (first found wins; v1 first).
TRUTH_COLUMNS = {
    "has_voice": ("has_voice", "voice"),
    "audio_kind": ("audio_degradation", "audio_degradation_kind"),
    "audio_param": ("audio_degradation_param", "audio_degradation_value"),
    "lyrics_kind": ("lyrics_degradation", "lyrics_degradation_kind"),
    "language": ("language", "lyrics_language"),
    "loudness_dbfs": ("loudness_dbfs",),
}
_REQUIRED = ("has_voice", "audio_kind", "lyrics_kind")

#: Audio degradation kinds, and which way a parameter value is milder: +1 when a larger value is
#: milder (SNR, cut-off), -1 when a smaller one is (silenced fraction, clipping gain).
AUDIO_KINDS = {"noise": +1, "dropout": -1, "clipping": -1, "lowpass": +1}
#: Units of each kind's parameter.
AUDIO_PARAM_UNITS = {"noise": "dB SNR", "dropout": "fraction silenced", "clipping": "gain", "lowpass": "Hz cut-off"}
#: Target ``quiet``: a true level below this, dBFS. It is the alignment level the ``loud`` rule's
#: default threshold uses (-20 dBFS), chosen before any check was run, not fitted.
QUIET_BELOW_DBFS = -20.0
#: Lyrics degradation kinds checked against clean lyrics.
LYRICS_KINDS = ("truncated", "garbled", "missing")


def _pick(table: pd.DataFrame, field: str) -> Optional[str]:
    return next((c for c in TRUTH_COLUMNS[field] if c in table.columns), None)


def _as_bool(col: pd.Series) -> np.ndarray:
    if col.dtype == bool:
        return col.to_numpy()
    return col.astype(str).str.strip().str.lower().isin(("true", "1", "yes")).to_numpy()


def read_truth(ground_truth: Optional[pd.DataFrame], track_ids: Sequence[str]) -> Optional[pd.DataFrame]:
    """The canonical truth table for ``track_ids``, or None when there is no usable truth.

    Parameters
    ----------
    ground_truth : DataFrame or None
        A dataset's ``ground_truth`` (``track_id`` plus the generator's columns); None for a set
        without truth (GTZAN, your own music).
    track_ids : sequence of str, length n
        The tracks to return, in this order (e.g. the indicators' rows).

    Returns
    -------
    DataFrame or None
        ``n`` rows, columns ``has_voice`` (bool), ``audio_kind``, ``audio_param`` (float, NaN when
        none), ``lyrics_kind`` and ``language`` (str, "" when not recorded), ``loudness_dbfs``
        (float, NaN when not recorded). None when
        ``ground_truth`` is None or lacks one of has_voice / audio kind / lyrics kind.

    Raises
    ------
    ParameterError
        When the truth has no row for one of ``track_ids`` (names the first few).
    """
    if ground_truth is None or "track_id" not in ground_truth.columns:
        return None
    cols = {f: _pick(ground_truth, f) for f in TRUTH_COLUMNS}
    if any(cols[f] is None for f in _REQUIRED):
        return None
    table = ground_truth.set_index(ground_truth["track_id"].astype(str))
    ids = [str(t) for t in track_ids]
    lacking = [t for t in ids if t not in table.index]
    if lacking:
        raise ParameterError(f"The ground truth has no row for {len(lacking)} track(s), e.g. "
                             f"{lacking[:3]}: it belongs to another dataset.")
    table = table.loc[ids]
    out = pd.DataFrame(index=range(len(ids)))
    out["has_voice"] = _as_bool(table[cols["has_voice"]])
    out["audio_kind"] = table[cols["audio_kind"]].fillna("none").astype(str).str.strip().to_numpy()
    param = cols["audio_param"]
    out["audio_param"] = (pd.to_numeric(table[param], errors="coerce").to_numpy(dtype=float)
                          if param else np.full(len(ids), np.nan))
    out["lyrics_kind"] = table[cols["lyrics_kind"]].fillna("none").astype(str).str.strip().to_numpy()
    lang = cols["language"]
    out["language"] = table[lang].fillna("").astype(str).to_numpy() if lang else ""
    loud = cols["loudness_dbfs"]
    out["loudness_dbfs"] = (pd.to_numeric(table[loud], errors="coerce").to_numpy(dtype=float)
                            if loud else np.full(len(ids), np.nan))
    return out


def target(truth: pd.DataFrame, name: str) -> tuple:
    """``(positive, population)`` bool arrays (n,) of a named target.

    Targets: ``has_voice`` (all tracks); ``audio_<kind>`` (that kind vs clean audio);
    ``audio_degraded`` (any kind vs clean); ``lyrics_<kind>`` (that kind vs clean lyrics, among
    sung tracks); ``lyrics_poor`` (truncated or garbled vs clean: lyrics present but poor);
    ``no_lyrics`` (missing or instrumental, all tracks); ``quiet`` (true level below
    :data:`QUIET_BELOW_DBFS`, among tracks whose level the truth records: none for generator v1).
    """
    n = len(truth)
    everyone = np.ones(n, dtype=bool)
    a, lk = truth["audio_kind"].to_numpy(), truth["lyrics_kind"].to_numpy()
    if name == "has_voice":
        return truth["has_voice"].to_numpy(bool), everyone
    if name == "audio_degraded":
        return a != "none", everyone
    if name.startswith("audio_") and name[6:] in AUDIO_KINDS:
        pos = a == name[6:]
        return pos, pos | (a == "none")
    if name == "lyrics_poor":
        pos = np.isin(lk, ("truncated", "garbled"))
        return pos, pos | (lk == "none")
    if name.startswith("lyrics_") and name[7:] in LYRICS_KINDS:
        pos = lk == name[7:]
        return pos, pos | (lk == "none")
    if name == "no_lyrics":
        return np.isin(lk, ("missing", "instrumental")), everyone
    if name == "quiet":
        level = (truth["loudness_dbfs"].to_numpy(dtype=float) if "loudness_dbfs" in truth
                 else np.full(n, np.nan))
        known = np.isfinite(level)
        return known & (level < QUIET_BELOW_DBFS), known
    raise ParameterError(f"The 'name' parameter of target must be a known target. Got {name!r} instead.")
