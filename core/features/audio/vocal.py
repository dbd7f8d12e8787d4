"""The vocal-presence measure: a non-sustained harmonic foreground in the vocal band that also
moves in pitch (vibrato, glides), both read from the clip's one magnitude spectrogram."""

from __future__ import annotations

import math
from typing import Optional

import numpy as np
from scipy import ndimage

from core.features.audio.config import VOCAL_BAND_HZ
from core.features.audio.hpss import _softmask, median_filter_axis

# Vocal presence (see _vocal_presence): stable / short kernels, harmonic margin, logistic map.
_VOCAL_STABLE_S = 1.4
_VOCAL_SHORT_S = 0.2
_VOCAL_SHORT_HZ = 180.0
_VOCAL_MARGIN = 4.0
_VOCAL_CENTRE_DB = -20.0
_VOCAL_SCALE_DB = 2.5
# Pitch-modulation cue (see _pitch_modulation).
_FM_BAND_HZ = (150.0, 4000.0)
_FM_PROMINENCE_DB = 8.0  # a partial stands this far above the median of its +-8 bins
_FM_FLOOR_DB = -40.0  # ... and within this of the frame's loudest bin in the band
_FM_MAX_SHIFT = 3  # bins a partial may move between frames
_FM_MIN_CENTS = 4.0  # per-hop pitch change that counts as movement
_FM_STEADY_DB = 3.0  # per-hop level change allowed (rejects beating of detuned oscillators)
_FM_MIN_GROUP = 3  # partials moving together
_FM_TOLERANCE = 0.3  # relative spread of their pitch changes
_FM_DOMINANCE = 0.7  # share of the frame's moving partials that must belong to the group
_FM_SPREAD_S = 0.5  # evidence at a frame counts for this window around it


def _odd(x):
    """Nearest odd int >= 1."""
    n = max(1, int(round(x)))
    return n if n % 2 else n + 1


def _vocal_presence(S, power, perc_median, freqs, active, sr, hop, n_fft):
    """0..1 estimate that a singing voice is present: both audio cues must agree.

    A singing voice is a pitched foreground that (a) does not sustain like the accompaniment and
    (b) glides or wavers in pitch. The estimate is the geometric mean of

    - the *foreground* score :func:`_foreground_score` (a), and
    - the *pitch-modulation* score :func:`_pitch_modulation` (b),

    so a clip needs both a non-sustained harmonic foreground in the vocal band and harmonics
    that move in pitch together (vibrato, glides). Accompaniment, noise, tones and silence
    alone score about 0. Known blind spots: a voice with almost no pitch movement (shouted or
    growled, buried under distorted guitars) scores low, and a lead instrument played with
    vibrato or pitch bends scores like a voice.
    """
    if int(active.sum()) < 3:
        return 0.0
    fg = _foreground_score(S, power, perc_median, freqs, active, sr, hop, n_fft)
    fm = _pitch_modulation(S, freqs, active, sr, hop, n_fft)
    return float(math.sqrt(max(fg, 0.0) * max(fm, 0.0)))


