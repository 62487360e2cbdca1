"""The import rules of docs/architecture.md, checked on the source (ast, nothing imported).

Each rule lists what breaks it, so a failure names the file and the line to fix.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "qualcode"


@dataclass(frozen=True)
class Import:
    """One imported name: ``module`` (absolute), ``name`` (None for ``import module``)."""

    source: str  # importing module, e.g. "qualcode.codebook.edit"
    path: str  # file relative to the repository root
    line: int
    module: str
    name: str | None
    type_only: bool  # inside ``if TYPE_CHECKING:``


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_package(path: Path) -> bool:
    return path.name == "__init__.py"


def _type_checking_lines(tree: ast.Module) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(path: Path) -> list[Import]:
    """Every import in ``path`` (top level, in functions, under TYPE_CHECKING), resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    source = module_name(path)
    package = source if is_package(path) else source.rpartition(".")[0]
    type_only = _type_checking_lines(tree)
    rel = str(path.relative_to(ROOT))
    out: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                out.append(Import(source, rel, node.lineno, alias.name, None, node.lineno in type_only))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                if node.level > 1:
                    base = base[: -(node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            for alias in node.names:
                out.append(Import(source, rel, node.lineno, module, alias.name, node.lineno in type_only))
    return out


def library_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


ALL_IMPORTS = [imp for f in library_files() for imp in imports_of(f)]
MODULES = {module_name(f) for f in library_files()}


def target_module(imp: Import) -> str:
    """The module an import reaches: ``from pkg import mod`` reaches ``pkg.mod``."""
    if imp.name and f"{imp.module}.{imp.name}" in MODULES:
        return f"{imp.module}.{imp.name}"
    return imp.module


def package_of(module: str) -> str:
    """The package a module belongs to (a package's ``__init__`` belongs to itself)."""
    if any(f"{m}".startswith(module + ".") for m in MODULES):
        return module
    return module.rpartition(".")[0]


def where(imps: list[Import]) -> str:
    return "\n".join(f"{i.path}:{i.line} imports {target_module(i)}" + (f" ({i.name})" if i.name else "")
                     for i in imps)


def in_part(module: str, part: str) -> bool:
    return module == part or module.startswith(part + ".")


def test_the_rules_see_the_imports():
    # A guard for the checker itself: a known import must be found and resolved.
    found = [i for i in ALL_IMPORTS if i.source == "qualcode.codebook.edit" and i.name == "CodeTree"]
    assert found and target_module(found[0]) == "qualcode.codebook.tree"
    assert package_of("qualcode.codebook.tree") == "qualcode.codebook"
    assert package_of("qualcode.codebook") == "qualcode.codebook"


def test_the_library_never_imports_the_front_ends():
    bad = [i for i in ALL_IMPORTS
           if not (in_part(i.source, "qualcode.ui") or in_part(i.source, "qualcode.cli") or i.source == "qualcode.__main__")
           and (in_part(target_module(i), "qualcode.ui") or in_part(target_module(i), "qualcode.cli"))]
    assert not bad, "the library imports a front end:\n" + where(bad)


def test_only_the_ui_imports_streamlit():
    bad = [i for i in ALL_IMPORTS if in_part(i.module, "streamlit") and not in_part(i.source, "qualcode.ui")]
    assert not bad, "streamlit outside qualcode/ui:\n" + where(bad)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def test_no_module_imports_another_packages_private_names():
    bad = []
    for i in ALL_IMPORTS:
        if not i.module.startswith("qualcode"):
            continue
        target = target_module(i)
        private = any(_is_private(p) for p in target.split(".")) or (i.name is not None and _is_private(i.name))
        if private and package_of(target) != package_of(i.source) and not in_part(package_of(i.source), package_of(target)):
            bad.append(i)
    assert not bad, "private names imported across packages:\n" + where(bad)


# Modules outside store/ that still read or write tables themselves. The store is the only
# writer (issue 17): the list is empty now and must stay so.
SCHEMA_OUTSIDE_STORE: set[str] = set()


def _schema_importers() -> set[str]:
    schema = {"qualcode.store.schema", "qualcode.store.accounts_schema"}
    return {i.source for i in ALL_IMPORTS if target_module(i) in schema and not in_part(i.source, "qualcode.store")}


def test_nothing_outside_the_store_imports_the_schema():
    new = sorted(_schema_importers() - SCHEMA_OUTSIDE_STORE)
    assert not new, "imports the store's schema outside store/ (add the query to the store instead):\n" + where(
        [i for i in ALL_IMPORTS if i.source in new and "schema" in target_module(i)])


def test_the_schema_allow_list_only_shrinks():
    # A module that no longer imports the schema must leave the list, so it cannot come back.
    stale = sorted(SCHEMA_OUTSIDE_STORE - _schema_importers())
    assert not stale, f"no longer import the schema; remove them from SCHEMA_OUTSIDE_STORE: {stale}"


def _room(module: str) -> str:
    """The top-level part a module belongs to: ``qualcode.codebook.edit`` -> ``qualcode.codebook``."""
    return ".".join(module.split(".")[:2])


def test_no_import_circles_between_packages():
    # Lazy and type-only imports count too: a circle hidden in a function is still a circle.
    arrows: dict[str, set[str]] = {}
    for i in ALL_IMPORTS:
        a, b = _room(i.source), _room(target_module(i))
        if i.module.startswith("qualcode") and a != b and b != "qualcode":
            arrows.setdefault(a, set()).add(b)

    def reaches(start: str, goal: str) -> list[str] | None:
        stack, seen = [[start]], {start}
        while stack:
            path = stack.pop()
            for nxt in sorted(arrows.get(path[-1], ())):
                if nxt == goal:
                    return path + [nxt]
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(path + [nxt])
        return None

    circles = [c for a in sorted(arrows) if (c := reaches(a, a))]
    assert not circles, "import circles: " + "; ".join(" -> ".join(c) for c in circles)


# The layers of docs/architecture.md, top to bottom; an import may only point further down.
LAYERS = [
    {"qualcode.__main__"},
    {"qualcode.cli", "qualcode.ui"},
    {"qualcode.export", "qualcode.batch", "qualcode.demo", "qualcode.warmup"},
    {"qualcode.agreement", "qualcode.suggest", "qualcode.deid", "qualcode.refi", "qualcode.viz"},
    {"qualcode.codebook", "qualcode.ingest", "qualcode.analysis", "qualcode.embed"},
    {"qualcode.store"},
    {"qualcode.config", "qualcode.limits"},
    {"qualcode.model", "qualcode.errors", "qualcode.ids", "qualcode.atomic", "qualcode.offline", "qualcode.data",
     "qualcode.sentences", "qualcode.demo_codings", "qualcode.turnmeta"},
]


def test_every_package_has_a_layer():
    rooms = {_room(m) for m in MODULES} - {"qualcode"}
    placed = set().union(*LAYERS)
    assert rooms == placed, f"not in LAYERS: {sorted(rooms - placed)}; gone: {sorted(placed - rooms)}"


def test_imports_only_point_down_the_layers():
    rank = {room: n for n, layer in enumerate(LAYERS) for room in layer}
    bad = [i for i in ALL_IMPORTS
           if i.module.startswith("qualcode") and _room(i.source) != "qualcode"
           and (b := _room(target_module(i))) != "qualcode" and b != _room(i.source)
           and rank[b] <= rank[_room(i.source)]]
    assert not bad, "imports that point sideways or up (see docs/architecture.md):\n" + where(bad)
