"""Offline writers' chat phrasing: how questions are recognised and how answers open and close.

Kept apart from ideas.py (the logic). The ideas themselves are templates in
settings/themes.yaml (`shared.sentences.ideas_*`), filled with the session's cast.
"""

from __future__ import annotations

import re

UNSAFE = re.compile(
    r"\b(?:gore|gory|gorier|bloody|bloodier|blood|guts|tortur\w*|sex\w*|nude|naked|drugs?|"
    r"drunk\w*|swear\w*|curse words|cussing|brutal\w*|violent|violence|murder\w*)\b",
    re.I,
)
SOFTER = (("killing", "defeating"), ("killed", "defeated"), ("kills", "defeats"),
           ("kill", "defeat"))  # fmt: skip
# (intent, pattern) in order of priority; tone intents keep the matched word for the intro.
INTENTS: tuple[tuple[str, str], ...] = (
    ("gentle", r"\b(?:less|not so|not as|too)\s+(?:scary|spooky|dark|intense|creepy|"
               r"frightening)\b|\b(?:gentler|gentle|calmer|calm|cosier|cozier|cosy|cozy|"
               r"kid[- ]friendly|softer)\b"),
    ("twist", r"\b(?:twists?|surpris\w*|shock\w*|unexpected|plot twists?)\b"),
    ("funny", r"\b(?:funn\w*|fun|humou?r\w*|jokes?|silly|sillier|comic\w*|comed\w*|laugh\w*|"
              r"goofy|goofier|witty|wittier)\b"),
    ("scary", r"\b(?:scar(?:y|ier|iest|e|es)|spook\w*|creep\w*|eerie\w*|frighten\w*|horror|"
              r"haunt\w*|sinister|ominous|tense|tenser|tension|suspense\w*)\b"),
    ("drama", r"\b(?:dramatic\w*|drama|epic|intense|exciting|excitement|action|thrill\w*|stakes|"
              r"cliffhang\w*|heroic)\b"),
    ("heart", r"\b(?:sad|sadder|emotional|moving|touching|heart\w*|romance|romantic|love|sweet|"
              r"sweeter|tears?|bittersweet)\b"),
    ("pace", r"\b(?:pac(?:e|ing)|slow|slower|drag\w*|boring|faster|speed\w*|quicker)\b"),
    ("ending", r"\b(?:end|ends|ending|endings|finale|conclu\w*|wrap (?:it |things )?up|"
               r"finish\w*)\b"),
    ("titles", r"\btitles?\b|\bnames? (?:ideas? )?for (?:the |this |our )?(?:story|chapter|tale)\b|"
               r"\bname (?:the|this|our) (?:story|chapter|tale)\b"),
    ("rival", r"\b(?:villains?|rival|antagonist|bad guy|baddie|enemy|nemesis)\b"),
    ("ally", r"\b(?:ally|sidekick|companion|best friend|friend|helper|partner)\b"),
    ("character", r"\b(?:characters?|someone new|new (?:person|face)|cast)\b"),
    ("place", r"\b(?:where|places?|locations?|settings?|world|map)\b"),
    ("next", r"\b(?:next|happen\w*|ideas?|suggest\w*|stuck|help|continue|plot|now|inspir\w*|"
             r"brainstorm\w*)\b"),
)  # fmt: skip
POOLS = {"gentle": "ideas_gentle", "twist": "ideas_twist", "funny": "ideas_funny",
          "scary": "ideas_scary", "drama": "ideas_drama", "heart": "ideas_heart",
          "ending": "ideas_ending", "rival": "ideas_rival", "ally": "ideas_ally",
          "character": "ideas_character", "place": "ideas_place", "next": "ideas_next",
          "whatif": "ideas_whatif", "event": "ideas_event", "pace": "ideas_drama",
          "add": "ideas_add", "general": "ideas_general",
          "unsafe": "ideas_drama"}  # fmt: skip
