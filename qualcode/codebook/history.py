"""The codebook's history: every edit from the event log, as rows, a table, CSV or Markdown.

Reads the ``codebook.*`` events that :mod:`qualcode.codebook.edit` and
:meth:`~qualcode.codebook.Codebook.load_into` write; never writes anything.
"""

from __future__ import annotations

import csv
import io
import os
from typing import TYPE_CHECKING, Any
from .. import atomic

if TYPE_CHECKING:
    import pandas as pd

    from ..store import Project

__all__ = ["codebook_history", "history_frame", "history_to_csv", "history_to_markdown"]


def _details(action: str, p: dict[str, Any]) -> str:
    """One readable sentence per edit, for papers and the history table."""
    if action == "load":
        return (f"loaded codebook {p.get('codebook')!r}" + (f" {p['version']}" if p.get("version") else "")
                + f": {len(p.get('added', []))} added, {len(p.get('updated', []))} updated, "
                  f"{p.get('unchanged', 0)} unchanged")
    if action == "add":
        parent = p.get("parent")
        return f"added {p.get('name') or p.get('code')!r}" + (f" under {parent!r}" if parent else " at the top level")
    if action == "rename":
        return f"renamed {p['before']['name']!r} to {p['after']['name']!r}"
    if action == "describe":
        return "changed " + ", ".join(
            f"{k} ({_short(p['before'][k])} -> {_short(p['after'][k])})" if k in ("colour", "codable") else k
            for k in p.get("after", {}))
    if action == "move":
        return f"moved from {p['before']['parent'] or 'the top level'!r} to {p['after']['parent'] or 'the top level'!r}"
    if action == "merge":
        parts = [f"merged into {p['into']!r}", f"{len(p['moved_codings'])} coding(s) moved"]
        if p["collapsed_codings"]:
            parts.append(f"{len(p['collapsed_codings'])} duplicate(s) collapsed")
        if p["children_moved"]:
            parts.append(f"{len(p['children_moved'])} sub-code(s) moved")
        if p.get("memo"):
            parts.append("memo appended")
        return ", ".join(parts)
    if action == "split":
        return "split into " + ", ".join(repr(c["name"]) for c in p["created"]) + (
            " (as sub-codes)" if p.get("as_children") else "")
    if action == "reassign":
        n = len(p["moved"]) + len(p["collapsed"])
        return f"{n} coding(s) reassigned to {p['code']!r}" + (
            f" ({len(p['collapsed'])} collapsed as duplicates)" if p["collapsed"] else "")
    if action == "memo":
        return ("appended to the memo: " if p.get("before") else "wrote the memo: ") + _short(p.get("appended"))[:200]
    if action == "variable":
        return "variable: " + _variable_words(p["before"]) + " -> " + _variable_words(p["after"])
    if action == "delete":
        if not p.get("forced"):
            return "deleted (it had no codings or sub-codes)"
        return (f"deleted with force: {len(p['deleted_codings'])} coding(s), {len(p['deleted_codes']) - 1} "
                f"sub-code(s) and {len(p['deleted_memos'])} memo(s) lost")
    return ""


def _variable_words(v: dict[str, Any]) -> str:
    if not v.get("exclusive"):
        return "not a variable"
    words = "ordered" if v.get("ordered") else "exclusive"
    if v.get("levels"):
        words += " (" + " < ".join(v["levels"]) + ")"
    return words


def _short(value: Any) -> str:
    return str(value) if value not in (None, "") else "none"


def codebook_history(project: "Project") -> list[dict[str, Any]]:
    """Every codebook edit, oldest first: ``id, when, who, action, code, details, payload``.

    ``action`` is the operation (``load``, ``add``, ``rename``, ``describe``, ``move``,
    ``merge``, ``split``, ``reassign``, ``delete``, ``variable``, ``memo``); ``code`` the path of the code it
    concerned at the time; ``details`` one readable sentence.
    """
    out = []
    for e in reversed(project.events(limit=10**9, action_prefix="codebook.")):
        action = e.action.split(".", 1)[1]
        p = e.payload or {}
        code = p.get("code") or (" > ".join(x for x in (p.get("parent"), p.get("name")) if x)) or p.get("codebook") or ""
        try:
            details = _details(action, p)
        except (KeyError, TypeError):  # an event written by an older version: show it raw
            details = ""
        out.append({"id": e.id, "when": e.at, "who": e.actor or "", "action": action, "code": code,
                    "details": details, "payload": p})
    return out


def history_frame(project: "Project") -> "pd.DataFrame":
    """:func:`codebook_history` as a DataFrame (without the raw payload column)."""
    import pandas as pd

    cols = ["id", "when", "who", "action", "code", "details"]
    return pd.DataFrame([{k: r[k] for k in cols} for r in codebook_history(project)], columns=cols)


def history_to_csv(project: "Project", path: str | os.PathLike[str] | None = None) -> str:
    """The history as CSV text (``when, who, action, code, details``), also written to ``path``."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["when", "who", "action", "code", "details"])
    for r in codebook_history(project):
        writer.writerow([r["when"], r["who"], r["action"], r["code"], r["details"]])
    text = buf.getvalue()
    if path is not None:
        atomic.write_text(path, text)
    return text


def history_to_markdown(project: "Project", path: str | os.PathLike[str] | None = None) -> str:
    """The history as a Markdown table (ready for a paper's appendix)."""
    def cell(value: Any) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| When | Who | Action | Code | Details |", "|---|---|---|---|---|"]
    for r in codebook_history(project):
        lines.append("| " + " | ".join(cell(r[k]) for k in ("when", "who", "action", "code", "details")) + " |")
    text = "\n".join(lines) + "\n"
    if path is not None:
        atomic.write_text(path, text)
    return text
