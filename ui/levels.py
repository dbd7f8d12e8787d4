"""Which audio and lyrics levels the app clusters on, and the learned level's model: one choice per session.

The lyrics levels (``lyrics_levels`` in the session, ``lyrics`` in the URL; :func:`current_lyrics_levels`)
only restrict what fusion and clustering see: every lyrics level is always extracted, so changing them
extracts nothing (``ui.cached`` keys the prepared state and the loop by them too).

The choice lives in ``st.session_state`` (``audio_levels``: a list of level names, ``learned_model``,
``learned_layer``; filled from the URL's ``levels``, ``model`` and ``layer`` by :func:`ui.state.init_state`), set
on the Dataset page (:func:`levels_picker`) and read by every page through :func:`current_levels` (``ui.cached``
keys the features, the prepared state and the loop by it). Changing it extracts only what the cache lacks:
with the hand-crafted levels cached, turning "learned" on, or switching its model or layer, computes the learned
level alone, and turning it off again extracts nothing (:mod:`core.features.learned_parts`).
"""

from __future__ import annotations

import streamlit as st

from core.features.audio import AUDIO_LEVELS, LEARNED_LAYERS, LEARNED_MODELS
from core.features.levels import DEFAULT_AUDIO_LEVELS, DEFAULT_LEARNED_MODEL, DEFAULT_LYRICS_LEVELS
from core.features.lyrics.config import GLOSS_ENGINES

#: What each level holds, for the picker's help text.
LEVEL_HELP = {"low": "timbre: MFCC, spectral shape", "mid": "harmony and rhythm: chroma, tonnetz, tempo",
              "high": "dynamics and texture: RMS, HPSS balance, silence, clipping",
              "learned": "musicnn tag probabilities and embeddings (a pretrained tagger; about 2x the "
                         "extraction time; on four real-music sets it alone gave 0.96-1.09x the NMI of the three "
                         "other levels together (1.01-1.21x with both layers), and adding it to them gained "
                         "0.01-0.06, about the spread over seeds: README, Learned audio level)"}

#: What the learned level's layer box offers, in words (the columns each gives, the 50 tags included).
LAYER_CHOICE_LABELS = {"penultimate": "penultimate (450 columns)", "midend": "mid-end (3,062 columns)",
                       "both": "both (3,462 columns)"}
LAYER_HELP = ("Which layer of musicnn the learned level reads. Penultimate (the default): the 200-d tag-trained "
              "layer (mean and max over 3 s patches) and the 50 tags, 450 columns; mid-end: the 753-d stack before "
              "the tag-trained back end (max and mean over time, mean and max over patches) and the tags, 3,062; "
              "both: 3,462. Alone, the learned level with both clustered three real-music sets better (NMI 0.53 / "
              "0.48 / 0.54 against 0.47 / 0.46 / 0.49), not with the hand-crafted levels: the default stays "
              "penultimate (README, Learned audio level). Changing it computes only the learned block.")

#: The lyrics levels the app offers (the character block needs ``--char-ngrams`` on the command line), and what
#: each holds. "multilingual" is extracted when chosen (the others always are).
APP_LYRICS_LEVELS = ("semantic", "lexical", "multilingual", "stylistic")
LYRICS_LEVEL_HELP = {"semantic": "384-d sentence embedding (MiniLM, English; other languages glossed word by word)",
                     "lexical": "32-d word TF-IDF + SVD",
                     "multilingual": "512-d sentence embedding of the lyric as written (Universal Sentence Encoder "
                                     "multilingual, 16 languages; extracted when chosen, about 0.1 s a lyric)",
                     "stylistic": "5 numbers: word count, words per second, type-token ratio, line repetition, "
                                  "rhyme density"}


def current_levels() -> tuple:
    """``(levels in canonical order, learned model, learned layer)``; the defaults when nothing (or nothing valid)
    is chosen."""
    s = st.session_state
    chosen = s.get("audio_levels") or DEFAULT_AUDIO_LEVELS
    levels = tuple(lv for lv in AUDIO_LEVELS if lv in chosen) or DEFAULT_AUDIO_LEVELS
    model, layer = s.get("learned_model", DEFAULT_LEARNED_MODEL), s.get("learned_layer", LEARNED_LAYERS[0])
    return (levels, model if model in LEARNED_MODELS else DEFAULT_LEARNED_MODEL,
            layer if layer in LEARNED_LAYERS else LEARNED_LAYERS[0])


