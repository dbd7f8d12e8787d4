"""Lyric generation: theme vocabularies, songs of verses and a repeated chorus, sung syllables."""

from __future__ import annotations

import re

import numpy as np

from core.datasets.synthetic.recipes import GenreRecipe

#: Theme vocabularies: ``name -> (nouns, verbs, adjectives)``.
THEMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "love": (
        ("love", "heart", "kiss", "arms", "lips", "darling", "lover", "romance", "embrace",
         "sweetheart", "honey", "rose", "valentine", "promise", "wedding", "devotion"),
        ("love", "hold", "kiss", "adore", "need", "want", "cherish", "embrace", "touch", "marry",
         "hug", "treasure"),
        ("sweet", "tender", "beautiful", "warm", "gentle", "lovely", "romantic", "true",
         "precious", "dear"),
    ),
    "heartbreak": (
        ("tears", "goodbye", "heartache", "memory", "regret", "sorrow", "loneliness", "pain",
         "farewell", "breakup", "ring", "photograph"),
        ("cry", "leave", "forget", "lose", "break", "fade", "mourn", "miss", "weep", "grieve",
         "pretend"),
        ("broken", "lonely", "empty", "lost", "sad", "blue", "bitter", "hollow", "tearful"),
    ),
    "faith": (
        ("lord", "god", "heaven", "grace", "prayer", "spirit", "soul", "glory", "savior", "angel",
         "mercy", "salvation", "jesus", "blessing", "miracle"),
        ("pray", "praise", "worship", "believe", "bless", "rejoice", "kneel", "trust", "glorify",
         "redeem", "forgive"),
        ("holy", "blessed", "righteous", "eternal", "divine", "faithful", "sacred", "heavenly",
         "mighty"),
    ),
    "church": (
        ("church", "choir", "altar", "sunday", "hymn", "congregation", "sermon", "chapel",
         "bible", "cross", "preacher", "amen", "hallelujah", "steeple"),
        ("sing", "gather", "kneel", "testify", "baptize", "preach", "shout", "clap"),
        ("humble", "joyful", "gracious", "glorious", "sanctified"),
    ),
    "war": (
        ("war", "battle", "sword", "army", "soldier", "blood", "enemy", "steel", "warrior",
         "throne", "shield", "cannon", "legion", "conquest", "siege"),
        ("fight", "kill", "march", "conquer", "destroy", "slay", "bleed", "charge", "invade",
         "crush"),
        ("fallen", "brutal", "bloody", "iron", "savage", "merciless", "armored", "ruthless"),
    ),
    "fire": (
        ("fire", "flame", "ash", "inferno", "smoke", "ember", "blaze", "furnace", "lava", "hell",
         "sulfur", "pyre"),
        ("burn", "ignite", "scorch", "smolder", "consume", "melt", "incinerate"),
        ("burning", "molten", "scorched", "infernal", "fiery", "charred", "blazing"),
    ),
    "darkness": (
        ("darkness", "shadow", "void", "abyss", "grave", "doom", "death", "demon", "curse",
         "tomb", "coffin", "skull", "specter"),
        ("die", "haunt", "descend", "devour", "rot", "decay", "perish", "summon"),
        ("dark", "black", "grim", "unholy", "wicked", "dead", "cursed", "morbid", "sinister"),
    ),
    "rebellion": (
        ("riot", "revolution", "rules", "system", "resistance", "anarchy", "rebel", "protest",
         "fist", "uprising", "barricade", "chaos"),
        ("resist", "refuse", "rebel", "smash", "revolt", "defy", "overthrow", "disobey"),
        ("angry", "defiant", "rebellious", "restless", "radical", "furious"),
    ),
    "city": (
        ("street", "city", "concrete", "subway", "alley", "traffic", "sirens", "neon", "pavement",
         "suburbs", "downtown", "gutter", "graffiti", "tenement"),
        ("roam", "wander", "skate", "loiter", "commute"),
        ("urban", "grey", "crowded", "dirty", "gritty", "noisy"),
    ),
    "politics": (
        ("government", "president", "police", "law", "vote", "nation", "flag", "propaganda",
         "corruption", "election", "politician", "parliament", "taxes", "senator", "regime"),
        ("lie", "control", "obey", "censor", "legislate", "campaign", "elect", "oppress"),
        ("corrupt", "political", "unjust", "national", "official", "authoritarian"),
    ),
    "money": (
        ("money", "cash", "dollars", "bank", "gold", "diamonds", "chains", "paper", "bills",
         "riches", "stacks", "benjamins", "rolex", "mansion", "bentley"),
        ("stack", "spend", "flex", "earn", "count", "ball", "cash", "invest", "splurge"),
        ("rich", "golden", "paid", "expensive", "flashy", "wealthy", "iced"),
    ),
    "street": (
        ("hood", "block", "corner", "crew", "homies", "hustle", "streets", "game", "struggle",
         "squad", "dealer", "trap", "cops"),
        ("hustle", "survive", "grind", "rep", "roll", "trap", "ride"),
        ("real", "hard", "raw", "tough", "hungry", "cold"),
    ),
    "party": (
        ("party", "dance", "floor", "music", "groove", "rhythm", "beat", "weekend", "drinks",
         "celebration", "crowd", "dj", "disco", "club", "boogie"),
        ("dance", "move", "groove", "celebrate", "jump", "shake", "party", "boogie", "bounce",
         "sway"),
        ("funky", "wild", "crazy", "happy", "electric", "hot", "groovy"),
    ),
    "summer": (
        ("sunshine", "summer", "beach", "island", "sun", "sea", "waves", "palm", "holiday",
         "breeze", "sand", "ocean"),
        ("shine", "swim", "chill", "relax", "bask", "float"),
        ("sunny", "tropical", "breezy", "salty", "bright"),
    ),
}

