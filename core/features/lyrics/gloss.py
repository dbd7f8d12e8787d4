"""Word-by-word English glosses of non-English lyrics, for the English sentence encoder.

The semantic block's model (all-MiniLM-L6-v2) was trained on English: a German or Spanish lyric comes
out of it as word pieces without their meaning, and a set that mixes languages clusters by language. A
dictionary gloss is the standard cross-lingual baseline: every word of a lyric whose language has a
FreeDict dictionary (:mod:`core.features.lyrics.dictionaries`) is replaced by its first English
translations (up to three senses, cut to those the dictionary from English confirms when it confirms
any: :func:`~core.features.lyrics.dictionaries.confirm_senses`), line by line, and the gloss is embedded
instead of the original (and read by the word TF-IDF level, so its vocabulary is English across languages). English lyrics, lyrics
in a language without a dictionary, and lyrics whose language is unknown are embedded as they are, so an
English-only set gives the very same features with glossing on or off.

Choices (made on generator seed 0, see README "Lyrics in other languages"): every kept sense of a word
is written (three senses beat one and two; of them, the confirmed ones alone beat all three, and one
sense only was worse again); a word not in the dictionary is tried without a common
inflection ending (:data:`_ENDINGS`) and, in an elided form (``l'amour``), without the elided article
(these fall-backs beat none); a word still unknown is kept as it is (dropping it was no better).

Speed: a lyric of 200 words glosses in about 0.1 ms once the word map is loaded (dictionary lookups).

Opt-in engine ``"apertium"`` (``LyricsConfig.gloss_engine``): lyrics in a language with an Apertium chain into
English (:func:`core.features.lyrics.apertium.chains`: Spanish; French and Portuguese through a pivot pair only
when ``WORKBENCH_APERTIUM_CHAINS`` asks, as they did worse than the gloss) are machine-translated instead, all of
a language in one call a stage; when Apertium or a pair of the chain is missing, or the call fails, those lyrics
get the dictionary gloss and the report says why (:attr:`GlossReport.engine_problem`, with the packages in
:attr:`GlossReport.engine_packages`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Optional, Sequence

from core.features.lyrics import dictionaries
from core.features.lyrics.language import identify

#: Language of the semantic model: lyrics identified as this are never glossed.
MODEL_LANGUAGE = "en"

#: A word: letters with inner apostrophes or hyphens; lower-cased, accents kept (dictionary headwords).
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")

#: Inflection endings tried, longest first, with what replaces them, when a word is not in the dictionary.
_ENDINGS = {
    "de": (("ern", ""), ("en", ""), ("en", "e"), ("er", ""), ("es", ""), ("em", ""), ("st", ""),
           ("e", ""), ("n", ""), ("s", ""), ("t", ""), ("te", "en"), ("t", "en"), ("e", "en")),
    "es": (("es", ""), ("s", ""), ("a", "o"), ("as", "o"), ("ando", "ar"), ("iendo", "er"), ("o", "ar"),
           ("a", "ar"), ("as", "ar"), ("e", "er"), ("e", "ir"), ("es", "er"), ("o", "er")),
    "pt": (("es", ""), ("s", ""), ("a", "o"), ("as", "o"), ("ando", "ar"), ("endo", "er"), ("o", "ar"),
           ("a", "ar"), ("e", "er"), ("e", "ir"), ("ou", "ar"), ("o", "er")),
    "fr": (("es", "e"), ("s", ""), ("x", ""), ("e", ""), ("es", ""), ("ent", "er"), ("e", "er"),
           ("es", "er"), ("ons", "er"), ("ez", "er"), ("é", "er"), ("ée", "er"), ("s", "re"), ("t", "re")),
    "it": (("i", "o"), ("e", "a"), ("i", "e"), ("a", "are"), ("o", "are"), ("ano", "are"), ("i", "are"),
           ("e", "ere"), ("o", "ere"), ("ato", "are")),
}
_MIN_STEM = 3
#: Looked-up words per (word map, language, fall-backs); the word maps live as long as the process.
_MEMO: dict = {}

@functools.lru_cache(maxsize=65536)
def _language(text: str) -> str:
    """py3langid's code for ``text`` (memoised: keys and features both ask)."""
    return identify(text)[0]


