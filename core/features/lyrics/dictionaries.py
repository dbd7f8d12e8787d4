"""Bilingual word maps (German, Spanish, French, Portuguese, Italian -> English) read from the FreeDict
dictionaries that Debian ships, for glossing lyrics into English: each language's dictionary into English
(``dict-freedict-deu-eng`` ...) and, inverted, the one from English (``dict-freedict-eng-deu`` ...), which
fills words the first lacks (the Spanish and Italian dictionaries into English hold only 4,000 and 3,300
headwords; ``they -> ellos, ellas`` in the English-Spanish one gives ``ellos -> they``) and confirms
senses: of a headword's kept translations, those that the dictionary from English gives back (``sword ->
Schwert``, so ``Schwert -> sword`` is confirmed, ``Schwert -> blade`` is not) are kept alone when there is one.

The files are dictd databases in :data:`DICT_DIR` (``/usr/share/dictd``, or ``$WORKBENCH_DICT_DIR``):
``freedict-<xxx>-eng.index`` holds ``headword<TAB>offset<TAB>length`` (offset and length in dictd's
base-64 digits, bytes into the uncompressed text) and ``freedict-<xxx>-eng.dict.dz`` the entries,
dictzip-compressed (gzip-compatible). An entry is a header line (headword, IPA, part of speech) followed
by translation lines (``1. please`` / ``appreciate, like``); indented lines are notes, examples,
synonyms and cross references and are skipped.

Parsing the German dictionary (95 MB of text, 519,000 index lines) takes several seconds, so the parsed
word map is stored once as JSON under ``<cache dir>/dictionaries/`` (written atomically, named by the
files' digest) and read from there afterwards (well under a second); in memory it is kept per process.
A missing dictionary is not an error: :func:`word_map` returns None and the caller embeds that
language's lyrics untranslated and says so.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import os
import re
from pathlib import Path
from typing import Optional

from core.features.cache import atomic_write_bytes
from core.paths import cache_dir

#: ISO 639-1 code -> FreeDict's three-letter code of the dictionary into English.
FREEDICT_CODES = {"de": "deu", "es": "spa", "fr": "fra", "pt": "por", "it": "ita"}
#: Debian packages of each language's dictionaries (into English, from English).
PACKAGES = {lang: f"dict-freedict-{code}-eng dict-freedict-eng-{code}" for lang, code in FREEDICT_CODES.items()}
#: Translations kept per headword, in dictionary order.
MAX_SENSES = 3
#: Version of the parsing below; part of the stored map's name and of :func:`identity`.
PARSE_VERSION = "freedict-parse-4"  # 4: senses confirmed by the reverse dictionary

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_NUMBERED = re.compile(r"^\d+\.\s*")
_TAGS = re.compile(r"<[^>]*>")
_PARENS = re.compile(r"\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")
_SEP = re.compile(r"[,;]")
_NOISE = re.compile(r"\b(?:sb|sth|so|etw|jdn|jdm)\.|\u2026|\.\.\.")
_HEADWORD = re.compile(r"^[^\W\d_]+(?:['\u2019-][^\W\d_]+)*$")


def dict_dir() -> Path:
    """Folder of the dictd files: ``$WORKBENCH_DICT_DIR`` or ``/usr/share/dictd``."""
    return Path(os.environ.get("WORKBENCH_DICT_DIR", "/usr/share/dictd"))


def _pair(name: str) -> Optional[tuple]:
    index, data = dict_dir() / f"{name}.index", dict_dir() / f"{name}.dict.dz"
    return (index, data) if index.is_file() and data.is_file() else None


def dict_files(lang: str) -> Optional[tuple]:
    """``(index_path, dict_path)`` of ``lang``'s dictionary into English, or None when not installed."""
    code = FREEDICT_CODES.get(lang)
    return None if code is None else _pair(f"freedict-{code}-eng")


def reverse_files(lang: str) -> Optional[tuple]:
    """``(index_path, dict_path)`` of the English -> ``lang`` dictionary, or None when not installed."""
    code = FREEDICT_CODES.get(lang)
    return None if code is None else _pair(f"freedict-eng-{code}")


def available() -> tuple:
    """Language codes (sorted) whose dictionary is installed."""
    return tuple(sorted(lang for lang in FREEDICT_CODES if dict_files(lang) is not None))


@functools.lru_cache(maxsize=None)
def _digest(index: str, data: str, size_mtime: tuple) -> str:
    h = hashlib.blake2b(digest_size=8)
    h.update(PARSE_VERSION.encode())
    for path in (index, data):
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def file_digest(lang: str) -> Optional[str]:
    """16-hex-digit digest of ``lang``'s dictionary files (into English; from English when installed) and
    :data:`PARSE_VERSION`; None when the dictionary into English is absent. Memoised per process on the
    files' sizes and modification times."""
    files = dict_files(lang)
    if files is None:
        return None
    out = []
    for pair in (files, reverse_files(lang)):
        if pair is not None:
            stats = tuple((os.stat(p).st_size, os.stat(p).st_mtime_ns) for p in pair)
            out.append(_digest(str(pair[0]), str(pair[1]), stats))
    return out[0] if len(out) == 1 else hashlib.blake2b("+".join(out).encode(), digest_size=8).hexdigest()


