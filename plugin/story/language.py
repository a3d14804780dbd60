"""Story language: resolve the streamer's language setting and tell which language a chapter is in.

Dependency-free and fast: Unicode script ranges first (Han/kana, Hangul, Cyrillic, Arabic,
Devanagari, Thai), then, for Latin and Cyrillic text, a score per language from its most frequent
function words plus letters typical of it (ñ, ã, ß, ğ, ł, ơ, і, ы ...). Confidence is low for short
or mixed text, and check_language only reports a problem when confident: a false alarm costs a
retry on a live stream, a miss costs little.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True, slots=True)
class Language:
    """A supported story language and the lowercase names and codes people type for it."""

    code: str
    name: str
    native: str
    aliases: tuple[str, ...]
    script: str = "latin"


# code | English name | native name | script | aliases (comma-separated, lowercase; indented lines continue)
_TABLE = """
en|English|English|latin|english, en, eng, inglés, anglais, englisch, inglese, inglês, engels, ingilizce, angielski,
    английский, англійська, 英语, 英語, 영어, american english, british english, us english, uk english
es|Spanish|Español|latin|spanish, español, castellano, es, spa, espagnol, spanisch, spagnolo, espanhol, spaans,
    ispanyolca, hiszpański, испанский, іспанська, 西班牙语, 西班牙語, スペイン語, 스페인어, latin american spanish, mexican spanish,
    español latino
pt|Portuguese|Português|latin|portuguese, português, pt, por, pt-br, pt-pt, brazilian portuguese, european
    portuguese, brazilian, brasileiro, português brasileiro, portugais, portugiesisch, portoghese, portugees,
    portekizce, portugalski, португальский, 葡萄牙语, 葡萄牙語, ポルトガル語, 포르투갈어
fr|French|Français|latin|french, français, fr, fra, fre, francés, französisch, francese, francês, frans, fransızca,
    francuski, французский, французька, 法语, 法語, フランス語, 프랑스어
de|German|Deutsch|latin|german, deutsch, de, deu, ger, alemán, allemand, tedesco, alemão, duits, almanca, niemiecki,
    немецкий, німецька, 德语, 德語, ドイツ語, 독일어
it|Italian|Italiano|latin|italian, italiano, it, ita, italien, italienisch, italiaans, italyanca, włoski,
    итальянский, італійська, 意大利语, 意大利語, イタリア語, 이탈리아어
nl|Dutch|Nederlands|latin|dutch, nederlands, nl, nld, dut, flemish, vlaams, neerlandés, néerlandais, niederländisch,
    holländisch, olandese, holandês, holandés, hollandaca, niderlandzki, нидерландский, голландский, 荷兰语, オランダ語
id|Indonesian|Bahasa Indonesia|latin|indonesian, bahasa indonesia, bahasa, indonesia, id, ind, indonesio,
    indonésien, indonesisch, indonesiano, endonezce, indonezyjski, индонезийский, 印尼语, 印度尼西亚语, インドネシア語, 인도네시아어
tr|Turkish|Türkçe|latin|turkish, türkçe, tr, tur, turco, turc, türkisch, turks, turecki, турецкий, 土耳其语, トルコ語, 터키어
pl|Polish|Polski|latin|polish, polski, język polski, pl, pol, polaco, polonais, polnisch, polacco, polonês, pools,
    lehçe, польский, польська, 波兰语, ポーランド語
vi|Vietnamese|Tiếng Việt|latin|vietnamese, tiếng việt, việt, vi, vie, vietnamita, vietnamien, vietnamesisch,
    vietnamees, vietnamca, wietnamski, вьетнамский, 越南语, 越南語, ベトナム語, 베트남어
ru|Russian|Русский|cyrillic|russian, русский, русский язык, ru, rus, ruso, russe, russisch, russo, rusça,
    rosyjski, російська, 俄语, 俄語, ロシア語, 러시아어
uk|Ukrainian|Українська|cyrillic|ukrainian, українська, українська мова, uk-ua, ukr, ua, ucraniano, ukrainien,
    ukrainisch, ucraino, oekraïens, ukraynaca, ukraiński, украинский, 乌克兰语, ウクライナ語
