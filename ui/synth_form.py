"""The built-in set's Regenerate form: one input per SynthConfig field, at the current set's values.

Widget keys are ``synth.<field>`` (``synth.<field>.low`` / ``.high`` for a range), so tests and
the URL-free session state can reach them. The form reads the values back into a SynthConfig with
:func:`form_config`; a v1 choice drops the fields only v2 reads.
"""

from __future__ import annotations

import streamlit as st

from core.datasets.synthetic import GENRES, SynthConfig
from core.datasets.synthetic.config import LANGUAGES
from core.datasets.synthetic.fields import FIELD_SPECS, FieldSpec

_LIMITS = {"tracks_per_genre": (1, 1000), "sr": (8000, 48000), "seed": (0, 2**31 - 1),
           "clip_seconds": (1.0, 120.0)}
_CHOICES = {"genres": tuple(GENRES), "languages": LANGUAGES}


def _input(spec: FieldSpec, value, col) -> object:
    key = f"synth.{spec.name}"
    if spec.kind == "version":
        return col.selectbox(spec.label, ["v1", "v2"], index=int(value) - 1, key=key,
                             help=spec.help)
    if spec.kind == "names":
        return col.multiselect(spec.label, list(_CHOICES[spec.name]), default=list(value), key=key,
                               help=spec.help)
    if spec.kind == "int":
        lo, hi = _LIMITS.get(spec.name, (0, 2**31 - 1))
        return col.number_input(spec.label, min_value=lo, max_value=hi, step=1, value=int(value),
                                key=key, help=spec.help)
    if spec.kind == "float":
        lo, hi = _LIMITS.get(spec.name, (0.0, 1e6))
        return col.number_input(spec.label, min_value=lo, max_value=hi, step=1.0,
                                value=float(value), key=key, help=spec.help)
    if spec.kind == "rate":
        return col.number_input(spec.label, min_value=0.0, max_value=1.0, step=0.01, format="%.2f",
                                value=float(value), key=key, help=spec.help)
    a, b = col.columns(2)
    return (a.number_input(f"{spec.label}: low", value=float(value[0]), key=f"{key}.low",
                           help=spec.help),
            b.number_input(f"{spec.label}: high", value=float(value[1]), key=f"{key}.high"))


def generator_inputs(current: SynthConfig) -> dict:
    """Draw one input per field (inside a form), each at ``current``'s value; return the raw
    values by field name."""
    values = {}
    groups = (("Set", ("version", "genres", "tracks_per_genre", "clip_seconds", "sr", "seed")),
              ("Degradation (share of tracks per kind; v2: at most 1/4 audio, 1/3 lyrics)",
               tuple(s.name for s in FIELD_SPECS if s.name.endswith("_rate")
                     and s.name != "instrumental_rate")),
              ("Degradation ranges", ("noise_snr_db", "dropout_fraction", "clipping_gain",
                                      "lowpass_hz", "garble_strength", "truncate_keep")),
              ("Generator v2 only", ("theme_share", "lyric_words", "instrumental_rate",
                                     "gain_db", "languages")))
    specs = {s.name: s for s in FIELD_SPECS}
    for title, names in groups:
        st.caption(title)
        cols = st.columns(4)
        for i, name in enumerate(names):
            values[name] = _input(specs[name], getattr(current, name), cols[i % 4])
    return values


def form_config(values: dict) -> SynthConfig:
    """A SynthConfig from :func:`generator_inputs` values (ParameterError naming a bad one)."""
    kw = {}
    version = 1 if values["version"] == "v1" else 2
    for spec in FIELD_SPECS:
        if version == 1 and spec.v2_only:
            continue
        v = values[spec.name]
        if spec.kind == "version":
            v = version
        elif spec.kind == "names":
            v = tuple(v)
        elif spec.kind == "pair":
            v = (float(v[0]), float(v[1]))
        elif spec.kind == "int":
            v = int(v)
        else:
            v = float(v)
        kw[spec.name] = v
    return SynthConfig(**kw)
