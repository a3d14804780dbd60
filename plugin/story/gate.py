"""The quality gate: every model answer passes here before anyone sees it, and only story comes out.

It cleans what can be cleaned (markdown, labels around the prose, preambles, meta talk, a model that
starts another turn) and finds what cannot (placeholders, the prompt repeated back, loops, a wrong
length, text cut by the token limit). `clean_prose` works line by line and sentence by sentence, so
cleaning the first part of a text gives the first part of cleaning the whole: the live stream can
show it as it is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from plugin.story.coherence import word_count
from plugin.story.language import check_language

HOLD_LINE_CHARS = 14  # an unfinished line shorter than this may still turn out to be a label
SHINGLE = 5  # a run of this many words of the prompt's own instructions in an answer is an echo
ROLE_TOKEN = re.compile(
    r"<\|?(?:im_start|im_end|endoftext|end_of_turn|start_of_turn|eos|bos|eot_id|start_header_id|end_header_id|"
    r"assistant|user|system)\|?>|</?s>|\[/?INST\]|<<SYS>>|<</SYS>>", re.I)
ROLE_LINE = re.compile(r"^(?:user|assistant|system|model|human|ai|bot)\s*(?::|$)", re.I)
LABEL_LINE = re.compile(
    r"^\W{0,4}(?P<name>chapter\s+title|title|story|prose|text|chapter(?:\s+[\w\d]+)?|the\s+(?:final\s+)?chapter|"
    r"final\s+chapter|choices?|options?|decisions|summary|outline|story\s+plan|plan|memory|remember|events?|"
    r"characters?|what happens next)\W{0,4}\s*[:：]\s*", re.I)
STORY_LABELS = re.compile(r"^(story|prose|text|chapter(\s+[\w\d]+)?|the\s+(final\s+)?chapter|final\s+chapter)$", re.I)
LIST_LINE = re.compile(r"^\s*(?:[-*•]\s*)?(?:option\s+|choice\s+)?[!！]?[\(\[]?(?:[A-Fa-f]|\d{1,2})"
                       r"(?:[\)\]:：]|\.(?=\s))\s*\S", re.I)
FENCE = re.compile(r"^\s*```")
HEADING = re.compile(r"^\s*(?:#{1,6}\s+.+|(\*\*|__)[^*_]{1,100}\1)\s*$")
HTML_TAG = re.compile(r"</?(?:b|i|u|em|strong|p|br|span|div|h[1-6]|small|big|mark|font|center|blockquote)"
                      r"(?:\s[^<>]{0,80})?/?>", re.I)
PLACEHOLDER = re.compile(r"<[^<>\n]{1,120}>|\[(?:[^\]\n]{0,30}\b)?(?:insert|title|name|choice|chapter|story|summary|"
                         r"description|option|your|the next)\b[^\]\n]{0,40}\]|\{[^{}\n]{1,40}\}", re.I)
MARKDOWN = re.compile(r"\*\*|__|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|`|^\s*#{1,6}\s*|#{2,}|^\s*>\s*", re.M)
INLINE_LABEL = re.compile(r"\b(title|story|choices|options|chapter)\s*:", re.I)
INLINE_OPTION = re.compile(r"\b(?:choice|option)\s*[A-F1-6]\s*[:)]|(?:^|\s)[\(\[]?[A-Fa-f1-6][\)\]]\s", re.I)
PREAMBLE = re.compile(r"^\W*(?:sure|certainly|of course|okay|ok|absolutely|great|alright|here(?:'s| is| are))\b",
                      re.I)
META = re.compile(
    r"\b(?:(?:this|that) (?:is|was) (?:a |an )?(?:great |good |wonderful |fantastic |excellent |short |simple )?"
    r"(?:example|piece|response|continuation|version)|creative writing|i hope (?:you|this|that)|"
    r"here'?s (?:a |the |your |an |how )|here (?:is|are) (?:the|your|a|an|some)\b|sure!|let me know|feel free|"
    r"happy to help|as an ai|language model|i'?m an ai|i am an ai|you are an ai|ai assistant|the user\b|"
    r"\bprompts?\b|word count|\(\d+ words?\)|\bnote:|disclaimer|"
    r"in (?:this|the next|the following) chapter,? (?:we|you|i|the hero)|(?:the )?following choices|"
    r"(?:choose|pick|vote for) (?:one|an option|your)|what do you (?:think|choose|want)|audience|viewers?|chat|"
    r"(?:next|this|previous|following|last|first) chapter|(?:this|the) story (?:is|was|unfolds|begins|will|continues|"
    r"ends)|in this story|words? (?:long|after|before)|parts? of (?:the|this|my) story|(?:a|the) story in your|"
    r"favou?rite (?:scenes?|parts?|moments?|chapters?)|i (?:love|like|enjoy) (?:that|this) (?:moment|scene|part)|"
    r"(?:you|i) (?:write|wrote|read) this|worth sharing|decide on next|one choice to)\b|#\w", re.I)
ECHO = re.compile(
    r"the audience chose|your previous attempt|answer in exactly this format|answer with (?:one|only)|"
    r"write chapter \d|in short paragraphs|end at a moment|offer exactly \d|story plan\s*:|\bremember\s*:|"
    r"<chapter title>|<choice>|<the chapter>|clearly different from|different from each other|under 1\d words|"
    r"json object|"
    r"director'?s note from the streamer|follow it in this chapter|acting out that choice", re.I)
SENTENCE = re.compile(r"[^.!?…。！？]*(?:[.!?…。！？]+[\"'”’»)\]]*|$)\s*")
JSON_BITS = re.compile(r"[\"'\]}]\s*[,:]\s*[\"'\[{]|^\s*[\[{]|[\]}]\s*$")  # "a", "b" / "key": [ / { ...
LOOP_RUN = re.compile(r"\b([A-Z]{3,}\W+){6,}")  # a shouted run of capitals


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the gate saw: what, where, and whether the answer cannot be shown (fatal)."""

    code: str  # e.g. "placeholder", "echo", "meta", "label", "loop", "length", "cut", "role"
    detail: str
    fatal: bool = False

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(slots=True)
class Cleaned:
    """Prose after the gate: the text, what was found, and whether the rest was cut away."""

    text: str
    findings: list[Finding] = field(default_factory=list)
    stopped: bool = False  # something that is not story began: what followed was dropped
    dropped_chars: int = 0

    @property
    def fatal(self) -> list[Finding]:
        """The findings that keep the answer off the screen."""
        return [f for f in self.findings if f.fatal]


