"""Regular-expression recognisers: contact details, addresses, ages, exact dates,
and the cue phrases that point at a name ("my therapist Anna", "I live in Enugu").

Each recogniser returns :class:`Hit` s (offsets into the text, a kind, a source).
They aim at recall: the user reviews every proposal before anything changes, and a
missed phone number costs far more than one extra click.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple

from .lexicon import MONTHS, NEVER_IDENTIFIERS, RELATIONS, TITLES, WEEKDAYS, fold, is_common_word, is_stop_word

__all__ = ["Hit", "find_patterns", "find_cues", "PATTERN_KINDS"]


class Hit(NamedTuple):
    """One proposed span before review: ``text[start:end]`` is the identifier."""

    start: int
    end: int
    kind: str
    source: str


PATTERN_KINDS = frozenset({"email", "phone", "url", "handle", "address", "age", "date"})

# Capital letters of the Latin alphabets (Ó, É, Ł, Ž ...): Irish, Polish and
# Turkish names start with them and Python's re has no \p{Lu}.
_UPPER = "[" + "".join(c for c in map(chr, range(0x41, 0x250)) if c.isupper() and c.isalpha()) + "]"

# --------------------------------------------------------------------- contact
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}(?![\w-])")
# Spoken/obfuscated: "maria dot santos at gmail dot com", "maria(at)example(dot)org".
_EMAIL_SPOKEN = re.compile(
    r"(?i)\b[a-z0-9_]+(?:\s*(?:\.|\(dot\)|\[dot\]|\bdot\b)\s*[a-z0-9_]+)*"
    r"\s*(?:\(at\)|\[at\]|\bat\b)\s*"
    r"[a-z0-9-]+(?:\s*(?:\(dot\)|\[dot\]|\bdot\b)\s*[a-z0-9-]+)*\s*(?:\(dot\)|\[dot\]|\bdot\b)\s*"
    r"(?:com|org|net|edu|gov|ac|co|uk|ng|in|ph|au|ie|ke|za|io)\b(?:\s*(?:\(dot\)|\[dot\]|\bdot\b)\s*[a-z]{2,3}\b)?"
)
_TLDS = (
    "com|org|net|edu|gov|io|co|uk|ng|in|ph|au|nz|ie|ke|za|ca|us|me|info|ly|ee|app|dev|"
    "xyz|site|online|blog|page|link|gh|sg|my|pk|bd|lk"
)
_URL = re.compile(
    r"(?i)\b(?:https?://|www\.)[^\s<>\"]+"
    rf"|(?<![@\w.-])(?:[a-z0-9-]+\.)+(?:{_TLDS})\b(?:/[^\s<>\"]*)?"
)
_HANDLE = re.compile(r"(?<![\w@.])@[A-Za-z0-9_](?:[A-Za-z0-9_.]*[A-Za-z0-9_])?")
_REDDIT_USER = re.compile(r"(?<![\w/])/?u/[A-Za-z0-9_-]{3,}")
# "my insta is maria.s_94", "handle: tunde_writes", "username kayla88".
_HANDLE_CUE = re.compile(
    r"(?i)\b(?:insta(?:gram)?|ig|twitter|tiktok|snap(?:chat)?|discord|telegram|threads|"
    r"handle|user\s?name|gamertag|account)\b(?:\s+(?:is|was|name\s+is|handle\s+is))?\s*[:\-]?\s*"
    r"(?P<h>@?[A-Za-z0-9_.]{3,30})"
)

# A phone number: optional country code, optional (area) code, then digits in groups.
_PHONE = re.compile(
    r"(?<![\w+/.:-])"
    r"(?:(?:\+|00)\d{1,3}[ .-]?(?:\(0\)[ .-]?)?)?"
    r"(?:\(\d{1,5}\)[ .-]?)?"
    r"\d(?:[\d]|[ .-](?=\d)){5,17}\d"
    r"(?![\w/-]|\.\d)"
)
_DATEISH = re.compile(r"^\d{1,4}[./-]\d{1,2}[./-]\d{1,4}$")
_SHORT_LOCAL = re.compile(r"^\d{3}[ -]\d{4}$")  # US "555-0134"

# --------------------------------------------------------------------- address
_STREET_TYPES = (
    "(?:Street|Road|Avenue|Lane|Drive|Close|Crescent|Court|Place|Terrace|Way|Boulevard|Highway|Parade|"
    "Gardens|Grove|Square|Row|Walk|Mews|Circle|Wynd|Vennel|Brae|Marg|Nagar|Layout|Extension|Expressway|Quay|"
    # the street words that follow the name elsewhere: Tamil, Bengali, Telugu, Hindi/Urdu, Turkish
    "Salai|Sarani|Veedhi|Gali|Chowk|Caddesi|Cadde|Sokak|Sokağı|Bulvarı)\\b"
    "|(?:St|Rd|Ave|Ln|Dr|Cres|Ct|Pl|Tce|Blvd|Hwy|Pde|Gdns|Sq|Cir)\\b\\.?"
)
_CAP = rf"(?:St\.|Mt\.|{_UPPER}[\w'’-]*)"
_UNIT = r"(?:(?:Flat|Apt\.?|Apartment|Unit|Suite|House(?:\s+No\.?)?|Holding|Plot|Blk\.?|Block|Lot|No\.?)\s*[\w/-]*\d[\w/-]*,?\s+)"
_STREET_NO = r"\d{1,5}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?,?\s+"
# A house number after the street, as most of the world writes it: "Rua Augusta 1508",
# "Moda Caddesi No: 18", "Jl. Margonda Raya No. 88", "ul. Długa 12 m. 4", "1508, apto 42".
_HOUSE_AFTER = (
    r"(?:,?\s+(?:No\.?|Nº|N°|nr\.?|Nr\.?|#)?\s*:?\s*\d{1,5}[A-Za-z]?(?:[/-]\d{1,4}[A-Za-z]?)?\b)?"
    r"(?:,?\s+(?i:apto?\.?|apt\.?|flat|unit|piso|dpto\.?|depto\.?|m\.|ap\.|bl\.|sc\.|et\.|kat)\s*\d{1,4}[A-Za-z]?\b)?"
)
_STREET = re.compile(
    rf"{_UNIT}*\b{_STREET_NO}(?:{_CAP}\s+){{0,3}}{_CAP}\s+(?:{_STREET_TYPES})(?:\s+\d{{1,3}}\b)?"
    rf"|{_UNIT}+(?:{_CAP}\s+){{0,3}}(?:{_STREET_TYPES})(?:\s+\d{{1,3}}\b)?"
    # Bengaluru-style "3rd Cross", "5th Main Road", after an optional house number.
    rf"|{_UNIT}*\b\d{{1,2}}(?:st|nd|rd|th)\s+(?:Cross|Main)(?:\s+Road)?\b"
    # Numbered roads (Dhaka, Phnom Penh, Abuja): "House 12, Road 7", "Street 21".
    rf"|{_UNIT}*\b(?:Road|Rd\.?|Street|St\.|Lane|Avenue|Soi|Lorong)\s+(?:No\.?\s*)?\d{{1,4}}[A-Z]?\b"
)
# A named street without a number ("off Byres Road") still places someone.
_STREET_NAME = re.compile(
    rf"\b(?:{_CAP}\s+){{0,2}}{_CAP}\s+(?:Street|Road|Avenue|Lane|Drive|Crescent|Terrace|Boulevard|Highway|Parade|Wynd|"
    rf"Marg|Nagar|Salai|Sarani|Veedhi|Caddesi|Sokak|Sokağı|Bulvarı)\b{_HOUSE_AFTER}"
)
# The word for "street" that comes before the name, in the languages interviews
# are given in: Polish, Spanish, Portuguese, French, Italian, Romanian, Russian,
# Ukrainian, Malay/Indonesian, Thai, Vietnamese, Arabic (Egypt, Maghreb), Persian,
# Hebrew, Hungarian. Lower case or capitalised.
_LEAD_WORDS = (
    "ulica ul. aleja al. plac calle avenida avda. av. carrera cra. camino paseo bulevar rua travessa alameda "
    "praça largo estrada rue avenue boulevard chemin allée via viale piazza corso strada str. calea aleea "
    "bulevardul bd. ulitsa prospekt vulytsia vul. jalan jl. jln. lorong soi thanon đường duong phố pho ngõ "
    "ngo ngách hẻm hem shari sharia shareh derb zanqat khiyaban kuche rehov sderot utca út"
).split()
_LEAD = "|".join(sorted((re.escape(w) for w in _LEAD_WORDS), key=len, reverse=True))
_PARTICLE = r"(?:de|del|de\s+la|de\s+las|de\s+los|da|das|do|dos|di|della|du|des|y|e|el|la|al|el-|ibn|bin)"
# A capitalised word of a street's name, not the "No." of its house number.
_NAME_CAP = rf"(?!(?:No|Nr|Nº|N°)\b){_CAP}"
_STREET_WORLD = re.compile(
    rf"(?i:\b(?:{_LEAD})(?![\w.])\s+(?:\d{{1,4}}[A-Za-z]?\s+)?(?:{_PARTICLE}\s+)?)"
    rf"{_NAME_CAP}(?:\s+(?:{_PARTICLE}\s+)?{_NAME_CAP}){{0,3}}{_HOUSE_AFTER}"
    rf"|\b{_CAP}\s+(?:street|road|avenue|lane|st\.)(?=[\s,.;:!?]|$)(?:\s+\d{{1,4}}\b)?"
    rf"|\b[A-ZÀ-Ý][a-zß-ÿ]+(?:straße|strasse|gasse|weg|allee|laan|straat|gatan|vej|utca|iela){_HOUSE_AFTER}"
    # Korean road names: "Teheran-ro 152", "Sinchon-ro 5-gil".
    rf"|\b{_CAP}-(?:ro|gil|daero)(?:\s+\d{{1,3}}-?(?:gil)?)?(?:\s+\d{{1,4}}(?:-\d{{1,3}})?)?\b"
)
_STREET_LEADS = frozenset(_LEAD_WORDS)
_POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}\b"  # UK
    r"|\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|"
    r"NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY)\s+\d{5}(?:-\d{4})?\b"  # US state + ZIP
    r"|\b(?:NSW|VIC|QLD|WA|SA|TAS|ACT|NT)\s+\d{4}\b"  # Australian state + postcode
    r"|(?i:\bpin(?:\s?code)?\s*[:\-]?\s*)\d{3}\s?\d{3}\b"  # Indian PIN, only when named
    r"|\bP\.?\s?O\.?\s+Box\s+\d+\b"
    r"|\bSingapore\s+\d{6}\b"  # Singapore postcode
    r"|\b(?:[AC-FHKNPRTV-Y]\d{2}|D6W)\s?[0-9AC-FHKNPRTV-Y]{4}\b"  # Irish Eircode
    r"|#\d{1,3}-\d{1,5}\b"  # unit number "#08-1234"
    r"|\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b"  # Canadian postal code
    r"|\b\d{5}-\d{3}\b"  # Brazilian CEP
)
# Any country's code when it is named: "postcode 00-950", "zip: 110001", "CEP 01310-100".
_NAMED_POSTCODE = re.compile(
    r"(?i:\b(?:post\s?code|postal\s+code|zip(?:\s?code)?|cep|código\s+postal|code\s+postal|pin\s?code)"
    r"(?:\s+(?:is|was|é|es|est))?\s*[:\-]?\s*)"
    r"(?P<c>(?=[A-Z0-9 -]*\d)[A-Z0-9]{2,7}(?:[ -][A-Z0-9]{2,4})?)\b"
)
# A town and its postcode right after a street address: "27 Burton Road, Didsbury, M20 2EB",
# "Road 7, Dhanmondi, Dhaka 1205", "3412 Navigation Blvd, Houston, TX 77003".
_ADDRESS_TAIL = re.compile(
    rf",?\s+(?:{_CAP}(?:\s+{_CAP})?,?\s+){{0,2}}(?:[A-Z]{{2,3}}\s+)?\d{{4,6}}(?:-\d{{3,4}})?\b"
)
_AREA = re.compile(r"\b(?:Sector\s+\d+[A-Z]?|(?:Barangay|Brgy\.?)\s+[A-Z][\w-]*(?:\s+[A-Z][\w-]*)?|Phase\s+\d+[A-Z]?)\b")

# ------------------------------------------------------------------------- age
_NUMBER_WORD = (
    r"(?:(?:twenty|thirty|forty|fourty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?"
    r"|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen"
    r"|one|two|three|four|five|six|seven|eight|nine)"
)
_AGE_NUM = rf"(?P<n>\d{{1,3}}|{_NUMBER_WORD})"
_UNITS_AFTER = (
    r"(?!\s*(?:%|percent|per|pounds?|quid|dollars?|naira|rupees?|pesos?|euros?|kg|kilos?|km|miles?|"
    r"minutes?|mins?|hours?|hrs?|days?|weeks?|months?|times?|o'clock|am\b|pm\b|a\.m|p\.m|:|\.\d|,\d|"
    r"cups?|pills?|tablets?|mg|sessions?|people|of\b|out\b|kids|children|"
    r"stone|feet|foot|inches|k\b|th\b|st\b|nd\b|rd\b))"
)
_AGES = (
    re.compile(rf"\b{_AGE_NUM}[- ](?:years?|yrs?|yo)[- ]old\b", re.IGNORECASE),
    re.compile(rf"\b{_AGE_NUM}\s?(?:yo|y/o|y\.o\.)(?!\w)", re.IGNORECASE),
    re.compile(
        rf"\b(?:I'?m|I\s+am|I’m|she'?s|she’s|he'?s|he’s|she\s+is|he\s+is|they'?re|they\s+are|"
        rf"aged|age|turned|turning|I'?ll\s+be|I’ll\s+be)\s*:?\s+"
        rf"(?:(?:only|just|nearly|almost|about|barely|now|already|still)\s+)?{_AGE_NUM}\b(?:\s+(?:years?|yrs?)(?:\s+old)?)?{_UNITS_AFTER}",
        re.IGNORECASE,
    ),
    # Patois and Pidgin: "Mi 23, mi nuh care", "I be 34 this year", "I dey 40 now"; the
    # number must end the clause, so "mi 2 pickney" is no age.
    re.compile(
        rf"(?i:\b(?:mi|I\s+be|I\s+dey)\s+)(?P<n>\d{{1,3}}|{_NUMBER_WORD})"
        r"(?=\s*[,.;!?]|\s*$|\s+(?i:this|next|now|years?|yrs?|an'?|and|dis|nex)\b)"
    ),
    # An introduction: "I'm Lakshmi, 29, from Madurai", "im Juan Camilo, 26, in Medellín".
    re.compile(
        rf"(?i:\b(?:I'?m|I’m|I\s+am|im|my\s+name\s+is|this\s+is)\s+)[^\W\d_][\w'’-]*(?:\s+[^\W\d_][\w'’-]*){{0,2}},\s+"
        rf"(?P<n>\d{{1,3}})(?=\s*[,.;]|\s+(?:and|from|in|at|living|years?)\b)"
    ),
)

# An age said figuratively: "like" or "as if" just before "I'm fifty".
_FIGURATIVE = re.compile(r"(?i)\b(?:like|as\s+if|as\s+though|feel|feels|felt)\s+\Z")

# ------------------------------------------------------------------------ date
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\.?"
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"\b(?:the\s+)?{_DAY}\s+(?:of\s+)?{_MONTH}(?:,?\s+\d{{4}}(?![-/]\d))?\b"
    rf"|\b{_MONTH}\s+(?:the\s+)?{_DAY}(?:,?\s+\d{{4}}(?![-/]\d))?\b(?!:)"
    r"|\b\d{4}-\d{2}-\d{2}\b"
    r"|\b(?:[12]\d|3[01]|0?[1-9])[/.](?:1[0-2]|0?[1-9])[/.](?:\d{4}|\d{2})\b"
    r"|\b(?:1[0-2]|0?[1-9])/(?:[12]\d|3[01]|0?[1-9])/(?:\d{4}|\d{2})\b"
)


def _valid_phone(candidate: str) -> bool:
    digits = sum(c.isdigit() for c in candidate)
    if _DATEISH.match(candidate):
        return False
    if re.fullmatch(r"(?:19|20)\d\d\s*[-–]\s*(?:19|20)?\d\d", candidate):  # 2019-2020
        return False
    if digits == 7:
        return bool(_SHORT_LOCAL.match(candidate))
    if not 8 <= digits <= 15:
        return False
    # "10 000 000" and "1.000.000" are money, not phones: groups of exactly three.
    groups = re.split(r"[ .-]", candidate.lstrip("+"))
    if len(groups) > 2 and all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3 and not candidate.startswith(("+", "0")):
        return False
    return True


def _iter(pattern: re.Pattern[str], text: str, kind: str, group: str | int = 0) -> Iterator[Hit]:
    for m in pattern.finditer(text):
        s, e = m.span(group)
        if s < e:
            yield Hit(s, e, kind, "pattern")


def _trim_url(text: str, s: int, e: int) -> int:
    # "see example.org/help." -> the sentence's full stop is not part of the address.
    while e > s and text[e - 1] in ".,;:!?)]}'\"’":
        if text[e - 1] == ")" and "(" in text[s:e]:
            break
        e -= 1
    return e


def _one_line(text: str, hits: Iterable[Hit]) -> list[Hit]:
    """No identifier runs over a line break into the next line or turn: a hit is cut
    at its first one ("Depok\n\nInterviewer" is "Depok")."""
    out = []
    for h in hits:
        cut = text.find("\n", h.start, h.end)
        end = h.end if cut < 0 else cut
        while end > h.start and text[end - 1].isspace():
            end -= 1
        if end > h.start:
            out.append(h._replace(end=end))
    return out


def find_patterns(text: str, kinds: Iterable[str]) -> list[Hit]:
    """Every pattern hit for the requested kinds (overlaps are resolved later)."""
    return _one_line(text, _find_patterns(text, kinds))


def _find_patterns(text: str, kinds: Iterable[str]) -> list[Hit]:
    kinds = set(kinds)
    hits: list[Hit] = []
    if "email" in kinds:
        hits += _iter(_EMAIL, text, "email")
        hits += _iter(_EMAIL_SPOKEN, text, "email")
    if "url" in kinds:
        for m in _URL.finditer(text):
            e = _trim_url(text, m.start(), m.end())
            if e > m.start() and not re.fullmatch(r"(?i)(?:e\.g|i\.e|etc|a\.m|p\.m)\.?", text[m.start():e]):
                hits.append(Hit(m.start(), e, "url", "pattern"))
    if "handle" in kinds:
        hits += _iter(_HANDLE, text, "handle")
        hits += _iter(_REDDIT_USER, text, "handle")
        for m in _HANDLE_CUE.finditer(text):
            h = m.group("h").rstrip(".")
            # Only handle-looking words: "my insta is private" names no account.
            if h.startswith("@") or re.search(r"[\d_.]", h):
                hits.append(Hit(m.start("h"), m.start("h") + len(h), "handle", "pattern"))
    if "phone" in kinds:
        for m in _PHONE.finditer(text):
            if _valid_phone(m.group(0)):
                hits.append(Hit(m.start(), m.end(), "phone", "pattern"))
    if "address" in kinds:
        hits += _iter(_STREET, text, "address")
        hits += _iter(_STREET_NAME, text, "address")
        for m in _STREET_WORLD.finditer(text):
            words = m.group(0).split()
            if words[0].lower() in _STREET_LEADS:
                # "avenue I took", "via The": the name after the street word is no sentence word.
                rest = [w for w in words[1:] if not w[0].isdigit() and not re.fullmatch(_PARTICLE, w, re.I)]
                if not rest or (rest[0].isascii() and is_stop_word(rest[0])):  # "Tô" is no "to"
                    continue
            elif is_common_word(words[0]):
                continue
            hits.append(Hit(m.start(), m.end(), "address", "pattern"))
        hits += _iter(_POSTCODE, text, "address")
        hits += _iter(_NAMED_POSTCODE, text, "address", "c")
        hits += _iter(_AREA, text, "address")
        for h in [h for h in hits if h.kind == "address"]:
            tail = _ADDRESS_TAIL.match(text, h.end)
            if tail:
                hits.append(Hit(h.start, tail.end(), "address", "pattern"))
    if "age" in kinds:
        for pattern in _AGES:
            for m in pattern.finditer(text):
                n = m.group("n")
                if n.isdigit() and not 1 <= int(n) <= 120:
                    continue
                if _FIGURATIVE.search(text, max(0, m.start() - 20), m.start()):
                    continue  # "I feel like I'm fifty", "treats me like I'm twelve"
                hits.append(Hit(m.start("n"), m.end("n"), "age", "pattern"))
    if "date" in kinds:
        hits += _iter(_DATE, text, "date")
    return hits


# ------------------------------------------------------------------------ cues
# Cue patterns are built twice: for ordinary text a name must be capitalised; for
# lower-case text (chat, automatic transcripts) any word may be a name, and the
# caller confirms each one with the part-of-speech tagger.
_UPPER_WORD = _UPPER + r"[\w'’-]+"
_ANY_WORD = r"[^\W\d_][\w'’-]+"
_TITLE_RE = "|".join(sorted((re.escape(t) for t in TITLES), key=len, reverse=True))
_REL_RE = "|".join(sorted((re.escape(r) for r in RELATIONS), key=len, reverse=True))


def _cue_patterns(word: str) -> dict[str, re.Pattern[str]]:
    # Spaces only, never a line break: a cue must not run into the next turn
    # ("student at Universitas Indonesia in Depok\n\nInterviewer: ...").
    name = rf"(?P<name>{word}(?:[^\S\n]+(?:(?:de|da|van|von|bin|al|del|dos)[^\S\n]+)?{word}){{0,2}})"
    place = rf"(?P<name>{word}(?:[^\S\n]+{word}){{0,2}})"
    return {
        "title": re.compile(rf"\b(?i:{_TITLE_RE})\.?[^\S\n]+{name}"),
        "relation": re.compile(
            rf"(?i:\b(?:my|our|her|his|their|ma|me|your)[^\S\n]+(?:(?:little|older|younger|big|elder|best|late|ex|step|half|new|old)[-\s]+)?"
            rf"(?:{_REL_RE})s?[^\S\n]*,?[^\S\n]+(?:called[^\S\n]+|named[^\S\n]+)?){name}"
        ),
        "named": re.compile(rf"(?i:\b(?:named|called|name[^\S\n]+is|name's|name’s|names[^\S\n]+are|known[^\S\n]+as|call[^\S\n]+me)[^\S\n]+){name}"),
        "place": re.compile(
            r"(?i:\b(?:live|lives|living|lived|moved|move|moving|grew[^\S\n]+up|born|raised|based|relocated|"
            r"settled|staying|stayed|stay|stays|come|comes|came|originally|hometown|village|town|city|"
            r"back[^\S\n]+home|went[^\S\n]+back|going[^\S\n]+back|travel(?:l?ed)?|fae|frae|visit(?:ed|ing)?|from|went|flew|drove|trip|holiday)"
            r"[^\S\n]+(?:(?:up|down|over|out|back|here|there|all[^\S\n]+the[^\S\n]+way)[^\S\n]+)?(?:in|to|at|near|from|outside|fae|frae|of|is)?[^\S\n]*(?:the[^\S\n]+)?)"
            + place
        ),
        "org": re.compile(
            r"(?i:\b(?:work(?:s|ed|ing)?|job|employed|intern(?:ed|ing)?|volunteer(?:s|ed|ing)?|"
            r"stud(?:y|ies|ied|ying)|enrolled|teach(?:es|ing)?|taught|student)[^\S\n]+(?:at|for|with|in)[^\S\n]+(?:the[^\S\n]+)?)"
            rf"(?P<name>{word}(?:[^\S\n]+(?:of[^\S\n]+|&[^\S\n]+)?{word}){{0,4}})"
        ),
    }


_CUES = {False: _cue_patterns(_UPPER_WORD), True: _cue_patterns(_ANY_WORD)}
_IZAFAT = re.compile(rf"\b{_UPPER}[a-z]+-e-{_UPPER}[a-z]+\b")
_FACILITY_WORDS = (
    "Hospital|Clinic|Infirmary|Surgery|Hospice|Church|Cathedral|Chapel|Parish|Basilica|Mosque|Masjid|Temple|"
    "Synagogue|Gurdwara|Mandir|Shrine|Madrasa|Madrassa|School|Academy|Kindergarten|Nursery|Sanatorium|"
    "Dispensary|Polyclinic|Mall|Market|Stadium|Station|Hotel|Prison|Barracks|Asylum|Ward|"
    # Turkish puts the word after the name: "Acıbadem Hastanesi", "Kadıköy Anadolu Lisesi".
    "Hastanesi|Kliniği|Okulu|Lisesi|Camii|Kilisesi"
)
_ORG_WORDS = (
    "University|Üniversitesi|College|Polytechnic|Centre|Center|Trust|Foundation|Bank|Ltd|Limited|Inc|PLC|Plc|"
    "Group|Company|Corporation|Corp|Council|Ministry|Agency|Association|Society|Club|Institute|Services|Charity|"
    "Partnership|Practice|Pharmacy|Chemist"
)
# A centre or center that treats people is a facility ("Partick Health Centre").
_CARE_CENTRE = re.compile(
    r"(?i:\b(?:health|medical|mental\s+health|wellness|wellbeing|rehabilitation|rehab|counselling|counseling|"
    r"care|treatment|recovery|crisis|cancer|dialysis|trauma|psychiatric|community\s+health)\s+(?:centre|center)s?)$"
)
# The word for a hospital, clinic, school or place of worship that comes *before*
# the name in Spanish, Portuguese, French, Italian, Romanian, Polish, Indonesian,
# Malay and others: "Hospital das Clínicas", "Spitalul Clinic Județean", "Szkoła
# Podstawowa nr 7", "Colegio Fe y Alegría 25", "Rumah Sakit Cipto", "CHU Ibn Rochd".
_FACILITY_LEADS = (
    "Hospital|Hospitalul|Hôpital|Hopital|Spitalul|Spital|Szpital|Ospedale|Clínica|Clinica|Clinique|Klinik|Klinika|"
    "Policlínica|Policlinica|Poliklinika|Sanatorio|Centro\\s+de\\s+Salud|Centro\\s+Médico|Centro\\s+de\\s+Saúde|"
    "Posto\\s+de\\s+Saúde|Puskesmas|Rumah\\s+Sakit|RSUD|RSUP|CHU|CHR|Parroquia|Iglesia|Igreja|Église|Eglise|Chiesa|"
    "Kościół|Parafia|Mosquée|Mezquita|Masjid|Escuela|Colegio|Colégio|Escola|Liceo|Liceu|Lycée|Lycee|École|Ecole|"
    "Collège|Scuola|Szkoła|Szkola|Gimnazjum|Liceum|Sekolah|Pesantren|Instituto|Institut|Liceul|Şcoala|Școala|Scoala"
)
_UNIVERSITY_LEADS = "Universidad|Universidade|Université|Universite|Universität|Universitat|Università|Universitas|Uniwersytet|Universitatea|Univerzita|Universiteit"
_LEAD_PART = r"(?:de|del|de\s+la|de\s+las|de\s+los|da|das|do|dos|di|della|degli|du|des|d'|y|e|et|nr\.?|no\.?|nº|n°|the|of|al|el|la|le|ibn|bin)"
_LEAD_NAME = re.compile(
    rf"\b(?P<w>{_FACILITY_LEADS}|{_UNIVERSITY_LEADS})\s+(?:{_LEAD_PART}\s+)?"
    rf"(?:{_CAP}|\d{{1,4}})(?:\s+(?:{_LEAD_PART}\s+)?(?:{_CAP}|\d{{1,4}}\b)){{0,5}}"
)
_UNIVERSITY_SET = frozenset(_UNIVERSITY_LEADS.split("|"))
# "St James's", "St. Mary's": in Britain and Ireland the hospital or the school,
# said without the word for it (not "St Patrick's Day").
_SAINTS = re.compile(rf"\bSt\.?\s+{_UPPER}[a-z]+['’]s\b(?!\s+(?i:day|eve|night|church|cathedral|hospital|school|college|park))")
# An acronym right after "at" names an institution: "my therapist at CAMH", "one time
# at NIMHANS", "a nurse at UCH" (not "at NIGHT" in a shouted line).
_AT_ACRONYM = re.compile(r"\b(?:at|from|with|joined|left)\s+(?:the\s+)?(?P<name>[A-Z][A-Z&]{2,7}(?:\s+[A-Z][a-z]+)?)\b(?!\s+[A-Z]{2,})")
# An apposition after the word for the place: "from college, PSG Tech", "the
# counselling centre at school, Fudan Mental Health Centre", "my employer, Zoho".
_APPOSITION = re.compile(
    r"(?i:\b(?P<w>college|university|uni|school|hospital|clinic|company|firm|employer|church|mosque|temple|"
    r"workplace|office|practice)\s*(?:,|\(|:|–|—|\s-|\s+called|\s+named)\s*)"
    rf"(?P<name>{_UPPER}[\w'’&.-]*(?:\s+{_UPPER}[\w'’&.-]*){{0,3}})"
)
_APPOSITION_FACILITY = frozenset("school hospital clinic church mosque temple".split())
_SUFFIX_ORG = re.compile(
    rf"\b(?P<name>(?:{_CAP}\s+(?:(?:of|&|for|the|de)\s+)?){{1,6}}(?P<w>{_FACILITY_WORDS}|{_ORG_WORDS})s?"
    rf"(?:\s+of\s+(?:the\s+)?{_CAP}(?:\s+{_CAP}){{0,3}})?)\b"
    rf"|\b(?P<name2>(?P<w2>{_FACILITY_WORDS}|University|College|Bank|Institute|Church|School)\s+of\s+(?:the\s+)?{_CAP}(?:\s+{_CAP}){{0,3}})"
)
# "Our Lady of Guadalupe Church", "Our Saviour's" keep their "Our".
_LEADING_STOP = re.compile(r"^(?:The|A|An|My|Our(?!\s+(?:Lady|Saviour|Savior|Redeemer)\b)|Your|His|Her|Their|This|That|At|In|On|From|To|And|But|So)\s+")
_FACILITY_SET = frozenset(_FACILITY_WORDS.split("|"))
_TIME_WORDS = frozenset(m.capitalize() for m in MONTHS) | frozenset(w.capitalize() for w in WEEKDAYS)


def _kind_in(kind: str, kinds: set[str]) -> str:
    """An institution asked for as the other of org/facility keeps being found."""
    if kind in kinds:
        return kind
    return "org" if kind == "facility" else "facility"


def _name_ok(words: list[str], after_title: bool = False) -> bool:
    """Could these words be a name? After a title ("Miss Ivy", "Dr Grant") an
    ordinary word is a name too, as long as it is capitalised and no function word."""
    if not words:
        return False
    first = words[0].strip("'’")
    if first in _TIME_WORDS or fold(first).rstrip(".") in TITLES:
        return False
    if after_title:
        return first[:1].isupper() and not is_stop_word(first)
    if is_common_word(first):
        return False
    return not all(is_common_word(w) for w in words)


def _trim_name(text: str, s: int, e: int, keep_common: bool = False) -> tuple[int, int]:
    """Cut a cue's capture back to the name: stop at a common/sentence word."""
    words = list(re.finditer(r"\S+", text[s:e]))
    keep = 0
    for i, w in enumerate(words):
        token = w.group(0)
        common = is_stop_word(token) if keep_common else is_common_word(token)
        if i > 0 and (common or token.strip("'’") in _TIME_WORDS):
            break
        keep = i + 1
        if re.search(r"[.,;:!?]$", token):
            break
    if keep == 0:
        return s, s
    end = s + words[keep - 1].end()
    while end > s and text[end - 1] in ".,;:!?'’\"":
        end -= 1
    # Possessive endings belong to the grammar, not the name.
    if text[end - 2 : end] in ("'s", "’s"):
        end -= 2
    return s, end