#: Shared pool every genre draws from: ``(nouns, verbs, adjectives)``.
COMMON_WORDS: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = (
    ("time", "day", "night", "world", "life", "way", "eyes", "hands", "mind", "dream", "road",
     "sky", "home", "light", "morning", "moment", "name", "voice", "door", "rain", "wind",
     "friend", "people", "thing", "place", "story"),
    ("know", "feel", "see", "take", "find", "go", "come", "say", "wait", "walk", "call", "try",
     "give", "remember", "look", "tell", "turn", "hear", "stay", "run"),
    ("new", "old", "long", "little", "last", "same", "whole", "slow", "high", "strange", "other",
     "only"),
)

_PRONOUNS = ("I", "you", "we", "they")
_FILLERS = ("oh", "yeah", "tonight", "again", "now", "hey", "woah")
# P pronoun, N noun, V verb, A adjective, F filler; other tokens are literal.
_CHUNKS = (
    "P V the N", "the A N", "in the N", "P V my N", "N and N", "like a A N", "we V the N",
    "all the A N", "V the N", "under the A N", "P V", "my A N", "to the N", "the N of N",
    "so A", "P V your A N", "A and A", "through the N", "P can V", "V it all", "F F",
)
_TRAILING_FUNCTION_WORDS = {"the", "a", "my", "your", "in", "to", "of", "and", "like", "under",
                            "through", "all", "so", "can", "it"}


def make_lyrics(recipe: GenreRecipe, rng: np.random.Generator) -> list[list[str]]:
    """Write one song's lyrics: stanzas (verses, a repeated chorus, maybe a bridge) of lines.

    Parameters
    ----------
    recipe : GenreRecipe
        Supplies themes, theme share, words per line and stanza sizes.
    rng : numpy.random.Generator

    Returns
    -------
    list of list of str
        Stanzas in song order; each line is a string of words. Empty for instrumentals.
    """
    if not recipe.has_voice or not recipe.themes:
        return []
    themes = recipe.themes
    main = themes[int(rng.integers(len(themes)))]

    def word(part: int) -> str:
        if rng.random() < recipe.theme_share:
            theme = main if (len(themes) == 1 or rng.random() < 0.6) \
                else themes[int(rng.integers(len(themes)))]
            pool = THEMES[theme][part]
        else:
            pool = COMMON_WORDS[part]
        return pool[int(rng.integers(len(pool)))]

    def token(tok: str) -> str:
        if tok == "N":
            return word(0)
        if tok == "V":
            return word(1)
        if tok == "A":
            return word(2)
        if tok == "P":
            return _PRONOUNS[int(rng.integers(len(_PRONOUNS)))]
        if tok == "F":
            return _FILLERS[int(rng.integers(len(_FILLERS)))]
        return tok

    def line() -> str:
        target = int(rng.integers(recipe.words_per_line[0], recipe.words_per_line[1] + 1))
        words: list[str] = []
        while len(words) < target:
            chunk = _CHUNKS[int(rng.integers(len(_CHUNKS)))]
            words.extend(token(t) for t in chunk.split())
        words = words[:target]
        while len(words) > 1 and words[-1] in _TRAILING_FUNCTION_WORDS:
            words.pop()
        text = " ".join(words)
        return text[0].upper() + text[1:]

    def stanza(size_range) -> list[str]:
        return [line() for _ in range(int(rng.integers(size_range[0], size_range[1] + 1)))]

    chorus_body = stanza(recipe.chorus_lines)
    chorus = chorus_body + [chorus_body[0]] if len(chorus_body) < 4 else chorus_body
    song = [stanza(recipe.lines_per_verse), chorus, stanza(recipe.lines_per_verse), chorus]
    if rng.random() < 0.5:
        song += [stanza((2, 2)), chorus]
    return song


def lyrics_text(stanzas: list[list[str]]) -> str:
    """Join stanzas into the text of a lyrics file (blank line between stanzas)."""
    return "\n\n".join("\n".join(s) for s in stanzas) + "\n"


def syllables(word: str) -> list[tuple[str, bool]]:
    """Split a word into sung syllables by vowel groups.

    Returns
    -------
    list of (vowel, consonant_onset)
        One entry per syllable: its vowel (``"a"``, ``"e"``, ``"i"``, ``"o"`` or ``"u"``) and
        whether a consonant precedes it. A final silent ``e`` is not a syllable ("fire", "love").
    """
    w = re.sub(r"[^a-z]", "", word.lower())
    groups = list(re.finditer(r"[aeiouy]+", w))
    if len(groups) > 1 and groups[-1].group() == "e" and groups[-1].end() == len(w):
        groups = groups[:-1]
    if not groups:
        return [("e", True)] if w else []
    out = []
    for i, m in enumerate(groups):
        v = m.group()[0]
        out.append(("i" if v == "y" else v, i > 0 or m.start() > 0))
    return out