zh|Chinese|中文|cjk|chinese, mandarin, zh, zho, chi, cmn, zh-cn, zh-tw, zh-hans, zh-hant, 中文, 汉语, 漢語, 简体中文, 繁體中文,
    繁体中文, 简体, 繁體, 普通话, 國語, 华语, 華語, simplified chinese, traditional chinese, cantonese, 粤语, 廣東話, chino, chinois,
    chinesisch, cinese, chinês, chinees, çince, chiński, китайский, 中国語, 중국어
ja|Japanese|日本語|cjk|japanese, 日本語, にほんご, ja, jpn, jp, japonés, japonais, japanisch, giapponese, japonês, japans,
    japonca, japoński, японский, 日语, 日語, 일본어
ko|Korean|한국어|hangul|korean, 한국어, 한국말, 조선어, ko, kor, kr, coreano, coréen, koreanisch, koreaans, korece, koreański,
    корейский, 韩语, 韓国語, 韓語, 朝鲜语
ar|Arabic|العربية|arabic|arabic, العربية, عربي, عربى, ar, ara, árabe, arabe, arabisch, arabo, arapça, arabski,
    арабский, 阿拉伯语, アラビア語, 아랍어
hi|Hindi|हिन्दी|devanagari|hindi, हिन्दी, हिंदी, hi, hin, хинди, 印地语, ヒンディー語, 힌디어
th|Thai|ไทย|thai|thai, ไทย, ภาษาไทย, th, tha, tailandés, thaï, thailändisch, tailandese, tailandês, thais, tayca,
    tajski, тайский, 泰语, 泰語, タイ語, 태국어
