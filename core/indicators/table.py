"""The :class:`Indicators` container: indicator values for every track, with names and languages.

Filled by :func:`core.indicators.compute_indicators` (or by hand with :meth:`Indicators.from_columns`);
read by the rules, the views and the validation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np

from core.errors import ParameterError, check_param
from core.indicators.specs import INDICATORS, IndicatorSpec

__all__ = ["Indicators"]


@dataclass(frozen=True, eq=False)
class Indicators:
    """Indicator values for ``n`` tracks, rows in ``Dataset`` order.

    Attributes
    ----------
    values : float32 ndarray, shape (n_tracks, n_indicators)
        One column per name; NaN where the modality the indicator needs is missing. Read-only.
    names : tuple of str, length n_indicators
        Column names, each a key of :data:`INDICATORS`.
    specs : tuple of IndicatorSpec
        Unit, description, typical range and group of each column (filled from the registry).
    languages : tuple of str, length n_tracks, or ()
        The lyrics' language per track as an ISO 639 code ("en", "de", ...; "" where there are
        no lyrics or no language was identified); () when not computed (hand-made tables).

    Frozen: attributes cannot be rebound and ``values`` is not writeable. Compared and hashed by
    identity (it holds an array); cache on the FeatureSet / configuration that produced it.
    """

    values: np.ndarray
    names: tuple
    specs: tuple = field(default=(), repr=False)
    languages: tuple = field(default=(), repr=False)

    def __post_init__(self):
        names = tuple(self.names)
        languages = tuple(str(x) for x in self.languages)
        check_param("Indicators", "names", names, "unique names from core.indicators.INDICATORS",
                    len(set(names)) == len(names) and all(n in INDICATORS for n in names))
        values = np.asarray(self.values)
        check_param("Indicators", "values", getattr(values, "shape", None),
                    f"a 2-D array with {len(names)} columns",
                    values.ndim == 2 and values.shape[1] == len(names))
        # Column-major: each indicator column is contiguous, which the rule engine reads.
        values = np.asfortranarray(values, dtype=np.float32)
        if values is self.values:
            values = values.copy(order="F")
        values.flags.writeable = False
        object.__setattr__(self, "values", values)
        object.__setattr__(self, "names", names)
        object.__setattr__(self, "specs", tuple(INDICATORS[n] for n in names))
        check_param("Indicators", "languages", f"{len(languages)} codes",
                    f"() or one code per track ({values.shape[0]})",
                    len(languages) in (0, values.shape[0]))
        object.__setattr__(self, "languages", languages)
        object.__setattr__(self, "_index", {n: j for j, n in enumerate(names)})

    @classmethod
    def from_columns(cls, columns: Mapping[str, object]) -> "Indicators":
        """Build from ``{name: array (n,)}`` (hand-made tracks, benchmarks, tests)."""
        names = tuple(columns)
        arrays = [np.asarray(columns[n], dtype=np.float32).reshape(-1) for n in names]
        lengths = {a.shape[0] for a in arrays}
        check_param("Indicators.from_columns", "columns", {n: a.shape for n, a in zip(names, arrays)},
                    "a non-empty mapping of equal-length 1-D arrays", len(lengths) == 1)
        return cls(values=np.stack(arrays, axis=1), names=names)

    @property
    def n_tracks(self) -> int:
        return int(self.values.shape[0])

    def __contains__(self, name) -> bool:
        return name in self._index

    def column(self, name: str) -> np.ndarray:
        """Indicator ``name``, float32 (n_tracks,) read-only view."""
        j = self._index.get(name)
        if j is None:
            raise ParameterError(
                f"The 'name' parameter of Indicators.column must be one of {list(self.names)}. "
                f"Got {name!r} instead.")
        return self.values[:, j]

    def spec(self, name: str) -> IndicatorSpec:
        """Unit, description, typical range and group of ``name``."""
        self.column(name)
        return INDICATORS[name]

    def as_dict(self) -> dict:
        """``{name: float32 (n_tracks,)}`` in column order (e.g. for a pandas DataFrame)."""
        return {n: self.values[:, j] for j, n in enumerate(self.names)}
