"""Reddit threads in JSON: a post with nested comments, as one document.

Two shapes are read:

* the Reddit API shape (``<post url>.json``): ``[listing_of_post, listing_of_comments]``
  where listings are ``{"kind": "Listing", "data": {"children": [{"kind", "data"}]}}``
  and a comment's ``replies`` is another listing (or ``""``);
* a simple shape: ``{"title", "selftext", "author", "comments": [{"author", "body",
  "replies": [...]}]}``.

Turns follow thread order (depth first, as Reddit displays it). The post is the first
turn (title, blank line, body). Speakers are ``u/<name>``; the original poster is
``u/<name> (OP)`` on the post and on each of their comments. Deleted comments are
skipped but their replies kept. Timestamps are seconds after the post.

Each turn carries metadata (:attr:`~qualcode.model.Segment.meta`): ``reddit_id``,
``post`` (the post itself) or ``depth`` (0 for a top-level comment), ``score``,
``created`` (UTC, ISO 8601), ``is_op``, ``parent_turn`` (the 1-based number of the
turn it answers; a deleted comment's replies answer its parent) and, on comments,
``op_replied`` (the original poster replied directly to it).
"""

from __future__ import annotations

import dataclasses
import html
import math
from datetime import datetime, timezone
from typing import Any

from qualcode.errors import IngestError
from qualcode.model import Document

from .build import TextBuilder

__all__ = ["looks_like_reddit", "parse_reddit"]

_GONE = frozenset({"[deleted]", "[removed]"})


def _listing_children(obj: Any) -> list[Any] | None:
    if isinstance(obj, dict) and obj.get("kind") == "Listing" and isinstance(obj.get("data"), dict):
        children = obj["data"].get("children")
        return children if isinstance(children, list) else None
    return None


def _is_api(obj: Any) -> bool:
    first = obj[0] if isinstance(obj, list) and obj else obj
    children = _listing_children(first)
    return bool(children) and isinstance(children[0], dict) and children[0].get("kind") == "t3"


def _is_simple(obj: Any) -> bool:
    return isinstance(obj, dict) and ("selftext" in obj or ("title" in obj and "comments" in obj))


def looks_like_reddit(obj: Any) -> bool:
    """True if parsed JSON is a Reddit thread in one of the two shapes."""
    return _is_api(obj) or _is_simple(obj)


def _speaker(author: Any, op: str | None) -> str:
    if not isinstance(author, str) or not author.strip() or author in _GONE:
        return "[deleted]"
    name = author.strip().removeprefix("u/")
    return f"u/{name} (OP)" if op is not None and name == op else f"u/{name}"


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an integer too large for a float
            return None
        # Epoch seconds past about year 5000 are not a comment's time.
        return number if math.isfinite(number) and abs(number) < 1e11 else None
    return None