def _foreground_score(S, power, perc_median, freqs, active, sr, hop, n_fft):
    """0..1 score of a non-sustained harmonic foreground in the vocal band.

    Two-pass median filtering on the one magnitude spectrogram (after FitzGerald's multipass
    HPSS for vocal separation):

    1. *stable* part: a long median over time (``_VOCAL_STABLE_S``) against the HPSS median over
       frequency; sustained chords, pads, drones and bass are stable, while a sung line, whose
       pitch changes every syllable (and wavers with vibrato), is not. The rest is the
       *fluctuating* part.
    2. the fluctuating part is split again with short kernels (``_VOCAL_SHORT_S`` over time,
       ``_VOCAL_SHORT_HZ`` over frequency, harmonic margin ``_VOCAL_MARGIN``): its *harmonic* part
       (pitched, lasting a syllable) is the foreground; its percussive part (drums, noise) is
       dropped.

    The foreground share is the energy of that foreground within :data:`VOCAL_BAND_HZ` over the
    total energy, both over the non-silent frames, in dB; the score is a logistic of it,
    centred at ``_VOCAL_CENTRE_DB`` with scale ``_VOCAL_SCALE_DB`` (fixed a priori on hand-made
    examples: accompaniment, noise and tones alone sit near -30 dB or below, a sung line at
    the level of its accompaniment near -12 dB). Short notes of any instrument also count here.
    """
    bin_hz = sr / float(n_fft)
    frame_s = hop / float(sr)
    short_f = _odd(_VOCAL_SHORT_HZ / bin_hz)
    band = (freqs >= VOCAL_BAND_HZ[0]) & (freqs <= VOCAL_BAND_HZ[1])
    lo = max(0, int(np.argmax(band)) - short_f // 2)
    hi = min(len(freqs), len(band) - int(np.argmax(band[::-1])) + short_f // 2)
    X = S[lo:hi]
    stable = _softmask(median_filter_axis(X, _odd(_VOCAL_STABLE_S / frame_s), axis=1), perc_median[lo:hi])
    fluct = (1.0 - stable) * X
    h2 = median_filter_axis(fluct, _odd(_VOCAL_SHORT_S / frame_s), axis=1)
    p2 = median_filter_axis(fluct, short_f, axis=0)
    voice = _softmask(h2, _VOCAL_MARGIN * p2) * fluct
    voice = voice[band[lo:hi]][:, active]
    e_voice = float(np.sum(voice.astype(np.float64) ** 2))
    e_all = float(np.sum(power[:, active], dtype=np.float64))
    if e_all <= 0:
        return 0.0
    share_db = 10.0 * math.log10(max(e_voice / e_all, 1e-12))
    return float(1.0 / (1.0 + math.exp(-(share_db - _VOCAL_CENTRE_DB) / _VOCAL_SCALE_DB)))


def _pitch_modulation(S, freqs, active, sr, hop, n_fft):
    """0..1 share of the non-silent time near frames where several partials move in pitch together.

    In every frame, spectral peaks in ``_FM_BAND_HZ`` that stand ``_FM_PROMINENCE_DB`` above
    their neighbourhood are located to a fraction of a bin (parabolic interpolation of the log
    magnitude) and linked to the nearest peak within ``_FM_MAX_SHIFT`` bins in the previous and
    the next frame. A linked peak *moves* when its pitch changes by at least ``_FM_MIN_CENTS``
    cents, in the same direction, over both hops while its level stays within
    ``_FM_STEADY_DB`` dB (beating detuned oscillators change level as they appear to move;
    a voice's harmonics do not). A frame shows coherent modulation when at least
    ``_FM_MIN_GROUP`` moving peaks share one direction and about the same change in cents
    (``_FM_TOLERANCE``), and they make up ``_FM_DOMINANCE`` of the frame's moving peaks: the
    harmonics of one voice with vibrato or a glide move together, independent sounds do not.
    The result is the share of non-silent frames within ``_FM_SPREAD_S`` / 2 of such a frame.
    """
    n = S.shape[1]
    if n < 3:
        return 0.0
    peaks = _partial_peaks(S, freqs)
    if peaks is None:
        return 0.0
    moving, rate = _moving_partials(*peaks)
    coherent = _coherent_frames(moving, rate, n)
    if not coherent.any():
        return 0.0
    width = _odd(_FM_SPREAD_S * sr / hop)
    near = ndimage.maximum_filter1d(coherent.astype(np.uint8), width, mode="constant") > 0
    return float(np.mean(near[active]))


def _partial_peaks(S, freqs) -> Optional[tuple]:
    """Prominent spectral peaks of each frame in ``_FM_BAND_HZ``, located to a fraction of a bin:
    ``(position in bins, log level)`` arrays (bins, frames), NaN where there is no peak; None when
    the band is too narrow or holds fewer than ``_FM_MIN_GROUP`` peaks."""
    half = 8
    band = np.where((freqs >= _FM_BAND_HZ[0]) & (freqs <= _FM_BAND_HZ[1]))[0]
    k0, k1 = max(0, band[0] - half), min(len(freqs), band[-1] + half + 1)
    X = np.ascontiguousarray(S[k0:k1], dtype=np.float32)
    if X.shape[0] < 2 * half + 3:
        return None
    L = np.log(X + 1e-10)
    local = median_filter_axis(X, 2 * half + 1, axis=0)
    peak = np.zeros(X.shape, dtype=bool)
    peak[1:-1] = (X[1:-1] > X[:-2]) & (X[1:-1] >= X[2:])
    peak &= X > local * 10.0 ** (_FM_PROMINENCE_DB / 20.0)
    peak &= X > X.max(axis=0, keepdims=True) * 10.0 ** (_FM_FLOOR_DB / 20.0)
    peak[:half] = False
    peak[-half:] = False
    if peak.sum() < _FM_MIN_GROUP:
        return None
    num = L[:-2] - L[2:]
    den = L[:-2] - 2.0 * L[1:-1] + L[2:]
    safe = np.where(np.abs(den) > 1e-9, den, 1.0)
    delta = np.zeros_like(X)
    delta[1:-1] = np.clip(np.where(np.abs(den) > 1e-9, 0.5 * num / safe, 0.0), -0.5, 0.5)
    pos = np.where(peak, np.arange(k0, k1, dtype=np.float32)[:, None] + delta, np.nan)
    lev = np.where(peak, L, np.nan)
    return pos, lev


def _moving_partials(pos, lev):
    """Link each peak to the nearest one in the previous and next frame; ``(moving, rate)``:
    where a peak moves steadily in one direction over both hops, and its change in cents a hop."""
    def shifted(A, step):  # column t of the result holds column t + step of A
        out = np.full_like(A, np.nan)
        if step > 0:
            out[:, :-step] = A[:, step:]
        else:
            out[:, -step:] = A[:, :step]
        return out

    def nearest(other_pos, other_lev):
        best = np.full_like(pos, np.nan)
        best_lev = np.full_like(pos, np.nan)
        dist = np.full(pos.shape, np.inf, dtype=np.float32)
        for s in range(-_FM_MAX_SHIFT, _FM_MAX_SHIFT + 1):
            cand = np.roll(other_pos, -s, axis=0)
            with np.errstate(invalid="ignore"):
                d = np.abs(cand - pos)
                better = d < dist
            best = np.where(better, cand, best)
            best_lev = np.where(better, np.roll(other_lev, -s, axis=0), best_lev)
            dist = np.where(better, d, dist)
        return best, best_lev

    p_prev, l_prev = nearest(shifted(pos, -1), shifted(lev, -1))
    p_next, l_next = nearest(shifted(pos, 1), shifted(lev, 1))
    db = 20.0 / math.log(10.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        c1 = 1200.0 * np.log2(pos / p_prev)
        c2 = 1200.0 * np.log2(p_next / pos)
        steady = (np.abs(lev - l_prev) * db <= _FM_STEADY_DB) & (np.abs(l_next - lev) * db <= _FM_STEADY_DB)
        linked = np.isfinite(c1) & np.isfinite(c2) & steady
        up = linked & (c1 >= _FM_MIN_CENTS) & (c2 >= _FM_MIN_CENTS)
        down = linked & (c1 <= -_FM_MIN_CENTS) & (c2 <= -_FM_MIN_CENTS)
    moving = up | down
    rate = np.where(moving, 0.5 * (c1 + c2), np.nan)
    return moving, rate


def _coherent_frames(moving, rate, n):
    """Frames (n,) where at least ``_FM_MIN_GROUP`` moving peaks, making up ``_FM_DOMINANCE`` of
    the frame's moving peaks, share one direction and about the same change in cents."""
    coherent = np.zeros(n, dtype=bool)
    for t in np.flatnonzero(moving.sum(axis=0) >= _FM_MIN_GROUP):
        c = rate[:, t][moving[:, t]]
        for sign in (1.0, -1.0):
            cs = c[np.sign(c) == sign]
            if cs.size >= _FM_MIN_GROUP:
                m = float(np.median(cs))
                group = int(np.sum(np.abs(cs - m) <= _FM_TOLERANCE * abs(m) + 1.0))
                if group >= _FM_MIN_GROUP and group >= _FM_DOMINANCE * c.size:
                    coherent[t] = True
    return coherent
