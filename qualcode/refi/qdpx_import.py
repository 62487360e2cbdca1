"""Import a REFI-QDA project (``.qdpx``) from NVivo, ATLAS.ti, MAXQDA, QualCoder...

Text sources, the codebook, codings with their coders and dates, users, notes
(memos), cases (participants) and variables (attributes) come in, in ONE
transaction: a problem anywhere leaves the project exactly as it was.

**Offsets.** The standard counts "characters" of the plain-text file, but real
exports disagree on what a character is: NVivo counts UTF-16 code units (an emoji
is two) over text with ``\\r\\n`` line ends (two), after a UTF-8 byte-order mark it
does not count. So each source's text is read as the tool showed it, and every
reading of its selection offsets is tried (code points or UTF-16 units; a line end
counting one or two; a BOM counting or not). The reading whose selections line up
best wins, per source: selections that start and end at line and word boundaries,
and whose ``name`` (some tools put the start of the quote there) matches the text.
The text is then stored with ``\\n`` line ends and no BOM, each selection mapped
onto it, so a coding's snippet is exactly the text the other tool showed. A
selection that cannot be placed under the chosen reading (outside the text, inside
a character, empty) is listed in the report, never guessed.

Documents are split into turns with the plain-text rules of :mod:`qualcode.ingest`
(speaker labels when the text has them, paragraphs otherwise); the text itself is
never changed, so the offsets hold. A source's text comes from its plain-text file,
else its rich-text ``.docx``, else (PDF) its text representation or its text layer
(:mod:`.sources`). A project qualcode exported carries its own turns, speakers and
codings' origins in ``qualcode/`` archive members, so nothing is lost on the way back.

What other tools write differently, and is read here: MAXQDA and Quirkos put a
document's variables in a ``Case`` with no name and one ``SourceRef`` (document
variables, not a participant); MAXQDA writes selections with a ``Description`` and
no ``Coding`` (comments: document memo); NVivo links annotation notes to selections
with ``Links`` (coding memos); ATLAS.ti and NVivo write a PDF's text as a
``Representation``.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import os
import zipfile
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import numpy as np
from lxml import etree

from ..codebook import code_paths
from .. import limits
from ..errors import ExchangeError
from ..model import HUMAN, CONSENSUS, IMPORTED, MACHINE, SUGGESTION, Document, Segment
from ..ingest.language import detect_document_language
from ..ingest.txt import parse_text
from ..ids import new_guid, normalise_guid, stable_guid
from .common import PROJECT_NS, local_name, open_archive, parse_xml, read_qde_bytes
from ..store import codes as code_rows
from ..store import importing
from ..store.owned import insert_codings
from ..store.project import now_iso
from ..store.sets import ProjectSet, set_payload
from ..store.speakers import ROLE_NAMES, confirmed_speaker_roles
from .qdc import codes_from_element
from .sources import SourceText, UnreadableSource, decode_plain, docx_text, pdf_text

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Project

__all__ = ["Reading", "Selection", "Unplaced", "SourceReport", "ImportReport", "READINGS", "choose_reading",
           "place", "import_qdpx", "CODINGS_MEMBER", "TURNS_FORMAT", "CODINGS_FORMAT"]


@dataclass(frozen=True)
class Reading:
    """One way to count a tool's offsets over the (BOM-less, ``\\n``) text."""

    utf16: bool  # an astral character (emoji) counts two
    crlf: bool  # a line end counts two (\r\n)
    bom: bool  # a leading byte-order mark counts one

    def describe(self) -> str:
        return (("UTF-16 code units" if self.utf16 else "code points") + (", CRLF line ends" if self.crlf else ", LF line ends")
                + (", BOM counted" if self.bom else ""))


@dataclass(frozen=True)
class Selection:
    """A ``PlainTextSelection`` and its codings, as read from the file."""

    guid: str
    start: int
    end: int
    name: str
    codings: tuple[tuple[str, str | None, str | None, tuple[str, ...]], ...]  # code guid, user guid, date, note guids
    notes: tuple[str, ...] = ()
    user: str | None = None
    created: str | None = None
    description: str = ""  # the selection's own comment (MAXQDA, QualCoder)


@dataclass
class Unplaced:
    """A selection that could not be placed, and why."""

    source: str
    selection: str
    start: int
    end: int
    codes: list[str]
    reason: str


@dataclass
class SourceReport:
    """One imported source: where its text came from and what of it was placed."""

    document: str
    selections: int
    placed: int
    reading: str
    text_from: str = "plain text"
    codings: int = 0
    annotations: int = 0  # comments on selections without a code, kept in the document memo
    skipped: list[str] = field(default_factory=list)  # what of this source was not imported, and why

    def line(self) -> str:
        """One line for the CLI and the page."""
        s = (f"{self.document}: text from the {self.text_from}; {self.placed}/{self.selections} selection(s) placed "
             f"({self.codings} coding(s)), offsets read as {self.reading}")
        if self.annotations:
            s += f"; {self.annotations} comment(s) kept in the document memo"
        return s + "".join(f"; {x}" for x in self.skipped)