def current_lyrics_levels() -> tuple:
    """The lyrics levels in canonical order; the defaults when nothing (or nothing valid) is chosen."""
    chosen = st.session_state.get("lyrics_levels") or DEFAULT_LYRICS_LEVELS
    return tuple(lv for lv in APP_LYRICS_LEVELS if lv in chosen) or DEFAULT_LYRICS_LEVELS


#: How the picker names each way of turning Spanish lyrics into English (:data:`GLOSS_ENGINES`).
GLOSS_ENGINE_LABELS = {"dictionary": "word by word (dictionary)", "apertium": "machine translation (Apertium)"}


def current_gloss_engine() -> str:
    """How Spanish lyrics become English for the semantic level ("dictionary" when nothing valid is chosen)."""
    engine = st.session_state.get("gloss_engine", "dictionary")
    return engine if engine in GLOSS_ENGINES else "dictionary"


def levels_picker() -> None:
    """The Dataset page's choice of audio levels, learned model and layer (the layer only while "learned" is
    chosen), and lyrics levels."""
    left, right = st.columns([3, 2])
    left.multiselect("Audio levels", list(AUDIO_LEVELS), key="audio_levels",
                     help="What the audio side of the fusion is made of: " + "; ".join(
                         f"{k}: {v}" for k, v in LEVEL_HELP.items()) + ". Changing it extracts only what the "
                     "cache lacks, and every page then clusters on the chosen levels.")
    right.selectbox("Learned model", list(LEARNED_MODELS), key="learned_model",
                    disabled="learned" not in (st.session_state.get("audio_levels") or ()),
                    help="musicnn trained on MagnaTagATune (MTT: 50 tags incl. vocal / no vocals) or on the "
                         "Million Song Dataset (MSD: 50 genre and mood tags).")
    if "learned" in (st.session_state.get("audio_levels") or ()):
        right.selectbox("Learned layer", list(LEARNED_LAYERS), key="learned_layer",
                        format_func=LAYER_CHOICE_LABELS.get, help=LAYER_HELP)
    if not st.session_state.get("audio_levels"):
        st.warning("No audio level chosen: using " + ", ".join(DEFAULT_AUDIO_LEVELS) + " until you pick one.")
    left, right = st.columns([3, 2])
    left.multiselect("Lyrics levels", list(APP_LYRICS_LEVELS), key="lyrics_levels",
                   help="What the lyrics side of the fusion is made of: " + "; ".join(
                       f"{k}: {v}" for k, v in LYRICS_LEVEL_HELP.items()) + ". Each level weighs the same whatever "
                   "its width. Every level but multilingual is always extracted (multilingual is extracted once, when "
                   "chosen); the choice changes what the pages cluster. The "
                   "default (semantic alone) is the one the default rules were chosen on; the previous default "
                   "(all three) goes with the preset 'previous defaults (all lyrics blocks)' (README: Results).")
    right.selectbox("Spanish lyrics", list(GLOSS_ENGINES), key="gloss_engine", format_func=GLOSS_ENGINE_LABELS.get,
                    help="How Spanish lyrics become English for the semantic level (English MiniLM). Word by word: "
                         "each word looked up in the FreeDict dictionaries (German, French, Portuguese and Italian "
                         "always go this way). Machine translation: Apertium's Spanish-English pair translates "
                         "whole sentences; it knew 94-97 % of the words where the dictionary knew 76-79 %, and on a "
                         "hand-written lyric its English was closer to the original's (cosine 0.82 against 0.64). "
                         "On fresh five-language synthetic sets it gained +0.006 lyrics-only NMI (README, 'Lyrics in "
                         "other languages'). Changing it re-embeds the lyrics (seconds); no audio is "
                         "extracted again.")
    if not st.session_state.get("lyrics_levels"):
        st.warning("No lyrics level chosen: using " + ", ".join(DEFAULT_LYRICS_LEVELS) + " until you pick one.")
