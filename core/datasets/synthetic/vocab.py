"""Lyric vocabularies per language for generator v2: the same fourteen themes as the English
:data:`~core.datasets.synthetic.lyrics.THEMES`, a common pool, pronouns, fillers and line chunks.

Word lists written for this project (no corpus): real words of each language, grouped by theme,
so a German or Spanish lyric looks like one to a reader and to a language identifier. Chunk
tokens: ``P`` pronoun, ``N`` noun, ``V`` verb, ``A`` adjective, ``F`` filler; other tokens are
literal function words of the language.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.datasets.synthetic.lyrics import _CHUNKS, _FILLERS, _PRONOUNS, _TRAILING_FUNCTION_WORDS
from core.datasets.synthetic.lyrics import COMMON_WORDS, THEMES

Words = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True)
class Vocabulary:
    """One language's lyric words.

    Attributes
    ----------
    themes : dict theme -> (nouns, verbs, adjectives)
    common : (nouns, verbs, adjectives)
        Words any genre uses.
    pronouns, fillers, chunks : tuple of str
    trailing : frozenset of str
        Function words a line must not end on.
    """

    themes: dict
    common: Words
    pronouns: tuple
    fillers: tuple
    chunks: tuple
    trailing: frozenset


def _w(nouns: str, verbs: str, adjectives: str) -> Words:
    return tuple(nouns.split()), tuple(verbs.split()), tuple(adjectives.split())


_DE = Vocabulary(
    themes={
        "love": _w("Liebe Herz Kuss Arme Lippen Liebling Rose Versprechen Hochzeit Umarmung",
                   "lieben halten küssen brauchen umarmen berühren",
                   "süß zart schön warm sanft zärtlich"),
        "heartbreak": _w("Tränen Abschied Kummer Erinnerung Sehnsucht Schmerz Einsamkeit Ring",
                         "weinen gehen vergessen verlieren brechen vermissen",
                         "gebrochen einsam leer verloren traurig bitter"),
        "faith": _w("Herr Gott Himmel Gnade Gebet Geist Seele Ruhm Engel Segen Wunder",
                    "beten loben glauben segnen vertrauen vergeben",
                    "heilig gesegnet ewig göttlich treu"),
        "church": _w("Kirche Chor Altar Sonntag Hymne Gemeinde Predigt Kapelle Bibel Kreuz",
                     "singen versammeln knien bezeugen taufen predigen",
                     "demütig fröhlich gnädig herrlich"),
        "war": _w("Krieg Schlacht Schwert Armee Soldat Blut Feind Stahl Krieger Thron Schild",
                  "kämpfen töten marschieren erobern zerstören bluten",
                  "gefallen brutal blutig eisern gnadenlos"),
        "fire": _w("Feuer Flamme Asche Rauch Glut Brand Hölle Schwefel Lava",
                   "brennen entzünden verzehren schmelzen glühen",
                   "brennend glühend verkohlt feurig"),
        "darkness": _w("Dunkelheit Schatten Abgrund Grab Tod Dämon Fluch Gruft Schädel",
                       "sterben spuken verfallen verschlingen verrotten",
                       "dunkel schwarz finster verflucht tot unheilig"),
        "rebellion": _w("Aufstand Revolution Regeln System Widerstand Anarchie Rebell Protest Faust",
                        "widerstehen verweigern zerschlagen rebellieren trotzen",
                        "wütend trotzig rastlos radikal"),
        "city": _w("Straße Stadt Beton U-Bahn Gasse Verkehr Sirenen Neon Pflaster Vorstadt",
                   "streunen wandern pendeln rumhängen",
                   "grau laut dreckig voll"),
        "politics": _w("Regierung Präsident Polizei Gesetz Wahl Nation Fahne Propaganda Steuern",
                       "lügen kontrollieren gehorchen zensieren wählen unterdrücken",
                       "korrupt politisch ungerecht amtlich"),
        "money": _w("Geld Bargeld Bank Gold Diamanten Ketten Scheine Reichtum Villa",
                    "stapeln ausgeben protzen verdienen zählen",
                    "reich golden teuer protzig"),
        "street": _w("Viertel Block Ecke Crew Jungs Hustle Kampf Dealer Bullen",
                     "hustlen überleben schuften fahren",
                     "echt hart roh hungrig kalt"),
        "party": _w("Party Tanz Tanzfläche Musik Groove Rhythmus Beat Wochenende Club Menge",
                    "tanzen bewegen feiern springen schütteln",
                    "wild verrückt glücklich heiß elektrisch"),
        "summer": _w("Sonne Sommer Strand Insel Meer Wellen Palme Urlaub Brise Sand",
                     "scheinen schwimmen chillen entspannen treiben",
                     "sonnig tropisch salzig hell"),
    },
    common=_w("Zeit Tag Nacht Welt Leben Weg Augen Hände Traum Himmel Zuhause Licht Morgen "
              "Name Stimme Tür Regen Wind Freund Menschen Ort Geschichte",
              "wissen fühlen sehen nehmen finden gehen kommen sagen warten rufen hören bleiben",
              "neu alt lang klein letzte gleich langsam hoch fremd"),
    pronouns=("ich", "du", "wir", "sie"),
    fillers=("oh", "ja", "heute", "wieder", "jetzt", "hey"),
    chunks=("P V die N", "der A N", "in der N", "P V mein N", "N und N", "wie ein A N",
            "wir V die N", "all die A N", "unter dem A N", "P V", "mein A N", "zu der N",
            "die N der N", "so A", "P V dein A N", "A und A", "durch die N", "P kann V", "F F"),
    trailing=frozenset({"die", "der", "dem", "ein", "mein", "dein", "in", "zu", "und", "wie",
                        "unter", "durch", "all", "so", "kann"}),
)

_ES = Vocabulary(
    themes={
        "love": _w("amor corazón beso brazos labios cariño rosa promesa boda abrazo",
                   "amar abrazar besar necesitar querer tocar",
                   "dulce tierno hermoso cálido suave"),
        "heartbreak": _w("lágrimas adiós pena recuerdo tristeza dolor soledad anillo",
                         "llorar dejar olvidar perder romper extrañar",
                         "roto solo vacío perdido triste amargo"),
        "faith": _w("señor dios cielo gracia oración espíritu alma gloria ángel bendición milagro",
                    "rezar alabar creer bendecir confiar perdonar",
                    "santo bendito eterno divino fiel"),
        "church": _w("iglesia coro altar domingo himno sermón capilla biblia cruz aleluya",
                     "cantar reunir arrodillar predicar bautizar",
                     "humilde alegre glorioso sagrado"),
        "war": _w("guerra batalla espada ejército soldado sangre enemigo acero guerrero trono",
                  "luchar matar marchar conquistar destruir sangrar",
                  "caído brutal sangriento feroz despiadado"),
        "fire": _w("fuego llama ceniza humo brasa incendio infierno lava hoguera",
                   "arder quemar consumir derretir encender",
                   "ardiente fundido quemado infernal"),
        "darkness": _w("oscuridad sombra abismo tumba muerte demonio maldición cráneo",
                       "morir acechar descender devorar pudrir",
                       "oscuro negro siniestro maldito muerto"),
        "rebellion": _w("motín revolución reglas sistema resistencia anarquía rebelde protesta puño",
                        "resistir negar romper rebelar desafiar",
                        "furioso rebelde inquieto radical"),
        "city": _w("calle ciudad cemento metro callejón tráfico sirenas neón acera barrio",
                   "vagar caminar patinar recorrer",
                   "urbano gris sucio ruidoso"),
        "politics": _w("gobierno presidente policía ley voto nación bandera propaganda impuestos",
                       "mentir controlar obedecer censurar votar oprimir",
                       "corrupto político injusto oficial"),
        "money": _w("dinero efectivo billetes banco oro diamantes cadenas riqueza mansión",
                    "gastar ganar contar invertir presumir",
                    "rico dorado caro lujoso"),
        "street": _w("barrio bloque esquina banda compas lucha calle juego policías",
                     "sobrevivir currar rodar buscar",
                     "real duro crudo frío"),
        "party": _w("fiesta baile pista música ritmo compás finde club gente noche",
                    "bailar mover celebrar saltar sacudir",
                    "salvaje loco feliz caliente eléctrico"),
        "summer": _w("sol verano playa isla mar olas palmera vacaciones brisa arena",
                     "brillar nadar relajar flotar",
                     "soleado tropical salado brillante"),
    },
    common=_w("tiempo día noche mundo vida camino ojos manos sueño cielo casa luz mañana "
              "nombre voz puerta lluvia viento amigo gente lugar historia",
              "saber sentir ver tomar encontrar ir venir decir esperar llamar oír quedar",
              "nuevo viejo largo pequeño último mismo lento alto extraño"),
    pronouns=("yo", "tú", "nosotros", "ellos"),
    fillers=("oh", "sí", "esta noche", "otra vez", "ahora", "ey"),
    chunks=("P V la N", "el N A", "en la N", "P V mi N", "N y N", "como un N A",
            "nosotros V la N", "todas las N", "bajo el N A", "P V", "mi N A", "a la N",
            "la N de N", "tan A", "P V tu N A", "A y A", "por la N", "P puedo V", "F F"),
    trailing=frozenset({"la", "el", "las", "en", "mi", "tu", "y", "como", "un", "bajo", "a",
                        "de", "por", "tan", "puedo"}),
)

_FR = Vocabulary(
    themes={
        "love": _w("amour cœur baiser bras lèvres chéri rose promesse mariage étreinte",
                   "aimer tenir embrasser adorer chérir toucher",
                   "doux tendre beau chaud gentil"),
        "heartbreak": _w("larmes adieu chagrin souvenir regret douleur solitude bague",
                         "pleurer partir oublier perdre briser manquer",
                         "brisé seul vide perdu triste amer"),
        "faith": _w("seigneur dieu ciel grâce prière esprit âme gloire ange bénédiction miracle",
                    "prier louer croire bénir pardonner",
                    "saint béni éternel divin fidèle"),
        "church": _w("église chorale autel dimanche hymne sermon chapelle bible croix alléluia",
                     "chanter rassembler prêcher baptiser témoigner",
                     "humble joyeux glorieux sacré"),
        "war": _w("guerre bataille épée armée soldat sang ennemi acier guerrier trône bouclier",
                  "combattre tuer marcher conquérir détruire saigner",
                  "tombé brutal sanglant féroce impitoyable"),
        "fire": _w("feu flamme cendre fumée braise brasier enfer lave bûcher",
                   "brûler allumer consumer fondre embraser",
                   "brûlant ardent calciné infernal"),
        "darkness": _w("ténèbres ombre abîme tombe mort démon malédiction crâne cercueil",
                       "mourir hanter descendre dévorer pourrir",
                       "sombre noir sinistre maudit mort"),
        "rebellion": _w("émeute révolution règles système résistance anarchie rebelle poing",
                        "résister refuser casser révolter défier",
                        "furieux rebelle inquiet radical"),
        "city": _w("rue ville béton métro ruelle circulation sirènes néon trottoir banlieue",
                   "errer traîner marcher flâner",
                   "urbain gris sale bruyant"),
        "politics": _w("gouvernement président police loi vote nation drapeau propagande impôts",
                       "mentir contrôler obéir censurer voter opprimer",
                       "corrompu politique injuste officiel"),
        "money": _w("argent billets banque or diamants chaînes richesse manoir liasses",
                    "dépenser gagner compter investir frimer",
                    "riche doré cher luxueux"),
        "street": _w("quartier bloc coin équipe potes galère rue jeu flics",
                     "survivre bosser rouler charbonner",
                     "vrai dur brut froid"),
        "party": _w("fête danse piste musique rythme groove week-end club foule soirée",
                    "danser bouger célébrer sauter secouer",
                    "sauvage fou heureux chaud électrique"),
        "summer": _w("soleil été plage île mer vagues palmier vacances brise sable",
                     "briller nager détendre flotter",
                     "ensoleillé tropical salé lumineux"),
    },
    common=_w("temps jour nuit monde vie chemin yeux mains rêve ciel maison lumière matin "
              "nom voix porte pluie vent ami gens endroit histoire",
              "savoir sentir voir prendre trouver aller venir dire attendre appeler entendre rester",
              "nouveau vieux long petit dernier même lent haut étrange"),
    pronouns=("je", "tu", "nous", "ils"),
    fillers=("oh", "ouais", "ce soir", "encore", "maintenant", "hé"),
    chunks=("P V la N", "le N A", "dans la N", "P V mon N", "N et N", "comme un N A",
            "nous V la N", "toutes les N", "sous le N A", "P V", "mon N A", "à la N",
            "la N du N", "si A", "P V ton N A", "A et A", "à travers la N", "P peux V", "F F"),
    trailing=frozenset({"la", "le", "les", "dans", "mon", "ton", "et", "comme", "un", "sous",
                        "à", "du", "travers", "si", "peux"}),
)

_PT = Vocabulary(
    themes={
        "love": _w("amor coração beijo braços lábios querida rosa promessa casamento abraço",
                   "amar abraçar beijar precisar querer tocar",
                   "doce terno lindo quente suave"),
        "heartbreak": _w("lágrimas adeus mágoa lembrança saudade dor solidão anel",
                         "chorar partir esquecer perder quebrar",
                         "partido sozinho vazio perdido triste amargo"),
        "faith": _w("senhor deus céu graça oração espírito alma glória anjo bênção milagre",
                    "rezar louvar crer abençoar confiar perdoar",
                    "santo bendito eterno divino fiel"),
        "church": _w("igreja coro altar domingo hino sermão capela bíblia cruz aleluia",
                     "cantar reunir ajoelhar pregar batizar",
                     "humilde alegre glorioso sagrado"),
        "war": _w("guerra batalha espada exército soldado sangue inimigo aço guerreiro trono",
                  "lutar matar marchar conquistar destruir sangrar",
                  "caído brutal sangrento feroz impiedoso"),
        "fire": _w("fogo chama cinza fumaça brasa incêndio inferno lava fogueira",
                   "arder queimar consumir derreter acender",
                   "ardente queimado infernal fervente"),
        "darkness": _w("escuridão sombra abismo túmulo morte demônio maldição caveira",
                       "morrer assombrar descer devorar apodrecer",
                       "escuro negro sinistro maldito morto"),
        "rebellion": _w("motim revolução regras sistema resistência anarquia rebelde protesto punho",
                        "resistir recusar quebrar revoltar desafiar",
                        "furioso rebelde inquieto radical"),
        "city": _w("rua cidade concreto metrô beco trânsito sirenes néon calçada subúrbio",
                   "vagar andar perambular rodar",
                   "urbano cinzento sujo barulhento"),
        "politics": _w("governo presidente polícia lei voto nação bandeira propaganda impostos",
                       "mentir controlar obedecer censurar votar oprimir",
                       "corrupto político injusto oficial"),
        "money": _w("dinheiro grana notas banco ouro diamantes correntes riqueza mansão",
                    "gastar ganhar contar investir ostentar",
                    "rico dourado caro luxuoso"),
        "street": _w("quebrada bloco esquina bonde manos luta rua jogo polícia",
                     "sobreviver correr rolar batalhar",
                     "real duro cru frio"),
        "party": _w("festa dança pista música ritmo batida fim-de-semana clube galera noite",
                    "dançar mexer celebrar pular sacudir",
                    "selvagem louco feliz quente elétrico"),
        "summer": _w("sol verão praia ilha mar ondas coqueiro férias brisa areia",
                     "brilhar nadar relaxar flutuar",
                     "ensolarado tropical salgado brilhante"),
    },
    common=_w("tempo dia noite mundo vida caminho olhos mãos sonho céu casa luz manhã "
              "nome voz porta chuva vento amigo gente lugar história",
              "saber sentir ver tomar achar ir vir dizer esperar chamar ouvir ficar",
              "novo velho longo pequeno último mesmo lento alto estranho"),
    pronouns=("eu", "você", "nós", "eles"),
    fillers=("oh", "sim", "esta noite", "outra vez", "agora", "ei"),
    chunks=("P V a N", "o N A", "na N", "P V meu N", "N e N", "como um N A",
            "nós V a N", "todas as N", "sob o N A", "P V", "meu N A", "para a N",
            "a N do N", "tão A", "P V teu N A", "A e A", "pela N", "P posso V", "F F"),
    trailing=frozenset({"a", "o", "as", "na", "meu", "teu", "e", "como", "um", "sob", "para",
                        "do", "pela", "tão", "posso"}),
)

_EN = Vocabulary(themes=THEMES, common=COMMON_WORDS, pronouns=_PRONOUNS, fillers=_FILLERS,
                 chunks=_CHUNKS, trailing=frozenset(_TRAILING_FUNCTION_WORDS))

#: Vocabulary per language code (the codes of ``SynthConfig.languages``).
VOCABULARIES: dict[str, Vocabulary] = {"en": _EN, "de": _DE, "es": _ES, "fr": _FR, "pt": _PT}


def _shared_pool(vocab: Vocabulary) -> Words:
    """Common words plus every theme's words, per part of speech: what any genre may say."""
    parts = []
    for part in range(3):
        words = list(vocab.common[part])
        for theme in vocab.themes.values():
            words.extend(theme[part])
        parts.append(tuple(dict.fromkeys(words)))
    return tuple(parts)