@dataclass
class ImportReport:
    """What :func:`import_qdpx` did."""

    origin: str = ""
    documents: list[str] = field(default_factory=list)
    codes_added: int = 0
    codes_matched: int = 0
    codings: int = 0
    coders: list[str] = field(default_factory=list)
    users: list[str] = field(default_factory=list)  # every User of the file, each a coder here
    participants: list[str] = field(default_factory=list)
    notes: int = 0
    sets: list[str] = field(default_factory=list)
    empty: bool = False  # the file held no sources, codes, cases, notes or sets
    sources: list[SourceReport] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI and the page."""
        if self.empty:
            who = f"; its {len(self.users)} user(s) are coders here now" if self.users else ""
            return f"the file held nothing to import: no sources, codes, cases, notes or sets{who}"
        s = (f"imported {len(self.documents)} document(s), {self.codings} coding(s) by {len(self.coders)} coder(s), "
             f"{self.codes_added} new code(s) ({self.codes_matched} matched existing), "
             f"{len(self.participants)} participant(s), {self.notes} note(s), {len(self.sets)} set(s)")
        if self.skipped:
            s += f"; {len(self.skipped)} item(s) skipped (listed in the report)"
        if self.unplaced:
            s += f"; {len(self.unplaced)} selection(s) could not be placed (listed in the report)"
        return s

    def to_dict(self) -> dict:
        return asdict(self)


# ---------------------------------------------------------------------- offsets
#: Readings in order of preference when several fit equally well (the standard's first).
READINGS = tuple(Reading(u, c, b) for b in (False, True) for c in (False, True) for u in (False, True))


def _starts(text: str, reading: Reading) -> np.ndarray:
    """Tool offset of every position 0..len(text) of ``text`` under ``reading``."""
    if not text:
        return np.array([int(reading.bom)], dtype=np.int64)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    widths = np.ones(len(codes), dtype=np.int64)
    if reading.utf16:
        widths += codes > 0xFFFF
    if reading.crlf:
        widths += codes == 10
    return np.concatenate(([0], np.cumsum(widths))) + int(reading.bom)


def place(starts: np.ndarray, text: str, start: int, end: int) -> tuple[int, int] | str:
    """Map tool offsets to ``[a, b)`` in ``text``, or say why they cannot be placed."""
    if start < 0 or end > starts[-1] or start >= end:
        return f"offsets [{start}, {end}) are outside the text or empty (its length is {int(starts[-1])} under this reading)"
    a, b = int(np.searchsorted(starts, start)), int(np.searchsorted(starts, end))
    if starts[a] != start and text[a - 1] != "\n":
        return f"start {start} falls inside a character"
    if starts[b] != end:
        if text[b - 1] != "\n":
            return f"end {end} falls inside a character"
        b -= 1  # between \r and \n: the selection ends at the line end
    if a >= b or not text[a:b].strip():
        return "the selection holds no text"
    return a, b


def _word(ch: str) -> bool:
    return ch.isalnum()


def _score(text: str, starts: np.ndarray, selections: list[Selection]) -> float:
    score = 0.0
    n = len(text)
    for sel in selections:
        placed = place(starts, text, sel.start, sel.end)
        if isinstance(placed, str):
            score -= 5
            continue
        a, b = placed
        score += (a == 0 or text[a - 1] == "\n") + (b == n or text[b] == "\n")
        score += (a == 0 or not (_word(text[a - 1]) and _word(text[a]))) + (b == n or not (_word(text[b - 1]) and _word(text[b])))
        cue = " ".join(sel.name.replace("…", " ").split())
        if len(cue) >= 8:
            score += 10 if " ".join(text[a:b].split()).startswith(cue) else -2
    return score


def choose_reading(text: str, selections: list[Selection], *, has_bom: bool, had_crlf: bool,
                   prefer: Reading | None = None) -> Reading:
    """The reading under which ``selections`` line up best (ties: the most standard)."""
    if prefer is not None or not selections:
        return prefer or Reading(False, had_crlf, False)
    # The file's own line ends come first among equals: that is what "characters of the file" means.
    order = sorted(READINGS, key=lambda r: (r.bom, r.crlf != had_crlf, r.utf16))
    candidates = [r for r in order if has_bom or not r.bom]
    scores = [_score(text, _starts(text, r), selections) for r in candidates]
    return candidates[int(np.argmax(scores))]


# ---------------------------------------------------------------------- reading
#: qualcode's own archive members (other tools ignore members the project XML does not name).
TURNS_FORMAT = "qualcode-turns/1"
CODINGS_FORMAT = "qualcode-codings/1"
CODINGS_MEMBER = "qualcode/codings.json"
DOCUMENTS_FORMAT = "qualcode-documents/1"
DOCUMENTS_MEMBER = "qualcode/documents.json"
ROLES_FORMAT = "qualcode-speaker-roles/1"
ROLES_MEMBER = "qualcode/speaker_roles.json"
_ORIGINS = {HUMAN, SUGGESTION, CONSENSUS, IMPORTED, MACHINE}


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and local_name(c) == name]


def _child(el: etree._Element, name: str) -> etree._Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _items(parent: etree._Element, holder: str, item: str) -> list[etree._Element]:
    """``<Users><User/>...`` -> the ``User`` elements ([] when there is no ``Users``)."""
    h = _child(parent, holder)
    return _children(h, item) if h is not None else []


def _guid(value: str | None) -> str | None:
    try:
        return normalise_guid(value) if value else None
    except ValueError:
        return None


def _description(el: etree._Element) -> str:
    d = _child(el, "Description")
    return (d.text or "").strip() if d is not None else ""


class _Archive:
    """The zip's members by lower-case path (``Sources/`` and ``sources/`` alike)."""

    def __init__(self, path: Path):
        # Bounded: entry count, sizes, ratio, encryption and methods are checked on open
        # and every read stops at the limits (a source-text zip bomb fails fast).
        self.zf = open_archive(path) if zipfile.is_zipfile(path) else None
        self.label = path.name
        self.names = {n.lower().lstrip("/"): n for n in (self.zf.namelist() if self.zf else [])}

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()

    def member(self, path: str) -> bytes | None:
        """An archive member by its exact (case-insensitive) path, or None."""
        key = path.lower()
        return self.zf.read(self.names[key]) if self.zf is not None and key in self.names else None

    def find(self, ref: str) -> str | None:
        """The member a source path names, or None. ``internal://`` files live in
        ``sources/``; relative and absolute paths point outside the archive, but tools
        often pack the file into ``sources/`` anyway. Only the file name is used, so a
        path can never reach outside the archive's sources."""
        ref = ref.strip().replace("\\", "/")
        scheme, _, rest = ref.partition("://")
        base = PurePosixPath(rest or scheme).name.lower()
        if not base or base in (".", ".."):
            return None
        for key in (f"sources/{base}", base):
            if key in self.names and self.zf is not None:
                return key
        return None

    def read(self, ref: str) -> bytes | None:
        key = self.find(ref)
        return self.zf.read(self.names[key]) if key is not None and self.zf is not None else None