def _created(value: Any) -> str | None:
    when = _number(value)
    if when is None or when < 0:
        return None
    return datetime.fromtimestamp(when, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Thread:
    def __init__(self, op: str | None, t0: float | None, unescape: bool):
        self.builder = TextBuilder()
        self.op = op
        self.t0 = t0
        self.unescape = unescape  # the API HTML-escapes &, < and > in bodies
        self.turns: list[dict[str, Any]] = []
        self.meta: list[dict[str, Any]] = []  # per segment, in order: becomes Segment.meta
        self.skipped = 0

    def add(self, author: Any, body: str, created: Any, info: dict[str, Any],
            parent: tuple[int | None, bool] = (None, False)) -> int | None:
        """Add one post or comment; return its turn index (None when skipped).

        ``parent`` is the turn index it answers (the nearest kept ancestor when the
        one it answers was deleted) and whether that is its direct parent.
        """
        body = html.unescape(body) if self.unescape else body
        if body.strip() in _GONE:
            self.skipped += 1
            return None
        when = _number(created)
        rel = when - self.t0 if when is not None and self.t0 is not None else None
        idx = self.builder.add_turn(body, _speaker(author, self.op), rel)
        if idx is None:
            self.skipped += 1
            return None
        self.turns.append(info)
        is_op = self.op is not None and _op_name(author) == self.op
        meta: dict[str, Any] = {}
        if isinstance(info.get("id"), str) and info["id"]:
            meta["reddit_id"] = info["id"][:64]
        if info.get("post"):
            meta["post"] = True
        else:
            meta["depth"] = info["depth"]
        score = _number(info.get("score"))
        if score is not None and score == int(score) and abs(score) < 2**53:
            meta["score"] = int(score)
        if _created(created):
            meta["created"] = _created(created)
        meta["is_op"] = is_op
        parent_idx, direct = parent
        if parent_idx is not None:
            meta["parent_turn"] = parent_idx + 1  # 1-based, as turns are numbered everywhere
        if not info.get("post"):
            meta["op_replied"] = False
        # "Did the OP reply to this comment": only the comment the OP answered directly,
        # never their own, and never across a deleted comment (whom they answered is gone).
        if is_op and direct and parent_idx is not None and not self.meta[parent_idx]["is_op"]:
            self.meta[parent_idx]["op_replied"] = True
        self.meta.append(meta)
        return idx


def _op_name(author: Any) -> str | None:
    if isinstance(author, str) and author.strip() and author not in _GONE:
        return author.strip().removeprefix("u/")
    return None


def _child(thread: _Thread, idx: int | None, parent: tuple[int | None, bool]) -> tuple[int | None, bool]:
    """The parent its replies answer: this turn, or (when it was skipped) its own parent, indirectly."""
    return (idx, True) if idx is not None else (parent[0], False)


def _walk_api(thread: _Thread, children: list[Any], depth: int, parent: tuple[int | None, bool]) -> int:
    more = 0
    for child in children:
        if not isinstance(child, dict):
            continue
        if child.get("kind") == "more":
            data = child.get("data")
            more += int(_number(data.get("count")) or 0) if isinstance(data, dict) else 0
            continue
        data = child.get("data")
        if child.get("kind") != "t1" or not isinstance(data, dict):
            continue
        idx = thread.add(data.get("author"), str(data.get("body") or ""), data.get("created_utc"),
                         {"id": data.get("id"), "depth": depth, "score": data.get("score")}, parent)
        replies = _listing_children(data.get("replies"))
        if replies:
            more += _walk_api(thread, replies, depth + 1, _child(thread, idx, parent))
    return more


def _walk_simple(thread: _Thread, comments: Any, depth: int, path: str, parent: tuple[int | None, bool]) -> None:
    if not comments:
        return
    if not isinstance(comments, list):
        raise IngestError(path, "malformed Reddit JSON: 'comments'/'replies' must be a list")
    for c in comments:
        if not isinstance(c, dict):
            raise IngestError(path, "malformed Reddit JSON: a comment is not an object")
        body = c.get("body", c.get("text", ""))
        idx = thread.add(c.get("author"), str(body or ""), c.get("created_utc"),
                         {"id": c.get("id"), "depth": depth, "score": c.get("score")}, parent)
        _walk_simple(thread, c.get("replies"), depth + 1, path, _child(thread, idx, parent))


def parse_reddit(obj: Any, name: str, path: str) -> Document:
    """One document from parsed Reddit thread JSON."""
    api = _is_api(obj)
    if api:
        listings = obj if isinstance(obj, list) else [obj]
        post = _listing_children(listings[0])[0].get("data")  # type: ignore[index]
        comments = (_listing_children(listings[1]) or []) if len(listings) > 1 else []
    elif _is_simple(obj):
        post, comments = obj, obj.get("comments") or []
    else:
        raise IngestError(path, "malformed Reddit JSON: expected a post with comments")
    if not isinstance(post, dict):
        raise IngestError(path, "malformed Reddit JSON: the post is not an object")
    op = _op_name(post.get("author"))
    thread = _Thread(op, _number(post.get("created_utc")), unescape=api)
    title = str(post.get("title") or "").strip()
    selftext = str(post.get("selftext") or post.get("body") or "")
    if selftext.strip() in _GONE:
        selftext = ""
    top = thread.add(post.get("author"), "\n\n".join(p for p in (title, selftext.strip()) if p),
                     post.get("created_utc"),
                     {"id": post.get("id"), "depth": -1, "score": post.get("score"), "post": True})
    under_post = (top, top is not None)
    more = _walk_api(thread, comments, 0, under_post) if api else 0
    if not api:
        _walk_simple(thread, comments, 0, path, under_post)
    b = thread.builder
    meta: dict[str, Any] = {"title": title, "turns": thread.turns, "skipped_comments": thread.skipped}
    for key in ("subreddit", "id", "permalink", "url", "num_comments"):
        if post.get(key) is not None:
            meta[key] = post[key]
    if more:
        meta["comments_not_loaded"] = more
    segments = [dataclasses.replace(seg, meta=m) for seg, m in zip(b.segments, thread.meta)]
    doc = Document(name=name, text=b.text, segments=segments, source_format="reddit-json", metadata=meta)
    if more:
        doc.warnings.append(f"{more} comment(s) were not in the file (Reddit's 'load more comments')")
    return doc
