"""Word lists and text folding shared by the recognisers.

The lists are general English knowledge (titles, kinship words, role labels, words
that double as names), written once and not fitted to any evaluation transcript.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = [
    "fold",
    "TITLES",
    "RELATIONS",
    "ROLE_WORDS",
    "NAMEY_COMMON_WORDS",
    "NEVER_IDENTIFIERS",
    "MONTHS",
    "WEEKDAYS",
    "is_common_word",
    "is_stop_word",
    "name_tokens",
    "strip_possessive",
    "WORD_CHARS",
]

WORD_CHARS = r"[^\W_]"  # a letter or digit (not underscore): name boundaries


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    low = base.lower()
    return low if len(low) == 1 else base


def fold(text: str) -> str:
    """Lower-case and strip accents *without changing the length*.

    Matching runs on the folded text so "JOSÉ", "José" and "jose" are one name, and
    offsets found there are offsets into the original (one character for one).
    Curly apostrophes become straight ones for the same reason.
    """
    out = "".join(_fold_char(c) for c in text)
    return out.replace("\u2019", "'").replace("\u2018", "'")


# Titles and forms of address that precede a name; kept in the text (they say
# something about the relationship) while the name after them is replaced.
TITLES = frozenset(
    """mr mrs ms miss mx dr doctor prof professor sir madam madame dame lady lord
    aunty auntie aunt uncle tita tito lola lolo ate kuya manang manong nanay tatay
    mama papa baba nana granny gran grandma grandpa nan
    pastor father fr sister sr brother br imam rev reverend bishop rabbi
    chief alhaji alhaja mallam oga madam coach nurse officer sgt sergeant
    judge councillor cllr""".split()
)

# Relations and roles after which a capitalised word is very likely a name
# ("my therapist Anna", "her cousin-brother Ravi").
RELATIONS = (
    "mum mom mother mam mammy maw dad father da daddy pa brother sister bro sis "
    "cousin cousin-brother cousin-sister friend pal mate bestie bff husband wife "
    "hubby partner boyfriend girlfriend fiance fiancé fiancee fiancée ex son daughter "
    "kid child baby aunt aunty auntie tita uncle tito niece nephew gran granny nan "
    "grandma grandmother grandpa grandfather lola lolo stepmum stepmom stepdad "
    "therapist counsellor counselor psychiatrist psychologist doctor gp nurse "
    "caseworker keyworker social-worker boss manager supervisor colleague coworker "
    "co-worker flatmate roommate housemate neighbour neighbor teacher tutor coach "
    "pastor landlord landlady sponsor mentor classmate lecturer"
).split()

# Speaker roles and people-words that a statistical tagger sometimes calls a name.
ROLE_WORDS = frozenset(
    """interviewer interviewee participant respondent moderator facilitator researcher
    speaker int resp therapist counsellor counselor doctor nurse mum mom dad mother
    father god lord jesus christ allah buddha mr mrs ms dr miss sir madam bro sis mate
    mam ma mammy maw mum's gran granny nan nana""".split()
)

# Words that are ordinary English as well as first names or places. A known name
# that is one of these is still caught when capitalised, never in lower case
# ("I will call Will" keeps the first "will").
NAMEY_COMMON_WORDS = frozenset(
    """will may june april august summer autumn winter hope faith grace joy joyce
    rose lily iris ivy daisy holly heather poppy violet jasmine ruby amber pearl
    crystal dawn eve sky skye storm rain river brook wood woods field fields hill
    hills stone bill bob mark pat sue jack rob frank grant chase hunter mason
    carter cook baker miller smith taylor wright young king price rich white
    black brown green gray grey long short little small sharp hardy bright major
    ray art dean drew gene guy herb lance miles neil nick norm penny sandy sunny
    sonny tiffany victor chance destiny harmony honor honour justice liberty
    patience prudence charity verity bliss happy lucky angel baby precious gift
    blessing favour favor peace love mercy godwin sunday monday friday
    reading bath nice split mobile buffalo phoenix victoria sale street wells
    orange jordan chad georgia florence paris austin dallas""".split()
)

# Never proposed: things a mental-health chatbot study talks *about* (apps,
# platforms, services, conditions, therapies) rather than people or places.
NEVER_IDENTIFIERS = frozenset(
    """chatgpt gpt gpt-4 gpt4 openai claude gemini bard copilot replika woebot wysa
    youper character.ai pi siri alexa cortana bot chatbot ai instagram insta facebook
    fb whatsapp tiktok twitter x snapchat snap reddit discord telegram youtube google
    tinder bumble hinge zoom skype teams netflix spotify uber lyft amazon apple viber wechat
    signal messenger imo kakaotalk line linkedin pinterest tumblr twitch
    email e-mail mail mobile phone cell text number dm dms
    android iphone samaritans nhs cbt dbt act emdr adhd ocd ptsd bpd covid covid-19
    corona lockdown ramadan eid christmas easter diwali lent bible quran
    interviewer interviewee participant respondent moderator facilitator researcher
    speaker okay ok yeah yes no um uh mm mhm hmm like""".split()
)

MONTHS = (
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun".split()

_STOP: frozenset[str] | None = None


def _stop_words() -> frozenset[str]:
    global _STOP
    if _STOP is None:
        try:
            from spacy.lang.en.stop_words import STOP_WORDS

            _STOP = frozenset(STOP_WORDS)
        except Exception:  # spaCy missing: the short fallback is enough for names
            _STOP = frozenset("a an the and or but i me my we you he she it they is are was were be to of in on at for".split())
    return _STOP


def is_stop_word(word: str) -> bool:
    """True for a function word ("the", "and", "she") in any case."""
    return fold(word).strip("'’.,;:!?") in _stop_words()


def is_common_word(word: str) -> bool:
    """True for a (folded) word that is ordinary English as well as a name."""
    w = fold(word).strip("'")
    return w in _stop_words() or w in NAMEY_COMMON_WORDS or w in MONTHS or w in WEEKDAYS


_POSSESSIVE = re.compile(r"(?:['\u2019]s|s['\u2019]|['\u2019])$", re.IGNORECASE)


def strip_possessive(text: str) -> str:
    """"Maria's" -> "Maria", "Santos'" -> "Santos", "MARIA’S" -> "MARIA"."""
    m = _POSSESSIVE.search(text)
    if not m:
        return text
    if m.group(0).lower().startswith("s") and len(m.group(0)) == 2:
        return text[:-1]  # "Santos'" -> "Santos": only the apostrophe goes
    return text[: m.start()]


_PARTICLES = frozenset("de da do dos das del della di van von der den la le du bin binti al el y ibn".split())


def name_tokens(text: str) -> tuple[str, ...]:
    """Identity tokens of a person's name: folded, possessive and titles removed.

    "Dr. María Santos's" -> ("maria", "santos"). Particles ("de", "van") stay in the
    tuple but :func:`significant_tokens` ignores them.
    """
    words = [strip_possessive(w.strip(".,;:!?()[]\"'")) for w in text.split()]
    words = [fold(w) for w in words if w]
    while words and words[0].rstrip(".") in TITLES and len(words) > 1:
        words = words[1:]
    return tuple(w for w in words if w)


def significant_tokens(tokens: tuple[str, ...]) -> frozenset[str]:
    """Tokens that identify (no particles, no initials)."""
    return frozenset(t for t in tokens if t not in _PARTICLES and len(t.rstrip(".")) > 1)


__all__.append("significant_tokens")