def words_of(text: str) -> list[str]:
    """Lower-case words (letters, digits, apostrophes)."""
    return re.findall(r"[\w']+", text.lower())


def shingles(text: str, size: int = SHINGLE) -> set[tuple[str, ...]]:
    """Every run of `size` words."""
    words = words_of(text)
    return {tuple(words[i:i + size]) for i in range(len(words) - size + 1)}


class EchoGuard:
    """The prompt's own instructions (not the story it quotes): an answer repeating them echoes the prompt."""

    def __init__(self, prompt: str = "", material: Iterable[str] = ()) -> None:
        quoted: set[tuple[str, ...]] = set()
        for text in material:
            quoted |= shingles(text or "")
        self.grams = shingles(prompt) - quoted

    def echo(self, text: str) -> str | None:
        """The repeated instruction, or None."""
        fixed = ECHO.search(text)
        if fixed:
            return fixed.group(0)
        words = words_of(text)
        for i in range(len(words) - SHINGLE + 1):
            if tuple(words[i:i + SHINGLE]) in self.grams:
                return " ".join(words[i:i + SHINGLE])
        return None


NO_GUARD = EchoGuard()


def sentences_of(line: str) -> list[str]:
    """A line cut into sentences, keeping every character (so joining them gives the line back)."""
    return [s for s in SENTENCE.findall(line) if s]


def _tidy_inline(text: str) -> str:
    """Markdown and simple HTML off; a label-like colon inside prose softened (\"the story: ...\")."""
    text = HTML_TAG.sub("", text)
    text = MARKDOWN.sub("", text)
    return INLINE_LABEL.sub(lambda m: f"{m.group(1)} —", text)


