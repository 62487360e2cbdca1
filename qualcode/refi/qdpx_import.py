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
never changed, so the offsets hold.
"""

from __future__ import annotations

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
from ..model import Document, Segment
from ..ingest.txt import parse_text
from ..ids import new_guid, normalise_guid
from .common import PROJECT_NS, local_name, open_archive, parse_xml, read_qde_bytes
from ..store import codes as code_rows
from ..store import importing
from ..store.owned import insert_codings
from ..store.project import now_iso
from .qdc import codes_from_element

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Project

__all__ = ["Reading", "Selection", "Unplaced", "SourceReport", "ImportReport", "READINGS", "choose_reading",
           "place", "import_qdpx"]


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
    document: str
    selections: int
    placed: int
    reading: str


@dataclass
class ImportReport:
    """What :func:`import_qdpx` did."""

    origin: str = ""
    documents: list[str] = field(default_factory=list)
    codes_added: int = 0
    codes_matched: int = 0
    codings: int = 0
    coders: list[str] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    notes: int = 0
    sources: list[SourceReport] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line for the CLI and the page."""
        s = (f"imported {len(self.documents)} document(s), {self.codings} coding(s) by {len(self.coders)} coder(s), "
             f"{self.codes_added} new code(s) ({self.codes_matched} matched existing), "
             f"{len(self.participants)} participant(s), {self.notes} note(s)")
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


def _decode(data: bytes) -> tuple[str, bool, bool]:
    """Text as the tool showed it, normalised to ``\\n``: ``(text, had BOM, had CRLF)``."""
    bom = False
    for mark, codec in ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if data.startswith(mark):
            text, bom = data[len(mark):].decode(codec, errors="replace"), True
            break
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
    crlf = "\r\n" in text
    return text.replace("\r\n", "\n").replace("\r", "\n"), bom, crlf


class _Archive:
    """The zip's members by lower-case path (``Sources/`` and ``sources/`` alike)."""

    def __init__(self, path: Path):
        # Bounded: entry count, sizes, ratio, encryption and methods are checked on open
        # and every read stops at the limits (a source-text zip bomb fails fast).
        self.zf = open_archive(path) if zipfile.is_zipfile(path) else None
        self.names = {n.lower().lstrip("/"): n for n in (self.zf.namelist() if self.zf else [])}

    def close(self) -> None:
        if self.zf is not None:
            self.zf.close()

    def member(self, path: str) -> bytes | None:
        """An archive member by its exact (case-insensitive) path, or None."""
        key = path.lower()
        return self.zf.read(self.names[key]) if self.zf is not None and key in self.names else None

    def read(self, ref: str) -> bytes | None:
        ref = ref.strip().replace("\\", "/")
        scheme, _, rest = ref.partition("://")
        base = PurePosixPath(rest or scheme).name.lower()
        # internal:// lives in sources/; relative/absolute paths point outside the archive,
        # but tools often pack the file into sources/ anyway.
        for key in (f"sources/{base}", base):
            if key in self.names and self.zf is not None:
                return self.zf.read(self.names[key])
        return None


def _turns(archive: "_Archive", guid: str, text: str) -> list[Segment] | None:
    """The speaker turns qualcode wrote for this source (``qualcode/turns/<guid>.json``),
    if they belong to exactly this text; None otherwise (then turns are re-detected)."""
    raw = archive.member(f"qualcode/turns/{guid}.json") if guid else None
    if raw is None:
        return None
    try:
        data = limits.load_json(raw.decode("utf-8"), lambda problem: ValueError(problem))
        if data.get("format") != "qualcode-turns/1":
            return None
        if data.get("text_sha256") != hashlib.sha256(text.encode("utf-8")).hexdigest():
            return None
        turns = []
        for start, end, speaker, ts, end_ts in data["turns"]:
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start <= end <= len(text)):
                return None
            turns.append(Segment(start, end, speaker if isinstance(speaker, str) else None,
                                 float(ts) if isinstance(ts, (int, float)) else None,
                                 float(end_ts) if isinstance(end_ts, (int, float)) else None))
        return turns
    except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError):
        return None