"""

# The most frequent function words of each Latin- or Cyrillic-script language. "l", "d", "qu", "c"
# are the halves of elisions (l'homme, dell'acqua) since words are split at apostrophes.
_STOPWORDS: dict[str, str] = {
    "en": "the of and to a in is it that was he she for on with as his her at by be had have has from or"
          " but not they we you i this an which were are there their been would could into out up what when"
          " who will so if no them him my me all one then than its over only just like through before after"
          " while where about again down our your did do said",
    "es": "el la los las de del y e en que un una unos unas es por con no se su sus para al lo como más pero"
          " sin sobre este esta ese esa entre cuando muy ya también hasta hay donde desde todo todos nos era"
          " fue había estaba él ella ellos ellas yo tú me te le les mi porque qué cómo aunque mientras después"
          " antes siempre nunca nada algo otro otra así tan bien sí son está estaban hacia",
    "pt": "o a os as de do da dos das e em no na nos nas um uma que é não para com por se seu sua ao à aos"
          " mais mas como foi era ele ela eles elas eu você me te lhe isso isto esse essa este esta muito"
          " também já quando onde ainda só sem sobre até depois antes sempre nunca nada tudo todos pelo pela"
          " então porque estava tinha havia num numa aquele aquela ser está são",
    "fr": "le la les de des du un une et est en que qui il elle ils elles dans pour pas ne sur au aux avec ce"
          " cette ces se son sa ses mais ou où plus par on nous vous je tu lui leur y comme tout très était"
          " été avait sont être avoir fait bien encore aussi même sans sous alors puis quand déjà rien jamais"
          " toujours si l d qu j n c",
    "de": "der die das und ist nicht ein eine einen einem einer zu den dem des mit sich auf für von im in an"
          " er sie es ich du wir ihr war hatte hat sind wird wurde auch als wie aber noch nach bei aus so nur"
          " schon dann wenn doch um was man über durch oder sein seine ihre ihm ihn mich mir dich dir uns kein"
          " keine immer wieder vor zum zur dass daß hier nun ganz sehr alle diese dieser",
    "it": "il lo la i gli le di del della dei delle degli un una uno e è che non per in con su da al alla ai"
          " nel nella si mi ti ci vi lui lei loro io tu noi voi ma come anche più se era erano sono ha hanno"
          " aveva questo questa quello quella molto tutto tutti ancora già poi quando dove perché così sempre"
          " mai solo dopo prima suo sua suoi mio mia l dell all sul",
    "nl": "de het een en van in is dat die niet op te zijn met voor hij zij ze ik je we wij was er maar om aan"
          " ook als bij naar uit dan nog of door over tot hem haar hun mijn wat wie waar hoe al geen wel nu"
          " toen kan kon had heeft werd zou moet omdat want zo deze dit daar hier alles iets niets altijd weer",
    "id": "yang dan di ke dari ini itu dengan untuk tidak ada akan dalam pada juga saya aku kamu dia ia mereka"
          " kami kita sudah telah bisa dapat karena tetapi tapi atau jika kalau seperti lebih sangat hanya"
          " masih belum lagi oleh sebagai para bahwa setelah saat ketika sebuah seorang apa siapa mengapa"
          " bagaimana semua banyak begitu harus sambil kemudian sekarang namun hari",
    "tr": "ve bir bu da de için ile ne o ama gibi daha çok en mi mı ben sen onun olarak kadar sonra her şey"
          " değil var yok diye ki ya hem ise bile artık şimdi bütün hiç onu ona biz siz onlar olan oldu"
          " olduğu benim senin nasıl neden çünkü eğer ancak yine önce üzerinde içinde kendi böyle şu şöyle"
          " belki hemen hep",
    "pl": "i w nie na się z że do to jest jak a o co ale po od tak za jego jej ich był była było by czy już"
          " tylko go mi mnie ja ty on ona oni my wy tym ten ta te gdy kiedy przez dla bez przy pod nad może"
          " bardzo jeszcze też tego który która które gdzie sobie siebie potem teraz tam tu więc aby żeby"
          " jednak lecz ze we",
    "vi": "và của là có không một người những các được cho trong đã với này đó thì khi lại ra vào đi như"
          " nhưng cũng để mà tôi anh chị em nó họ ông bà rất đến từ hơn sẽ đang nhiều nói biết thấy làm lên"
          " xuống về nơi gì ai sao nào vì nên bị trên dưới ở còn chỉ đều rồi vẫn cậu cô mình",
    "ru": "и в не на что он с как а то все она так его но да ты к у же вы за бы по только ее её мне было вот"
          " от меня еще ещё нет о из ему когда даже ну вдруг ли если уже или ни быть был него до вас там потом"
          " себя ничего ей может они тут где есть надо для мы тебя их чем была сам без будто чего тоже себе под"
          " будет кто этот того потому этого какой здесь это эти очень который которая были",
    "uk": "і й в у не на що він з як а та то все вона так його але ти до ви за б би по тільки її мені було від"
          " мене ще ні о із ним коли навіть якщо вже або бути був там потім себе нічого їй може вони тут де є"
          " треба для ми тебе їх ніж була сам без теж собі під буде хто цей ця ці це того тому цього який яка"
          " які дуже були через щоб",
}

# Letters typical of a language; one shared by several languages counts a share to each.
_HINT_LETTERS: dict[str, str] = {
    "es": "ñ¿¡áéíóú",
    "pt": "ãõçáéíóúâêôà",
    "fr": "éèêàçùûëïîôœâ",
    "de": "ßäöü",
    "it": "àèéìòù",
    "tr": "ğşıçöü",
    "pl": "ąęłśźżćńó",
    "vi": "ăơưđ" + "".join(chr(c) for c in range(0x1EA0, 0x1EFA)),
    "ru": "ыэъё",
    "uk": "іїєґ",
}
_HINT_WEIGHT = 0.6  # a word with a typical letter counts this much, a function word 1

_SCRIPT_RUNS = re.compile(
    r"(?P<latin>[a-zA-Z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff\u0300-\u036f]+)"
    r"|(?P<cyrillic>[\u0400-\u052f]+)"
    r"|(?P<han>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)"
    r"|(?P<kana>[\u3040-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f]+)"
    r"|(?P<hangul>[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]+)"
    r"|(?P<arabic>[\u0620-\u065f\u066e-\u06d3\u06d5-\u06ef\u06fa-\u06ff\u0750-\u077f\ufb50-\ufdff\ufe70-\ufefc]+)"
    r"|(?P<devanagari>[\u0900-\u0963\u0971-\u097f]+)"
    r"|(?P<thai>[\u0e01-\u0e4e]+)"
)
# Scripts written without spaces: about this many characters make one word.
_CHARS_PER_WORD = {"han": 1.6, "kana": 2.0, "thai": 3.2}
_SINGLE_LANGUAGE = {"hangul": "ko", "arabic": "ar", "devanagari": "hi", "thai": "th"}

_MIN_WORDS, _FULL_WORDS = 12.0, 40.0  # confidence grows from 0 to full between these text lengths
_FULL_COVERAGE = 0.2  # share of words scored for the best language at which it counts as typical
_FULL_SEPARATION = 0.5  # (best - runner-up) / best at which the best language is clear
# Kana share of Han + kana characters: above the split Japanese, below Chinese; clear beyond JA / ZH.
_KANA_JA, _KANA_SPLIT, _KANA_ZH = 0.2, 0.06, 0.02
CHECK_CONFIDENCE = 0.7  # check_language reports a problem only at or above this confidence


def _parse_table() -> dict[str, Language]:
    """Languages by code from the compact table."""
    languages: dict[str, Language] = {}
    for line in _TABLE.replace("\n    ", " ").strip().splitlines():
        code, name, native, script, aliases = line.split("|")
        names = tuple(dict.fromkeys(a.strip() for a in aliases.split(",") if a.strip()))
        languages[code] = Language(code, name, native, names, script)
    return languages


LANGUAGES: dict[str, Language] = _parse_table()


def _fold(text: str) -> str:
    """Lowercase, no Latin accents (ñ -> n, ê -> e), other scripts kept, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not "\u0300" <= ch <= "\u036f")
    return " ".join(unicodedata.normalize("NFC", text).split())