def _own_json(archive: _Archive, member: str, fmt: str) -> dict | None:
    """One of qualcode's own members, parsed within the limits; None if absent or foreign."""
    raw = archive.member(member)
    if raw is None:
        return None
    try:
        data = limits.load_json(raw.decode("utf-8"), lambda problem: ValueError(problem))
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) and data.get("format") == fmt else None


def _turns(archive: _Archive, guid: str, text: str) -> list[Segment] | None:
    """The speaker turns qualcode wrote for this source (``qualcode/turns/<guid>.json``),
    if they belong to exactly this text; None otherwise (then turns are re-detected)."""
    data = _own_json(archive, f"qualcode/turns/{guid}.json", TURNS_FORMAT) if guid else None
    if data is None or data.get("text_sha256") != hashlib.sha256(text.encode("utf-8")).hexdigest():
        return None
    try:
        turns = []
        metas = data.get("turn_meta")
        metas = metas if isinstance(metas, list) and len(metas) == len(data["turns"]) else None
        for k, (start, end, speaker, ts, end_ts) in enumerate(data["turns"]):
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
                return None
            turns.append(Segment(start, end, speaker if isinstance(speaker, str) else None,
                                 float(ts) if isinstance(ts, (int, float)) else None,
                                 float(end_ts) if isinstance(end_ts, (int, float)) else None,
                                 _turn_meta(metas[k]) if metas else None))
        return turns
    except (ValueError, TypeError, KeyError):
        return None


def _turn_meta(value: object) -> dict | None:
    """One turn's metadata from the archive, when it passes the store's check (else
    dropped: metadata never stops the turns themselves from being read)."""
    from ..store.values import ValueRefused, check_turn_meta

    if not isinstance(value, dict) or not value:
        return None
    try:
        check_turn_meta(value, "turn")
    except ValueRefused:
        return None
    return dict(value)


def _origins(archive: _Archive) -> dict[str, tuple[str, str | None]]:
    """Selection GUID -> (origin, origin detail) of the codings qualcode exported. The
    export derives a selection's GUID from its source, code, coder and offsets, and the
    import applies an entry only where that derivation still gives the selection's GUID
    (:func:`_origin_of`), so it cannot land on a coding it was not written for."""
    data = _own_json(archive, CODINGS_MEMBER, CODINGS_FORMAT)
    out: dict[str, tuple[str, str | None]] = {}
    codings = (data or {}).get("codings")
    for key, value in (codings.items() if isinstance(codings, dict) else ()):
        g = _guid(key)
        if g and isinstance(value, list) and len(value) == 2 and value[0] in _ORIGINS \
                and (value[1] is None or (isinstance(value[1], str) and len(value[1]) <= 500)):
            out[g] = (value[0], value[1])
    return out


def _documents(archive: _Archive) -> dict[str, dict]:
    """Source GUID -> qualcode's own record of the document (source format and path,
    metadata), each applied later only to exactly the text it was written for."""
    data = _own_json(archive, DOCUMENTS_MEMBER, DOCUMENTS_FORMAT)
    docs = (data or {}).get("documents")
    out = {}
    for key, rec in (docs.items() if isinstance(docs, dict) else ()):
        g = _guid(key)
        if g and isinstance(rec, dict) and isinstance(rec.get("metadata"), dict) and isinstance(rec.get("text_sha256"), str) \
                and isinstance(rec.get("source_format"), str) and len(rec["source_format"]) <= 32 \
                and (rec.get("source_path") is None or isinstance(rec.get("source_path"), str)):
            out[g] = rec
    return out


def _roles(archive: _Archive) -> dict[str, str]:
    """Speaker label -> role, as confirmed in the qualcode project that exported the file."""
    data = _own_json(archive, ROLES_MEMBER, ROLES_FORMAT)
    roles = (data or {}).get("roles")
    return {k: v for k, v in (roles.items() if isinstance(roles, dict) else ())
            if isinstance(k, str) and 0 < len(k) <= 200 and v in ROLE_NAMES}


def _note_refs(el: etree._Element) -> tuple[str, ...]:
    return tuple(g for g in (_guid(r.get("targetGUID")) for r in _children(el, "NoteRef")) if g)


def _coding_tuples(el: etree._Element) -> tuple:
    return tuple(
        (_guid(cref.get("targetGUID")) or "", _guid(c.get("creatingUser")), c.get("creationDateTime"), _note_refs(c))
        for c in _children(el, "Coding") for cref in _children(c, "CodeRef")
    )


