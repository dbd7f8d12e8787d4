"""Every :class:`SynthConfig` field as a command-line flag or form input: its kind, label and
help (with units), so ``synth --help`` and the app's Regenerate form list the same knobs.

Kinds: ``"int"``, ``"float"``, ``"rate"`` (float in [0, 1]), ``"pair"`` (a ``(low, high)``
range of floats), ``"names"`` (comma-separated names) and ``"version"`` (``v1`` / ``v2``).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields

from core.datasets.synthetic.config import (
    DEFAULT_VERSION,
    GENERATOR_VERSIONS,
    LANGUAGES,
    V2_FIELDS,
    SynthConfig,
)
from core.datasets.synthetic.recipes import GENRES
from core.errors import ParameterError


@dataclass(frozen=True)
class FieldSpec:
    """How one SynthConfig field is asked for.

    Attributes
    ----------
    name : str
        The field name; the flag is ``--`` + name with ``-`` for ``_`` (``version`` is
        ``--generator``).
    kind : str
        See the module docstring.
    label : str
        Short label for a form.
    help : str
        One sentence with units.
    """

    name: str
    kind: str
    label: str
    help: str

    @property
    def flag(self) -> str:
        return "--generator" if self.name == "version" else "--" + self.name.replace("_", "-")

    @property
    def v2_only(self) -> bool:
        return self.name in V2_FIELDS


_SPECS = (
    ("version", "version", "Generator", "generator version: v1 (the original set, byte for byte) "
     "or v2 (per-track truth, overlapping vocabularies and levels, stratified degradation)"),
    ("genres", "names", "Genres", f"comma-separated genre names from {', '.join(GENRES)}"),
    ("tracks_per_genre", "int", "Tracks per genre", "tracks per genre, >= 1"),
    ("clip_seconds", "float", "Clip length (s)", "clip length, seconds"),
    ("sr", "int", "Sample rate (Hz)", "sample rate, Hz"),
    ("seed", "int", "Generator seed", "random seed of every choice, >= 0"),
    ("audio_noise_rate", "rate", "Audio: added noise", "share of tracks with white noise added"),
    ("noise_snr_db", "pair", "Noise SNR (dB)", "range of the noise's signal-to-noise ratio, dB"),
    ("audio_dropout_rate", "rate", "Audio: silent dropouts", "share of tracks with silent gaps"),
    ("dropout_fraction", "pair", "Dropout fraction", "range of the share of the clip silenced"),
    ("audio_clipping_rate", "rate", "Audio: clipping", "share of tracks hard-clipped"),
    ("clipping_gain", "pair", "Clipping gain", "range of the gain over full scale before clipping"),
    ("audio_lowpass_rate", "rate", "Audio: lo-fi low-pass", "share of tracks low-passed"),
    ("lowpass_hz", "pair", "Low-pass cut-off (Hz)", "range of the low-pass cut-off, Hz"),
    ("lyrics_truncate_rate", "rate", "Lyrics: truncated", "share of sung tracks with cut lyrics"),
    ("lyrics_garble_rate", "rate", "Lyrics: garbled", "share of sung tracks with garbled lyrics"),
    ("lyrics_missing_rate", "rate", "Lyrics: missing file",
     "share of sung tracks without a lyrics file"),
    ("theme_share", "rate", "Theme share", "v2: share of content words from the genre's themes "
     "(the rest from a pool every genre shares)"),
    ("lyric_words", "pair", "Lyric length (words)", "v2: range of a song's word count, words, "
     "the same for every genre"),
    ("instrumental_rate", "rate", "Instrumental versions",
     "v2: share of each vocal genre's tracks made without voice and lyrics"),
    ("gain_db", "pair", "Mastering gain (dB)",
     "v2: range of the per-track gain added to the genre's level, dB"),
    ("garble_strength", "pair", "Garble strength",
     "v2: range of the share of words a garbled lyric alters"),
    ("truncate_keep", "pair", "Truncation keeps",
     "v2: range of the share of words a truncated lyric keeps"),
    ("languages", "names", "Languages",
     f"v2: comma-separated lyric languages from {', '.join(LANGUAGES)}, spread evenly per genre"),
)

#: One spec per SynthConfig field, in a readable order.
FIELD_SPECS: tuple[FieldSpec, ...] = tuple(FieldSpec(*s) for s in _SPECS)
assert {s.name for s in FIELD_SPECS} == {f.name for f in fields(SynthConfig)}, \
    "every SynthConfig field needs a FieldSpec"


def parse_version(text) -> int:
    """``"v1"``, ``"1"`` or ``1`` -> 1 (ParameterError naming the input otherwise)."""
    s = str(text).strip().lower().lstrip("v")
    if s.isdigit() and int(s) in GENERATOR_VERSIONS:
        return int(s)
    raise ParameterError(f"The 'generator' parameter must be one of "
                         f"{', '.join('v%d' % v for v in GENERATOR_VERSIONS)}. Got {text!r} instead.")


def parse_names(name: str, text: str) -> tuple:
    """Comma-separated names -> tuple (blank items dropped)."""
    items = tuple(x.strip() for x in str(text).split(",") if x.strip())
    if not items:
        raise ParameterError(f"The '{name}' parameter must name at least one item. "
                             f"Got {text!r} instead.")
    return items


def config_from_values(values: dict, degrade=None) -> SynthConfig:
    """A SynthConfig from parsed flag values (``None`` = default), optionally with ``degrade``
    (share of tracks degraded per modality, :meth:`SynthConfig.with_degrade`) applied first;
    explicit per-kind rates in ``values`` override it."""
    kw = {k: v for k, v in values.items() if v is not None}
    if degrade is None:
        return SynthConfig(**kw)
    rates = {s.name for s in FIELD_SPECS if s.kind == "rate" and s.name.endswith("_rate")
             and s.name != "instrumental_rate"}
    base = SynthConfig(**{k: v for k, v in kw.items() if k not in rates})
    return SynthConfig(**{**base.with_degrade(degrade).to_dict(), "version": base.version,
                          **{k: v for k, v in kw.items() if k in rates}})


def add_synth_flags(p: argparse.ArgumentParser) -> None:
    """One flag per SynthConfig field (``--generator`` for its version) and ``--degrade``, in an
    argument group; every default is None (= the config's default, shown in the help)."""
    default = SynthConfig()
    g = p.add_argument_group("generator settings (default: the built-in set's)")
    for spec in FIELD_SPECS:
        value = getattr(default, spec.name)
        shown = ",".join(value) if spec.kind == "names" else \
            f"{value[0]:g} {value[1]:g}" if spec.kind == "pair" else \
            f"v{DEFAULT_VERSION}" if spec.kind == "version" else f"{value:g}"
        kw = dict(dest=spec.name, default=None, help=f"{spec.help} (default {shown})")
        if spec.kind == "pair":
            kw.update(nargs=2, type=float, metavar=("LOW", "HIGH"))
        elif spec.kind == "int":
            kw.update(type=int)
        elif spec.kind in ("float", "rate"):
            kw.update(type=float)
        elif spec.kind == "version":
            kw.update(choices=["v1", "v2"])
        g.add_argument(spec.flag, **kw)
    g.add_argument("--degrade", type=float, default=None, metavar="SHARE",
                   help="share of tracks degraded per modality (0..1), split evenly over the "
                        "kinds (audio rates SHARE/4, lyrics rates SHARE/3); explicit --*-rate "
                        "flags override it")


def config_from_args(args: argparse.Namespace) -> SynthConfig:
    """The SynthConfig the flags of :func:`add_synth_flags` describe (ParameterError naming a
    bad value)."""
    values = {}
    for spec in FIELD_SPECS:
        value = getattr(args, spec.name, None)
        if value is None:
            continue
        if spec.kind == "names":
            value = parse_names(spec.name, value)
        elif spec.kind == "version":
            value = parse_version(value)
        elif spec.kind == "pair":
            value = tuple(value)
        values[spec.name] = value
    return config_from_values(values, degrade=getattr(args, "degrade", None))