def _note_refs(el: etree._Element) -> tuple[str, ...]:
    return tuple(g for g in (_guid(r.get("targetGUID")) for r in _children(el, "NoteRef")) if g)


def _selections(src: etree._Element) -> list[Selection]:
    out = []
    for sel in _children(src, "PlainTextSelection"):
        codings = tuple(
            (_guid(cref.get("targetGUID")) or "", _guid(c.get("creatingUser")), c.get("creationDateTime"), _note_refs(c))
            for c in _children(sel, "Coding") for cref in _children(c, "CodeRef")
        )
        try:
            start, end = int(sel.get("startPosition", "")), int(sel.get("endPosition", ""))
        except ValueError:
            start = end = -1
        out.append(Selection(_guid(sel.get("guid")) or "", start, end, sel.get("name") or "", codings, _note_refs(sel),
                             _guid(sel.get("creatingUser")), sel.get("creationDateTime")))
    return out


def _text_of(el: etree._Element, archive: _Archive) -> bytes | None:
    content = _child(el, "PlainTextContent")
    if content is not None and content.text:
        return content.text.encode("utf-8")
    path = el.get("plainTextPath")
    return archive.read(path) if path else None


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
    text: str
    bom: bool
    crlf: bool
    selections: list[Selection]
    whole: list[tuple[str, str | None, str | None, tuple[str, ...]]]  # codings of the whole source
    notes: tuple[str, ...]
    variables: dict[str, str]
    turns: list[Segment] | None = None  # qualcode's own turns, when the archive carries them


@dataclass
class _Parsed:
    origin: str
    users: dict[str, str]
    codes: list
    code_notes: dict[str, tuple[str, ...]]
    notes: dict[str, tuple[str, str, str | None, str | None]]  # guid -> name, text, user guid, created
    project_notes: tuple[str, ...]
    cases: list[tuple[str, dict[str, str], list[str]]]
    sources: list[_Source]
    skipped: list[str]


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


def _read_project(root: etree._Element, where: str, archive: _Archive) -> _Parsed:
    users = {}
    for u in _items(root, "Users", "User"):
        g = _guid(u.get("guid"))
        if g:
            users[g] = (u.get("name") or u.get("id") or f"user {g[:8]}").strip()
    book = _child(root, "CodeBook")
    codes_el = _child(book, "Codes") if book is not None else None
    codes = codes_from_element(codes_el, where) if codes_el is not None else []
    code_notes = {}
    if codes_el is not None:
        for el in codes_el.iter(f"{{{PROJECT_NS}}}Code", "Code"):
            if _guid(el.get("guid")) and _note_refs(el):
                code_notes[_guid(el.get("guid"))] = _note_refs(el)
    notes = {}
    skipped: list[str] = []
    for n in _items(root, "Notes", "Note"):
        g = _guid(n.get("guid"))
        raw = _text_of(n, archive)
        if g and raw is not None:
            notes[g] = (n.get("name") or "", _decode(raw)[0].strip(), _guid(n.get("creatingUser")), n.get("creationDateTime"))
        elif g:
            skipped.append(f"note {n.get('name') or g}: no plain text")
    variables = {}
    for v in _items(root, "Variables", "Variable"):
        if _guid(v.get("guid")):
            variables[_guid(v.get("guid"))] = (v.get("name") or "").strip()

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
    for c in _items(root, "Cases", "Case"):
        name = (c.get("name") or "").strip() or f"case {(_guid(c.get('guid')) or '?')[:8]}"
        refs = [g for g in (_guid(r.get("targetGUID")) for r in _children(c, "SourceRef")) if g]
        cases.append((name, values(c), refs))
    sources = []
    src_el = _child(root, "Sources")
    for el in (src_el if src_el is not None else []):
        if not isinstance(el.tag, str):
            continue
        kind, name = local_name(el), (el.get("name") or "").strip()
        if kind != "TextSource":
            skipped.append(f"{kind} {name or el.get('guid')}: only text sources can be imported")
            continue
        raw = _text_of(el, archive)
        if raw is None:
            skipped.append(f"TextSource {name or el.get('guid')}: its plain text ({el.get('plainTextPath') or 'none'}) is not in the file")
            continue
        text, bom, crlf = _decode(raw)
        whole = [(_guid(cr.get("targetGUID")) or "", _guid(c.get("creatingUser")), c.get("creationDateTime"), _note_refs(c))
                 for c in _children(el, "Coding") for cr in _children(c, "CodeRef")]
        guid = _guid(el.get("guid")) or ""
        sources.append(_Source(guid, name, text, bom, crlf, _selections(el), whole,
                               _note_refs(el), values(el), _turns(archive, el.get("guid") or "", text)))
    for extra in ("Links", "Sets", "Graphs"):
        holder = _child(root, extra)
        if holder is not None and len(holder):
            skipped.append(f"{len(holder)} {extra.lower()}: qualcode has no equivalent")
    return _Parsed(root.get("origin") or "", users, codes, code_notes, notes, _note_refs(root), cases, sources, skipped)