def _selections(src: etree._Element, linked: dict[str, tuple[str, ...]]) -> list[Selection]:
    out = []
    for sel in _children(src, "PlainTextSelection"):
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            start = end = -1
        g = _guid(sel.get("guid")) or ""
        out.append(Selection(g, start, end, sel.get("name") or "", _coding_tuples(sel), _note_refs(sel) + linked.get(g, ()),
                             _guid(sel.get("creatingUser")), sel.get("creationDateTime"), _description(sel)))
    return out


def _value(vv: etree._Element) -> str | None:
    for tag in ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue"):
        v = _child(vv, tag)
        if v is not None:
            return (v.text or "").strip()
    return None


# ------------------------------------------------------------------------ parse
@dataclass
class _Source:
    guid: str
    name: str
    text: SourceText
    selections: list[Selection]
    whole: list[tuple[str, str | None, str | None, tuple[str, ...]]]  # codings of the whole source
    notes: tuple[str, ...]
    variables: dict[str, str]
    description: str = ""
    turns: list[Segment] | None = None  # qualcode's own turns, when the archive carries them
    skipped: list[str] = field(default_factory=list)  # parts of this source that cannot come in
    sync: list[tuple[int, float]] = field(default_factory=list)  # a transcript's (tool offset, seconds)


@dataclass
class _Parsed:
    origin: str
    users: dict[str, str]
    codes: list
    code_notes: dict[str, tuple[str, ...]]
    notes: dict[str, tuple[str, str, str | None, str | None]]  # guid -> name, text, user guid, created
    project_notes: tuple[str, ...]
    cases: list[tuple[str, dict[str, str], list[str], str]]  # name, attributes, source guids, description
    sources: list[_Source]
    sets: list[tuple[str, str, list[str], list[str]]]  # name, description, source guids, code guids
    skipped: list[str]
    origins: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    description: str = ""
    records: dict[str, dict] = field(default_factory=dict)  # qualcode's own document records
    roles: dict[str, str] = field(default_factory=dict)  # speaker roles qualcode exported


def _parse(path: Path) -> _Parsed:
    data, member = read_qde_bytes(path)
    where = f"{path}!{member}" if zipfile.is_zipfile(path) else str(path)
    root = parse_xml(data, where)
    if local_name(root) != "Project" or etree.QName(root).namespace not in (PROJECT_NS, None):
        raise ExchangeError(f"{where}: not a REFI-QDA project (root is <{local_name(root)}>, expected <Project>)")
    archive = _Archive(path)
    try:
        return _read_project(root, where, archive)
    finally:
        archive.close()


def _text(el: etree._Element, archive: _Archive) -> tuple[SourceText | None, str]:
    """The text of a TextSource (or a Note, or a PDF's Representation): inline, the
    plain-text file, else the rich-text ``.docx`` when the plain text is missing or
    empty. ``(text or None, why there is none)``."""
    content = _child(el, "PlainTextContent")
    if content is not None and content.text and content.text.strip():
        found = decode_plain(content.text.encode("utf-8"))
        found.kind = "inline text"
        return found, ""
    plain_ref, rich_ref = el.get("plainTextPath") or "", el.get("richTextPath") or ""
    plain = archive.read(plain_ref) if plain_ref else None
    if plain is not None:
        found = decode_plain(plain)
        if found.text.strip() or not rich_ref:
            return found, ""
    rich = archive.read(rich_ref) if rich_ref else None
    if rich is not None:
        if not rich_ref.lower().endswith(".docx") and not rich.startswith(b"PK"):
            return None, f"its rich text ({rich_ref}) is not a .docx and its plain text is {'empty' if plain is not None else 'missing'}"
        try:
            return docx_text(rich, f"{archive.label}!{archive.find(rich_ref)}"), ""
        except UnreadableSource as exc:
            return None, str(exc).split(": ", 1)[-1]
    if plain is not None:
        return decode_plain(plain), ""
    what = " or ".join(x for x in (plain_ref and f"plain text ({plain_ref})", rich_ref and f"rich text ({rich_ref})") if x)
    return None, f"its {what or 'text'} is not in the file"


def _transcripts(el: etree._Element, kind: str, name: str, guid: str, archive: _Archive,
                 linked: dict[str, tuple[str, ...]], skipped: list[str], attrs: dict[str, str]) -> list[_Source]:
    """The transcripts of an audio or video source (QualCoder writes them; the standard's way):
    each a document; its ``TranscriptSelection``\\s run from one ``SyncPoint`` to another
    (a text position and a time in milliseconds), so they become selections like any
    other; the recording itself and its time-range selections stay behind (reported)."""
    media = kind.replace("Source", "").lower()
    extra = [f"the {media} recording itself is not imported (qualcode codes its transcript)"]
    ranges = len(_children(el, f"{kind.replace('Source', '')}Selection"))
    if ranges:
        extra.append(f"{ranges} {media} selection(s) not imported: they are time ranges of the recording, "
                     "not text positions")
    out = []
    transcripts = _children(el, "Transcript")
    for i, tr in enumerate(transcripts, start=1):
        label = name if len(transcripts) == 1 else f"{name} (transcript {i})"
        found, why = _text(tr, archive)
        if found is None:
            skipped.append(f"{kind} {label}: its transcript {why.removeprefix('its ')}")
            continue
        found.kind = f"{media} transcript"
        points: dict[str, tuple[int, float | None]] = {}
        for sp in _children(tr, "SyncPoint"):
            g = _guid(sp.get("guid"))
            try:
                pos = int(sp.get("position", ""))
            except ValueError:
                continue
            try:
                ms = float(int(sp.get("timeStamp", ""))) / 1000
            except ValueError:
                ms = None
            if g:
                points[g] = (pos, ms)
        sels = []
        for ts in _children(tr, "TranscriptSelection"):
            a, b = points.get(_guid(ts.get("fromSyncPoint")) or ""), points.get(_guid(ts.get("toSyncPoint")) or "")
            g = _guid(ts.get("guid")) or ""
            sels.append(Selection(g, a[0] if a else -1, b[0] if b else -1, ts.get("name") or "", _coding_tuples(ts),
                                  _note_refs(ts) + linked.get(g, ()), _guid(ts.get("creatingUser")),
                                  ts.get("creationDateTime"), _description(ts)))
        sync = sorted((pos, ms) for pos, ms in points.values() if ms is not None and ms >= 0)
        tguid = guid if len(transcripts) == 1 else (_guid(tr.get("guid")) or guid)
        out.append(_Source(tguid, label, found, sels, list(_coding_tuples(el)) if i == 1 else [],
                           _note_refs(el) + _note_refs(tr), attrs, _description(el),
                           _turns(archive, tguid, found.text), list(extra), sync))
    return out