@dataclass
class GlossReport:
    """What :func:`semantic_texts` did, per language code (ISO 639-1; ``""`` = not identified).

    Attributes
    ----------
    glossed : dict
        Language -> lyrics glossed into English.
    native : int
        Lyrics embedded as they are because they are English.
    untranslated : dict
        Language -> lyrics embedded untranslated (no dictionary for it, or language not identified).
    missing_dictionaries : tuple
        Languages with a FreeDict dictionary package that is not installed but that lyrics here are in.
    known_share : dict
        Language -> share of the glossed words found in the dictionary (0..1); for a language Apertium
        translated, the share of its output words it did not mark unknown.
    languages : list of str
        Each text's identified language ("" for no lyrics or not identified), in input order.
    translated : dict
        Language -> lyrics machine-translated by Apertium (engine "apertium"; they are not in ``glossed``).
    engine_problem : str
        Why Apertium was not used for lyrics it should have translated ("" when it was, or not asked).
    engine_packages : tuple
        The Debian packages the languages of ``engine_problem`` need.
    routes : dict
        Language -> the Apertium modes its lyrics went through (``"fr-es>spa-eng"``), for ``translated``.
    """

    glossed: dict = field(default_factory=dict)
    native: int = 0
    untranslated: dict = field(default_factory=dict)
    missing_dictionaries: tuple = ()
    known_share: dict = field(default_factory=dict)
    languages: list = field(default_factory=list)
    translated: dict = field(default_factory=dict)
    engine_problem: str = ""
    engine_packages: tuple = ()
    routes: dict = field(default_factory=dict)

    def engines(self) -> dict:
        """Language -> how its lyrics became English: ``"apertium:<modes>"`` (``"apertium:fr-es>spa-eng"``),
        ``"freedict"`` (word by word), ``"none"`` (untranslated); English is not listed."""
        out = {lang: "freedict" for lang in self.glossed}
        out.update({lang or "unidentified": "none" for lang in self.untranslated})
        out.update({lang: f"apertium:{self.routes.get(lang, '')}" for lang in self.translated})
        return dict(sorted(out.items()))

    def message(self) -> str:
        """One plain sentence for the extraction report ("" when every lyric is English)."""
        parts = []
        if self.translated:
            parts.append("translated into English by Apertium: " + ", ".join(
                f"{lang} {n} lyrics ({self.known_share.get(lang, 0):.0%} of words known"
                + (f", through {self.routes[lang]}" if ">" in self.routes.get(lang, "") else "") + ")"
                for lang, n in sorted(self.translated.items())))
        if self.glossed:
            parts.append("glossed into English word by word (FreeDict): " + ", ".join(
                f"{lang} {n} lyrics ({self.known_share.get(lang, 0):.0%} of words found)"
                for lang, n in sorted(self.glossed.items())))
        if self.untranslated:
            parts.append("embedded untranslated by the English model: " + ", ".join(
                f"{lang or 'unidentified'} {n}" for lang, n in sorted(self.untranslated.items())))
        return "; ".join(parts)


def lookup(word: str, words: dict, lang: str, fallbacks: bool = True) -> Optional[str]:
    """English translations of one lower-case ``word`` (up to :data:`dictionaries.MAX_SENSES`, space-
    separated), or None when the dictionary lacks it (also after the fall-backs: elided article removed,
    inflection endings of :data:`_ENDINGS`, which give the first sense of the stem they find)."""
    hit = words.get(word)
    if hit:
        return " ".join(hit)
    if not fallbacks:
        return None
    for apo in ("'", "\u2019"):
        if apo in word:
            tail = word.rsplit(apo, 1)[1]
            if len(tail) >= 2:
                return lookup(tail, words, lang, fallbacks)
    for end, repl in _ENDINGS.get(lang, ()):
        if word.endswith(end) and len(word) - len(end) >= _MIN_STEM:
            hit = words.get(word[: len(word) - len(end)] + repl)
            if hit:  # a guessed stem: its first sense only
                return hit[0]
    return None


