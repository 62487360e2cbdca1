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
"""

from __future__ import annotations

import html
import math
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


class _Thread:
    def __init__(self, op: str | None, t0: float | None, unescape: bool):
        self.builder = TextBuilder()
        self.op = op
        self.t0 = t0
        self.unescape = unescape  # the API HTML-escapes &, < and > in bodies
        self.turns: list[dict[str, Any]] = []
        self.skipped = 0

    def add(self, author: Any, body: str, created: Any, info: dict[str, Any]) -> None:
        body = html.unescape(body) if self.unescape else body
        if body.strip() in _GONE:
            self.skipped += 1
            return
        when = _number(created)
        rel = when - self.t0 if when is not None and self.t0 is not None else None
        if self.builder.add_turn(body, _speaker(author, self.op), rel) is None:
            self.skipped += 1
        else:
            self.turns.append(info)


def _op_name(author: Any) -> str | None:
    if isinstance(author, str) and author.strip() and author not in _GONE:
        return author.strip().removeprefix("u/")
    return None


def _walk_api(thread: _Thread, children: list[Any], depth: int) -> int:
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
        thread.add(data.get("author"), str(data.get("body") or ""), data.get("created_utc"),
                   {"id": data.get("id"), "depth": depth, "score": data.get("score")})
        replies = _listing_children(data.get("replies"))
        if replies:
            more += _walk_api(thread, replies, depth + 1)
    return more


def _walk_simple(thread: _Thread, comments: Any, depth: int, path: str) -> None:
    if not comments:
        return
    if not isinstance(comments, list):
        raise IngestError(path, "malformed Reddit JSON: 'comments'/'replies' must be a list")
    for c in comments:
        if not isinstance(c, dict):
            raise IngestError(path, "malformed Reddit JSON: a comment is not an object")
        body = c.get("body", c.get("text", ""))
        thread.add(c.get("author"), str(body or ""), c.get("created_utc"),
                   {"id": c.get("id"), "depth": depth, "score": c.get("score")})
        _walk_simple(thread, c.get("replies"), depth + 1, path)


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
    thread.add(post.get("author"), "\n\n".join(p for p in (title, selftext.strip()) if p), post.get("created_utc"),
               {"id": post.get("id"), "depth": -1, "score": post.get("score"), "post": True})
    more = _walk_api(thread, comments, 0) if api else 0
    if not api:
        _walk_simple(thread, comments, 0, path)
    b = thread.builder
    meta: dict[str, Any] = {"title": title, "turns": thread.turns, "skipped_comments": thread.skipped}
    for key in ("subreddit", "id", "permalink", "url", "num_comments"):
        if post.get(key) is not None:
            meta[key] = post[key]
    if more:
        meta["comments_not_loaded"] = more
    doc = Document(name=name, text=b.text, segments=b.segments, source_format="reddit-json", metadata=meta)
    if more:
        doc.warnings.append(f"{more} comment(s) were not in the file (Reddit's 'load more comments')")
    return doc
