"""Offline writer grammar: the English word and sentence helpers every part of the writer shares.

Capitals and tidying, word counts, pronouns, articles, verb tenses, adjectives, sentences and
names. Nothing here knows about stories, casts or themes. The rules are cheap guesses tuned for
template prose and short streamer notes, not a general English parser: when a guess is unsure
it leaves the text as it was.
"""

from __future__ import annotations

import re

# ----- pronouns -------------------------------------------------------------------------

# Subject, object, possessive, reflexive. Heroes are "she" or "he"; rivals may also be "it".
# "they" is left out on purpose: templates conjugate verbs for a singular subject.
PRONOUNS: dict[str, tuple[str, str, str, str]] = {
    "she": ("she", "her", "her", "herself"),
    "he": ("he", "him", "his", "himself"),
    "it": ("it", "it", "its", "itself"),
}

# ----- word lists -----------------------------------------------------------------------

# Present and bare forms with an irregular simple past; also read as "a word that is a verb".
IRREGULAR_PAST = {
    "is": "was", "are": "were", "am": "was", "has": "had", "have": "had", "does": "did",
    "do": "did", "goes": "went", "go": "went", "finds": "found", "find": "found", "meets": "met",
    "meet": "met", "gets": "got", "get": "got", "sees": "saw", "see": "saw", "takes": "took",
    "take": "took", "makes": "made", "make": "made", "falls": "fell", "fall": "fell",
    "comes": "came", "come": "came", "runs": "ran", "run": "ran", "loses": "lost", "lose": "lost",
    "wins": "won", "win": "won", "gives": "gave", "give": "gave", "tells": "told", "tell": "told",
    "leaves": "left", "leave": "left", "breaks": "broke", "break": "broke", "sings": "sang",
    "sing": "sang", "becomes": "became", "become": "became", "steals": "stole", "steal": "stole",
    "says": "said", "say": "said", "knows": "knew", "know": "knew", "flies": "flew", "fly": "flew",
    "fights": "fought", "fight": "fought", "builds": "built", "build": "built", "buys": "bought",
    "buy": "bought", "brings": "brought", "bring": "brought", "thinks": "thought",
    "think": "thought", "catches": "caught", "catch": "caught", "eats": "ate", "eat": "ate",
    "drinks": "drank", "drink": "drank", "swims": "swam", "swim": "swam", "wakes": "woke",
    "wake": "woke", "hides": "hid", "hide": "hid", "rides": "rode", "ride": "rode",
    "writes": "wrote", "write": "wrote", "speaks": "spoke", "speak": "spoke", "hears": "heard",
    "hear": "heard", "feels": "felt", "feel": "felt", "holds": "held", "hold": "held",
    "sits": "sat", "sit": "sat", "stands": "stood", "stand": "stood", "falls in": "fell in",
    "keeps": "kept", "keep": "kept", "sends": "sent", "send": "sent", "spends": "spent",
    "throws": "threw", "throw": "threw", "digs": "dug", "dig": "dug", "will": "would",
    "can": "could", "shows": "showed", "show": "showed", "begins": "began", "begin": "began",
}  # fmt: skip
# Determiners and common adjectives: never the verb, and a word right after one is a noun.
NOT_VERBS = frozenset(
    "the a an his her their its my your our this that these those some every no one two three "
    "very really old new big small little secret magic".split()
)
# Regular verbs streamers often use; the irregular ones are the keys of IRREGULAR_PAST.
COMMON_VERBS = frozenset(
    "open visit climb explore search escape follow attack save rescue help sneak hide jump dance "
    "cross enter chase try look call ask sail travel return hug kiss free fix solve race follow "
    "celebrate trust betray forgive defeat battle face confront discover learn shout whisper "
    "cook bake paint play sleep rest wait listen plant grow".split()
)
# Lower-case words that may open a sentence, so their capital can go in mid-sentence.
_COMMON_WORDS = COMMON_VERBS | frozenset(
    "the a an some every something nothing everyone everybody someone somebody suddenly".split()
)
_ADJECTIVE_END = re.compile(r"(?:y|er|ous|ful|ish|ive|ic|al|ing|ed|ent|ant|ble|less|est|like)$")
_ADJECTIVES = frozenset(
    "brave bold dark calm weird strange odd cute sweet wild grand epic bright sad mad fun cool "
    "intense tense grim nice warm cold hot wet dry loud soft quiet gentle sinister eerie serene "
    "mysterious dramatic romantic magical spooky funny silly scary creepy".split()
)
# Words that make a phrase a statement ("the villain is the hero's sister").
_STATEMENT = re.compile(
    r"\b(?:is|are|was|were|has|had|turns out|turned out|becomes|became|can|could|will|would|"
    r"must|should|wants|wanted|knows|knew|loves|loved|hates|lives|owns|works|hides|steals|"
    r"stole|secretly|used to|isn't|aren't|can't|won't)\b",
    re.I,
)
_SMALL_WORDS = frozenset("a an and as at but by for in into of on or the to with".split())
# Words a sentence may open with that are not names ("Then", "Suddenly", "Chapter").
_NOT_NAMES = frozenset(
    "I The A An And But Then When While As If So Or Nor Yet For At In On Of To It He She They "
    "We You His Her Their Our My Your This That These Those There Here What Where Who Why How "
    "Just Not No Yes Only Even Now Still After Before Once Every Some Somewhere Nobody Everyone "
    "Chapter Far High Suddenly Meanwhile Outside Inside Behind Above Below Something Everything "
    "Nothing Someone Somebody Everybody Anyone Perhaps Maybe Later Soon Again".split()
)
# A sentence ends after . ! ? (or a closing quote), but not after "Mr." or "Dr.".
_SENTENCE_END = re.compile(
    r"(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bSt\.)(?<!\bProf\.)"
    r"(?<=[.!?”])\s+(?=[A-Z“\"])"
)

