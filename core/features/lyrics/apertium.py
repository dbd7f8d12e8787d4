"""Machine translation of Spanish lyrics into English with Apertium (opt-in gloss engine), and pivot chains for
French and Portuguese (measured, off by default).

The dictionary gloss (:mod:`core.features.lyrics.gloss`) replaces each word by its FreeDict senses; the small
FreeDict Spanish dictionaries lack many theme words (soledad, lucha, rebelde: 77 % of the Spanish word tokens
of generator seed 0 were found). Apertium is a rule-based machine-translation engine that Debian ships with an
English-Spanish pair (``apt-get install apertium-eng-spa``: 0.8.1, about 16 MB installed with the engine);
its ``spa-eng`` mode translates whole sentences (morphology, word order, multi-word units).

Debian has no Apertium pair from French or Portuguese into English, but it has pairs into Spanish and Catalan,
which have English pairs: French and Portuguese can go through a **pivot**, two modes one after the other
(:data:`PIVOTS` lists both pivots; :data:`PIVOT_CHAINS` is the map the fourth attempt at issue 16's gap chose on
development seeds 0, 13-18: French through Spanish, Portuguese through Catalan). On the synthetic five-language
sets the pivots did worse than the FreeDict gloss of those two languages, on the development seeds and on fresh
seeds 26-28 (``docs/experiments/multilingual-block-4/results.md``), so :data:`CHAINS`, what the engine uses, holds
Spanish only; ``WORKBENCH_APERTIUM_CHAINS`` (below) turns the pivots on. German and Italian have no chain and keep
the dictionary gloss.

All lyrics of one language go through one ``apertium`` process per stage: they are joined with a separator line
(``||| <index> |||``, which Apertium passes through untouched) and split again; the lines and blank lines of a
lyric are kept (a word may move across a line break when a stage reorders words). Apertium marks a word it does
not know with ``*`` (and ``#``/``@`` for incomplete translations). Between stages the ``#``/``@`` marks are
removed and ``*`` is kept, so a word the first stage did not know reaches the end still marked (the second
stage adds its own ``*``: ``**mot``, counted once). At the end the marks are counted (the share of known words)
and removed; the word is kept as written. Translations are memoised per process (the extraction asks twice:
cache keys, then features).

Speed (synthetic lyrics of about 140 words, 2 shared cores): 200 lyrics in 0.9 s on a quiet machine (about 240
lyrics a second after 0.2 s to start Apertium's pipeline of processes) for one stage; a pivot costs a second
stage.

``WORKBENCH_APERTIUM`` names the executable (default ``apertium`` on the PATH). ``WORKBENCH_APERTIUM_CHAINS``
replaces :data:`CHAINS` (:data:`PIVOT_CHAINS` turns the pivots on: ``es=spa-eng;fr=fr-es+spa-eng;pt=por-cat+cat-eng``;
the pairs are ``apertium-fr-es``, ``apertium-por-cat`` and ``apertium-eng-cat``, which ``make install-test``
installs); the chains in effect are part of :func:`identity`, so of the cache keys (the default map gives the
identity the Spanish-only engine always had).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from typing import Sequence

#: Apertium modes that take each language (py3langid code) into English, in order: one process per stage.
CHAINS = {"es": ("spa-eng",)}
#: The pivots Debian allows for the languages without an English pair (through Spanish or Catalan).
PIVOTS = {"fr": {"spa": ("fr-es", "spa-eng"), "cat": ("fra-cat", "cat-eng")},
          "pt": {"spa": ("pt-es", "spa-eng"), "cat": ("por-cat", "cat-eng")}}
#: ``WORKBENCH_APERTIUM_CHAINS`` value of the fourth attempt's candidate (pivots chosen on the development seeds).
PIVOT_CHAINS = "es=spa-eng;fr=fr-es+spa-eng;pt=por-cat+cat-eng"
#: Debian package of each mode.
PACKAGES = {"spa-eng": "apertium-eng-spa", "fr-es": "apertium-fr-es", "pt-es": "apertium-es-pt",
            "fra-cat": "apertium-fra-cat", "por-cat": "apertium-por-cat", "cat-eng": "apertium-eng-cat"}

_SEP = "||| {} |||"
_SEP_LINE = re.compile(r"^\|\|\| (\d+) \|\|\|$", re.M)
#: Apertium's marks before a word (* unknown word, # no generated form, @ no transfer entry), stacked by a chain.
_MARKS = re.compile(r"(?<![^\s\W])([*#@]+)(?=\w)")
#: The marks a later stage does not need (the word was translated, imperfectly): removed between stages.
_MINOR = re.compile(r"(?<![^\s\W])[#@]+(?=\w)")
_WORD = re.compile(r"\w+")
_MEMO: dict = {}
#: The memo is emptied when it would hold more translations than this (a long-running app sees many sets).
MEMO_LIMIT = 20_000


class ApertiumError(RuntimeError):
    """Apertium could not translate (not installed, mode missing, process failed); the message says what."""


def executable() -> str:
    """The apertium command (``WORKBENCH_APERTIUM`` or ``apertium``)."""
    return os.environ.get("WORKBENCH_APERTIUM", "apertium")


def chains() -> dict:
    """Language -> tuple of modes in effect: :data:`CHAINS`, or ``WORKBENCH_APERTIUM_CHAINS`` when set
    (``"es=spa-eng;fr=fr-es+spa-eng"``: the whole map, for experiments)."""
    spec = os.environ.get("WORKBENCH_APERTIUM_CHAINS", "").strip()
    if not spec:
        return dict(CHAINS)
    out = {}
    for part in spec.split(";"):
        lang, _, modes = part.partition("=")
        if not lang.strip() or not modes.strip():
            raise ApertiumError(f"WORKBENCH_APERTIUM_CHAINS: '{part}' is not lang=mode+mode")
        out[lang.strip()] = tuple(m.strip() for m in modes.split("+"))
    return out


def packages(lang: str) -> tuple:
    """The Debian packages the chain of ``lang`` needs (empty when it has no chain)."""
    return tuple(dict.fromkeys(PACKAGES.get(m, f"apertium pair for {m}") for m in chains().get(lang, ())))


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
    chain = chains().get(lang)
    if not chain:
        return f"Apertium has no English pair or pivot for {lang} in Debian"
    if shutil.which(executable()) is None:
        return (f"Apertium is not installed (command '{executable()}' not found; as root: "
                f"apt-get install {' '.join(packages(lang))})")
    missing = [m for m in chain if m not in available_modes()]
    if missing:
        pkgs = " ".join(dict.fromkeys(PACKAGES.get(m, f"apertium pair for {m}") for m in missing))
        return (f"the Apertium mode{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                f"{'are' if len(missing) > 1 else 'is'} not installed (as root: apt-get install {pkgs})")
    return ""


def route(lang: str) -> str:
    """The chain of ``lang`` as written in reports and meta: ``"fr-es>spa-eng"`` ("" without one)."""
    return ">".join(chains().get(lang, ()))


def identity() -> str:
    """What identifies the translations, for cache keys: the modes of the chains in effect with their Debian
    versions (or "missing"), and the chains with more than one stage (``"es=spa-eng"`` alone gives the
    identity of the Spanish-only engine of before, ``"spa-eng=<version>"``)."""
    return _identity(executable(), tuple(sorted(chains().items())))


@functools.lru_cache(maxsize=16)
def _identity(exe: str, in_effect: tuple) -> str:
    parts = []
    for mode in sorted({m for _, chain in in_effect for m in chain}):
        version = "missing"
        if mode in _modes(exe):
            try:
                version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", PACKAGES.get(mode, mode)],
                                         capture_output=True, text=True, timeout=30).stdout.strip() or "installed"
            except (OSError, subprocess.SubprocessError):
                version = "installed"
        parts.append(f"{mode}={version}")
    pivots = [f"{lang}={'>'.join(chain)}" for lang, chain in in_effect if len(chain) > 1]
    return ",".join(parts) + (";" + ",".join(pivots) if pivots else "")


def _clean(text: str) -> tuple:
    """Apertium's output for one lyric without its marks; (text, known words, words). A run of marks before a
    word (``**mot`` after two stages) counts once, as unknown when it holds a ``*``."""
    total = len(_WORD.findall(text))
    unknown = sum("*" in m for m in _MARKS.findall(text))
    return _MARKS.sub("", text).strip(), total - unknown, total


def _stage(joined: str, mode: str, n: int, timeout: float) -> str:
    """One Apertium process over the joined lyrics; its output, checked to split back into ``n`` lyrics."""
    try:
        proc = subprocess.run([shutil.which(executable()), "-f", "txt", mode], input=joined, capture_output=True,
                              text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError) as exc:
        raise ApertiumError(f"apertium {mode} failed: {exc}") from None
    if proc.returncode != 0:
        raise ApertiumError(f"apertium {mode} exited with {proc.returncode}: {proc.stderr.strip()[:200]}")
    indices = [int(x) for x in _SEP_LINE.findall(proc.stdout)]
    if indices != list(range(n)):
        raise ApertiumError(f"apertium {mode}: the output could not be split back into {n} lyrics "
                            f"({len(indices)} separators came back)")
    return proc.stdout


def translate(texts: Sequence[str], lang: str, timeout_per_text: float = 5.0) -> list:
    """Translate lyrics in ``lang`` into English, through the modes of its chain, one Apertium call a stage.

    Parameters
    ----------
    texts : list of str
        Lyrics, all in ``lang`` (a line that looks like the separator is blanked first).
    lang : str
        ISO 639-1 code with a chain in :func:`chains`.
    timeout_per_text : float
        Seconds allowed per lyric and stage (plus 60 s to start), after which the call fails.

    Returns
    -------
    list of (str, int, int)
        Per lyric: the English text (lines kept), words no stage marked unknown, words in all (of the English).

    Raises
    ------
    ApertiumError
        Apertium or a mode is missing, a process failed, or the output could not be split back.
    """
    reason = missing_reason(lang)
    if reason:
        raise ApertiumError(reason)
    chain = chains()[lang]
    memo_key = chain[0] if len(chain) == 1 else chain
    todo = [t for t in dict.fromkeys(texts) if (memo_key, t) not in _MEMO]
    if todo:
        if len(_MEMO) + len(todo) > MEMO_LIMIT:  # start afresh: every lyric of this call is translated now
            _MEMO.clear()
            todo = list(dict.fromkeys(texts))
        joined = "\n".join(f"{_SEP_LINE.sub('', t)}\n{_SEP.format(i)}" for i, t in enumerate(todo)) + "\n"
        for k, mode in enumerate(chain):
            if k:
                joined = _MINOR.sub("", joined)
            joined = _stage(joined, mode, len(todo), 60 + timeout_per_text * len(todo))
        pieces = _SEP_LINE.split(joined)
        done = {t: _clean(out) for t, out in zip(todo, pieces[0::2])}
        _MEMO.update({(memo_key, t): v for t, v in done.items()})
    else:
        done = {}
    return [done[t] if t in done else _MEMO[(memo_key, t)] for t in texts]