def clean_prose(text: str, guard: EchoGuard = NO_GUARD, final: bool = True) -> Cleaned:
    """Only the story of an answer's prose. With `final` False the text is still arriving: its last,
    unfinished sentence is held back when it could still turn out not to be story."""
    out = Cleaned("")
    paragraphs: list[str] = []
    lines = text.replace("\r\n", "\n").split("\n")
    for number, raw in enumerate(lines):
        line, started = raw.strip(), bool(paragraphs)
        cut = ROLE_TOKEN.search(line)
        if cut:  # the model started another turn: nothing after it is story
            out.findings.append(Finding("role", cut.group(0)))
            line, out.stopped = line[:cut.start()].strip(), True
        if ROLE_LINE.match(line):
            out.findings.append(Finding("role", line[:30]))
            out.stopped = True
            break
        if not line or FENCE.match(line):
            if out.stopped:
                break
            continue
        if not final and number == len(lines) - 1 and len(line) < HOLD_LINE_CHARS:
            break  # a line this short may still become a label ("CHOICES:") or a list item ("1. ..."): wait
        if HEADING.match(line):  # "# The Door", "**The Door**": a heading, not prose
            out.findings.append(Finding("heading", line[:40]))
            continue
        label = LABEL_LINE.match(line)
        if label:
            line = _after_label(label, line, started, out)
            if out.stopped:
                break
            if not line:
                continue
        if LIST_LINE.match(line):  # a list (choices, a plan) among the prose is not story
            out.findings.append(Finding("list", line[:40]))
            out.dropped_chars += len(line)
            continue
        complete = final or number < len(lines) - 1
        kept, stop = _clean_line(line, guard, out, first=not started, complete=complete,
                                 word_done=complete or raw[-1:].isspace())
        if kept:
            paragraphs.append(kept)
        if stop or out.stopped:
            out.stopped = True
            break
    out.text = "\n\n".join(paragraphs)
    return out


def _after_label(label: re.Match[str], line: str, started: bool, out: Cleaned) -> str:
    """What is left of a line that opens with a label: before the story, "STORY:" or "Chapter 1:" is dropped
    (a short heading after it is a title, not prose); anywhere else a label means the story ended."""
    name = re.sub(r"\s+", " ", label.group("name")).lower()
    rest = line[label.end():].strip()
    out.findings.append(Finding("label", label.group(0).strip()))
    if not started and name in ("title", "chapter title"):
        return ""
    if not started and STORY_LABELS.match(name):
        heading = len(rest.split()) <= 8 and not re.search(r"[.!?…。！？]", rest)
        return "" if heading else rest
    out.stopped = True
    return ""


def _clean_line(line: str, guard: EchoGuard, out: Cleaned, first: bool, complete: bool,
                word_done: bool = True) -> tuple[str, bool]:
    """One paragraph, sentence by sentence; returns (what is kept, whether the story stops here). An unfinished
    line's last word is held back unless `word_done` (a space followed it)."""
    kept: list[str] = []
    pieces = sentences_of(line)
    for index, sentence in enumerate(pieces):
        unfinished = not complete and index == len(pieces) - 1 and not re.search(r"[.!?…。！？][\"'”’»)\]]*\s*$",
                                                                                sentence)
        tidy = _tidy_inline(sentence)
        if PLACEHOLDER.search(tidy):
            if unfinished:
                break  # "<" may yet close into a placeholder: hold it
            out.findings.append(Finding("placeholder", PLACEHOLDER.search(tidy).group(0)[:40], fatal=True))  # type: ignore[union-attr]  # searched just above
            return " ".join(kept).strip(), True
        why = _unwanted(tidy, guard, first=first and not kept)
        if unfinished:
            if why or _suspicious_opening(tidy):
                break  # wait for the end of the sentence before deciding
            if not word_done:
                tidy = re.sub(r"\S*$", "", tidy)  # the last word may still grow
            if re.search(r"[<\[{]", tidy):
                tidy = tidy[:min(i for i in (tidy.find("<"), tidy.find("["), tidy.find("{")) if i >= 0)]
            kept.append(tidy)
            break
        if why:
            out.findings.append(Finding(why, sentence.strip()[:60]))
            out.dropped_chars += len(sentence)
            continue
        kept.append(tidy)
    return re.sub(r"\s+", " ", "".join(kept)).strip(), False


