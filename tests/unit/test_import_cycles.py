"""No import cycles between cachelint's modules, counting imports inside functions (the lazy
imports that hide a cycle from Python at load time but not from a reader). Imports under
`if TYPE_CHECKING:` are not counted: they never run."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

# Cycles tolerated for now, each as the set of its modules; a new cycle, or a new module in one of
# these, fails the test. Empty: the Python evaluator and its mixins (evaluate, functions,
# builtins) refer to each other only under TYPE_CHECKING. Should the evaluator's restructuring
# (issue 19) need a cycle for a while, record it here with the reason, to be removed after.
ALLOWED: list[frozenset[str]] = []


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(tree: ast.Module) -> set[int]:
    """The ids of the nodes inside `if TYPE_CHECKING:` blocks."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    return out


def imports(path: Path, modules: set[str], root: Path = ROOT) -> set[str]:
    """The cachelint modules a module imports anywhere in its body; `from pkg import name`
    counts as importing pkg.name when that is a module."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    skipped = _type_checking_only(tree)
    out: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")
                parent = parent[: len(parent) - node.level + 1]
                base = ".".join([*parent, *([base] if base else [])])
            for a in node.names:
                sub = f"{base}.{a.name}"
                out.add(sub if sub in modules else base)
    return {m for m in out if m in modules and m != name}


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in (root / "cachelint").rglob("*.py")}
    return {name: imports(path, set(files), root) for name, path in files.items()}


def cycles(edges: dict[str, set[str]]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(frozenset(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles_beyond_the_allowed_ones():
    found = cycles(graph())
    unexpected = [sorted(c) for c in found if c not in ALLOWED]
    assert not unexpected, f"import cycles: {unexpected}"
    stale = [sorted(c) for c in ALLOWED if c not in found]
    assert not stale, f"allowed cycles that are gone (remove them from ALLOWED): {stale}"


def test_the_walk_sees_lazy_and_relative_imports_and_not_type_checking_ones(tmp_path):
    """A cycle closed by an import inside a function is found, through `from .. import x` too;
    one closed under `if TYPE_CHECKING:` is not a cycle."""
    pkg = tmp_path / "cachelint"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from cachelint.sub import b\n")
    (pkg / "sub" / "b.py").write_text("def f():\n    from .. import a\n")
    (pkg / "c.py").write_text("import cachelint.d\n")
    (pkg / "d.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cachelint import c\n"
    )
    assert cycles(graph(tmp_path)) == [frozenset({"cachelint.a", "cachelint.sub.b"})]