TONE_TAILS = {
    "funny": ("Easy. Here's what I'd try at {place}:", "Love it. A few ideas:",
              "Here's how I'd get the laughs in:"),
    "scary": ("Spooky, but still fine for the whole family:", "Here's how I'd raise the shivers:",
              "Let's give everyone goosebumps, the friendly kind:"),
    "drama": ("Here's how I'd turn up the heat:", "Let's raise the stakes:",
              "A few ways to get hearts pounding:"),
    "heart": ("Here's how I'd make it land:", "A few gentle ideas:",
              "Let's give it some heart:"),
    "pace": ("Let's pick up the pace:", "Here's how I'd make it move faster:",
             "A few ways to get things moving:"),
    "gentle": ("Sure, let's keep it cosy:", "Easy, here's how I'd soften it:",
               "Here's how I'd keep it warm and gentle:"),
}  # fmt: skip
INTROS = {
    "next": ("Here are {count} ideas for what could happen next, in {target}:",
             "Stuck? It happens to every writer. {Count} ideas for what comes next, in {target}:",
             "Ideas for what happens next? Here are {count}, all around {place}:"),
    "twist": ("{Count} twists, coming up. Pick the one that makes you grin:",
              "Ooh, twists. Here are {count} that fit what we have so far:",
              "Here are {count} twists you could drop in, with {hero} and {rival}:"),
    "ending": ("For the ending, here's what I'd consider{planned}:",
               "Endings are my favourite part. A few ways to end it{planned}:",
               "Here are {count} ways the story could end{planned}:"),
    "titles": ("A few title ideas for {what}:", "Titles! Here are {count} for {what}:",
               "How about one of these titles for {what}:"),
    "rival": ("Let's give {word}, {rival}, some real depth:",
              "{Word}, {rival}, could be so much more than a bad mood with a plan. Some ideas:",
              "Here's how I'd make {word}, {rival}, unforgettable:"),
    "ally": ("Let's give {word}, {ally}, more to do:",
             "{Word}, {ally}, deserves a moment in the spotlight. Some ideas:",
             "Here's how I'd make {word}, {ally}, shine:"),
    "character": ("A new face could shake things up. A few characters who'd fit:",
                  "New characters? Here are {count} who'd fit right in:",
                  "Here are {count} characters I'd love to meet:"),
    "place": ("Where to next? A few places that fit, from the road ahead:",
              "Here are {count} places the story could visit:",
              "A few settings I'd love to see, and what waits in each:"),
    "whatif": ("Oh, I like that. If {clause}, the whole story tilts, in a good way. "
               "Here's how I'd play it:",
               "That's a great what-if. If {clause}, every scene so far gets a second meaning. "
               "A few ways to use it:",
               "Yes! If {clause}, {hero}'s whole journey looks different. Here's what I'd do:"),
    "event": ("Ooh. If {clause}, that's a scene the chat will remember. Here's how I'd play it:",
              "Yes, let's shake things up! If {clause}, here's how I'd use it:",
              "Love it. If {clause}, everything speeds up. A few ways to play it:"),
    "add": ("{Topic}? Absolutely, that fits right in. Here's how I'd bring it in:",
            "Love it: {topic}. Here's how I'd work it into the story:",
            "{Topic} would be great fun. A few ways to use it:"),
    "general": ("“{ask}” Good question. Here's how I'd approach it in our story:",
                "Hmm, “{ask}” Let me think. Here's what I'd try:",
                "“{ask}” Here are {count} ways to go about it:"),
    "unsafe": ("Let's keep this one family-friendly for the stream, but we can still get the "
               "same punch. Try this instead:",
               "I'd keep it family-friendly, but here's how to make it just as gripping:"),
}  # fmt: skip
CLOSINGS = (
    "If one of these clicks, send it as a director's note for chapter {next} and I'll weave it in.",
    "Want one of these? Put it in a director's note and I'll work it into chapter {next}.",
    "Pick a favourite, and we can build chapter {next} around it.",
)
REWRITE = (
    "Chapter {number} is already told, but you can still select a passage of it and ask for a "
    "rewrite, say “{phrase}”, or send one of these as a director's note for the next one."
)
STOP = frozenset(
    "what could would should about think have make some more with that this there their them "
    "they your give please maybe really does will into from like just want need also then than "
    "well been were when which where here other story anything something much very".split()
)
# A what-if that reveals a secret ("the villain is the hero's sister"), not an event.
REVEAL = re.compile(
    r"\b(?:is|are|was|were|has been|had been|turns? out|turned out|secretly|really|actually|"
    r"knew|knows|never|always|used to|is not|isn't|wasn't)\b",
    re.I,
)