def _unwanted(sentence: str, guard: EchoGuard, first: bool) -> str | None:
    """Why a sentence is not story (meta talk, a preamble, the prompt repeated, a choice label), or None."""
    if first and PREAMBLE.match(sentence):
        return "preamble"
    if META.search(sentence):
        return "meta"
    if INLINE_OPTION.search(sentence):
        return "label"
    if JSON_BITS.search(sentence):
        return "json"
    if guard.echo(sentence):
        return "echo"
    return None


def _suspicious_opening(partial: str) -> bool:
    """An unfinished sentence that may yet turn out to be meta talk or an echo: hold it until it ends."""
    head = " ".join(words_of(partial)[:3])
    return bool(re.match(r"(this|that|here|sure|okay|ok|certainly|of course|i |i'm|i'll|let|note|as an|the "
                         r"audience|write|answer|your previous|remember|in this|the next|the following|choose|"
                         r"pick|vote|what do)", head)) or len(words_of(partial)) < 3


def judge_prose(cleaned: Cleaned, words_wanted: int, language: str, finish_reason: str | None = None,
                final_chapter: bool = False) -> list[Finding]:
    """Whole-text findings on cleaned prose: length, loops, a cut ending, the language, too little story."""
    text, found = cleaned.text, []
    words = word_count(text)
    if words < max(8, words_wanted * 0.4):
        found.append(Finding("length", f"only {words} words of story (asked for about {words_wanted})", True))
    elif words > words_wanted * 2.5:
        found.append(Finding("length", f"{words} words (asked for about {words_wanted})", True))
    bodies = [s.strip().lower() for s in sentences_of(text.replace("\n", " ")) if len(s.strip()) > 12]
    if bodies and len(set(bodies)) / len(bodies) < 0.85 or LOOP_RUN.search(text) or _phrase_loop(text):
        found.append(Finding("loop", "the text repeats itself", True))
    if cleaned.dropped_chars > max(200, len(text)):
        found.append(Finding("not-story", "most of the answer was not story", True))
    if finish_reason == "length":
        found.append(Finding("cut", "the token limit cut the answer", final_chapter))
    if text and not re.search(r"[.!?…。！？][\"'”’»)\]]*$", text):
        found.append(Finding("cut", "the text ends mid-sentence", final_chapter))
    problem = check_language(text, language) if text else None
    if problem:
        found.append(Finding("language", problem, True))
    return found


def _phrase_loop(text: str) -> bool:
    """A catalogue, not prose: one phrase again and again, or mostly a list of capitalised names
    ("An Angel of Mercy, An Angel of Mercy, A Hero, ...")."""
    pieces = [p.strip().lower() for p in re.split(r"[,;.!?\n]", text) if len(p.split()) >= 2]
    if len(pieces) < 6:
        return False
    most = max(pieces.count(p) for p in set(pieces))
    named = sum(all(w[:1].isupper() for w in p.split() if w not in ("of", "the", "a", "an", "and"))
                for p in re.split(r"[,;.!?\n]", text) if len(p.split()) >= 2)
    return most >= 3 and most * 5 >= len(pieces) or named * 2 > len(pieces)


def trim_to_sentence(text: str) -> str:
    """The text up to its last full sentence (an answer cut by the token limit ends mid-sentence)."""
    ends = [m.end() for m in re.finditer(r"[.!?…。！？][\"'”’»)\]]*(?=\s|$)", text)]
    return text[:ends[-1]].rstrip() if ends else ""


MAX_CHOICE_WORDS = 12  # a choice is read aloud and shown big: a few words
MAX_CHOICE_CHARS = 80
MAX_TITLE_WORDS = 9
MAX_TITLE_CHARS = 60
_CHOICE_LABEL = re.compile(r"^\s*(?:[-*•]\s*)?(?:option|choice)?\s*[!！]?[\(\[]?(?:[A-Fa-f]|\d{1,2})[\)\].:：\-–—]\s+",
                           re.I)
