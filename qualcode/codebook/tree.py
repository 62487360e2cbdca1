"""The codebook as a tree: parents in tree order, paths of names, one resolver of code references.

:func:`parent_indices` and :func:`code_paths` work on a :class:`~qualcode.codebook.Codebook`'s
list of codes (``Code.parent`` is a name); :class:`CodeTree` works on a project's code rows
(``parent_id``) and resolves what a user typed (an id, a name, a path) to one code id.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Union

from ..errors import NotFoundError, StoreError
from ..model import Code

__all__ = ["CodeRef", "CodeTree", "PATH_SEPARATOR", "code_paths", "parent_indices"]

CodeRef = Union[int, str, Code]
PATH_SEPARATOR = " > "


def parent_indices(codes: Sequence[Code]) -> tuple[list[int | None], list[str]]:
    """Index of each code's parent in ``codes`` (tree order), and the problems found.

    ``Code.parent`` is a name, so the parent is looked up among the code's would-be
    ancestors: the codes still "open" above it in tree order. This is exact for any
    tree whose codes are not named like one of their own ancestors.
    """
    parents: list[int | None] = []
    problems: list[str] = []
    stack: list[int] = []
    for i, code in enumerate(codes):
        if code.parent is None:
            stack = []
            parents.append(None)
        else:
            j = len(stack) - 1
            while j >= 0 and codes[stack[j]].name != code.parent:
                j -= 1
            if j < 0:
                known = any(c.name == code.parent for c in codes)
                why = ("is not above it in tree order; parents must precede their codes" if known
                       else "is not in the codebook")
                problems.append(f"codes[{i}] {code.name!r}: unknown parent {code.parent!r} (it {why})")
                parents.append(None)
                stack = []
            else:
                stack = stack[: j + 1]
                parents.append(stack[j])
        stack.append(i)
    return parents, problems


def code_paths(codes: Sequence[Code]) -> list[tuple[str, ...]]:
    """The path of names from the top of the tree to each code."""
    parents, _ = parent_indices(codes)
    paths: list[tuple[str, ...]] = []
    for i, code in enumerate(codes):
        p = parents[i]
        paths.append((paths[p] if p is not None else ()) + (code.name,))
    return paths


class CodeTree:
    """A project's codes by id (rows with ``name``, ``parent_id``, ``position``): the one resolver.

    A code is named by its id, a :class:`~qualcode.model.Code`, its name when that is
    unique, or a path ``"Theme > Code"`` (``/`` is accepted too; a path may be cut at
    the top). Pure: it holds rows read elsewhere and never touches the store.
    """

    def __init__(self, rows: dict[int, dict[str, Any]]):
        self.rows: dict[int, dict[str, Any]] = rows

    def names(self, cid: int | None) -> tuple[str, ...]:
        """Names from the top of the tree down to ``cid``."""
        names: list[str] = []
        while cid is not None:
            names.append(self.rows[cid]["name"])
            cid = self.rows[cid]["parent_id"]
        return tuple(reversed(names))

    def path(self, cid: int | None) -> str:
        return PATH_SEPARATOR.join(self.names(cid))

    def children(self, cid: int | None) -> list[int]:
        kids = [i for i, r in self.rows.items() if r["parent_id"] == cid]
        return sorted(kids, key=lambda i: (self.rows[i]["position"], i))

    def subtree(self, cid: int) -> list[int]:
        """``cid`` and all its descendants, parents first."""
        out = [cid]
        for k in self.children(cid):
            out.extend(self.subtree(k))
        return out

    def sibling_named(self, parent_id: int | None, name: str, *, besides: int | None = None) -> int | None:
        for i, r in self.rows.items():
            if r["parent_id"] == parent_id and r["name"] == name and i != besides:
                return i
        return None

    def resolve(self, ref: CodeRef) -> int:
        """The id of the code ``ref`` names; NotFoundError / StoreError when unclear."""
        if isinstance(ref, Code):
            if ref.id is not None:
                ref = ref.id
            else:
                ref = f"{ref.parent} > {ref.name}" if ref.parent else ref.name
        if isinstance(ref, bool) or not isinstance(ref, (int, str)):
            raise StoreError(f"cannot name a code by {ref!r}")
        if isinstance(ref, int):
            if ref not in self.rows:
                raise NotFoundError(f"no code with id {ref} in the codebook")
            return ref
        hits = [i for i, r in self.rows.items() if r["name"] == ref]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise StoreError(f"several codes are named {ref!r} ({', '.join(self.path(i) for i in hits)}); "
                             "give the code id or its path, e.g. 'Theme > Code'")
        for sep in (" > ", "/"):
            if sep in ref:
                # A path may be cut at the top: "Code > Sub" finds "Theme > Code > Sub".
                parts = tuple(p.strip() for p in ref.split(sep))
                hits = [i for i in self.rows if self.names(i)[-len(parts):] == parts]
                if len(hits) == 1:
                    return hits[0]
                if len(hits) > 1:
                    raise StoreError(f"several codes match {ref!r}; give a longer path or the code id")
        raise NotFoundError(f"no code {ref!r} in the codebook")

    def next_position(self) -> int:
        return max((int(r["position"]) for r in self.rows.values()), default=0) + 1