# ------------------------------------------------------------------------ import
def import_qdpx(project: Project, path: str | os.PathLike[str], *, actor: str | None = None) -> ImportReport:
    """Import a ``.qdpx`` (or a bare ``.qde`` with inline texts) into ``project``.

    Everything is written in one transaction (event ``documents.import_qdpx``).
    Raises :class:`~qualcode.errors.ExchangeError` for an unreadable file or when a
    document of the same name is already in the project (the project is then
    unchanged). Selections that cannot be placed are listed in ``report.unplaced``.
    """
    p = Path(path)
    try:
        parsed = _parse(p)
    except (OSError, zipfile.BadZipFile, UnicodeError) as exc:
        raise ExchangeError(f"{p}: cannot read the project ({exc})") from exc
    report = ImportReport(origin=parsed.origin, skipped=list(parsed.skipped))
    if not parsed.sources and not parsed.codes:
        raise ExchangeError(f"{p}: no text sources and no codebook to import")
    prefer = Reading(False, False, False) if parsed.origin.lower().startswith("qualcode") else None
    docs = []  # (source, document, placements)
    seen: dict[str, int] = {}
    for src in parsed.sources:
        base = src.name or f"Source {len(seen) + 1}"
        seen[base] = seen.get(base, 0) + 1
        name = base if seen[base] == 1 else f"{base} ({seen[base]})"
        if not src.text.strip():
            report.skipped.append(f"TextSource {name}: the text is empty")
            continue
        reading = choose_reading(src.text, src.selections, has_bom=src.bom, had_crlf=src.crlf,
                                 prefer=prefer and Reading(False, src.crlf, False))
        starts = _starts(src.text, reading)
        placements = []
        for sel in src.selections:
            spot = place(starts, src.text, sel.start, sel.end)
            if isinstance(spot, str):
                codes = [next((c.name for c in parsed.codes if c.guid == g), g) for g, *_ in sel.codings]
                report.unplaced.append(Unplaced(name, sel.guid, sel.start, sel.end, codes, spot))
            else:
                placements.append((sel, spot))
        if src.turns:
            doc = Document(name=name, text=src.text, segments=src.turns,
                           metadata={"speaker_labels": any(t.speaker for t in src.turns)})
        else:
            doc = parse_text(src.text, name)
        doc.source_format, doc.source_path = "qdpx", f"{p.name}:{src.name or src.guid}"
        doc.metadata.update({"refi_guid": src.guid, "refi_origin": parsed.origin, "refi_offsets": reading.describe()})
        if src.variables:
            doc.metadata["variables"] = src.variables
        docs.append((src, doc, placements))
        report.sources.append(SourceReport(name, len(src.selections), len(placements), reading.describe()))
    _write(project, parsed, docs, report, actor, p.name)
    return report


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