def _read_project(root: etree._Element, where: str, archive: _Archive) -> _Parsed:
    users = {}
    for u in _items(root, "Users", "User"):
        g = _guid(u.get("guid"))
        if g:
            users[g] = " ".join((u.get("name") or u.get("id") or f"user {g[:8]}").split())[:200]
    book = _child(root, "CodeBook")
    codes_el = _child(book, "Codes") if book is not None else None
    codes = codes_from_element(codes_el, where) if codes_el is not None else []
    code_notes = {}
    if codes_el is not None:
        for el in codes_el.iter(f"{{{PROJECT_NS}}}Code", "Code"):
            if _guid(el.get("guid")) and _note_refs(el):
                code_notes[_guid(el.get("guid"))] = _note_refs(el)
    skipped: list[str] = []
    notes = {}
    for n in _items(root, "Notes", "Note"):
        g = _guid(n.get("guid"))
        if not g:
            continue
        found, why = _text(n, archive)
        text = found.text.strip() if found is not None else ""
        text = text or _description(n)  # some tools keep a short note in its Description only
        if text:
            notes[g] = (n.get("name") or "", text, _guid(n.get("creatingUser")), n.get("creationDateTime"))
        else:
            skipped.append(f"note {n.get('name') or g}: {why or 'it holds no text'}")
    # NVivo links annotation notes to the selections they annotate.
    linked: dict[str, tuple[str, ...]] = {}
    links = _items(root, "Links", "Link")
    other_links = 0
    for link in links:
        a, b = _guid(link.get("originGUID")), _guid(link.get("targetGUID"))
        if a in notes and b and b not in notes:
            linked[b] = linked.get(b, ()) + (a,)
        elif b in notes and a and a not in notes:
            linked[a] = linked.get(a, ()) + (b,)
        else:
            other_links += 1
    variables = {}
    for v in _items(root, "Variables", "Variable"):
        if _guid(v.get("guid")):
            variables[_guid(v.get("guid"))] = " ".join((v.get("name") or "").split())

    def values(el):
        out = {}
        for vv in _children(el, "VariableValue"):
            ref = _child(vv, "VariableRef")
            key = variables.get(_guid(ref.get("targetGUID")) if ref is not None else None)
            val = _value(vv)
            if key and val is not None and val != "":
                out[key] = val
        return out

    cases = []
    source_vars: dict[str, dict[str, str]] = {}
    for c in _items(root, "Cases", "Case"):
        refs = [g for g in (_guid(r.get("targetGUID")) for r in _children(c, "SourceRef")) if g]
        name = " ".join((c.get("name") or "").split())
        if not name and len(refs) == 1:
            # MAXQDA and Quirkos: a nameless case with one source holds that document's variables.
            source_vars.setdefault(refs[0], {}).update(values(c))
            continue
        name = name or f"case {(_guid(c.get('guid')) or '?')[:8]}"
        cases.append((name, values(c), refs, _description(c)))
        by_ref = len(_children(c, "CodeRef")) + len(_children(c, "SelectionRef"))
        if by_ref:
            skipped.append(f"case {name}: {by_ref} code or selection reference(s) not kept "
                           "(a participant is linked to whole documents)")
    sources = []
    src_el = _child(root, "Sources")
    for el in (src_el if src_el is not None else []):
        if not isinstance(el.tag, str):
            continue
        kind, name = local_name(el), " ".join((el.get("name") or "").split())
        label = f"{kind} {name or el.get('guid')}"
        guid = _guid(el.get("guid")) or ""
        text_el, extra = el, []
        if kind == "PDFSource":
            rep = _child(el, "Representation")
            areas = len(_children(el, "PDFSelection"))
            if areas:
                extra.append(f"{areas} PDF selection(s) not imported: they are areas of a page (coordinates), not text positions")
            if rep is not None:
                found, why = _text(rep, archive)
                if found is not None:
                    found.kind = "PDF's text representation"
                text_el = rep
            else:
                data = archive.read(el.get("path") or "") if el.get("path") else None
                if data is None:
                    skipped.append(f"{label}: the PDF ({el.get('path') or 'no path'}) is not in the file")
                    continue
                try:
                    found, why = pdf_text(data, f"{archive.label}!{archive.find(el.get('path') or '')}"), ""
                except UnreadableSource as exc:
                    skipped.append(f"{label}: {str(exc).split(': ', 1)[-1]}")
                    continue
        elif kind == "TextSource":
            found, why = _text(el, archive)
        elif kind in ("AudioSource", "VideoSource") and _children(el, "Transcript"):
            sources.extend(_transcripts(el, kind, name, guid, archive, linked, skipped,
                                        {**source_vars.get(guid, {}), **values(el)}))
            continue
        else:
            why = "only text, PDF and transcribed audio or video sources can be imported (qualcode codes text)"
            skipped.append(f"{label}: {why}")
            continue
        if found is None:
            skipped.append(f"{label}: {why}")
            continue
        whole = [t for t in _coding_tuples(text_el)] + ([t for t in _coding_tuples(el)] if text_el is not el else [])
        attrs = {**source_vars.get(guid, {}), **values(el)}
        sources.append(_Source(guid, name, found, _selections(text_el, linked), whole,
                               _note_refs(el) + (_note_refs(text_el) if text_el is not el else ()), attrs,
                               _description(el), _turns(archive, el.get("guid") or "", found.text), extra))
    sets = []
    for st in _items(root, "Sets", "Set"):
        name = " ".join((st.get("name") or "").split()) or f"set {(_guid(st.get('guid')) or '?')[:8]}"
        members = lambda tag: [g for g in (_guid(m.get("targetGUID")) for m in _children(st, tag)) if g]  # noqa: E731
        if _children(st, "MemberNote"):
            skipped.append(f"set {name}: {len(_children(st, 'MemberNote'))} note member(s) not kept (qualcode sets hold documents and codes)")
        sets.append((name, _description(st), members("MemberSource"), members("MemberCode")))
    if other_links:
        skipped.append(f"{other_links} link(s) between codes, sources or selections: qualcode has no links")
    graphs = _child(root, "Graphs")
    if graphs is not None and len(graphs):
        skipped.append(f"{len(graphs)} graph(s): qualcode has no equivalent")
    return _Parsed(root.get("origin") or "", users, codes, code_notes, notes, _note_refs(root), cases, sources, sets,
                   skipped, _origins(archive), (_child(root, "Description").text or "").strip()
                   if _child(root, "Description") is not None else "", _documents(archive), _roles(archive))