_NOT_A_CHOICE = re.compile(r"[{}<>()\[\]=|_:;@#$%^&*+/\\]|\b(?:choices?|options?|story|chapters?|vote|viewers|"
                           r"audience|readers?|repeat|provided|the hero should|"
                           r"(?:short|long|brief|one-word|final) answers?)\b", re.I)
ONE_WORD_ACTIONS = frozenset(
    "run wait hide fight flee stay leave follow listen look search climb jump swim pray sing dance rest sleep speak "
    "shout scream whisper trust surrender retreat attack explore escape investigate negotiate bargain steal sneak "
    "help refuse accept agree lie confess apologize apologise charge duck dive call knock enter return advance "
    "observe watch read write think decide go stop push pull open close ask answer".split())
_BARE = re.compile(r"^\W*(?:option|choice)?\s*[A-Fa-f1-6]?\W*$", re.I)
_BOUNDARY = re.compile(r",|;|\s(?:and|to|before|while|so|but|then|because|until|or)\s", re.I)
_DANGLING = re.compile(r"(?:\s+(?:and|or|to|the|a|an|of|with|before|while|so|but|then|for|in|on|at|from|by|into|"
                       r"onto|over|under|is|was|are|were|his|her|their|its|my|your|who|that|which|about))+$", re.I)


def _fit(text: str, max_words: int, max_chars: int) -> str | None:
    """A text over the limit cut at a natural boundary (never mid-word), or None when there is none."""
    if len(text.split()) <= max_words and len(text) <= max_chars:
        return text
    cuts = [m.start() for m in _BOUNDARY.finditer(text)
            if 2 <= len(text[:m.start()].split()) <= max_words and m.start() <= max_chars]
    if not cuts:
        return None
    return _DANGLING.sub("", text[:max(cuts)]).rstrip(" ,;:-–—")


def clean_choice(raw: str, guard: EchoGuard = NO_GUARD) -> tuple[str, str | None]:
    """One choice as it may be shown: (the text, why it cannot be one)."""
    text = _CHOICE_LABEL.sub("", _tidy_inline(raw.strip())).strip()
    text = re.sub(r"\s*[\(\[]?\s*(?:type|vote|chat)?\s*[!！][a-f1-6]\s*[\)\]]?\s*$", "", text, flags=re.I)
    text = text.strip().strip("\"'“”«»").strip()
    if PLACEHOLDER.search(text):
        return "", "a placeholder"
    if _BARE.match(text) or not re.search(r"[^\W\d_]{3}", text):
        return "", "no words"
    if (guard.echo(text) or META.search(text) or LABEL_LINE.match(text) or INLINE_OPTION.search(text)
            or ROLE_TOKEN.search(text) or _NOT_A_CHOICE.search(text)):
        return "", "not a choice"
    if _a_name(text):
        return "", "a name, not an action"
    counts = [text.lower().count(w) for w in set(words_of(text)) if len(w) > 3]
    if counts and max(counts) >= 3:
        return "", "it repeats itself"
    first = re.match(r"(.+?[.!?])\s+\S", text)
    if first:  # more than one sentence: a choice is one short action
        text = first.group(1)
    fitted = _fit(text.rstrip(" .;:,"), MAX_CHOICE_WORDS, MAX_CHOICE_CHARS)
    if fitted is None:
        return "", "too long"
    return fitted[:1].upper() + fitted[1:], None


def _a_name(text: str) -> bool:
    """A short phrase of capitalised words ("Skarn the Grey", "The Great Dragon Dream"): a name, not a choice
    (one word is a choice only when it is an action: "Run", "Hide")."""
    words = [w for w in re.findall(r"[^\W\d_]+(?:['’]s\b)?", text) if w.lower() not in ("the", "of", "a", "an", "and")]
    if len(words) == 1:
        return words[0].lower() not in ONE_WORD_ACTIONS
    return (len(words) <= 5 or "," in text) and all(w[0].isupper() for w in words)