_AMBIGUOUS = ("uk",)  # Ukrainian's code, but "UK" may as well mean British English: no check


def _alias_index() -> dict[str, str]:
    """Folded alias -> language code; an alias claimed by two languages is a bug in the table."""
    index: dict[str, str] = {}
    for lang in LANGUAGES.values():
        for alias in (lang.code, lang.name, lang.native, *lang.aliases):
            key = _fold(alias)
            if index.setdefault(key, lang.code) != lang.code:
                raise ValueError(f"language alias {alias!r} is ambiguous")
    for key in _AMBIGUOUS:
        index.pop(key, None)
    return index


_ALIASES = _alias_index()
# Aliases found inside a longer setting: names only (not short codes such as "it" or "de").
_PHRASES = {a: c for a, c in _ALIASES.items() if not (a.isascii() and len(a) <= 3)}
_SCRIPT_PHRASES = {a: c for a, c in _PHRASES.items() if a[0] > "\u024f"}  # 中文 in 中文（简体）


@lru_cache(maxsize=256)
def resolve_language(setting: str) -> Language | None:
    """The Language a free-text setting names ("Español", "pt-BR", "简体中文"), or None if unknown."""
    folded = _fold(setting or "")
    bare = " ".join(re.sub(r"\([^)]*\)|\[[^\]]*\]", " ", folded).split()).strip(" .,;:-") or folded
    bare = bare.replace("_", "-")
    if bare in _ALIASES:
        return LANGUAGES[_ALIASES[bare]]
    tag = re.fullmatch(r"([a-z]{2,3})(?:-[a-z0-9]{2,8})+", bare)
    if tag and tag.group(1) in _ALIASES:
        return LANGUAGES[_ALIASES[tag.group(1)]]
    words = re.findall(r"[^\W_]+", bare)
    found = {_PHRASES[" ".join(words[i:j])] for i in range(len(words))
             for j in range(i + 1, min(i + 4, len(words) + 1)) if " ".join(words[i:j]) in _PHRASES}
    found |= {code for alias, code in _SCRIPT_PHRASES.items() if alias in bare}
    return LANGUAGES[found.pop()] if len(found) == 1 else None


def _word_index(codes: tuple[str, ...]) -> dict[str, tuple[tuple[str, float], ...]]:
    """Function word -> (language, weight) pairs; a word shared by k languages weighs 1/k for each."""
    owners: dict[str, dict[str, None]] = {}
    for code in codes:
        for word in _STOPWORDS[code].split():
            owners.setdefault(unicodedata.normalize("NFC", word), {})[code] = None
    return {w: tuple((c, 1.0 / len(cs)) for c in cs) for w, cs in owners.items()}


def _hint_index(codes: tuple[str, ...]) -> dict[str, tuple[tuple[str, float], ...]]:
    """Typical letter -> (language, weight) pairs, shared letters split between languages."""
    owners: dict[str, list[str]] = {}
    for code in codes:
        for ch in _HINT_LETTERS.get(code, ""):
            owners.setdefault(ch, []).append(code)
    return {ch: tuple((c, 1.0 / len(cs)) for c in cs) for ch, cs in owners.items()}