# ----- capitals, tidying, counting ------------------------------------------------------


def cap(text: str) -> str:
    """Upper-case the first letter only (keeps 'the Ember Crown' -> 'The Ember Crown')."""
    for index, char in enumerate(text):
        if char.isalpha():
            return text[:index] + char.upper() + text[index + 1 :]
    return text


def tidy(text: str) -> str:
    """Collapse doubled spaces and capitalise the first letter of a finished sentence."""
    text = re.sub(r"[ \t]+", " ", text).strip()
    return cap(text)


def title_case(text: str) -> str:
    """Capitalise a title's words except short joining words ('Into the Crystal Caverns')."""
    result: list[str] = []
    for index, word in enumerate(text.split()):
        small = index > 0 and word.lower() in _SMALL_WORDS
        result.append(word.lower() if small and word.islower() else cap(word))
    return " ".join(result)


def lower_first(text: str) -> str:
    """'Fight the dragon' -> 'fight the dragon' (names and 'I' keep their capital)."""
    first = text.split()[0] if text.split() else ""
    low = first.lower()
    if len(first) > 1 and first[1:].islower() and (low in _COMMON_WORDS or low in IRREGULAR_PAST):
        return text[0].lower() + text[1:]
    return text


def word_count(text: str) -> int:
    """Word count as a reader would count it."""
    return len(text.split())


# ----- articles and adjectives ----------------------------------------------------------


def with_article(phrase: str) -> str:
    """'talking cat' -> 'a talking cat'; names, plurals and phrases with articles stay."""
    first = phrase.split()[0].lower() if phrase.split() else ""
    if not first or first in NOT_VERBS or phrase[:1].isupper() or phrase.endswith("s"):
        return phrase
    return ("an " if first[0] in "aeiou" else "a ") + phrase


def definite(phrase: str) -> str:
    """'a talking cat' -> 'the talking cat' (for the second mention)."""
    return re.sub(r"^(?:a|an|some)\s+", "the ", phrase, flags=re.I)


def is_adjective(phrase: str) -> bool:
    """A cheap guess: does 'make it ___' end in a description ('spooky', 'more tense')?"""
    last = phrase.lower().split()[-1] if phrase.split() else ""
    return last in _ADJECTIVES or (len(last) > 3 and _ADJECTIVE_END.search(last) is not None)


# ----- verbs ----------------------------------------------------------------------------


def past(verb: str) -> str:
    """The simple past of a present-tense or bare verb ("finds" -> "found", "opens" -> "opened")."""
    low = verb.lower()
    if low in IRREGULAR_PAST:
        return IRREGULAR_PAST[low]
    if low.endswith("ies") and len(low) > 4:
        return low[:-3] + "ied"
    if re.search(r"(ss|sh|ch|x|z|o)es$", low):
        return low[:-2] + "ed"
    if low.endswith("s") and not low.endswith("ss"):
        low = low[:-1]
    if low.endswith("e"):
        return low + "d"
    if low.endswith("y") and len(low) > 2 and low[-2] not in "aeiou":
        return low[:-1] + "ied"
    return low + "ed"


