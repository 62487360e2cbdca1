"""Export a whole project as a REFI-QDA project (``.qdpx``) for NVivo, ATLAS.ti,
MAXQDA, QualCoder and other tools that implement the standard.

What goes where (see ``docs/exports.md``):

* coders -> ``Users/User``; the codebook -> ``CodeBook`` (through
  :func:`qualcode.refi.qdc.codes_to_element`, so definitions, when to use / not,
  examples and sources share the labelled ``Description`` the ``.qdc`` export uses);
* participant attributes -> ``Variables`` (text); participants -> ``Cases`` with
  their ``VariableValue``\\s and a ``SourceRef`` per interview;
* documents -> ``TextSource`` with ``plainTextPath="internal://<guid>.txt"``, the text
  stored as UTF-8 (no BOM, ``\\n`` line ends) in ``sources/<guid>.txt``;
* each coding -> a ``PlainTextSelection`` (its ``name`` is the start of the coded
  text, a check for importers) holding one ``Coding`` with ``creatingUser`` (the
  coder) and ``creationDateTime``, and a ``CodeRef``;
* memos (project, document, code, coding) -> ``Notes/Note`` with ``NoteRef``\\s where
  they belong;
* sets -> ``Sets/Set`` with ``MemberSource`` and ``MemberCode``;
* what REFI-QDA has no field for travels in archive members other tools ignore:
  speaker turns (``qualcode/turns/<guid>.json``) and each coding's origin
  (``qualcode/codings.json``, by selection GUID).

Offsets are code points into the text file (qualcode's own convention and what the
standard means by characters); tools that count UTF-16 units read them the same
way unless the text holds characters outside the Basic Multilingual Plane (emoji).
GUIDs are derived from names and offsets, so exporting twice gives the same file
content; a document imported from a ``.qdpx`` keeps its original GUID.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from .. import __version__
from ..errors import ExchangeError
from ..ids import is_guid, normalise_guid, stable_guid
from ..refi.common import PROJECT_NS, find_schema, validate_xml
from ..refi.qdc import codes_to_element
from ..store.queries import exchange_rows
from ..store.sets import project_sets
from ..store.speakers import confirmed_speaker_roles
from .. import atomic

if TYPE_CHECKING:  # pragma: no cover
    from ..store import Project

__all__ = ["project_to_qde", "qdpx_bytes", "export_qdpx", "SELECTION_NAME_CHARS", "CODINGS_MEMBER", "DOCUMENTS_MEMBER",
           "codings_json", "variable_type"]

#: How much of the coded text a PlainTextSelection's ``name`` carries.
SELECTION_NAME_CHARS = 120
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _q(tag: str) -> str:
    return f"{{{PROJECT_NS}}}{tag}"


def _sub(parent: etree._Element, tag: str, **attrs: str | None) -> etree._Element:
    return etree.SubElement(parent, _q(tag), {k: v for k, v in attrs.items() if v is not None})


def _xml_text(text: str | None) -> str:
    # XML 1.0 cannot carry most control characters; a memo pasted from elsewhere may hold one.
    return _NOT_XML.sub("", text or "")


def _dt(value: str | None) -> str | None:
    """An ISO timestamp as ``xsd:dateTime`` (``T`` separator), or None."""
    if not value:
        return None
    v = str(value).strip().replace(" ", "T", 1)
    try:
        datetime.fromisoformat(v.replace("Z", "+00:00"))
    except ValueError:
        return None
    return v


def turns_member(guid: str) -> str:
    """Where a source's speaker turns travel in the archive. REFI-QDA has no speaker
    field; other tools ignore archive members the project XML does not name."""
    return f"qualcode/turns/{guid}.json"


def turns_json(text: str, segments) -> bytes:  # noqa: ANN001 - Segment list
    """The turns of a text (offsets, speaker, timestamps), tied to the text by its hash
    so a reader applies them only to exactly that text."""
    data = {"format": "qualcode-turns/1", "text_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "turns": [[s.start, s.end, s.speaker, s.timestamp, s.end_timestamp] for s in segments]}
    if any(s.meta for s in segments):
        # A parallel list, not a sixth field: a reader that knows only five fields
        # (an older qualcode) still reads the turns and ignores this key.
        data["turn_meta"] = [s.meta or None for s in segments]
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


#: Where the codings' origins travel (REFI-QDA has no field for how a coding came to be).
CODINGS_MEMBER = "qualcode/codings.json"
#: Where each document's own record travels: its source format and path and its metadata
#: (PDF pages, where it first came from), tied to its text by a hash.
DOCUMENTS_MEMBER = "qualcode/documents.json"
#: The speaker roles confirmed on the Transcripts page (who interviews, who is interviewed).
ROLES_MEMBER = "qualcode/speaker_roles.json"
_VALUE_TAG = {"Text": "TextValue", "Boolean": "BooleanValue", "Integer": "IntegerValue", "Float": "FloatValue",
              "Date": "DateValue"}
_INTEGER = re.compile(r"-?(0|[1-9][0-9]{0,17})")
_DECIMAL = re.compile(r"-?[0-9]{1,18}\.[0-9]{1,18}")
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")


def variable_type(values: list[str]) -> str:
    """The REFI-QDA ``typeOfVariable`` that writes every value back exactly as it is
    stored (``"34"`` as an IntegerValue, ``"true"`` as a BooleanValue, ``"2024-05-01"``
    as a DateValue); Text when the values are mixed or none fits."""
    vals = [v for v in values if v != ""]
    if not vals:
        return "Text"
    for kind, ok in (("Boolean", lambda v: v in ("true", "false")), ("Integer", _INTEGER.fullmatch),
                     ("Float", _DECIMAL.fullmatch), ("Date", _DATE.fullmatch)):
        if all(ok(v) for v in vals):
            return kind
    return "Text"


def codings_json(origins: dict[str, tuple[str, str | None]]) -> bytes:
    """Selection GUID -> ``[origin, origin detail]`` of every exported coding."""
    return json.dumps({"format": "qualcode-codings/1", "codings": {g: list(v) for g, v in origins.items()}},
                      ensure_ascii=False, sort_keys=True).encode("utf-8")


def project_to_qde(project: Project) -> tuple[etree._Element, dict[str, bytes]]:
    """The ``<Project>`` element and the source files (``sources/<guid>.txt`` -> bytes)."""
    prow, docs, memo_rows = exchange_rows(project)
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    root = etree.Element(_q("Project"), nsmap={None: PROJECT_NS}, name=project.name or "qualcode project",
                         origin=f"qualcode {__version__}")
    if _dt(prow[1] if prow else None):
        root.set("creationDateTime", _dt(prow[1]))
    root.set("modifiedDateTime", now)

    coders = project.coders()
    users = {name: stable_guid("user", name) for name in coders}
    if users:
        users_el = _sub(root, "Users")
        for name, guid in users.items():
            _sub(users_el, "User", guid=guid, name=name)

    codes = project.codes()
    code_guid = {c.id: normalise_guid(c.guid) if c.guid and is_guid(c.guid) else stable_guid(project.name, "code", str(c.id))
                 for c in codes}
    if codes:
        for c in codes:
            c.guid = code_guid[c.id]
        _sub(root, "CodeBook").append(codes_to_element(codes, PROJECT_NS, codebook_name=project.name))

    # Memos become notes; NoteRefs are added to their targets below.
    notes: list[tuple[str, str, str, str | None, str | None]] = []  # guid, name, text, user, created
    note_for: dict[tuple[str, int], str] = {}
    code_names = {c.id: c.name for c in codes}
    doc_names = {d.id: d.name for d in docs}
    # Project, then codes in codebook order, then documents in interview order: the same
    # project gives the same file, whatever order its memos were written in.
    code_pos = {c.id: i for i, c in enumerate(codes)}
    doc_pos = {d.id: i for i, d in enumerate(docs)}
    rank = lambda r: ({"project": 0, "code": 1, "document": 2}.get(r[0], 3),  # noqa: E731
                      (code_pos if r[0] == "code" else doc_pos).get(r[1], r[1]) if r[0] in ("code", "document") else r[1])
    for ttype, tid, text, created, _updated, who in sorted(memo_rows, key=rank):
        label = {"project": f"Project memo: {project.name}", "code": f"Code memo: {code_names.get(tid, tid)}",
                 "document": f"Document memo: {doc_names.get(tid, tid)}"}.get(ttype, f"Memo on {ttype} {tid}")
        guid = stable_guid(project.name, "memo", ttype, str(tid))
        notes.append((guid, label, text, users.get(who) if who else None, created))
        note_for[(ttype, int(tid))] = guid
    if codes:
        id_of = {g: cid for cid, g in code_guid.items()}
        for el in root.iter(_q("Code")):
            cid = id_of.get(el.get("guid"))
            if ("code", cid) in note_for:
                ref = etree.Element(_q("NoteRef"), targetGUID=note_for[("code", cid)])
                desc = el.find(_q("Description"))
                # CodeType order: Description, NoteRef, Code (children).
                (desc.addnext(ref) if desc is not None else el.insert(0, ref))

    people = project.participants()
    full = {d.id: project.document(d.id)[1] for d in docs}
    doc_vars = {d.id: {str(k): str(v) for k, v in ((full[d.id].metadata or {}).get("variables") or {}).items()}
                for d in docs}
    keys = list(dict.fromkeys([k for p in people for k in p.attributes] + [k for v in doc_vars.values() for k in v]))
    var_guid = {k: stable_guid(project.name, "variable", k) for k in keys}
    var_type = {k: variable_type([str(p.attributes[k]) for p in people if k in p.attributes]
                                 + [v[k] for v in doc_vars.values() if k in v]) for k in keys}
    if keys:
        vars_el = _sub(root, "Variables")
        for k in keys:
            _sub(vars_el, "Variable", guid=var_guid[k], name=k, typeOfVariable=var_type[k])

    def value(parent: etree._Element, key: str, text: str) -> None:
        vv = _sub(parent, "VariableValue")
        _sub(vv, "VariableRef", targetGUID=var_guid[key])
        _sub(vv, _VALUE_TAG[var_type[key]]).text = _xml_text(text)

    source_guid = {}
    for d in docs:
        meta_guid = (d.metadata or {}).get("refi_guid")
        source_guid[d.id] = normalise_guid(meta_guid) if meta_guid and is_guid(meta_guid) else stable_guid(project.name, "source", d.name)
    if people:
        cases_el = _sub(root, "Cases")
        for p in people:
            case = _sub(cases_el, "Case", guid=stable_guid(project.name, "case", p.pseudonym), name=p.pseudonym)
            for k, v in p.attributes.items():
                value(case, k, str(v))
            for d in docs:
                if d.pseudonym == p.pseudonym:
                    _sub(case, "SourceRef", targetGUID=source_guid[d.id])

    files: dict[str, bytes] = {}
    described: dict[str, dict] = {}
    origins: dict[str, tuple[str, str | None]] = {}
    codings_by_doc: dict[int, list] = {}
    for c in project.codings():
        codings_by_doc.setdefault(c.document_id, []).append(c)
    if docs:
        sources_el = _sub(root, "Sources")
    for d in docs:
        guid = source_guid[d.id]
        files[f"sources/{guid}.txt"] = d.text.encode("utf-8")
        files[turns_member(guid)] = turns_json(d.text, full[d.id].segments)
        described[guid] = {"text_sha256": hashlib.sha256(d.text.encode("utf-8")).hexdigest(),
                           "source_format": full[d.id].source_format, "source_path": full[d.id].source_path,
                           "metadata": {**(full[d.id].metadata or {}), "refi_guid": guid}}
        src = _sub(sources_el, "TextSource", guid=guid, name=d.name, plainTextPath=f"internal://{guid}.txt",
                   creationDateTime=_dt(d.imported_at))
        for c in codings_by_doc.get(d.id, []):
            key = "|".join((guid, code_guid[c.code_id], c.coder, str(c.start), str(c.end)))
            snippet = " ".join(_xml_text(c.snippet).split())
            name = snippet if len(snippet) <= SELECTION_NAME_CHARS else snippet[: SELECTION_NAME_CHARS - 1] + "…"
            origins[stable_guid("selection", key)] = (c.origin, c.origin_detail)
            sel = _sub(src, "PlainTextSelection", guid=stable_guid("selection", key), name=name,
                       startPosition=str(c.start), endPosition=str(c.end), creatingUser=users.get(c.coder),
                       creationDateTime=_dt(c.created_at))
            coding = _sub(sel, "Coding", guid=stable_guid("coding", key), creatingUser=users.get(c.coder),
                          creationDateTime=_dt(c.created_at))
            _sub(coding, "CodeRef", targetGUID=code_guid[c.code_id])
            if c.memo and c.memo.strip():
                nguid = stable_guid("coding-memo", key)
                notes.append((nguid, f"Coding memo: {c.code_name} in {d.name}", c.memo, users.get(c.coder), c.created_at))
                _sub(coding, "NoteRef", targetGUID=nguid)
        if ("document", d.id) in note_for:
            _sub(src, "NoteRef", targetGUID=note_for[("document", d.id)])
        for k, v in doc_vars[d.id].items():  # document variables (MAXQDA's, Quirkos's, NVivo's file attributes)
            value(src, k, v)

    if notes:
        notes_el = _sub(root, "Notes")
        for guid, label, text, user, created in notes:
            note = _sub(notes_el, "Note", guid=guid, name=label, creatingUser=user, creationDateTime=_dt(created))
            _sub(note, "PlainTextContent").text = _xml_text(text)
    sets = project_sets(project)
    if sets:
        sets_el = _sub(root, "Sets")
        for st in sets:
            set_el = _sub(sets_el, "Set", guid=stable_guid(project.name, "set", st.name), name=st.name)
            if st.description:
                _sub(set_el, "Description").text = _xml_text(st.description)
            for cid in st.codes:
                if cid in code_guid:
                    _sub(set_el, "MemberCode", targetGUID=code_guid[cid])
            for did in st.documents:
                if did in source_guid:
                    _sub(set_el, "MemberSource", targetGUID=source_guid[did])
    if origins:
        files[CODINGS_MEMBER] = codings_json(origins)
    roles = confirmed_speaker_roles(project)
    if roles:
        files[ROLES_MEMBER] = json.dumps({"format": "qualcode-speaker-roles/1", "roles": roles},
                                         ensure_ascii=False, sort_keys=True).encode("utf-8")
    if described:
        files[DOCUMENTS_MEMBER] = json.dumps({"format": "qualcode-documents/1", "documents": described},
                                             ensure_ascii=False, sort_keys=True, default=str).encode("utf-8")
    if prow and prow[0]:
        _sub(root, "Description").text = _xml_text(prow[0])
    if ("project", project.id) in note_for:
        _sub(root, "NoteRef", targetGUID=note_for[("project", project.id)])
    return root, files


def qdpx_bytes(project: Project, *, validate: bool | None = None) -> bytes:
    """The project as ``.qdpx`` bytes (a zip of ``project.qde`` and ``sources/``).

    ``validate``: True = check ``project.qde`` against ``Project.xsd`` (ExchangeError
    when the schema cannot be found); None = check when the schema is available;
    False = do not check.
    """
    root, files = project_to_qde(project)
    if validate or (validate is None and find_schema("Project.xsd")):
        validate_xml(root, "Project.xsd", source=f"project {project.name!r}")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True))
        for name, data in files.items():
            zf.writestr(name, data)
    return buf.getvalue()


def export_qdpx(project: Project, path: str | os.PathLike[str], *, validate: bool | None = None) -> Path:
    """Write the project to ``path`` as a REFI-QDA ``.qdpx``; returns the path."""
    data = qdpx_bytes(project, validate=validate)
    out = Path(path)
    try:
        atomic.write_bytes(out, data)
    except OSError as exc:
        raise ExchangeError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    return out
