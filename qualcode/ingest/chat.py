"""Chat transcripts in JSON: a generic message list, and chatbot conversation exports.

* Generic: ``[{"role"|"speaker"|"author": ..., "content"|"text"|"message": ...}, ...]``
  (or ``{"messages": [...]}``); content may be a string or a list of parts.
* Conversation export (``conversations.json`` of a popular chatbot service): a list of
  conversations, each ``{"title", "mapping": {id: {"message", "parent", "children"}},
  "current_node"}``. Messages form a tree (edits and regenerations branch it); we
  follow the branch the user last saw: from ``current_node`` back to the root, or —
  without it — the first child forward from the root.

System, tool and empty messages are skipped: they are not part of the conversation
as the participant experienced it. Each conversation becomes one document.
"""

from __future__ import annotations

import dataclasses
import math
from datetime import datetime, timezone
from typing import Any

from qualcode.errors import IngestError
from qualcode.model import Document

from .build import TextBuilder

__all__ = ["looks_like_chat", "parse_chat"]

_SPEAKER_KEYS = ("role", "speaker", "author", "sender", "from", "user", "name")
_CONTENT_KEYS = ("content", "text", "message", "body")
_TIME_KEYS = ("timestamp", "time", "create_time", "created_at", "date")
_MAX_EPOCH_S = 1e11
_SKIP_ROLES = frozenset({"system", "tool", "function", "developer"})
_TEXT_CONTENT_TYPES = frozenset({"text", "multimodal_text"})


def _is_export(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("mapping"), dict)


def _is_message(obj: Any) -> bool:
    return (isinstance(obj, dict) and any(k in obj for k in _SPEAKER_KEYS)
            and any(k in obj for k in _CONTENT_KEYS))


def looks_like_chat(obj: Any) -> bool:
    """True if parsed JSON has one of the chat shapes this module reads."""
    if isinstance(obj, dict):
        return _is_export(obj) or (isinstance(obj.get("messages"), list) and bool(obj["messages"]))
    return isinstance(obj, list) and bool(obj) and (_is_export(obj[0]) or _is_message(obj[0]))


def _text_of(content: Any) -> str:
    """Text of a message content: a string, a list of parts, or ``{"parts"|"text": ...}``."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n\n".join(t for t in (_text_of(p) for p in content) if t.strip())
    if isinstance(content, dict):
        if content.get("type") not in (None, "text", "input_text", "output_text"):
            return ""  # images, audio, tool calls
        for key in ("parts", "text", "content", "value"):
            if key in content:
                return _text_of(content[key])
        return ""
    return str(content) if isinstance(content, (int, float)) else ""


def _seconds(value: Any) -> float | None:
    """Epoch seconds (or milliseconds) or an ISO-8601 string, as epoch seconds."""
    if isinstance(value, bool) or value is None:
        return None
    seconds: float | None = None
    if isinstance(value, (int, float)):
        try:
            seconds = float(value) / 1000 if value > 1e11 else float(value)
        except OverflowError:  # an integer too large for a float: no calendar holds it
            return None
    elif isinstance(value, str) and value.strip():
        try:
            seconds = datetime.fromisoformat(value.strip().replace("Z", "+00:00")).timestamp()
        except (ValueError, OverflowError, OSError):
            return None
    # Beyond about year 5000 (or before -3000) it is not a message time.
    return seconds if seconds is not None and math.isfinite(seconds) and abs(seconds) < _MAX_EPOCH_S else None


def _speaker_of(msg: dict[str, Any]) -> str | None:
    for key in _SPEAKER_KEYS:
        value = msg.get(key)
        if isinstance(value, dict):  # {"author": {"role": "user", "name": ...}}
            value = value.get("role") or value.get("name")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


_Turn = tuple[str | None, str, float | None, str | None]  # speaker, text, epoch seconds, model


def _turn_meta(when: float | None, model: str | None) -> dict[str, Any] | None:
    """A message's turn metadata: its time (UTC, ISO 8601) and the model that wrote it."""
    meta: dict[str, Any] = {}
    if when is not None:
        try:
            meta["message_time"] = datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except (ValueError, OverflowError, OSError):  # a year the calendar cannot print
            pass
    if model:
        meta["model"] = model[:200]
    return meta or None


def _model_of(msg: dict[str, Any]) -> str | None:
    meta = msg.get("metadata") if isinstance(msg.get("metadata"), dict) else {}
    for value in (msg.get("model"), meta.get("model_slug"), meta.get("model")):
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _build(turns: list[_Turn], name: str) -> tuple[Document, int]:
    """Document from (speaker, text, epoch seconds, model); timestamps relative to the first."""
    builder = TextBuilder()
    origin = next((t for _, _, t, _ in turns if t is not None), None)
    skipped = 0
    segments = []
    for speaker, text, when, model in turns:
        rel = when - origin if when is not None and origin is not None else None
        if builder.add_turn(text, speaker, rel) is None:
            skipped += 1
        else:
            segments.append(dataclasses.replace(builder.segments[-1], meta=_turn_meta(when, model)))
    doc = Document(name=name, text=builder.text, segments=segments, source_format="chat-json")
    return doc, skipped