# ------------------------------------------------------------------------ import
def import_qdpx(project: Project, path: str | os.PathLike[str], *, actor: str | None = None) -> ImportReport:
    """Import a ``.qdpx`` (or a bare ``.qde`` with inline texts) into ``project``.

    Everything is written in one transaction (event ``documents.import_qdpx``).
    Raises :class:`~qualcode.errors.ExchangeError` for an unreadable file or when a
    document of the same name is already in the project (the project is then
    unchanged). Selections that cannot be placed are listed in ``report.unplaced``;
    sources and parts that cannot come in, with the reason, in ``report.skipped`` and
    each source's ``skipped``. A project that holds nothing (a blank project, users
    only) imports its users as coders and says so (``report.empty``).
    """
    p = Path(path)
    try:
        parsed = _parse(p)
    except (OSError, zipfile.BadZipFile, UnicodeError) as exc:
        raise ExchangeError(f"{p}: cannot read the project ({exc})") from exc
    report = ImportReport(origin=parsed.origin, skipped=list(parsed.skipped))
    report.empty = not (parsed.sources or parsed.codes or parsed.cases or parsed.notes or parsed.sets or report.skipped)
    prefer = Reading(False, False, False) if parsed.origin.lower().startswith("qualcode") else None
    docs = []  # (source, document, placements, source report)
    seen: dict[str, int] = {}
    for src in parsed.sources:
        base = src.name or f"Source {len(seen) + 1}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base} ({seen[base]})"
        text = src.text.text
        if not text.strip():
            report.skipped.append(f"source {name}: the text is empty")
            continue
        reading = choose_reading(text, src.selections, has_bom=src.text.bom, had_crlf=src.text.crlf,
                                 prefer=prefer and Reading(False, src.text.crlf, False))
        starts = _starts(text, reading)
        placements = []
        for sel in src.selections:
            spot = place(starts, text, sel.start, sel.end)
            if isinstance(spot, str):
                codes = [next((c.name for c in parsed.codes if c.guid == g), g) for g, *_ in sel.codings]
                report.unplaced.append(Unplaced(name, sel.guid, sel.start, sel.end, codes, spot))
            else:
                placements.append((sel, spot))
        if src.turns:
            doc = Document(name=name, text=text, segments=src.turns,
                           metadata={"speaker_labels": any(t.speaker for t in src.turns)})
        else:
            doc = parse_text(text, name)
        if src.sync:
            _sync_times(doc, starts, src.sync)
        doc.source_format, doc.source_path = "qdpx", f"{p.name}:{src.name or src.guid}"
        detect_document_language(doc)
        record = parsed.records.get(src.guid)
        if record and record["text_sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest():
            # qualcode's own export of this very text: the document comes back as it was
            # (its format, path and metadata; where it first came from stays).
            doc.source_format, doc.source_path = record["source_format"], record["source_path"]
            doc.metadata = {**record["metadata"],
                            "refi_guid": src.guid}
        else:
            doc.metadata.update({"refi_guid": src.guid, "refi_origin": parsed.origin, "refi_offsets": reading.describe(),
                                 "refi_text_from": src.text.kind})
        if src.text.pages:
            doc.metadata["pages"] = src.text.pages
        if src.variables:
            doc.metadata["variables"] = src.variables
        unplaced = len(src.selections) - len(placements)
        skipped = list(src.skipped) + ([f"{unplaced} selection(s) not placed (listed in the report)"] if unplaced else [])
        srep = SourceReport(name, len(src.selections), len(placements), reading.describe(), src.text.kind, skipped=skipped)
        docs.append((src, doc, placements, srep))
        report.sources.append(srep)
    _write(project, parsed, docs, report, actor, p.name)
    return report


def _sync_times(doc: Document, starts: np.ndarray, sync: list[tuple[int, float]]) -> None:
    """A transcript's sync points as the document's ``sync_points`` ([offset, seconds])
    and as the start time of each turn that has none, when a sync point lies on the
    turn's beginning (between the end of the turn before and the start of its text,
    i.e. on its speaker label): the tool said the turn begins at that moment."""
    points = []
    for pos, sec in sync:
        if 0 <= pos <= int(starts[-1]):
            points.append([int(np.searchsorted(starts, pos)), sec])
    doc.metadata["sync_points"] = points
    points.sort(key=lambda p: p[0])
    offsets = [off for off, _ in points]
    prev_end, timed = -1, []  # -1: the first turn's label region starts at offset 0
    for seg in doc.segments:
        i = bisect.bisect_right(offsets, prev_end)  # the first sync point after the turn before
        if seg.timestamp is None and i < len(points) and offsets[i] <= seg.start:
            seg = dataclasses.replace(seg, timestamp=points[i][1])
        timed.append(seg)
        prev_end = seg.end
    doc.segments = timed


# ------------------------------------------------------------------------- write
def _when(value: str | None, default: str) -> str:
    """A tool's ``creationDateTime`` if it is a real ISO date-time, else ``default``."""
    if value:
        try:
            datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return value.strip()
        except ValueError:
            pass
    return default


def _quote(text: str, n: int = 80) -> str:
    one = " ".join(text.split())
    return one if len(one) <= n else one[: n - 1] + "…"


def _origin_of(parsed: _Parsed, sel: Selection, source: str, code: str, coder: str, a: int, b: int,
               detail: str) -> tuple[str, str | None]:
    """The origin qualcode's export recorded for this coding, if the selection is exactly
    the one it was recorded for; ``imported`` otherwise."""
    if sel.guid in parsed.origins and sel.guid == stable_guid("selection", "|".join((source, code, coder, str(a), str(b)))):
        return parsed.origins[sel.guid]
    return IMPORTED, detail


def _write(project: Project, parsed: _Parsed, docs: list, report: ImportReport, actor: str | None, label: str) -> None:
    """Everything in one transaction: codes, coders, participants, documents, codings, memos, sets."""
    ts = now_iso()
    known_roles = confirmed_speaker_roles(project) if parsed.roles else {}
    with project.write("documents.import_qdpx", actor=actor, target_type="document") as (conn, ev):
        names = [d.name for _, d, _, _ in docs]
        clash = list(importing.existing_document_names(conn, project, names))
        if clash:
            raise ExchangeError(f"{label}: the project already has a document named {sorted(clash)[0]!r}; "
                                "rename or remove it first (nothing was imported)")
        # Codes: by GUID, else by path (a codebook loaded before), else new.
        existing = code_rows.codes_in(conn, project)
        by_guid = {c.guid: c.id for c in existing}
        by_path = dict(zip(code_paths(existing), (c.id for c in existing)))
        code_id: dict[str, int] = {}
        at_path: dict[tuple[str, ...], int] = {}  # the imported tree's paths -> store ids
        coded = ({g for _, _, pl, _ in docs for sel, _ in pl for g, *_ in sel.codings}
                 | {g for s, _, _, _ in docs for g, *_ in s.whole})
        for code, path in zip(parsed.codes, code_paths(parsed.codes)):
            cid = by_guid.get(code.guid) or by_path.get(path)
            if cid is not None:
                report.codes_matched += 1
            else:
                parent = at_path.get(path[:-1]) if len(path) > 1 else None
                codable = code.codable or code.guid in coded
                if codable != code.codable:
                    report.warnings.append(f"code {' > '.join(path)!r} was a folder but holds codings: made codable")
                cid = code_rows.insert_code(conn, project, dict(
                    parent_id=parent, name=code.name, definition=code.definition,
                    when_to_use=code.when_to_use, when_not_to_use=code.when_not_to_use, example=code.example,
                    colour=code.colour, source=code.source, codable=codable, guid=code.guid or new_guid(),
                    exclusive=bool(code.exclusive or code.ordered), ordered=bool(code.ordered), level=code.level,
                    position=code_rows.next_code_position(conn, project)))["id"]
                report.codes_added += 1
            at_path[path] = code_id[code.guid] = int(cid)
        coder_ids: dict[str, int] = {}

        def coder_named(name: str) -> int:
            if name not in coder_ids:
                coder_ids[name] = importing.coder_id(conn, project, name)
            return coder_ids[name]

        def coder(user: str | None, fallback: str | None = None) -> tuple[str, int]:
            name = parsed.users.get(user or "") or (f"user {user[:8]}" if user else None) or parsed.users.get(fallback or "") or "imported"
            return name, coder_named(name)

        # Every User of the file is a coder here, also one who coded nothing (yet).
        report.users = sorted(set(parsed.users.values()))
        for name in report.users:
            coder_named(name)
        coding_coders: set[str] = set()
        # Participants from cases; a source in several cases belongs to the first.
        owner: dict[str, int] = {}
        for name, attrs, refs, _desc in parsed.cases:
            pid = importing.merge_participant_attributes(conn, project, name, attrs)
            report.participants.append(name)
            for g in refs:
                if g in owner:
                    report.warnings.append(f"source {g} is in several cases; linked to the first")
                owner.setdefault(g, pid)
        note_text = lambda gs: "\n\n".join(parsed.notes[g][1] for g in gs if g in parsed.notes and parsed.notes[g][1])  # noqa: E731

        def memo(target_type: str, target_id: int, text: str, notes: tuple[str, ...] = ()) -> None:
            """A memo with the author and date of its first note (when the file names them)."""
            first = next((parsed.notes[g] for g in notes if g in parsed.notes), None)
            author = coder_named(parsed.users[first[2]]) if first and first[2] in parsed.users else None
            created = _when(first[3], ts) if first else ts
            importing.append_memo(conn, project, target_type, target_id, text, ts, coder_id=author, created_at=created)

        used_notes: set[str] = set()
        position = importing.next_document_position(conn, project) - 1
        detail = f"qdpx:{parsed.origin or label}"
        doc_id: dict[str, int] = {}
        for src, doc, placements, srep in docs:
            position += 1
            did = importing.insert_document(conn, project, doc, position=position, imported_at=ts,
                                            participant_id=owner.get(src.guid))
            doc_id[src.guid] = int(did)
            rows: dict[tuple, dict] = {}
            spans = [(sel, a, b) for sel, (a, b) in placements]
            if src.whole:  # codings of the whole source (no selection): the whole text
                spans.append((Selection("", 0, 0, "", tuple(src.whole)), 0, len(doc.text)))
            comments = []
            for sel, a, b in spans:
                if not sel.codings and (sel.description or sel.notes):
                    # A comment on a passage with no code (MAXQDA, NVivo annotations).
                    text = "\n\n".join(x for x in (sel.description, note_text(sel.notes)) if x)
                    comments.append(f"Comment on “{_quote(doc.text[a:b])}” [{a}, {b}): {text}")
                    used_notes.update(sel.notes)
                    continue
                for g, user, when, notes in sel.codings:
                    if g not in code_id:
                        report.unplaced.append(Unplaced(doc.name, sel.guid, sel.start, sel.end, [g], "it refers to a code not in the codebook"))
                        continue
                    who, cid = coder(user, sel.user)
                    coding_coders.add(who)
                    cmemo = "\n\n".join(x for x in (note_text(notes + sel.notes), sel.description) if x) or None
                    used_notes.update(notes + sel.notes)
                    key = (code_id[g], cid, a, b)
                    if key in rows:  # the same code twice on one span by one coder: one coding
                        if cmemo and cmemo != rows[key]["memo"]:
                            rows[key]["memo"] = "\n\n".join(m for m in (rows[key]["memo"], cmemo) if m) or None
                        continue
                    origin, odetail = _origin_of(parsed, sel, src.guid, g, who, a, b, detail)
                    rows[key] = {"project_id": project.id, "document_id": did, "code_id": code_id[g], "coder_id": cid,
                                 "start": a, "end": b, "snippet": doc.text[a:b], "origin": origin,
                                 "origin_detail": odetail, "memo": cmemo, "created_at": _when(when or sel.created, ts)}
            insert_codings(conn, project, list(rows.values()), where=f"{label}: {doc.name}")
            report.codings += len(rows)
            srep.codings, srep.annotations = len(rows), len(comments)
            memo_parts = [x for x in (src.description, note_text(src.notes), *comments) if x]
            if memo_parts:
                memo("document", int(did), "\n\n".join(memo_parts), src.notes)
                used_notes.update(src.notes)
            report.documents.append(doc.name)
        for g, notes in parsed.code_notes.items():
            if g in code_id and note_text(notes):
                memo("code", code_id[g], note_text(notes), notes)
                used_notes.update(notes)
        loose = [g for g in parsed.notes if g not in used_notes and g not in parsed.project_notes]
        parts = [note_text(parsed.project_notes)] + [f"{parsed.notes[g][0] or 'Note'}\n\n{parsed.notes[g][1]}" for g in loose]
        # The file's project description, where the project has none; else kept in the memo.
        if parsed.description and not importing.describe_project(conn, project, parsed.description):
            parts.append(f"Description of the imported project\n\n{parsed.description}")
        parts += [f"Case {name}\n\n{desc}" for name, _attrs, _refs, desc in parsed.cases if desc]
        if any(parts):
            memo("project", project.id, "\n\n".join(x for x in parts if x), parsed.project_notes + tuple(loose))
        # Sets: members that came in (or codes matched), by store id.
        sets = []
        for name, desc, source_refs, code_refs in parsed.sets:
            members = [doc_id[g] for g in source_refs if g in doc_id]
            mcodes = [code_id[g] for g in code_refs if g in code_id]
            lost = len(source_refs) - len(members) + len(code_refs) - len(mcodes)
            if lost:
                report.warnings.append(f"set {name}: {lost} member(s) not imported (sources skipped or unknown)")
            sets.append(ProjectSet(name, desc, members, mcodes))
        payload_sets = set_payload(sets)
        report.sets = [s["name"] for s in payload_sets]
        report.notes = len([g for g in parsed.notes if parsed.notes[g][1]])
        report.coders = sorted(coding_coders)
        ev["payload"] = {"file": label, "origin": parsed.origin, "documents": report.documents, "codings": report.codings,
                         "codes_added": report.codes_added, "unplaced": len(report.unplaced), "users": report.users}
        if payload_sets:
            ev["payload"]["sets"] = payload_sets
        # Roles a qualcode export carried, for labels this project has not confirmed itself.
        new_roles = {k: v for k, v in parsed.roles.items() if k not in known_roles}
        if new_roles:
            ev["payload"]["speaker_roles"] = new_roles