def _write(project: Project, parsed: _Parsed, docs: list, report: ImportReport, actor: str | None, label: str) -> None:
    """Everything in one transaction: codes, coders, participants, documents, codings, memos."""
    ts = now_iso()
    with project.write("documents.import_qdpx", actor=actor, target_type="document") as (conn, ev):
        names = [d.name for _, d, _ in docs]
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
        coded = {g for _, _, pl in docs for sel, _ in pl for g, *_ in sel.codings} | {g for s, _, _ in docs for g, *_ in s.whole}
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
                    position=code_rows.next_code_position(conn, project)))["id"]
                report.codes_added += 1
            at_path[path] = code_id[code.guid] = int(cid)
        coder_ids: dict[str, int] = {}

        def coder(user: str | None, fallback: str | None = None) -> tuple[str, int]:
            name = parsed.users.get(user or "") or (f"user {user[:8]}" if user else None) or parsed.users.get(fallback or "") or "imported"
            if name not in coder_ids:
                coder_ids[name] = importing.coder_id(conn, project, name)
            return name, coder_ids[name]

        # Participants from cases; a source in several cases belongs to the first.
        owner: dict[str, int] = {}
        for name, attrs, refs in parsed.cases:
            pid = importing.merge_participant_attributes(conn, project, name, attrs)
            report.participants.append(name)
            for g in refs:
                if g in owner:
                    report.warnings.append(f"source {g} is in several cases; linked to the first")
                owner.setdefault(g, pid)
        note_text = lambda gs: "\n\n".join(parsed.notes[g][1] for g in gs if g in parsed.notes and parsed.notes[g][1])  # noqa: E731
        used_notes: set[str] = set()
        position = importing.next_document_position(conn, project) - 1
        detail = f"qdpx:{parsed.origin or label}"
        for src, doc, placements in docs:
            position += 1
            did = importing.insert_document(conn, project, doc, position=position, imported_at=ts,
                                            participant_id=owner.get(src.guid))
            rows: dict[tuple, dict] = {}
            spans = [(sel, a, b) for sel, (a, b) in placements]
            if src.whole:  # codings of the whole source (no selection): the whole text
                spans.append((Selection("", 0, 0, "", tuple(src.whole)), 0, len(doc.text)))
            for sel, a, b in spans:
                for g, user, when, notes in sel.codings:
                    if g not in code_id:
                        report.unplaced.append(Unplaced(doc.name, sel.guid, sel.start, sel.end, [g], "it refers to a code not in the codebook"))
                        continue
                    who, cid = coder(user, sel.user)
                    memo = note_text(notes + sel.notes) or None
                    used_notes.update(notes + sel.notes)
                    key = (code_id[g], cid, a, b)
                    if key in rows:  # the same code twice on one span by one coder: one coding
                        rows[key]["memo"] = "\n\n".join(m for m in (rows[key]["memo"], memo) if m) or None
                        continue
                    rows[key] = {"project_id": project.id, "document_id": did, "code_id": code_id[g], "coder_id": cid,
                                 "start": a, "end": b, "snippet": doc.text[a:b], "origin": "imported",
                                 "origin_detail": detail, "memo": memo, "created_at": _when(when or sel.created, ts)}
            insert_codings(conn, project, list(rows.values()), where=f"{label}: {doc.name}")
            report.codings += len(rows)
            if src.notes:
                importing.append_memo(conn, project, "document", int(did), note_text(src.notes), ts)
                used_notes.update(src.notes)
            report.documents.append(doc.name)
        for g, notes in parsed.code_notes.items():
            if g in code_id and note_text(notes):
                importing.append_memo(conn, project, "code", code_id[g], note_text(notes), ts)
                used_notes.update(notes)
        loose = [g for g in parsed.notes if g not in used_notes and g not in parsed.project_notes]
        parts = [note_text(parsed.project_notes)] + [f"{parsed.notes[g][0] or 'Note'}\n\n{parsed.notes[g][1]}" for g in loose]
        if any(parts):
            importing.append_memo(conn, project, "project", project.id, "\n\n".join(x for x in parts if x), ts)
        report.notes = len([g for g in parsed.notes if parsed.notes[g][1]])
        report.coders = sorted(coder_ids)
        ev["payload"] = {"file": label, "origin": parsed.origin, "documents": report.documents, "codings": report.codings,
                         "codes_added": report.codes_added, "unplaced": len(report.unplaced)}
