"""The exception hierarchy: one module, its tree drawn true, and no bare QualcodeError raised."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import qualcode
from qualcode import errors

ROOT = Path(__file__).resolve().parents[2]


def _drawn_tree() -> dict[str, str | None]:
    """Class name -> parent name, read from the tree in errors.py's docstring."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[int, str]] = []
    for line in (errors.__doc__ or "").splitlines():
        # The root on a line of its own, then "├── Name" / "└── Name" indented by "│   " or "    ".
        m = re.match(r"^(\s*)(QualcodeError)\s*$", line) or re.match(r"^(\s*(?:[│ ]   )*)[├└]── ([A-Z][A-Za-z]+)\b", line)
        if not m:
            continue
        depth = len(m.group(1)) + (4 if "── " in line else 0)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        parents[m.group(2)] = stack[-1][1] if stack else None
        stack.append((depth, m.group(2)))
    return parents


def test_the_docstring_draws_every_error_under_its_real_parent():
    drawn = _drawn_tree()
    assert set(drawn) == set(errors.__all__)
    for name, parent in drawn.items():
        cls = getattr(errors, name)
        if parent is None:
            assert cls is errors.QualcodeError
        else:
            assert cls.__bases__ == (getattr(errors, parent),), name


def test_the_public_face_exports_every_error():
    assert set(errors.__all__) <= set(qualcode.__all__)
    assert all(getattr(qualcode, n) is getattr(errors, n) for n in errors.__all__)


def test_errors_are_defined_only_in_errors_py():
    bad = []
    for path in sorted((ROOT / "qualcode").rglob("*.py")):
        if path.name == "errors.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(b, ast.Name) and b.id.endswith(("Error", "Denied")) for b in node.bases
            ):
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert not bad, "exceptions outside qualcode/errors.py:\n" + "\n".join(bad)


def test_nothing_raises_the_bare_base_class():
    bad = []
    for path in sorted((ROOT / "qualcode").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and \
                    isinstance(node.exc.func, ast.Name) and node.exc.func.id == "QualcodeError":
                bad.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not bad, "raise a specific subclass of QualcodeError instead:\n" + "\n".join(bad)