def present(verb: str) -> str:
    """The third person present of a bare verb ("sing" -> "sings", "fly" -> "flies")."""
    low = verb.lower()
    special = {"be": "is", "have": "has", "do": "does", "go": "goes"}
    if low in special:
        return special[low]
    if re.search(r"(s|sh|ch|x|z|o)$", low):
        return low + "es"
    if low.endswith("y") and len(low) > 2 and low[-2] not in "aeiou":
        return low[:-1] + "ies"
    return low + "s"


def to_past(statement: str) -> str:
    """'Mara finds a door' -> 'Mara found a door': the first present-tense verb goes past."""
    words = statement.split()
    for index, word in enumerate(words):
        bare = word.lower().strip(",.")
        if index == 0 or "'" in bare or bare in NOT_VERBS:
            continue
        if words[index - 1].lower() in NOT_VERBS:  # "the castles" is a noun, not a verb
            continue
        is_verb = bare in IRREGULAR_PAST or bare in COMMON_VERBS or (
            bare.endswith("s") and not bare.endswith(("ss", "us", "is", "'s")) and len(bare) > 3
        )
        if is_verb:
            if bare == "will" and index + 1 < len(words):  # "will attack" -> "attacked"
                words[index : index + 2] = [past(words[index + 1])]
            else:
                words[index] = past(bare)
            return " ".join(words)
    return statement


def someone_did(text: str) -> str | None:
    """'the dragon sing a song' -> 'the dragon sang a song' (after 'have', 'let', 'make')."""
    words = text.split()
    start = 2 if words and words[0].lower() in ("the", "a", "an", "some", "his", "her") else 1
    for index in range(start, len(words)):
        verb = words[index]
        if verb.isalpha() and verb.islower() and verb not in NOT_VERBS:
            return " ".join([*words[:index], past(verb), *words[index + 1 :]])
    return None


def someone_does(text: str) -> str | None:
    """'Queen Morwen sing a lullaby' -> 'Queen Morwen sings a lullaby' (after have/let/make)."""
    words = text.split()
    start = 2 if words and words[0].lower() in ("the", "a", "an", "some", "his", "her") else 1
    for index in range(start, len(words)):
        verb = words[index]
        if verb.isalpha() and verb.islower() and verb not in NOT_VERBS:
            plural = words[index - 1].endswith("s") and words[index - 1][:1].islower()
            done = verb if plural else present(verb)
            return " ".join([*words[:index], done, *words[index + 1 :]])
    return None


def has_verb(text: str) -> bool:
    """A cheap guess: is this a clause ("the cat can talk") rather than a noun phrase?"""
    if _STATEMENT.search(text):
        return True
    words = [w.lower().strip(",.") for w in text.split()]
    for index, word in enumerate(words[1:], start=1):
        if words[index - 1] in NOT_VERBS:
            continue
        bare = word[:-1] if word.endswith("s") and not word.endswith("ss") else word
        past_tense = word.endswith("ed") and len(word) > 4
        if word in IRREGULAR_PAST or bare in COMMON_VERBS or past_tense:
            return True
    return False


# ----- sentences and names --------------------------------------------------------------


def sentences_of(text: str) -> list[str]:
    """Sentences, split after . ! ? (and a closing quote)."""
    parts = re.split(_SENTENCE_END, " ".join(text.split()))
    return [part for part in parts if part.strip()]


def mentions(text: str, name: str) -> bool:
    """True if `name` (a leading 'the' optional) appears in text as whole words."""
    core = re.sub(r"^the\s+", "", name.strip(), flags=re.I)
    if not core:
        return False
    flags = 0 if core[:1].isupper() else re.I
    return re.search(rf"(?<![\w-]){re.escape(core)}(?![\w-])", text, flags) is not None


def proper_names(text: str) -> list[str]:
    """A cheap guess at people's names: capitalised words mid-sentence, and openers that recur."""
    # A sentence's first word is capitalised anyway, so an opener counts only when it comes back
    # ('Lena ... Lena') or also appears mid-sentence; a word after 'the' or another capital is
    # part of a place or title ('the Old Mill'), not a person.
    found: list[str] = []
    openers: list[str] = []
    for sentence in sentences_of(text):
        words = re.findall(r"[A-Za-z][\w'-]*", sentence)
        for index, word in enumerate(words):
            if not word[:1].isupper() or word in _NOT_NAMES or word.endswith("'s"):
                continue
            if index == 0:
                openers.append(word)
            elif words[index - 1].lower() != "the" and not words[index - 1][:1].isupper():
                found.append(word)
    found += [word for word in openers if openers.count(word) > 1 or word in found]
    return [word for word in dict.fromkeys(found) if len(word) > 1]