_GROUPS = {
    script: tuple(c for c, lang in LANGUAGES.items() if lang.script == script) for script in ("latin", "cyrillic")
}
_WORDS = {script: _word_index(codes) for script, codes in _GROUPS.items()}
_HINTS = {script: _hint_index(codes) for script, codes in _GROUPS.items()}


def _score_words(words: list[str], script: str) -> dict[str, float]:
    """Per language of a script: weighted function words and typical letters per word, 0..~1."""
    codes, word_index, hint_index = _GROUPS[script], _WORDS[script], _HINTS[script]
    scores = dict.fromkeys(codes, 0.0)
    for word, count in Counter(words).items():
        for code, weight in word_index.get(word, ()):
            scores[code] += weight * count
        if not word.isascii():
            best: dict[str, float] = {}
            for ch in set(word):
                for code, weight in hint_index.get(ch, ()):
                    best[code] = max(best.get(code, 0.0), weight)
            for code, weight in best.items():
                scores[code] += _HINT_WEIGHT * weight * count
        elif script == "latin" and len(word) > 4:
            if word.endswith("nya"):
                scores["id"] += _HINT_WEIGHT * count
            elif "ij" in word:
                scores["nl"] += _HINT_WEIGHT * count
    return {code: score / len(words) for code, score in scores.items()}


def _pick(scores: dict[str, float]) -> tuple[str | None, float]:
    """The best-scoring language and how clearly it stands out (0..1)."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    (code, best), runner_up = ranked[0], ranked[1][1] if len(ranked) > 1 else 0.0
    if best <= 0:
        return None, 0.0
    typical = min(1.0, best / _FULL_COVERAGE)
    separated = min(1.0, (best - runner_up) / best / _FULL_SEPARATION)
    return code, typical * separated


def detect_language(text: str) -> tuple[str | None, float]:
    """The most likely language code of a text and a confidence 0..1 (low for short or mixed text)."""
    units = dict.fromkeys(("latin", "cyrillic", "han", "kana", "hangul", "arabic", "devanagari", "thai"), 0.0)
    chars = dict.fromkeys(_CHARS_PER_WORD, 0)
    words: dict[str, list[str]] = {"latin": [], "cyrillic": []}
    for match in _SCRIPT_RUNS.finditer(unicodedata.normalize("NFC", text or "")):
        script, run = match.lastgroup or "", match.group()
        if script in _CHARS_PER_WORD:
            chars[script] += len(run)
            units[script] += len(run) / _CHARS_PER_WORD[script]
        else:
            units[script] += 1
            if script in words:
                words[script].append(run.lower())
    total = sum(units.values())
    if total <= 0:
        return None, 0.0
    groups = {s: n for s, n in units.items() if s not in ("han", "kana")}
    groups["cjk"] = units["han"] + units["kana"]
    script = max(groups, key=lambda s: groups[s])
    share = groups[script] / total
    length = min(1.0, max(0.0, (total - _MIN_WORDS) / (_FULL_WORDS - _MIN_WORDS)))
    code: str | None
    if script == "cjk":
        kana = chars["kana"] / (chars["kana"] + chars["han"])  # Japanese prose: 0.3-0.7, Chinese: 0
        if kana >= _KANA_SPLIT:
            code, clarity = "ja", min(1.0, max(0.0, (kana - _KANA_SPLIT) / (_KANA_JA - _KANA_SPLIT)))
        else:
            code, clarity = "zh", min(1.0, max(0.0, (_KANA_SPLIT - kana) / (_KANA_SPLIT - _KANA_ZH)))
    elif script in _SINGLE_LANGUAGE:
        code, clarity = _SINGLE_LANGUAGE[script], 1.0
    else:
        code, clarity = _pick(_score_words(words[script], script))
    if code is None:
        return None, 0.0
    return code, round(length * share * clarity, 3)


def check_language(text: str, setting: str) -> str | None:
    """A short problem ("written in Spanish, expected English") if the text is clearly in another language."""
    expected = resolve_language(setting)
    if expected is None:
        return None
    code, confidence = detect_language(text)
    if code is None or code == expected.code or confidence < CHECK_CONFIDENCE:
        return None
    return f"written in {LANGUAGES[code].name}, expected {expected.name}"
