"""Per-modality embeddings: PCA of each modality to a common width, then unit-length rows.

Pipeline position: features (cached) -> **embeddings** -> fusion. Runs once per dataset; nothing
here depends on the weights, so the result is cached and shared.

:class:`ModalityReducer` fits a PCA per modality on the tracks where that modality is usable,
to a common width ``d`` (default 32, capped by the data's rank), and L2-normalises every row;
:class:`Embeddings` holds the result: float32 (n_tracks, d) per modality, unit rows where the
modality is usable and zero rows elsewhere, plus the bool (n_tracks,) usability masks.
Settings are declared in :data:`REDUCER_CONSTRAINTS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Optional

import numpy as np

from core.errors import ParameterError, check_param
from core.params import Interval, validate_params

__all__ = ["Embeddings", "ModalityReducer", "embed_features", "REDUCER_CONSTRAINTS"]


@dataclass(frozen=True, eq=False)
class Embeddings:
    """Both modalities reduced to a common width ``d`` and L2-normalised, rows in Dataset order.

    The constructor marks the arrays read-only, so a cached instance can be shared safely.

    Attributes
    ----------
    audio : float32 (n, d)
        Unit-length rows where ``audio_ok``; zero rows elsewhere.
    lyrics : float32 (n, d)
        Unit-length rows where ``lyrics_ok``; zero rows elsewhere (a missing lyric is a mask,
        never a vector that takes part in fusion).
    audio_ok, lyrics_ok : bool (n,)
        Which tracks have a usable modality.
    """

    audio: np.ndarray
    lyrics: np.ndarray
    audio_ok: np.ndarray
    lyrics_ok: np.ndarray

    def __post_init__(self):
        n = self.audio.shape[0]
        for name in ("audio", "lyrics"):
            arr = getattr(self, name)
            check_param("Embeddings", name, f"array of shape {arr.shape} and dtype {arr.dtype}",
                        f"a float32 array of shape ({n}, d) like 'audio'",
                        arr.dtype == np.float32 and arr.ndim == 2 and arr.shape == self.audio.shape)
        for name in ("audio_ok", "lyrics_ok"):
            arr = getattr(self, name)
            check_param("Embeddings", name, f"array of shape {arr.shape} and dtype {arr.dtype}",
                        f"a bool array of shape ({n},)", arr.dtype == bool and arr.shape == (n,))
        for name in ("audio", "lyrics", "audio_ok", "lyrics_ok"):
            getattr(self, name).setflags(write=False)

    @property
    def n_tracks(self) -> int:
        return int(self.audio.shape[0])

    @property
    def width(self) -> int:
        """Common width ``d`` of each modality block."""
        return int(self.audio.shape[1])

    @property
    def has_lyrics(self) -> bool:
        """False when no track has usable lyrics (fusion is then audio-only)."""
        return bool(self.lyrics_ok.any())


#: Constraints of :class:`ModalityReducer` (checked in ``fit``).
REDUCER_CONSTRAINTS = {
    "n_components": [Interval(Integral, 1, None, closed="left")],
    "seed": [Interval(Integral, 0, 2**32 - 1, closed="both")],
}


def _l2_rows(x: np.ndarray) -> np.ndarray:
    """Divide rows by their norm in place; rows with zero norm stay zero."""
    norms = np.sqrt(np.einsum("ij,ij->i", x, x))
    np.divide(x, norms[:, None], out=x, where=norms[:, None] > 0)
    return x


class ModalityReducer:
    """Per-modality PCA to a common width, then L2-normalised rows.

    Fit once per dataset (deterministic for a seed) and cache the result; nothing here depends
    on the weights.

    Parameters
    ----------
    n_components : int, default 32
        Requested common width ``d``. The fitted width ``width_`` is
        ``min(n_components, max(rank_audio, rank_lyrics))`` where a modality's rank is
        ``min(n_ok - 1, n_features)``. A modality of lower rank keeps all its components and is
        zero-padded to ``width_`` (padding changes no norm and no distance).
    seed : int, default 0
        Seed for the randomized SVD that PCA may choose on large inputs.

    Attributes
    ----------
    width_ : int
        Common width ``d``.
    audio_mean_, lyrics_mean_ : float32 (d_audio,), (d_lyrics,)
        Means of the usable rows.
    audio_components_, lyrics_components_ : float32 (k_m, d_m)
        Principal axes (rows), ``k_m <= width_``.
    explained_variance_ratio_ : dict str -> float
        Share of each modality's variance kept.
    """

    def __init__(self, n_components: int = 32, seed: int = 0):
        self.n_components = n_components
        self.seed = seed

    # -- fitting ---------------------------------------------------------------------------
    @staticmethod
    def _check_block(name: str, x, ok, n: Optional[int]):
        x = np.asarray(x)
        if x.ndim == 1 and x.size == 0 and n is not None:
            x = x.reshape(n, 0)
        check_param("ModalityReducer", name, f"array of shape {x.shape}",
                    "a 2-d array (n_tracks, n_features)" + ("" if n is None else f" with {n} rows"),
                    x.ndim == 2 and (n is None or x.shape[0] == n))
        n = x.shape[0]
        ok = np.ones(n, bool) if ok is None else np.asarray(ok)
        check_param("ModalityReducer", name + "_ok", f"array of shape {ok.shape}",
                    f"a bool array of shape ({n},)", ok.shape == (n,) and ok.dtype == bool)
        x = x.astype(np.float32, copy=False)
        if ok.any():
            check_param("ModalityReducer", name, "non-finite values in usable rows",
                        "finite where usable", bool(np.isfinite(x[ok]).all()))
        return x, ok

    def _fit_block(self, x: np.ndarray, ok: np.ndarray, k: int):
        rows = x[ok]
        mean = rows.mean(axis=0) if len(rows) else np.zeros(x.shape[1], np.float32)
        if k == 0:
            return mean.astype(np.float32), np.zeros((0, x.shape[1]), np.float32), 0.0
        from sklearn.decomposition import PCA

        pca = PCA(n_components=k, svd_solver="auto", random_state=self.seed).fit(rows)
        return (pca.mean_.astype(np.float32), pca.components_.astype(np.float32),
                float(np.sum(pca.explained_variance_ratio_)))

    def fit(self, audio, lyrics, audio_ok=None, lyrics_ok=None) -> "ModalityReducer":
        """Fit the PCA of each modality on its usable rows.

        Parameters
        ----------
        audio : float (n, d_audio)
        lyrics : float (n, d_lyrics); ``d_lyrics`` may be 0 (no lyrics at all)
        audio_ok, lyrics_ok : bool (n,), optional
            Usable rows; default all True.
        """
        validate_params("ModalityReducer", REDUCER_CONSTRAINTS,
                        {"n_components": self.n_components, "seed": self.seed})
        audio, audio_ok = self._check_block("audio", audio, audio_ok, None)
        lyrics, lyrics_ok = self._check_block("lyrics", lyrics, lyrics_ok, audio.shape[0])
        ranks = {}
        for name, x, ok in (("audio", audio, audio_ok), ("lyrics", lyrics, lyrics_ok)):
            ranks[name] = max(0, min(int(ok.sum()) - 1, x.shape[1]))
        width = min(self.n_components, max(ranks.values()))
        if width == 0:
            raise ParameterError(
                "ModalityReducer needs at least two usable tracks with non-empty features in one "
                f"modality. Got {int(audio_ok.sum())} usable audio rows of width {audio.shape[1]} "
                f"and {int(lyrics_ok.sum())} usable lyrics rows of width {lyrics.shape[1]} "
                "instead.")
        self.width_ = width
        self.audio_mean_, self.audio_components_, ev_a = self._fit_block(
            audio, audio_ok, min(width, ranks["audio"]))
        self.lyrics_mean_, self.lyrics_components_, ev_l = self._fit_block(
            lyrics, lyrics_ok, min(width, ranks["lyrics"]))
        self.explained_variance_ratio_ = {"audio": ev_a, "lyrics": ev_l}
        self.n_features_in_ = {"audio": audio.shape[1], "lyrics": lyrics.shape[1]}
        return self

    # -- transforming ----------------------------------------------------------------------
    def _project(self, x, ok, mean, comps) -> np.ndarray:
        out = np.zeros((x.shape[0], self.width_), np.float32)
        if comps.shape[0] and ok.any():
            out[ok, : comps.shape[0]] = (x[ok] - mean) @ comps.T
        return _l2_rows(out)

    def transform(self, audio, lyrics, audio_ok=None, lyrics_ok=None) -> Embeddings:
        """Project both modalities, L2-normalise rows, zero the unusable ones.

        Returns
        -------
        Embeddings
            ``audio`` and ``lyrics`` float32 (n, ``width_``).
        """
        if not hasattr(self, "width_"):
            raise ParameterError("This ModalityReducer is not fitted yet; call fit first.")
        audio, audio_ok = self._check_block("audio", audio, audio_ok, None)
        lyrics, lyrics_ok = self._check_block("lyrics", lyrics, lyrics_ok, audio.shape[0])
        for name, x in (("audio", audio), ("lyrics", lyrics)):
            want = self.n_features_in_[name]
            check_param("ModalityReducer", name, f"{x.shape[1]} features",
                        f"{want} features as in fit", x.shape[1] == want)
        return Embeddings(
            audio=self._project(audio, audio_ok, self.audio_mean_, self.audio_components_),
            lyrics=self._project(lyrics, lyrics_ok, self.lyrics_mean_, self.lyrics_components_),
            audio_ok=audio_ok.copy(),
            lyrics_ok=lyrics_ok.copy(),
        )

    def fit_transform(self, audio, lyrics, audio_ok=None, lyrics_ok=None) -> Embeddings:
        return self.fit(audio, lyrics, audio_ok, lyrics_ok).transform(audio, lyrics, audio_ok,
                                                                      lyrics_ok)


def embed_features(features, n_components: int = 32, seed: int = 0) -> Embeddings:
    """Embeddings of a :class:`core.features.featureset.FeatureSet` (or anything with the
    attributes ``audio``, ``audio_ok``, ``lyrics``, ``lyrics_ok``, ``has_lyrics``).

    When ``has_lyrics`` is False every lyrics row is marked unusable, so fusion is audio-only.
    """
    lyrics_ok = np.asarray(features.lyrics_ok, bool)
    if not getattr(features, "has_lyrics", True):
        lyrics_ok = np.zeros_like(lyrics_ok)
    return ModalityReducer(n_components=n_components, seed=seed).fit_transform(
        features.audio, features.lyrics, np.asarray(features.audio_ok, bool), lyrics_ok)