def identity() -> str:
    """Which dictionaries are installed and their content, as one string for cache keys:
    ``"de:<digest>,es:<digest>,..."`` over every language of :data:`FREEDICT_CODES` (``-`` for absent)."""
    return ",".join(f"{lang}:{file_digest(lang) or '-'}" for lang in sorted(FREEDICT_CODES))


def _number(s: str) -> int:
    v = 0
    for ch in s:
        v = v * 64 + _B64[ch]
    return v


def _translations(entry: str) -> list:
    """English translations of one dictd entry, in order (first sense first)."""
    out = []
    for line in entry.split("\n")[1:]:
        if not line.strip() or line[0].isspace():
            continue  # notes, examples, synonyms, "see:" references
        line = _NOISE.sub(" ", _PARENS.sub(" ", _TAGS.sub(" ", _NUMBERED.sub("", line.strip()))))
        for item in _SEP.split(line):
            item = " ".join(item.split()).lower()
            if item.startswith("to "):
                item = item[3:]
            if item and item not in out:
                out.append(item)
    return out


def parse(index_path, dict_path, max_senses: int = MAX_SENSES) -> dict:
    """Parse one dictd database into ``{headword: [translation, ...]}``.

    Only one-word headwords are kept (lyrics are glossed word by word), lower-cased. A headword's
    translations are ranked by how many of its entries give them (a word with many entries, as in the
    German dictionary, has its common sense in several), then by file order; entries of an all-capitals
    headword (an abbreviation: ``DEM``, Deutsche Mark, under ``dem``) come after the others. Each keeps up
    to ``max_senses`` translations.
    """
    text = gzip.open(dict_path, "rb").read()
    found: dict = {}
    with open(index_path, encoding="utf-8") as fh:
        for order, line in enumerate(fh):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00database"):
                continue
            head = parts[0].strip().lower()
            if not _HEADWORD.match(head):
                continue
            off, length = _number(parts[1]), _number(parts[2])
            entry = text[off:off + length].decode("utf-8", "replace")
            first = entry.split(" /", 1)[0].split("\n", 1)[0].strip()
            abbrev = len(first) > 1 and first.isupper()
            ranks = found.setdefault(head, {})
            for pos, t in enumerate(_translations(entry)):
                count, rank = ranks.get(t, (0, (abbrev, order, pos)))
                ranks[t] = (count + (0 if abbrev else 1), min(rank, (abbrev, order, pos)))
    out = {}
    for head, ranks in found.items():
        if ranks:
            ordered = sorted(ranks, key=lambda t: (ranks[t][1][0], -ranks[t][0], ranks[t][1]))
            out[head] = ordered[:max_senses]
    return out


def confirm_senses(words: dict, inverted: dict) -> dict:
    """``words`` (foreign headword -> English senses) with each headword's senses cut to those that
    ``inverted`` (English headword -> foreign translations, the dictionary from English) gives back, in
    their order; a headword none of whose senses is given back keeps them all.

    Chosen on generator seed 0 (README "Lyrics in other languages"): ``Hölle -> hell, inferno, shitstorm``
    becomes ``hell, inferno``, ``Schwert -> sword, blade`` becomes ``sword``, ``der -> the, that, who`` stays (no
    sense confirmed); the word TF-IDF level gained most.
    """
    pairs = {(f, en) for en, foreign in inverted.items() for f in foreign}
    out = {}
    for head, senses in words.items():
        kept = [s for s in senses if (head, s) in pairs]
        out[head] = kept or senses
    return out


def _store_path(lang: str, digest: str) -> Path:
    return cache_dir() / "dictionaries" / f"freedict-{lang}-eng-{digest}.json"


@functools.lru_cache(maxsize=None)
def _load(lang: str, digest: str) -> dict:
    path = _store_path(lang, digest)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass  # absent or damaged: parse again
    words = parse(*dict_files(lang))
    rev = reverse_files(lang)
    if rev is not None:  # English -> lang, inverted: confirms senses and fills the headwords the first lacks
        inverted = parse(*rev, max_senses=1000)
        words = confirm_senses(words, inverted)
        for en, foreign in inverted.items():
            for f in foreign:
                if _HEADWORD.match(f) and f not in words:
                    words[f] = [en]
    atomic_write_bytes(path, json.dumps(words, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return words


def word_map(lang: str) -> Optional[dict]:
    """``{word: [English translation, ...]}`` for ``lang`` (ISO 639-1), or None when its dictionary is not
    installed (or the language has none). Parsed once and stored on disk; kept in memory per process."""
    digest = file_digest(lang)
    if digest is None:
        return None
    return _load(lang, digest)