def find_cues(
    text: str,
    kinds: Iterable[str],
    *,
    lowercase_ok: Callable[[int, int, bool], bool] | None = None,
) -> list[Hit]:
    """Names found by their context, which the statistical tagger often misses for
    names it has rarely seen (Chinedu, Marites, Eilidh).

    ``lowercase_ok(start, end, strong)``, when given, lets a lower-case word count
    as a name (for transcripts written without capitals) if it returns True;
    ``strong`` says the context is a person cue ("my sister kim").
    """
    kinds = set(kinds)
    hits: list[Hit] = []

    def add(m: re.Match[str], kind: str, trim: bool = True, strong: bool = False, title: bool = False) -> None:
        s, e = _trim_name(text, *m.span("name"), keep_common=title) if trim else m.span("name")
        while e > s and text[e - 1] in ".,;:!?'’\"":
            e -= 1
        if e <= s or not _name_ok(text[s:e].split(), after_title=title):
            return
        if not text[s].isupper():
            if lowercase_ok is None or not lowercase_ok(s, e, strong):
                return
        hits.append(Hit(s, e, kind, "cue"))

    for lower in (False, True) if lowercase_ok is not None else (False,):
        cues = _CUES[lower]
        if "person" in kinds:
            for m in cues["title"].finditer(text):
                add(m, "person", strong=True, title=not lower)
            for name in ("relation", "named"):
                for m in cues[name].finditer(text):
                    add(m, "person", strong=True)
        if "place" in kinds:
            for m in cues["place"].finditer(text):
                add(m, "place")
            if not lower:
                # Urdu and Persian izafat names: "Gulshan-e-Iqbal", "Model Town", "Bagh-e-Jinnah".
                for m in _IZAFAT.finditer(text):
                    hits.append(Hit(m.start(), m.end(), "place", "cue"))
        if "org" in kinds:
            for m in cues["org"].finditer(text):
                add(m, "org", trim=False)
    if "org" in kinds or "facility" in kinds:
        for m in _SUFFIX_ORG.finditer(text):
            group = "name" if m.group("name") else "name2"
            word = m.group("w") or m.group("w2")
            s, e = m.span(group)
            lead = _LEADING_STOP.match(text[s:e])
            if lead:
                s += lead.end()
            kind = "facility" if word in _FACILITY_SET or _CARE_CENTRE.search(text[s:e]) else "org"
            # "the Hospital" alone names nothing; at least one other capitalised word.
            if len(text[s:e].split()) >= 2:
                hits.append(Hit(s, e, _kind_in(kind, kinds), "cue"))
        for m in _LEAD_NAME.finditer(text):
            s, e = m.span()
            while e > s and text[e - 1] in ".,;:!?":
                e -= 1
            if len(text[s:e].split()) >= 2:
                kind = "org" if m.group("w") in _UNIVERSITY_SET else "facility"
                hits.append(Hit(s, e, _kind_in(kind, kinds), "cue"))
        for m in _SAINTS.finditer(text):
            hits.append(Hit(m.start(), m.end(), _kind_in("facility", kinds), "cue"))
        for m in _AT_ACRONYM.finditer(text):
            s, e = m.span("name")
            if fold(text[s:e].split()[0]) not in NEVER_IDENTIFIERS:
                hits.append(Hit(s, e, _kind_in("org", kinds), "cue"))
        for m in _APPOSITION.finditer(text):
            s, e = _trim_name(text, *m.span("name"))
            # The common noun, not the end of a name ("Queen Elizabeth Hospital, I'm").
            if not m.group("w").islower() or e <= s or is_stop_word(text[s:e].split()[0]):
                continue
            if _name_ok(text[s:e].split()):
                kind = "facility" if m.group("w").lower() in _APPOSITION_FACILITY else "org"
                hits.append(Hit(s, e, _kind_in(kind, kinds), "cue"))
    # "works at Northgate Hospital": the employer cue says org, the name says
    # facility; the name knows better.
    facilities = {(h.start, h.end) for h in hits if h.kind == "facility"}
    hits = [h for h in hits if not (h.kind == "org" and (h.start, h.end) in facilities)]
    # The lower-case pass finds the capitalised names again; keep one of each.
    return sorted(set(_one_line(text, hits)))
