"""The codebook: a tree of themes, codes and sub-codes with their metadata.

A :class:`Codebook` is a list of :class:`~qualcode.model.Code` in tree order (every
parent before its children, children in order) plus the codebook's own metadata. It
reads and writes the YAML format documented in ``docs/codebook-format.md``, reads
REFI-QDA ``.qdc``/``.qdpx`` files through :mod:`qualcode.refi`, and goes in and out of
a project (:meth:`Codebook.from_project`, :meth:`Codebook.load_into`).

Loading validates everything and reports EVERY problem with its location
(``themes[2].codes[1] (line 34)``) in one :class:`~qualcode.errors.CodebookError`, so
a researcher can fix a hand-written file in one pass.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .. import atomic
from ..errors import CodebookError
from ..limits import load_yaml, read_file_bytes
from ..model import Code
from .tree import code_paths, parent_indices
from ..ids import new_guid, normalise_guid, parse_colour, stable_guid
from ..store import codes as code_rows

if TYPE_CHECKING:
    from ..store import Project

__all__ = ["Codebook", "LoadReport", "TEXT_FIELDS", "DESCRIPTIVE_FIELDS", "variable_levels"]

# Fields of a code that describe it (what a merge-on-load may update).
TEXT_FIELDS = ("definition", "when_to_use", "when_not_to_use", "example", "source")
DESCRIPTIVE_FIELDS = TEXT_FIELDS + ("colour",)

_TOP_KEYS = ("name", "version", "description", "adapt_note", "sources", "require_definitions", "themes")
_NODE_KEYS = ("name", "definition", "when_to_use", "when_not_to_use", "example", "colour", "source", "codable",
              "guid", "exclusive", "ordered", "levels", "codes")


def variable_levels(levels: Sequence[str] | dict[str, float] | None) -> dict[str, float] | None:
    """Levels as ``{code name: value}``: a list of names ranks them 1, 2, 3...; a
    mapping gives the values. Refuses repeated names or values and non-numbers."""
    if levels is None:
        return None
    if isinstance(levels, dict):
        items = list(levels.items())
    else:
        items = [(name, float(i + 1)) for i, name in enumerate(levels)]
    out: dict[str, float] = {}
    for name, value in items:
        if not isinstance(name, str) or not name.strip():
            raise CodebookError(f"a level must name a code, not {name!r}")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or value in (float("inf"), float("-inf")):
            raise CodebookError(f"level {name!r}: the value must be a number, not {value!r}")
        if name.strip() in out:
            raise CodebookError(f"level {name!r} is listed twice")
        out[name.strip()] = float(value)
    if len(set(out.values())) != len(out):
        raise CodebookError("two levels have the same value; each level needs its own")
    return out


@dataclass
class LoadReport:
    """What :meth:`Codebook.load_into` did, by code path (``Theme > Code``)."""

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    event_id: int | None = None

    def summary(self) -> str:
        """One line for the CLI."""
        return f"added {len(self.added)}, updated {len(self.updated)}, unchanged {len(self.unchanged)} code(s)"


# ------------------------------------------------------------------ the codebook
@dataclass
class Codebook:
    """A codebook: codes in tree order plus metadata.

    ``require_definitions`` (default True) makes a missing definition a validation
    problem; codebooks exported from tools that keep no definitions set it False.
    """

    name: str
    codes: list[Code] = field(default_factory=list)
    version: str = ""
    description: str = ""
    sources: list[str] = field(default_factory=list)
    adapt_note: str = ""
    require_definitions: bool = True

    # ---------------------------------------------------------------- queries
    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def paths(self) -> list[tuple[str, ...]]:
        """Path of names to every code, in tree order."""
        return code_paths(self.codes)

    def children(self, code: Code | None) -> list[Code]:
        """Direct children of ``code`` (None: the top-level themes), in order."""
        parents, _ = parent_indices(self.codes)
        if code is None:
            idx = None
        else:  # the very object first, else an equal one
            idx = next((i for i, c in enumerate(self.codes) if c is code), None)
            idx = self.codes.index(code) if idx is None else idx
        return [c for c, p in zip(self.codes, parents) if p == idx]

    def find(self, *path: str) -> Code:
        """The code at ``path`` (names from the top), e.g. ``find("Gaps", "Cost")``."""
        for code, p in zip(self.codes, self.paths()):
            if p == tuple(path):
                return code
        raise KeyError(" > ".join(path))

    # ------------------------------------------------------------- validation
    def problems(self) -> list[str]:
        """Every problem of the code list (empty when valid).

        Checks names, parents (exist and come first), sibling duplicates, colours,
        GUIDs (valid and unique) and, when required, definitions.
        """
        problems: list[str] = []
        parents, parent_problems = parent_indices(self.codes)
        problems.extend(parent_problems)
        if not str(self.name or "").strip():
            problems.append("the codebook needs a name")
        seen_names: dict[tuple[int | None, str], int] = {}
        seen_guids: dict[str, int] = {}
        for i, (code, p) in enumerate(zip(self.codes, parents)):
            where = f"codes[{i}] {code.name!r}"
            if not isinstance(code.name, str) or not code.name.strip():
                problems.append(f"codes[{i}]: a code needs a name")
                continue
            if code.name != code.name.strip():
                problems.append(f"{where}: the name has leading or trailing spaces")
            key = (p, code.name.strip().casefold())
            if key in seen_names:
                problems.append(f"{where}: duplicate name under {code.parent or 'the top level'!r} "
                                f"(also codes[{seen_names[key]}])")
            seen_names.setdefault(key, i)
            try:
                parse_colour(code.colour)
            except ValueError as exc:
                problems.append(f"{where}: bad colour: {exc}")
            if code.guid is not None:
                try:
                    g = normalise_guid(code.guid)
                except ValueError as exc:
                    problems.append(f"{where}: bad guid: {exc}")
                else:
                    if g in seen_guids:
                        problems.append(f"{where}: guid {g} is also used by codes[{seen_guids[g]}]")
                    seen_guids.setdefault(g, i)
            if self.require_definitions and not (code.definition or "").strip():
                problems.append(f"{where}: missing definition")
        return problems

    def validate(self) -> "Codebook":
        """Raise CodebookError listing every problem; return self when valid."""
        problems = self.problems()
        if problems:
            raise CodebookError(problems, self.name or None)
        return self

    def with_guids(self) -> "Codebook":
        """A copy where every code has a canonical GUID.

        Codes without one get a GUID derived from the codebook name and the code's
        path, so the same codebook exports with the same GUIDs every time.
        """
        codes = []
        for code, path in zip(self.codes, self.paths()):
            guid = normalise_guid(code.guid) if code.guid else stable_guid(self.name, *path)
            codes.append(replace(code, guid=guid))
        return replace(self, codes=codes)

    # ------------------------------------------------------------------- YAML
    @classmethod
    def from_yaml(cls, text: str, *, source: str | None = None) -> "Codebook":
        """Parse and validate YAML codebook TEXT (``source`` names it in errors).

        Text is never taken for a file name, whatever it holds (an upload whose
        whole content is a path is parsed as YAML and fails as YAML); files are read
        by :meth:`read_yaml`. Raises CodebookError with every problem and its location.
        """
        if not isinstance(text, str):
            raise TypeError("Codebook.from_yaml parses YAML text; read a file with Codebook.read_yaml(path)")
        return _YamlReader(text, source or "<yaml>").read()

    @classmethod
    def read_yaml(cls, path: str | os.PathLike[str]) -> "Codebook":
        """Read and validate a YAML codebook file (a regular file, not a link, within
        :data:`qualcode.limits.MAX_FILE_BYTES`)."""
        return _YamlReader(_read_file(path), str(path)).read()

    def to_yaml(self, path: str | os.PathLike[str] | None = None, *, include_guids: bool = True) -> str:
        """The codebook as YAML (and written to ``path`` when given).

        ``include_guids`` writes each code's GUID so a later export keeps them even
        after renames. Text with line breaks is written as readable ``|`` blocks.
        """
        parents, _ = parent_indices(self.codes)
        kids: dict[int | None, list[int]] = {}
        for i, p in enumerate(parents):
            kids.setdefault(p, []).append(i)

        def node(i: int, top: bool) -> dict[str, Any]:
            c = self.codes[i]
            d: dict[str, Any] = {"name": c.name}
            for key in TEXT_FIELDS:
                value = getattr(c, key) or ""
                if value or (key == "definition" and self.require_definitions):
                    d[key] = value
            if c.colour:
                d["colour"] = c.colour
            if c.codable != (not top):  # write codable only where it differs from the default
                d["codable"] = c.codable
            if include_guids and c.guid:
                d["guid"] = c.guid
            if c.exclusive and not c.ordered:
                d["exclusive"] = True
            if c.ordered:
                d["ordered"] = True
                levels = sorted((self.codes[k].level, self.codes[k].name) for k in kids.get(i, [])
                                if self.codes[k].level is not None)
                if levels:
                    d["levels"] = {name: (int(v) if float(v).is_integer() else v) for v, name in levels}
            if kids.get(i):
                d["codes"] = [node(k, False) for k in kids[i]]
            return d

        data: dict[str, Any] = {"name": self.name}
        if self.version:
            data["version"] = str(self.version)
        if self.description:
            data["description"] = self.description
        if self.adapt_note:
            data["adapt_note"] = self.adapt_note
        if self.sources:
            data["sources"] = list(self.sources)
        if not self.require_definitions:
            data["require_definitions"] = False
        data["themes"] = [node(i, True) for i in kids.get(None, [])]
        text = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2)
        if path is not None:
            atomic.write_text(path, text)
        return text

    # ---------------------------------------------------------------- project
    @classmethod
    def from_project(cls, project: "Project", *, name: str | None = None) -> "Codebook":
        """The project's codebook (with store ids and GUIDs).

        Metadata comes from the codebooks loaded into the project (their names,
        versions and sources are kept in the ``codebook.load`` events).
        """
        codes = project.codes()
        loads = [e for e in reversed(project.events(limit=10**9, action_prefix="codebook.load"))
                 if e.action == "codebook.load"]
        sources: list[str] = []
        for e in loads:
            for s in e.payload.get("sources") or []:
                if s not in sources:
                    sources.append(s)
        loaded = [f"{e.payload.get('codebook')} {e.payload.get('version') or ''}".strip() for e in loads]
        description = f"Codebook of project {project.name!r}"
        if loaded:
            description += "; built from: " + ", ".join(dict.fromkeys(loaded))
        revision = len(project.events(limit=10**9, action_prefix="codebook."))
        return cls(
            name=name or project.name,
            codes=codes,
            version=f"rev {revision}",
            description=description,
            sources=sources,
            require_definitions=all((c.definition or "").strip() for c in codes),
        )

    def load_into(self, project: "Project", *, actor: str | None = None) -> LoadReport:
        """Add this codebook to a project in ONE transaction (event ``codebook.load``).

        Merge rule: a code whose name already exists under the same parent IS that
        code: its non-empty descriptive fields (definition, rules, example, colour,
        source) replace the project's, empty ones never erase; its GUID and codings
        stay. ``codable`` follows the file unless that would make a code that has
        codings a folder. New codes are appended with the file's GUID (a fresh one
        when the project already uses it elsewhere).
        """
        self.validate()
        book = self.with_guids()
        parents, _ = parent_indices(book.codes)
        paths = book.paths()
        report = LoadReport()
        with project.write("codebook.load", actor=actor, target_type="codebook") as (conn, ev):
            rows = code_rows.code_rows(conn, project)
            by_key = {(r["parent_id"], r["name"]): r for r in rows.values()}
            guids = {r["guid"] for r in rows.values()}
            coded = code_rows.coded_code_ids(conn, project)
            position = max((int(r["position"]) for r in rows.values()), default=0)
            ids: list[int] = []
            added, updated = [], []
            for i, code in enumerate(book.codes):
                parent_id = ids[parents[i]] if parents[i] is not None else None
                label = " > ".join(paths[i])
                row = by_key.get((parent_id, code.name))
                if row is None:
                    guid = code.guid
                    if guid in guids:
                        guid = new_guid()
                        report.notes.append(f"{label}: GUID already used in this project; gave it a new one")
                    guids.add(guid)
                    position += 1
                    cid = code_rows.insert_code(conn, project, dict(
                        parent_id=parent_id, name=code.name,
                        **{k: (getattr(code, k) or "").strip() for k in TEXT_FIELDS}, colour=parse_colour(code.colour),
                        codable=code.codable, guid=guid, position=position,
                        exclusive=bool(code.exclusive or code.ordered), ordered=code.ordered, level=code.level,
                    ))["id"]
                    ids.append(int(cid))
                    by_key[(parent_id, code.name)] = {"id": int(cid)}
                    report.added.append(label)
                    added.append({"id": int(cid), "path": label, "guid": guid})
                    continue
                ids.append(int(row["id"]))
                if "guid" not in row:  # added earlier in this same load (a duplicate path cannot pass validation)
                    continue
                before, after = {}, {}
                for key in DESCRIPTIVE_FIELDS:
                    new = parse_colour(code.colour) if key == "colour" else (getattr(code, key) or "").strip()
                    if new and new != row[key]:
                        before[key], after[key] = row[key], new
                # A declared variable is taken from the file; a file that declares none
                # leaves the project's declaration alone (as empty text never erases).
                for key, new in (("exclusive", bool(code.exclusive or code.ordered)), ("ordered", code.ordered)):
                    if new and not row[key]:
                        before[key], after[key] = False, True
                if code.level is not None and code.level != row["level"]:
                    before["level"], after["level"] = row["level"], code.level
                if bool(row["codable"]) != code.codable:
                    if not code.codable and row["id"] in coded:
                        report.notes.append(f"{label}: kept codable because it has codings")
                    else:
                        before["codable"], after["codable"] = bool(row["codable"]), code.codable
                if after:
                    code_rows.update_code(conn, project, row["id"], int(row["version"]), after)
                    report.updated.append(label)
                    updated.append({"id": int(row["id"]), "path": label, "before": before, "after": after})
                else:
                    report.unchanged.append(label)
            ev["payload"] = {
                "codebook": book.name, "version": book.version, "sources": list(book.sources),
                "added": added, "updated": updated, "unchanged": len(report.unchanged), "notes": report.notes,
            }
        report.event_id = ev.get("id")
        return report


# ----------------------------------------------------------------- YAML reading
def _read_file(path: str | os.PathLike[str]) -> str:
    data = read_file_bytes(path, lambda problem: CodebookError(problem, str(path)))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CodebookError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", str(path)) from None


class _YamlReader:
    """Turns YAML text into a Codebook, collecting every problem with its location."""

    def __init__(self, text: str, source: str):
        self.text = text
        self.source = source
        self.problems: list[str] = []
        self.lines: dict[str, int] = {}

    def loc(self, path: str) -> str:
        line = self.lines.get(path)
        return f"{path or 'top level'}" + (f" (line {line})" if line else "")

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{self.loc(path)}: {message}")

    def read(self) -> Codebook:
        try:
            # Bounded: no aliases to lists/mappings (billion laughs), nesting checked
            # while composing, before Python's stack could overflow.
            node, data = load_yaml(self.text, lambda problem: CodebookError(problem, self.source))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
            what = getattr(exc, "problem", None) or str(exc)
            raise CodebookError(f"{where}not valid YAML ({what})", self.source) from None
        if node is not None:
            self._index(node, "")
        if not isinstance(data, dict):
            raise CodebookError("the file must be a mapping with 'name:' and 'themes:' at the top", self.source)
        book = self._top(data)
        if book is not None:
            self.problems.extend(p for p in _duplicate_guid_problems(book, self._code_locs))
        if self.problems:
            raise CodebookError(self.problems, self.source)
        assert book is not None
        return book

    def _index(self, node: yaml.Node, path: str) -> None:
        """Record the line of every mapping key / list item; flag duplicate keys."""
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                key = str(key_node.value)
                sub = f"{path}.{key}" if path else key
                if key in seen:
                    self.problems.append(f"{sub} (line {key_node.start_mark.line + 1}): key {key!r} given twice")
                seen.add(key)
                self.lines[sub] = key_node.start_mark.line + 1
                self._index(value_node, sub)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self._index(item, f"{path}[{i}]")

    def _keys(self, d: dict, allowed: Sequence[str], path: str) -> None:
        for key in d:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                sub = f"{path}.{key}" if path else str(key)
                self.problem(sub, f"unknown key {key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
                             + f"; allowed: {', '.join(allowed)}")

    def _text(self, d: dict, key: str, path: str, *, allow_number: bool = False) -> str:
        value = d.get(key)
        if value is None:
            return ""
        if isinstance(value, bool) or (isinstance(value, (int, float)) and not allow_number):
            self.problem(f"{path}.{key}" if path else key, f"{key} must be text, not {value!r}; put it in quotes")
            return ""
        if isinstance(value, (int, float)):
            return str(value)
        if not isinstance(value, str):
            self.problem(f"{path}.{key}" if path else key, f"{key} must be text, not a {_kind(value)}")
            return ""
        return value.strip()

    def _top(self, data: dict) -> Codebook | None:
        self._keys(data, _TOP_KEYS, "")
        name = self._text(data, "name", "")
        if not name and "name" not in data:
            self.problem("", "missing 'name' (the codebook's title)")
        elif not name:
            self.problem("name", "the codebook's name is empty")
        sources_raw = data.get("sources")
        sources: list[str] = []
        if isinstance(sources_raw, str):
            sources = [sources_raw.strip()]
        elif isinstance(sources_raw, list):
            for i, s in enumerate(sources_raw):
                if isinstance(s, str) and s.strip():
                    sources.append(s.strip())
                elif isinstance(s, str) or s is None:
                    self.problem(f"sources[{i}]", "empty source; give the citation text")
                else:
                    hint = " (a ': ' inside unquoted text starts a mapping; quote the citation)" if isinstance(s, dict) else ""
                    self.problem(f"sources[{i}]", f"each source must be text (a citation), not a {_kind(s)}{hint}")
        elif sources_raw is not None:
            self.problem("sources", f"sources must be a list of citations, not a {_kind(sources_raw)}")
        require = data.get("require_definitions", True)
        if not isinstance(require, bool):
            self.problem("require_definitions", f"require_definitions must be true or false, not {require!r}")
            require = True
        self.require = require
        themes = data.get("themes")
        codes: list[Code] = []
        self._code_locs: list[str] = []
        if themes is None:
            self.problem("", "missing 'themes' (the list of themes and their codes)")
        elif not isinstance(themes, list):
            self.problem("themes", f"themes must be a list, not a {_kind(themes)}")
        else:
            if not themes:
                self.problem("themes", "the codebook has no themes")
            self._nodes(themes, "themes", None, codes, top=True)
        book = Codebook(
            name=name, codes=codes, version=self._text(data, "version", "", allow_number=True),
            description=self._text(data, "description", ""), sources=sources,
            adapt_note=self._text(data, "adapt_note", ""), require_definitions=require,
        )
        if not self.problems:
            return book.with_guids()
        return book

    def _nodes(self, items: list, path: str, parent: str | None, out: list[Code], *, top: bool) -> list[int]:
        """Append the codes of ``items`` (and their subtrees) to ``out``; returns the
        indices in ``out`` of the direct ones."""
        seen: dict[str, str] = {}
        direct: list[int] = []
        for i, item in enumerate(items):
            here = f"{path}[{i}]"
            if not isinstance(item, dict):
                what = "theme" if top else "code"
                self.problem(here, f"each {what} must be a mapping with 'name:' and 'definition:', not a {_kind(item)}")
                continue
            self._keys(item, _NODE_KEYS, here)
            name = self._text(item, "name", here)
            if not name:
                self.problem(here, "missing name" if "name" not in item else "empty name")
                name = f"<unnamed {here}>"
            else:
                key = name.casefold()
                if key in seen:
                    self.problem(here, f"duplicate name {name!r} under {parent or 'the top level'!r} (also {seen[key]})")
                seen.setdefault(key, here)
            definition = self._text(item, "definition", here)
            if self.require and not definition:
                self.problem(here, f"{name!r}: missing definition")
            colour = item.get("colour")
            if "colour" in item and colour is None:
                # `colour: #0072b2` without quotes: YAML reads everything after # as a comment.
                self.problem(f"{here}.colour", 'empty colour; write it in quotes, e.g. colour: "#0072b2" '
                                               "(an unquoted # starts a YAML comment)")
            try:
                colour = parse_colour(colour)
            except ValueError as exc:
                self.problem(f"{here}.colour", str(exc))
                colour = None
            codable = item.get("codable", not top)
            if not isinstance(codable, bool):
                self.problem(f"{here}.codable", f"codable must be true or false, not {codable!r}")
                codable = not top
            guid = item.get("guid")
            if guid is not None:
                try:
                    guid = normalise_guid(guid)
                except ValueError as exc:
                    self.problem(f"{here}.guid", str(exc))
                    guid = None
            flags = {}
            for key in ("exclusive", "ordered"):
                flags[key] = item.get(key, False)
                if not isinstance(flags[key], bool):
                    self.problem(f"{here}.{key}", f"{key} must be true or false, not {flags[key]!r}")
                    flags[key] = False
            me = len(out)
            direct.append(me)
            out.append(Code(
                name=name, parent=parent, definition=definition, when_to_use=self._text(item, "when_to_use", here),
                when_not_to_use=self._text(item, "when_not_to_use", here), example=self._text(item, "example", here),
                colour=colour, source=self._text(item, "source", here), codable=codable, guid=guid,
                exclusive=flags["exclusive"] or flags["ordered"], ordered=flags["ordered"],
            ))
            self._code_locs.append(self.loc(here))
            sub = item.get("codes")
            kids: list[int] = []
            if sub is not None and not isinstance(sub, list):
                self.problem(f"{here}.codes", f"codes must be a list, not a {_kind(sub)}")
            elif sub is not None:
                kids = self._nodes(sub, f"{here}.codes", name, out, top=False)
            self._variable(item, here, out, me, kids)
        return direct

    def _variable(self, item: dict, here: str, out: list[Code], me: int, kids: list[int]) -> None:
        """Check a node's ``exclusive`` / ``ordered`` / ``levels`` and give its codes their levels."""
        code = out[me]
        codable = [k for k in kids if out[k].codable]
        if code.exclusive and len(codable) < 2:
            key = "ordered" if code.ordered else "exclusive"
            self.problem(f"{here}.{key}", f"{code.name!r} is declared a variable but has {len(codable)} codable "
                                          "code(s) under it; a variable needs at least two alternatives")
        if "levels" not in item:
            return
        raw = item["levels"]
        if not code.ordered:
            self.problem(f"{here}.levels", "levels need 'ordered: true' on the same theme")
            return
        if isinstance(raw, dict):
            levels = {str(k) if isinstance(k, (int, float)) and not isinstance(k, bool) else k: v for k, v in raw.items()}
        elif isinstance(raw, list):
            levels = [str(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else x for x in raw]
        else:
            self.problem(f"{here}.levels", f"levels must be a list of its code names (lowest first) or a mapping "
                                           f"of code name to value, not a {_kind(raw)}")
            return
        try:
            parsed = variable_levels(levels)
        except CodebookError as exc:
            self.problem(f"{here}.levels", "; ".join(exc.problems))
            return
        by_name = {out[k].name: k for k in codable}
        unknown = [n for n in parsed if n not in by_name]
        missing = [n for n in by_name if n not in parsed]
        if unknown:
            self.problem(f"{here}.levels", f"level {unknown[0]!r} is not a codable code under {code.name!r}")
        elif missing:
            self.problem(f"{here}.levels", f"the levels leave out {', '.join(map(repr, missing))}; list every code")
        else:
            for n, v in parsed.items():
                out[by_name[n]] = replace(out[by_name[n]], level=v)


def _duplicate_guid_problems(book: Codebook, locs: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for i, code in enumerate(book.codes):
        if code.guid and i < len(locs):
            if code.guid in seen:
                problems.append(f"{locs[i]}: guid {code.guid} is also used by {locs[seen[code.guid]]}")
            seen.setdefault(code.guid, i)
    return problems


def _kind(value: object) -> str:
    return {dict: "mapping", list: "list", str: "text", bool: "true/false", int: "number", float: "number"}.get(
        type(value), type(value).__name__)


class _Dumper(yaml.SafeDumper):
    """Readable YAML: multi-line text as ``|`` blocks, lists indented under keys."""

    def increase_indent(self, flow: bool = False, indentless: bool = False):  # noqa: D102
        return super().increase_indent(flow, False)


def _str_presenter(dumper: yaml.SafeDumper, data: str):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


_Dumper.add_representer(str, _str_presenter)
