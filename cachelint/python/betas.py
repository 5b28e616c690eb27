"""Where a module sends the prompt-caching beta header (CL501), as opposed to naming it.

A string that holds `prompt-caching-2024-07-31` is reported only when it reaches what a request
sends: a `betas=`, `extra_headers=`, `headers=` or `default_headers=` argument, the value of an
`anthropic-beta` (or `betas`) key, or `headers["anthropic-beta"] = ...`; directly, or through the
module's variables, attributes, lists it is appended to and functions that return it. A name
imported from another module of the project is followed to its assignment there. A list of
removed betas, a comparison (`beta == "prompt-caching-2024-07-31"`, `b not in REMOVED`) or a
docstring only names it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from cachelint.checks.deprecated_caching_api import OLD_BETA
from cachelint.python.tree import FUNCTIONS, descendants, in_body

if TYPE_CHECKING:
    from cachelint.python.project import ModuleInfo, Project

_SENT_ARGS = frozenset({"betas", "extra_headers", "headers", "default_headers", "anthropic_beta"})
_SENT_KEYS = frozenset({"anthropic-beta", "anthropic_beta", "betas"})
_MUTATORS = frozenset({"append", "extend", "insert", "add", "update"})


def names_beta(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is str and OLD_BETA in node.value


def sends_betas(node: ast.AST) -> bool:
    """A call with a beta or header argument, or a dict with an anthropic-beta key: worth
    looking for the beta in names it brings in from other modules."""
    if isinstance(node, ast.Call):
        return any(kw.arg in _SENT_ARGS for kw in node.keywords)
    return isinstance(node, ast.Dict) and any(_beta_key(k) for k in node.keys)


@dataclass
class SentBetas:
    constants: list[ast.Constant] = field(default_factory=list)  # beta strings sent, in order
    # names reached from what is sent that the module does not assign: (node, "NAME" or
    # "module.NAME"), perhaps imported from a module that does
    outside: list[tuple[ast.expr, str]] = field(default_factory=list)


def sent_betas(module: ast.Module) -> SentBetas:
    """The strings naming the old beta that the module sends, and the names to follow out."""
    roots: list[ast.AST] = []
    values: dict[str, list[ast.AST]] = {}  # name (or attribute, or function) -> what it holds
    for node in descendants(module):
        match node:
            case ast.Call():
                roots.extend(kw.value for kw in node.keywords if kw.arg in _SENT_ARGS)
                match node.func:
                    case ast.Attribute(value=owner, attr=method) if method in _MUTATORS:
                        if (mutated := _name(owner)) is not None:  # betas.append(FLAG)
                            values.setdefault(mutated, []).extend(node.args)
            case ast.Dict():
                pairs = zip(node.keys, node.values, strict=True)
                roots.extend(v for k, v in pairs if _beta_key(k))
            case ast.Assign() | ast.AnnAssign() | ast.AugAssign():
                value = node.value
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if value is None:  # `x: T`, a declaration
                        continue
                    if type(target) is ast.Subscript and _beta_key(target.slice):
                        roots.append(value)
                    elif (name := _name(target)) is not None:
                        values.setdefault(name, []).append(value)
            case ast.FunctionDef() | ast.AsyncFunctionDef():
                body = in_body(node.body, FUNCTIONS)
                returns = [n.value for n in body if isinstance(n, ast.Return)]
                values.setdefault(node.name, []).extend(r for r in returns if r is not None)
    out = SentBetas()
    found: dict[int, ast.Constant] = {}
    for n, local in _flood(roots, values):
        if local is None and isinstance(n, ast.Constant):  # names_beta: a constant
            found[id(n)] = n
        elif local is not None and isinstance(n, ast.expr):  # a name, attribute or call
            out.outside.append((n, local))
    out.constants = sorted(found.values(), key=lambda n: (n.lineno, n.col_offset))
    return out


def _flood(
    roots: list[ast.AST], values: dict[str, list[ast.AST]]
) -> Iterator[tuple[ast.AST, str | None]]:
    """Beta strings (with None) in the sent expressions and in what the names there hold, and
    the names the module does not assign (with their dotted form); not inside a comparison,
    which only tests for the beta."""
    seen_names: set[str] = set()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        root = stack.pop()
        if id(root) in seen:
            continue
        seen.add(id(root))
        for n in descendants(root, (ast.Compare,), include_self=True):
            t = type(n)
            if t is ast.Compare:
                continue
            if names_beta(n):
                yield n, None
            name = _name(n) if t is ast.Name or t is ast.Attribute else None
            if name is None and isinstance(n, ast.Call):
                name = _name(n.func)
            if name is None:
                continue
            key = name  # module.NAME for an attribute of a plain name (perhaps a module)
            if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name):
                key = f"{n.value.id}.{name}"
            if key in seen_names:
                continue
            seen_names.add(key)
            if name in values:
                stack.extend(values[name])
            elif t is ast.Name or key != name:
                yield n, key


def imported_betas(
    outside: list[tuple[ast.expr, str]], module: ModuleInfo, project: Project
) -> Iterator[tuple[ast.expr, str]]:
    """(node, where the value is set) for each name the module sends that it imports from a
    project module, where it is assigned a beta string."""
    for node, local in outside:
        head, _, attr = local.partition(".")
        target = module.imports.get(head)
        if target is None:
            continue
        found = project.resolve(f"{target}.{attr}" if attr else target, module)
        if found is None or not found[1] or "." in found[1]:
            continue
        other, name = found
        for stmt in other.tree.body:
            if _assigns(stmt, name) and any(
                names_beta(n) for n in descendants(stmt, (ast.Compare,))
            ):
                yield node, f"{local}, set in {other.display}:{stmt.lineno}"
                break


def _assigns(stmt: ast.stmt, name: str) -> bool:
    if isinstance(stmt, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
    if isinstance(stmt, ast.AnnAssign):
        return isinstance(stmt.target, ast.Name) and stmt.target.id == name
    return False


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _beta_key(node: ast.AST | None) -> bool:
    return (
        isinstance(node, ast.Constant)
        and type(node.value) is str
        and node.value.lower() in _SENT_KEYS
    )
