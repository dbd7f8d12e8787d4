"""Checking the cells of a features table (:mod:`core.features.given`): embedding matrices, Parquet
vector columns, indicator columns and text columns, each refused with a message naming the file, the
column and the row."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.errors import DatasetError
from core.indicators import INDICATORS


def _is_vector(v) -> bool:
    return isinstance(v, (list, tuple, np.ndarray))


def _list_columns(frame: pd.DataFrame) -> list:
    """Columns whose first non-empty cell is a vector (Parquet list columns)."""
    out = []
    for c in frame.columns:
        if frame[c].dtype == object:
            first = next((v for v in frame[c] if v is not None and not (isinstance(v, float) and math.isnan(v))), None)
            if _is_vector(first):
                out.append(c)
    return out


def _row_name(frame: pd.DataFrame, i: int) -> str:
    """How a message names row ``i``: its data row number (1 = first row after the header)."""
    return f"row {i + 1}"


def _matrix(frame: pd.DataFrame, cols: list, modality: str, name: str) -> tuple:
    """The modality's (n, d) float32 matrix, its column names and the rows that have it."""
    n = len(frame)
    if not cols:
        return np.zeros((n, 0), np.float32), (), np.zeros(n, bool)
    if len(cols) == 1 and frame[cols[0]].map(_is_vector).any():
        x = _list_column(frame[cols[0]], name)
        names = tuple(f"{cols[0]}[{j}]" for j in range(x.shape[1]))
    else:
        parts = []
        for c in cols:
            col = frame[c]
            if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
                num = pd.to_numeric(col, errors="coerce")
                bad = num.isna() & col.notna() & (col.astype(str).str.strip() != "")
                if bad.any():
                    i = int(np.flatnonzero(bad.to_numpy())[0])
                    raise DatasetError(f"Features file {name}: column {c!r} holds a value that is not a number "
                                       f"({str(col.iloc[i])[:40]!r} in {_row_name(frame, i)}); embedding cells "
                                       "must be numbers (leave a cell empty only when the whole modality is "
                                       "missing for that track).")
                col = num
            with np.errstate(over="ignore"):  # a finite value beyond float32 becomes inf: named below
                parts.append(col.to_numpy(dtype=np.float32, na_value=np.nan))
        x = np.column_stack(parts).astype(np.float32, copy=False)
        names = tuple(cols)
    if np.isinf(x).any():
        i, j = map(int, np.argwhere(np.isinf(x))[0])
        given = _given_value(frame, names[j], i)
        if given is not None and math.isfinite(given):
            raise DatasetError(f"Features file {name}: {modality} embedding value {given:.6g} in "
                               f"{_row_name(frame, i)} (column {names[j]!r}) is too large: embeddings are stored "
                               f"as 32-bit floats (at most {float(np.finfo(np.float32).max):.4g} in size).")
        raise DatasetError(f"Features file {name}: {modality} embedding has an infinite value in "
                           f"{_row_name(frame, i)} (column {names[j]!r}); embeddings must be finite.")
    nan = np.isnan(x)
    empty = nan.all(axis=1)
    partial = nan.any(axis=1) & ~empty
    if partial.any():
        i = int(np.flatnonzero(partial)[0])
        j = int(np.flatnonzero(nan[i])[0])
        raise DatasetError(f"Features file {name}: {modality} embedding of {_row_name(frame, i)} has an empty or "
                           f"NaN cell (column {names[j]!r}) among numbers ({int(partial.sum())} rows like it); "
                           "a row must give the whole vector or leave every cell of the modality empty.")
    ok = ~empty
    x[empty] = 0.0
    return np.ascontiguousarray(x), names, ok


def _given_value(frame: pd.DataFrame, column: str, i: int):
    """The number the file gives in ``column`` (or ``vector[k]`` of a list column), row ``i``, as a Python
    float; None when it cannot be read as one."""
    try:
        if column in frame.columns:
            return float(pd.to_numeric(pd.Series([frame[column].iloc[i]]), errors="coerce").iloc[0])
        base, k = column[:-1].rsplit("[", 1)
        return float(frame[base].iloc[i][int(k)])
    except (KeyError, ValueError, TypeError, IndexError):
        return None


def _list_column(col: pd.Series, name: str) -> np.ndarray:
    """A Parquet list column (one vector per row) as an (n, d) matrix; None cells are missing rows."""
    widths = col.map(lambda v: len(v) if _is_vector(v) else -1).to_numpy()
    given = widths >= 0
    if not given.any():
        return np.zeros((len(col), 0), np.float32)
    d = int(np.bincount(widths[given]).argmax())
    ragged = given & (widths != d)
    if ragged.any():
        i = int(np.flatnonzero(ragged)[0])
        raise DatasetError(f"Features file {name}: column {col.name!r} holds vectors of different lengths "
                           f"({widths[i]} in row {i + 1}, {d} in most rows); every vector must have the same width.")
    x = np.full((len(col), d), np.nan, np.float32)
    try:
        with np.errstate(over="ignore"):  # a finite value beyond float32 becomes inf: named by the caller
            x[given] = np.stack([np.asarray(v, dtype=np.float32) for v in col[given]])
    except (TypeError, ValueError):
        raise DatasetError(f"Features file {name}: column {col.name!r} holds vectors with values that are not "
                           "numbers.") from None
    return x


def _indicator_columns(frame: pd.DataFrame, name: str) -> dict:
    out = {}
    for c in (c for c in frame.columns if c in INDICATORS):
        num = pd.to_numeric(frame[c], errors="coerce")
        bad = num.isna() & frame[c].notna() & (frame[c].astype(str).str.strip() != "")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise DatasetError(f"Features file {name}: indicator column {c!r} holds a value that is not a number "
                               f"({str(frame[c].iloc[i])[:40]!r} in row {i + 1}); leave a cell empty when unknown.")
        values = num.to_numpy(dtype=np.float64, na_value=np.nan)
        if np.isinf(values).any():
            i = int(np.flatnonzero(np.isinf(values))[0])
            raise DatasetError(f"Features file {name}: indicator column {c!r} is infinite in row {i + 1}.")
        out[c] = values
    return out


def _text(frame: pd.DataFrame, col: str) -> list:
    if col not in frame.columns:
        return [None] * len(frame)
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) or str(v).strip() == "" else str(v).strip()
            for v in frame[col].tolist()]