def make_lyrics_v2(themes: tuple, rng, *, theme_share: float, n_words: int,
                   language: str = "en") -> list[list[str]]:
    """Write one v2 song: verses and a repeated chorus until it has about ``n_words`` words.

    Unlike v1, genres share one vocabulary: a content word comes from the genre's ``themes``
    with probability ``theme_share`` and otherwise from the pool every genre draws from (common
    words and all themes' words), and line length and song length do not depend on the genre.

    Parameters
    ----------
    themes : tuple of str
        The genre's theme names (keys of the vocabulary's themes); empty gives no lyrics.
    rng : numpy.random.Generator
    theme_share : float
        0..1.
    n_words : int
        Target word count; the song stops at the first stanza that reaches it.
    language : str
        A key of :data:`VOCABULARIES`.

    Returns
    -------
    list of list of str
        Stanzas of lines, as :func:`~core.datasets.synthetic.lyrics.make_lyrics` returns them.
    """
    if not themes:
        return []
    vocab = VOCABULARIES[language]
    shared = _shared_pool(vocab)
    main = themes[int(rng.integers(len(themes)))]

    def pick(pool):
        return pool[int(rng.integers(len(pool)))]

    def word(part: int) -> str:
        if rng.random() < theme_share:
            theme = main if (len(themes) == 1 or rng.random() < 0.6) else pick(themes)
            return pick(vocab.themes[theme][part])
        return pick(shared[part])

    slots = {"N": lambda: word(0), "V": lambda: word(1), "A": lambda: word(2),
             "P": lambda: pick(vocab.pronouns), "F": lambda: pick(vocab.fillers)}

    def line() -> str:
        target = int(rng.integers(4, 10))
        words: list[str] = []
        while len(words) < target:
            words.extend(slots[t]() if t in slots else t for t in pick(vocab.chunks).split())
        words = words[:target]
        while len(words) > 1 and words[-1] in vocab.trailing:
            words.pop()
        text = " ".join(words)
        return text[0].upper() + text[1:]

    chorus = [line() for _ in range(int(rng.integers(2, 5)))]
    song: list[list[str]] = []
    total = 0
    while total < n_words:
        stanza = [line() for _ in range(int(rng.integers(3, 6)))] if len(song) % 2 == 0 \
            else chorus
        song.append(stanza)
        total += sum(len(s.split()) for s in stanza)
    return song