def gloss_text(text: str, words: dict, lang: str, *, fallbacks: bool = True,
               keep_unknown: bool = True) -> tuple:
    """Gloss one lyric word by word, keeping its lines and stanzas.

    Returns
    -------
    gloss : str
        The English words (lower case), one output line per input line, blank lines kept.
    known, total : int
        Words found in the dictionary, and words in all.
    """
    out_lines, known, total = [], 0, 0
    memo = _MEMO.setdefault((id(words), lang, fallbacks), {})  # lyrics repeat words (choruses)
    for line in text.split("\n"):
        out = []
        for w in _WORD.findall(line.lower()):
            total += 1
            en = memo[w] if w in memo else memo.setdefault(w, lookup(w, words, lang, fallbacks))
            if en is not None:
                known += 1
                out.append(en)
            elif keep_unknown:
                out.append(w)
        out_lines.append(" ".join(out))
    return "\n".join(out_lines).strip(), known, total


def semantic_texts(texts: Sequence[Optional[str]], gloss: bool = True,
                   languages: Optional[Sequence[str]] = None, engine: str = "dictionary") -> tuple:
    """The text the semantic model embeds for each lyric, and a :class:`GlossReport`.

    Parameters
    ----------
    texts : list of (str or None), length n
        Lyrics; None or blank entries stay None.
    gloss : bool
        False: every text is returned as it is (the report is empty).
    languages : list of str, optional
        Each lyric's language code when already known (e.g. from the lyrics stats); identified with
        py3langid otherwise.
    engine : {"dictionary", "apertium"}
        "apertium": lyrics in a language with an Apertium chain (Spanish; French and Portuguese through a pivot
        when ``WORKBENCH_APERTIUM_CHAINS`` asks) are machine-translated, one Apertium call a language and stage;
        the dictionary gloss when Apertium cannot (named in ``report.engine_problem``).

    Returns
    -------
    texts : list of (str or None), length n
        The gloss for lyrics in a language with an installed dictionary, the lyric itself otherwise.
    report : GlossReport
    """
    out = list(texts)
    rep = GlossReport()
    if not gloss:
        return out, rep
    counts: dict = {}
    missing = set()
    rep.languages = [""] * len(out)
    done = _machine_translate(texts, languages, engine, out, rep, counts)
    for i, text in enumerate(texts):
        if i in done:
            continue
        if text is None or not str(text).strip():
            out[i] = None
            continue
        lang = languages[i] if languages is not None else _language(text)
        rep.languages[i] = lang
        if lang == MODEL_LANGUAGE:
            rep.native += 1
            continue
        words = dictionaries.word_map(lang) if lang else None
        if words is None:
            rep.untranslated[lang] = rep.untranslated.get(lang, 0) + 1
            if lang in dictionaries.FREEDICT_CODES:
                missing.add(lang)
            continue
        g, known, total = gloss_text(text, words, lang)
        if g.strip():
            out[i] = g
        rep.glossed[lang] = rep.glossed.get(lang, 0) + 1
        k, t = counts.get(lang, (0, 0))
        counts[lang] = (k + known, t + total)
    rep.known_share = {lang: k / max(t, 1) for lang, (k, t) in counts.items()}
    rep.missing_dictionaries = tuple(sorted(missing))
    return out, rep


def _machine_translate(texts, languages, engine, out, rep, counts) -> set:
    """Engine "apertium": translate the lyrics of each language with a chain in one call a stage, into ``out``;
    fill ``rep`` and ``counts`` for them. The indices translated (empty for the dictionary engine)."""
    if engine != "apertium":
        return set()
    from core.features.lyrics import apertium
    by_lang: dict = {}
    in_effect = apertium.chains()
    for i, text in enumerate(texts):
        if text is None or not str(text).strip():
            continue
        lang = languages[i] if languages is not None else _language(text)
        if lang in in_effect:
            by_lang.setdefault(lang, []).append(i)
    done, problems, pkgs = set(), [], []
    for lang, idx in sorted(by_lang.items()):
        try:
            res = apertium.translate([str(texts[i]) for i in idx], lang)
        except apertium.ApertiumError as exc:
            problems.append(f"{lang}: {exc}")
            pkgs += apertium.packages(lang)
            continue
        k = t = 0
        for i, (en, known, total) in zip(idx, res):
            out[i] = en if en.strip() else texts[i]
            rep.languages[i] = lang
            k, t = k + known, t + total
            done.add(i)
        rep.translated[lang] = len(idx)
        rep.routes[lang] = apertium.route(lang)
        counts[lang] = (k, t)
    if problems:
        rep.engine_problem = "; ".join(problems)
        rep.engine_packages = tuple(dict.fromkeys(pkgs))
    return done
