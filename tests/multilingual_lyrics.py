"""Seeded lyrics in German, Spanish, French, Portuguese, Italian and English about two themes (the sea, war),
for the tests of the character n-gram block and of the dictionary gloss. Each line mixes one theme word with words every lyric of the language shares (love,
night, heart, road ...), so a theme is a minority of each lyric's words, as in real songs."""

from __future__ import annotations

import numpy as np

THEMES = {
    "de": {"sea": "Meer Wellen Schiff Segel Hafen Sturm Küste Salz Möwen Ufer Strand Anker",
           "war": "Krieg Waffen Soldaten Feuer Schlacht Blut Fahnen Trommeln Kampf Mauern Rauch Stahl",
           "shared": "und die der wir in dem über ich du nicht Liebe Nacht Herz Weg Zeit Himmel Leben allein "
                     "immer wieder heute Licht Traum"},
    "es": {"sea": "mar olas barco velas puerto tormenta costa sal gaviotas orilla playa ancla",
           "war": "guerra armas soldados fuego batalla sangre banderas tambores lucha muros humo acero",
           "shared": "y el la en los de yo tú no sobre amor noche corazón camino tiempo cielo vida solo "
                     "siempre otra hoy luz sueño"},
    "fr": {"sea": "mer vagues navire voiles port tempête côte sel mouettes rivage plage ancre",
           "war": "guerre armes soldats feu bataille sang drapeaux tambours combat murs fumée acier",
           "shared": "et le la dans les de je tu ne sur amour nuit cœur chemin temps ciel vie seul "
                     "toujours encore aujourd'hui lumière rêve"},
    "pt": {"sea": "mar ondas navio velas porto tempestade costa sal gaivotas margem praia âncora",
           "war": "guerra armas soldados fogo batalha sangue bandeiras tambores luta muros fumaça aço",
           "shared": "e o a em os de eu tu não sobre amor noite coração caminho tempo céu vida só "
                     "sempre outra hoje luz sonho"},
    "it": {"sea": "mare onde nave vele porto tempesta costa sale gabbiani riva spiaggia ancora",
           "war": "guerra armi soldati fuoco battaglia sangue bandiere tamburi lotta mura fumo acciaio",
           "shared": "e il la in i di io tu non sopra amore notte cuore strada tempo cielo vita solo "
                     "sempre domani oggi luce sogno"},
    "en": {"sea": "sea waves ship sails harbour storm coast salt gulls shore beach anchor",
           "war": "war weapons soldiers fire battle blood flags drums fight walls smoke steel",
           "shared": "and the a in of I you not over love night heart road time sky life alone "
                     "always again today light dream"},
}
LANGS = ("de", "es", "fr")
#: Languages with a FreeDict dictionary into English (the gloss tests).
GLOSS_LANGS = ("de", "es", "fr", "pt", "it")


def make_lyrics(lang: str, per_theme: int = 10, seed: int = 0, lines: int = 8, words: int = 6,
                theme_every: int = 1) -> tuple:
    """``(texts, themes)``: ``2 * per_theme`` lyrics of ``lines`` lines of ``words`` words; ``themes`` is 0
    (sea) or 1 (war) per lyric. Every ``theme_every``-th line has one theme word; the rest come from the
    shared words."""
    rng = np.random.default_rng(seed)
    vocab = {k: v.split() for k, v in THEMES[lang].items()}
    texts, themes = [], []
    for t, theme in enumerate(("sea", "war")):
        for _ in range(per_theme):
            out = []
            for j in range(lines):
                ws = list(rng.choice(vocab["shared"], words - 1))
                ws.append(str(rng.choice(vocab[theme] if j % theme_every == 0 else vocab["shared"])))
                rng.shuffle(ws)
                out.append(" ".join(ws))
            texts.append("\n".join(out))
            themes.append(t)
    return texts, np.array(themes)