def _parse_generic(messages: list[Any], name: str, path: str) -> Document:
    turns: list[_Turn] = []
    skipped = 0
    for n, msg in enumerate(messages, start=1):
        if not isinstance(msg, dict):
            raise IngestError(path, f"malformed chat JSON: message {n} is not an object")
        key = next((k for k in _CONTENT_KEYS if k in msg), None)
        if key is None:
            raise IngestError(path, f"malformed chat JSON: message {n} has none of the fields "
                                    f"{', '.join(_CONTENT_KEYS)}")
        speaker = _speaker_of(msg)
        if speaker and speaker.casefold() in _SKIP_ROLES:
            skipped += 1
            continue
        when = next((s for s in (_seconds(msg.get(k)) for k in _TIME_KEYS) if s is not None), None)
        turns.append((speaker, _text_of(msg[key]), when, _model_of(msg)))
    doc, empty = _build(turns, name)
    doc.metadata["skipped_messages"] = skipped + empty
    return doc


def _main_branch(mapping: dict[str, Any], current: Any) -> list[dict[str, Any]]:
    """Nodes of the visible branch, root first (cycles and dangling ids are ignored)."""
    def node(node_id: Any) -> dict[str, Any] | None:
        value = mapping.get(node_id) if isinstance(node_id, str) else None
        return value if isinstance(value, dict) else None

    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    if node(current) is not None:
        node_id: Any = current
        while (n := node(node_id)) is not None and node_id not in seen:
            seen.add(node_id)
            nodes.append(n)
            node_id = n.get("parent")
        return nodes[::-1]
    roots = [k for k, v in mapping.items() if isinstance(v, dict) and node(v.get("parent")) is None]
    node_id = roots[0] if roots else None
    while (n := node(node_id)) is not None and node_id not in seen:
        seen.add(node_id)
        nodes.append(n)
        children = n.get("children")
        node_id = children[0] if isinstance(children, list) and children else None
    return nodes


def _parse_export(conv: dict[str, Any], name: str) -> Document:
    turns: list[_Turn] = []
    skipped = 0
    for node in _main_branch(conv["mapping"], conv.get("current_node")):
        msg = node.get("message")
        if not isinstance(msg, dict):
            continue  # the empty root node
        role = _speaker_of(msg)
        content = msg.get("content")
        ctype = content.get("content_type", "text") if isinstance(content, dict) else "text"
        meta = msg.get("metadata") if isinstance(msg.get("metadata"), dict) else {}
        if (not role or role.casefold() in _SKIP_ROLES or ctype not in _TEXT_CONTENT_TYPES
                or msg.get("recipient", "all") != "all" or meta.get("is_visually_hidden_from_conversation")):
            skipped += 1
            continue
        turns.append((role, _text_of(content), _seconds(msg.get("create_time")), _model_of(msg)))
    doc, empty = _build(turns, name)
    doc.metadata.update({"skipped_messages": skipped + empty, "title": conv.get("title")})
    for key in ("conversation_id", "id", "create_time", "update_time", "default_model_slug"):
        if conv.get(key) is not None:
            doc.metadata[key] = conv[key]
    return doc


def parse_chat(obj: Any, name: str, path: str) -> list[Document]:
    """Documents from parsed chat JSON (one per conversation)."""
    if isinstance(obj, dict) and isinstance(obj.get("messages"), list):
        obj = obj["messages"]
    if _is_export(obj):
        obj = [obj]
    if not isinstance(obj, list) or not obj:
        raise IngestError(path, "malformed chat JSON: expected a list of messages or of conversations")
    if not _is_export(obj[0]):
        return [_parse_generic(obj, name, path)]
    docs: list[Document] = []
    used: dict[str, int] = {}
    empty = 0
    for n, conv in enumerate(obj, start=1):
        if not _is_export(conv):
            raise IngestError(path, f"malformed chat export: conversation {n} has no 'mapping'")
        title = conv.get("title") if isinstance(conv.get("title"), str) and conv["title"].strip() else None
        base = title.strip() if title else f"{name}-{n}"
        used[base] = used.get(base, 0) + 1
        doc = _parse_export(conv, base if used[base] == 1 else f"{base} ({used[base]})")
        if doc.segments:
            docs.append(doc)
        else:
            empty += 1
    if not docs:
        raise IngestError(path, "the chat export has no conversation with text")
    if empty:
        docs[0].warnings.append(f"{empty} conversation(s) without any text were skipped")
    return docs
