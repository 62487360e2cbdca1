"""Pickers that stay usable at corpus size.

A study of twenty interviews lists its transcripts, participants and speakers in one
selectbox. A corpus of 1,700 Reddit threads and 1,200 posters cannot: a list that long is
scrolled, not read. Above :data:`LIST_LIMIT` options a picker gets a find box, and its list
holds only the options whose label contains every word typed (at most ``LIST_LIMIT`` of
them); what is already chosen always stays in the list, so finding never changes a choice.
Below the limit the picker is the plain selectbox or multiselect it always was.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import streamlit as st

__all__ = ["LIST_LIMIT", "matching", "pick_many", "pick_one"]

#: Options a picker lists before a find box narrows it (a page of a long list, read by eye).
LIST_LIMIT = 200


def matching(options: Mapping[Hashable, str], query: str, *, limit: int = LIST_LIMIT,
             keep: Sequence[Hashable] = ()) -> tuple[list[Hashable], int]:
    """The options to list for ``query``, and how many options match it in all.

    An option matches when its label contains every word of ``query`` (any case, any
    order). ``keep`` (the current choice, and options such as "Whole project") comes first
    and is always listed; then the matches in their given order, up to ``limit`` in all.
    """
    words = query.casefold().split()
    found = [v for v, label in options.items() if all(w in str(label).casefold() for w in words)]
    kept = [v for v in dict.fromkeys(keep) if v in options]
    listed = kept + [v for v in found if v not in set(kept)][: max(0, limit - len(kept))]
    return listed, len(found)


def _find_box(where, key: str, total: int, noun: str) -> str:
    return where.text_input(
        f"Find a {noun}", key=f"{key}.find", placeholder=f"{total:,} {noun}s: type part of a name",
        help=f"Lists the {noun}s whose name contains every word typed (at most {LIST_LIMIT} at a time).",
    )


def _caption(where, listed: int, found: int, total: int, query: str) -> None:
    if query.strip():
        where.caption(f"{found:,} of {total:,} match" + (f"; the first {listed:,} are listed" if found > listed else ""))
    elif total > listed:
        where.caption(f"The first {listed:,} of {total:,} are listed; type in the find box for the others.")


def pick_one(label: str, options: Mapping[Hashable, str], *, key: str, where: Any = None, noun: str | None = None,
             limit: int = LIST_LIMIT, pinned: Sequence[Hashable] = (), on_change: Callable[[], None] | None = None,
             help: str | None = None, index: int | None = 0) -> Hashable:
    """A selectbox over ``options`` (value -> label); above ``limit`` options, with a find box.

    ``pinned`` values (e.g. None for "Whole project") are always listed first. The chosen
    value lives in ``st.session_state[key]`` as with a plain selectbox.
    """
    where = where or st
    values = list(options)
    if len(values) <= limit:
        return where.selectbox(label, values, format_func=options.get, key=key, on_change=on_change, help=help,
                               index=index)
    noun = noun or label.lower()
    query = _find_box(where, key, len(values), noun)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # a transcript deleted elsewhere: start afresh, as a selectbox does
    keep = [*pinned, *([st.session_state[key]] if key in st.session_state else [])]
    listed, found = matching(options, query, limit=limit, keep=keep)
    value = where.selectbox(label, listed, format_func=options.get, key=key, on_change=on_change, help=help,
                            index=index)
    _caption(where, len(listed), found, len(values), query)
    return value


def pick_many(label: str, options: Mapping[Hashable, str], *, key: str, where: Any = None, noun: str | None = None,
              limit: int = LIST_LIMIT, placeholder: str | None = None, help: str | None = None) -> list:
    """A multiselect over ``options`` (value -> label); above ``limit`` options, with a find box.

    The values already chosen always stay in the list (a multiselect drops a chosen value
    that is no longer among its options).
    """
    where = where or st
    values = list(options)
    if len(values) <= limit:
        return where.multiselect(label, values, format_func=options.get, key=key, placeholder=placeholder, help=help)
    noun = noun or label.lower()
    query = _find_box(where, key, len(values), noun)
    chosen = [v for v in st.session_state.get(key, []) if v in options]
    listed, found = matching(options, query, limit=limit + len(chosen), keep=chosen)
    picked = where.multiselect(label, listed, format_func=options.get, key=key, placeholder=placeholder, help=help)
    _caption(where, len(listed) - len(chosen), found, len(values), query)
    return picked
