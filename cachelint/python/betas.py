"""Where a module sends the prompt-caching beta header (CL501), as opposed to naming it.

A string that holds `prompt-caching-2024-07-31` is reported only when it reaches what a request
sends: a `betas=`, `extra_headers=`, `headers=` or `default_headers=` argument, the value of an
`anthropic-beta` (or `betas`) key, or `headers["anthropic-beta"] = ...`; directly, or through the
module's variables, attributes and functions that return it. A list of removed betas, a
comparison (`beta == "prompt-caching-2024-07-31"`, `b not in REMOVED`) or a docstring only names
it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from cachelint.python.tree import FUNCTIONS, descendants, in_body

OLD_BETA = "prompt-caching-2024-07-31"
_SENT_ARGS = frozenset({"betas", "extra_headers", "headers", "default_headers", "anthropic_beta"})
_SENT_KEYS = frozenset({"anthropic-beta", "anthropic_beta", "betas"})


def names_beta(node: ast.AST) -> bool:
    return type(node) is ast.Constant and type(node.value) is str and OLD_BETA in node.value  # type: ignore[attr-defined]


def sent_betas(module: ast.Module) -> list[ast.Constant]:
    """The strings naming the old beta that the module sends, in source order."""
    roots: list[ast.AST] = []
    values: dict[str, list[ast.AST]] = {}  # name (or attribute, or function) -> what it holds
    for node in descendants(module):
        t = type(node)
        if t is ast.Call:
            roots.extend(kw.value for kw in node.keywords if kw.arg in _SENT_ARGS)  # type: ignore[attr-defined]
        elif t is ast.Dict:
            pairs = zip(node.keys, node.values, strict=True)  # type: ignore[attr-defined]
            roots.extend(v for k, v in pairs if _beta_key(k))
        elif t is ast.Assign or t is ast.AnnAssign or t is ast.AugAssign:
            value = node.value  # type: ignore[attr-defined]
            targets = node.targets if t is ast.Assign else [node.target]  # type: ignore[attr-defined]
            for target in targets:
                if type(target) is ast.Subscript and _beta_key(target.slice):
                    roots.append(value)
                elif value is not None and (name := _name(target)) is not None:
                    values.setdefault(name, []).append(value)
        elif t in FUNCTIONS:
            returns = [n.value for n in in_body(node.body, FUNCTIONS) if type(n) is ast.Return]  # type: ignore[attr-defined]
            values.setdefault(node.name, []).extend(r for r in returns if r is not None)  # type: ignore[attr-defined]
    found = {id(n): n for n in _flood(roots, values)}
    return sorted(found.values(), key=lambda n: (n.lineno, n.col_offset))


def _flood(roots: list[ast.AST], values: dict[str, list[ast.AST]]) -> Iterator[ast.Constant]:
    """Beta strings in the sent expressions and in what the names there hold (not inside a
    comparison, which only tests for the beta)."""
    seen_names: set[str] = set()
    seen: set[int] = set()
    stack = list(roots)
    while stack:
        root = stack.pop()
        if id(root) in seen:
            continue
        seen.add(id(root))
        for n in descendants(root, (ast.Compare,), include_self=True):
            if type(n) is ast.Compare:
                continue
            if names_beta(n):
                yield n  # type: ignore[misc]
            name = _name(n) if type(n) in (ast.Name, ast.Attribute) else None
            if name is None and type(n) is ast.Call:
                name = _name(n.func)  # type: ignore[attr-defined]
            if name is not None and name not in seen_names:
                seen_names.add(name)
                stack.extend(values.get(name, ()))


def _name(node: ast.AST) -> str | None:
    if type(node) is ast.Name:
        return node.id  # type: ignore[attr-defined]
    if type(node) is ast.Attribute:
        return node.attr  # type: ignore[attr-defined]
    return None


def _beta_key(node: ast.AST | None) -> bool:
    return (
        type(node) is ast.Constant
        and type(node.value) is str  # type: ignore[union-attr]
        and node.value.lower() in _SENT_KEYS  # type: ignore[union-attr]
    )
