"""Machine translation of Spanish lyrics into English with Apertium (opt-in gloss engine).

The dictionary gloss (:mod:`core.features.lyrics.gloss`) replaces each word by its FreeDict senses; the small
FreeDict Spanish dictionaries lack many theme words (soledad, lucha, rebelde: 77 % of the Spanish word tokens
of generator seed 0 were found). Apertium is a rule-based machine-translation engine that Debian ships with an
English-Spanish pair (``apt-get install apertium-eng-spa``: 0.8.1, about 16 MB installed with the engine);
its ``spa-eng`` mode translates whole sentences (morphology, word order, multi-word units). Only Spanish has a
pair among the languages the gloss handles: Debian has no English pair for German, French, Portuguese or
Italian, which keep the dictionary gloss.

All lyrics of one language go through one ``apertium`` process: they are joined with a separator line
(``||| <index> |||``, which Apertium passes through untouched) and split again; the lines and blank lines of a
lyric are kept. Apertium marks a word it does not know with ``*`` (and ``#``/``@`` for incomplete
translations): the marks are counted (the share of known words) and removed, the word is kept as written.
Translations are memoised per process (the extraction asks twice: cache keys, then features).

Speed (synthetic lyrics of about 140 words, 2 shared cores): 200 lyrics in 0.9 s on a quiet machine (about 240
lyrics a second after 0.2 s to start Apertium's pipeline of processes); 50 lyrics in about 1 s at load 2.

``WORKBENCH_APERTIUM`` names the executable (default ``apertium`` on the PATH).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from typing import Sequence

#: Language code (py3langid) -> Apertium mode translating it into English.
MODES = {"es": "spa-eng"}
#: Debian package of each mode.
PACKAGES = {"spa-eng": "apertium-eng-spa"}

_SEP = "||| {} |||"
_SEP_LINE = re.compile(r"^\|\|\| (\d+) \|\|\|$", re.M)
#: Apertium's marks: * unknown word, # no generated form, @ no transfer entry (before a word).
_MARK = re.compile(r"(?<![^\s\W])[*#@](?=\w)")
_UNKNOWN = re.compile(r"(?<![^\s\W])\*(?=\w)")
_WORD = re.compile(r"\w+")
_MEMO: dict = {}
#: The memo is emptied when it would hold more translations than this (a long-running app sees many sets).
MEMO_LIMIT = 20_000


class ApertiumError(RuntimeError):
    """Apertium could not translate (not installed, mode missing, process failed); the message says what."""


def executable() -> str:
    """The apertium command (``WORKBENCH_APERTIUM`` or ``apertium``)."""
    return os.environ.get("WORKBENCH_APERTIUM", "apertium")


@functools.lru_cache(maxsize=8)
def _modes(exe: str) -> tuple:
    path = shutil.which(exe)
    if path is None:
        return ()
    try:
        out = subprocess.run([path, "-l"], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(sorted(line.strip() for line in out.splitlines() if line.strip()))


def available_modes() -> tuple:
    """The installed Apertium modes (e.g. ``("eng-spa", "spa-eng", ...)``); empty without Apertium."""
    return _modes(executable())


def missing_reason(lang: str) -> str:
    """"" when ``lang`` can be translated, otherwise why not, with the command that fixes it."""
    mode = MODES.get(lang)
    if mode is None:
        return f"Apertium has no English pair for {lang} in Debian"
    if shutil.which(executable()) is None:
        return (f"Apertium is not installed (command '{executable()}' not found; as root: "
                f"apt-get install {PACKAGES[mode]})")
    if mode not in available_modes():
        return f"the Apertium mode {mode} is not installed (as root: apt-get install {PACKAGES[mode]})"
    return ""


def identity() -> str:
    """What identifies the translations, for cache keys: the installed pairs' Debian versions (or "missing")."""
    return _identity(executable())


@functools.lru_cache(maxsize=8)
def _identity(exe: str) -> str:
    parts = []
    for mode, pkg in sorted(PACKAGES.items()):
        version = "missing"
        if mode in _modes(exe):
            try:
                version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", pkg], capture_output=True,
                                         text=True, timeout=30).stdout.strip() or "installed"
            except (OSError, subprocess.SubprocessError):
                version = "installed"
        parts.append(f"{mode}={version}")
    return ",".join(parts)


def _clean(text: str) -> tuple:
    """Apertium's output for one lyric without its marks; (text, known words, words)."""
    total = len(_WORD.findall(text))
    unknown = len(_UNKNOWN.findall(text))
    return _MARK.sub("", text).strip(), total - unknown, total


def translate(texts: Sequence[str], lang: str, timeout_per_text: float = 5.0) -> list:
    """Translate lyrics in ``lang`` into English, all in one Apertium call.

    Parameters
    ----------
    texts : list of str
        Lyrics, all in ``lang`` (a line that looks like the separator is blanked first).
    lang : str
        ISO 639-1 code with a mode in :data:`MODES`.
    timeout_per_text : float
        Seconds allowed per lyric (plus 60 s to start), after which the call fails.

    Returns
    -------
    list of (str, int, int)
        Per lyric: the English text (lines kept), words Apertium knew, words in all.

    Raises
    ------
    ApertiumError
        Apertium or the mode is missing, the process failed, or the output could not be split back.
    """
    reason = missing_reason(lang)
    if reason:
        raise ApertiumError(reason)
    mode = MODES[lang]
    todo = [t for t in dict.fromkeys(texts) if (mode, t) not in _MEMO]
    if todo:
        if len(_MEMO) + len(todo) > MEMO_LIMIT:  # start afresh: every lyric of this call is translated now
            _MEMO.clear()
            todo = list(dict.fromkeys(texts))
        joined = "\n".join(f"{_SEP_LINE.sub('', t)}\n{_SEP.format(i)}" for i, t in enumerate(todo)) + "\n"
        try:
            proc = subprocess.run([shutil.which(executable()), "-f", "txt", mode], input=joined, capture_output=True,
                                  text=True, timeout=60 + timeout_per_text * len(todo))
        except (OSError, subprocess.SubprocessError) as exc:
            raise ApertiumError(f"apertium {mode} failed: {exc}") from None
        if proc.returncode != 0:
            raise ApertiumError(f"apertium {mode} exited with {proc.returncode}: {proc.stderr.strip()[:200]}")
        pieces = _SEP_LINE.split(proc.stdout)
        indices = [int(x) for x in pieces[1::2]]
        if indices != list(range(len(todo))):
            raise ApertiumError(f"apertium {mode}: the output could not be split back into {len(todo)} lyrics "
                                f"({len(indices)} separators came back)")
        done = {t: _clean(out) for t, out in zip(todo, pieces[0::2])}
        _MEMO.update({(mode, t): v for t, v in done.items()})
    else:
        done = {}
    return [done[t] if t in done else _MEMO[(mode, t)] for t in texts]
