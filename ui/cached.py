"""``st.cache_*`` wrappers around ``core``: slow work runs once per input and is shared."""

from __future__ import annotations

import os

import streamlit as st

from core.datasets import load_dataset
from core.features.extract import ExtractConfig, cached_status, extract_features


def _mtime(path: str) -> float:
    try:
        return os.stat(path).st_mtime
    except OSError:
        return 0.0


@st.cache_data(show_spinner="Reading the dataset...", max_entries=8)
def dataset(path: str, stamp: float = 0.0):
    """The Dataset at ``path``; ``stamp`` (folder mtime) is part of the key so a rebuilt set reloads."""
    return load_dataset(path)


def load(path: str):
    return dataset(path, _mtime(path))


def status(path: str) -> dict:
    return cached_status(load(path), ExtractConfig())


@st.cache_data(show_spinner=False, max_entries=4)
def features(path: str, stamp: float = 0.0, _progress=None):
    """The FeatureSet and the extraction report for the dataset at ``path`` (cached on disk and here)."""
    return extract_features(load_dataset(path), ExtractConfig(), progress=_progress)


def load_features(path: str, progress=None):
    return features(path, _mtime(path), _progress=progress)