def clean_choices(raw: Iterable[str], guard: EchoGuard, wanted: int) -> tuple[list[str], list[Finding]]:
    """Up to `wanted` usable, distinct choices, and what was wrong with the others."""
    kept: list[str] = []
    found: list[Finding] = []
    for text in raw:
        choice, why = clean_choice(text, guard)
        if why is None and any(_same(choice, other) for other in kept):
            why = "a repeat"
        if why:
            found.append(Finding("choice", f"{why}: {text.strip()[:50]!r}"))
            continue
        if len(choice) != len(text.strip()):
            found.append(Finding("choice-cleaned", text.strip()[:50]))
        kept.append(choice)
    return kept[:wanted], found


def audience_choices(ideas: Sequence[str], written: Sequence[str], wanted: int,
                     most_ideas: int) -> list[tuple[str, int | None]]:
    """A vote's choices: up to `most_ideas` of viewers' ideas first, each through clean_choice like a model's,
    then the writer's own up to `wanted`: (choice, index of the idea it came from or None). An idea that cannot
    be a choice, or repeats one, is left out."""
    kept: list[tuple[str, int | None]] = []
    for from_idea, texts in ((True, ideas), (False, written)):
        for index, text in enumerate(texts):
            choice, why = clean_choice(text) if from_idea else (text, None)
            full = len(kept) >= (min(wanted, most_ideas) if from_idea else wanted)
            if why is None and not full and not any(_same(choice, other) for other, _ in kept):
                kept.append((choice, index if from_idea else None))
    return kept


def _same(a: str, b: str) -> bool:
    """Two choices that say the same (case, punctuation and small words aside)."""
    small = {"the", "a", "an", "to", "and", "of"}
    first, second = set(words_of(a)) - small, set(words_of(b)) - small
    return first == second or bool(first and second and len(first & second) / len(first | second) >= 0.8)


def clean_title(raw: str, guard: EchoGuard = NO_GUARD) -> str:
    """A chapter or story title fit to show, or "" when the model's is unusable."""
    text = _tidy_inline(raw.strip()).strip()
    text = re.sub(r"^\W{0,4}(?:chapter\s+title|title|chapter(?:\s+[\w\d]+)?|part\s+[\w\d]+)\s*[:：.\-–—]\s*", "",
                  text, flags=re.I)
    text = text.strip().strip("\"'“”«»*#").strip()
    if (not re.search(r"[^\W\d_]{2}", text) or PLACEHOLDER.search(text) or guard.echo(text) or META.search(text)
            or ROLE_TOKEN.search(text) or re.search(r"[{}<>\[\]=|_]|\"\s*[,:]", text)):
        return ""
    words = text.split()
    if len(words) > MAX_TITLE_WORDS + 3:
        return ""  # a sentence, not a title
    if len(words) > MAX_TITLE_WORDS or len(text) > MAX_TITLE_CHARS:
        text = _DANGLING.sub("", " ".join(words[:MAX_TITLE_WORDS - 1]))
        while len(text) > MAX_TITLE_CHARS:
            text = _DANGLING.sub("", text.rsplit(" ", 1)[0])
    return text.rstrip(" ,;:-–—.")


def clean_plan(text: str, guard: EchoGuard = NO_GUARD, conversation: bool = False) -> str:
    """A plan the streamer reads and prompts quote (an outline, a premise with its labelled lines): line by
    line without placeholders, the prompt repeated, meta talk or markup; nothing after a model's new turn.
    A `conversation` (the writers' chat) may talk about the writing: only meta talk stays."""
    kept: list[str] = []
    for raw in text.replace("\r\n", "\n").split("\n"):
        cut = ROLE_TOKEN.search(raw)
        line = _tidy_inline(raw[:cut.start()] if cut else raw).strip()
        if ROLE_LINE.match(line):
            break
        usable = line and not FENCE.match(line) and not PLACEHOLDER.search(line) and not guard.echo(line)
        chatter = not conversation and (META.search(line) or not kept and PREAMBLE.match(line) and line.endswith(":"))
        if usable and not chatter:
            kept.append(line)
        if cut:
            break
    return "\n".join(kept)
