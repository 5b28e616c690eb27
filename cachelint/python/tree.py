"""Fast read-only traversal of libcst trees.

libcst's visitor protocol rebuilds every node it passes (visit returns a possibly new tree), which
costs more than parsing. These helpers only read dataclass fields, skipping whitespace and
punctuation, and cache per-node facts the evaluator asks for repeatedly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from functools import cache

import libcst as cst

_SKIP_TYPES = (
    cst.SimpleWhitespace,
    cst.ParenthesizedWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comma,
    cst.Dot,
    cst.Colon,
    cst.Semicolon,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.AssignEqual,
)


@cache
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(
        f.name
        for f in dataclasses.fields(cls)
        if not f.name.startswith(("whitespace", "lpar", "rpar", "leading_lines", "lines_after"))
        and f.name not in ("comma", "semicolon", "dot", "colon", "equal", "header", "footer")
    )


_SKIP = frozenset(_SKIP_TYPES)
_kinds: dict[type, bool] = {}


def _wanted(t: type) -> bool:
    """A node type worth visiting (exact-type lookup: isinstance on libcst's ABCs is slow)."""
    hit = _kinds.get(t)
    if hit is None:
        hit = _kinds[t] = issubclass(t, cst.CSTNode) and t not in _SKIP
    return hit


def children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    for name in _fields(type(node)):
        value = getattr(node, name, None)
        t = type(value)
        if t is tuple or t is list:
            for v in value:  # type: ignore[union-attr]
                if _wanted(type(v)):
                    yield v
        elif value is not None and _wanted(t):
            yield value


def descendants(
    node: cst.CSTNode, stop: tuple[type, ...] = (), include_self: bool = False
) -> Iterator[cst.CSTNode]:
    """Every node below `node` (pre-order), not descending into nodes of the `stop` types."""
    stop_types = frozenset(stop)  # concrete node classes: exact-type tests are cheap
    stack = [node] if include_self else list(reversed(list(children(node))))
    while stack:
        n = stack.pop()
        yield n
        if stop_types and type(n) in stop_types and n is not node:
            continue
        stack.extend(reversed(list(children(n))))


_SCOPES = (cst.FunctionDef, cst.Lambda, cst.ClassDef)
_BRANCHING = frozenset(
    (cst.If, cst.While, cst.Try, cst.TryStar, cst.Match, cst.Break, cst.Continue)
)
_facts: dict[int, tuple[cst.CSTNode, frozenset[str], bool, bool]] = {}


def loop_body_facts(body: cst.CSTNode) -> tuple[frozenset[str], bool, bool]:
    """Names assigned in a loop body, whether it can leave the loop early (break/return), and
    whether it branches (then running it once per element would take every branch each time)."""
    hit = _facts.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1], hit[2], hit[3]
    assigned: set[str] = set()
    exits = branches = False
    for n in descendants(body, _SCOPES):
        t = type(n)
        if (t is cst.AugAssign or t is cst.AssignTarget) and type(n.target) is cst.Name:
            assigned.add(n.target.value)
        elif t is cst.Break or t is cst.Return:
            exits = True
        if t in _BRANCHING:
            branches = True
    if len(_facts) > 50_000:
        _facts.clear()
    _facts[id(body)] = (body, frozenset(assigned), exits, branches)
    return frozenset(assigned), exits, branches


_rebound: dict[int, tuple[cst.CSTNode, frozenset[str]]] = {}
_BINDING = frozenset({cst.For, cst.AssignTarget, cst.AugAssign, cst.AnnAssign, cst.NamedExpr})


def rebound_in(loop: cst.CSTNode) -> frozenset[str]:
    """Names a loop binds anew on each pass (its targets, assignments, walrus, with ... as,
    except ... as) and attribute names assigned in it (`self.block = ...`)."""
    hit = _rebound.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1]
    out: set[str] = set()
    for n in descendants(loop, _SCOPES, include_self=True):
        t = type(n)
        if t in _BINDING:
            _stored(n.target, out)  # type: ignore[attr-defined]
        elif t is cst.AsName:
            _stored(n.name, out)  # type: ignore[attr-defined]
    if len(_rebound) > 50_000:
        _rebound.clear()
    _rebound[id(loop)] = (loop, frozenset(out))
    return frozenset(out)


def _stored(target: cst.CSTNode, out: set[str]) -> None:
    if isinstance(target, cst.Name):
        out.add(target.value)
    elif isinstance(target, cst.Attribute):
        out.add(target.attr.value)
    elif isinstance(target, cst.Tuple | cst.List):
        for el in target.elements:
            _stored(el.value, out)
    elif isinstance(target, cst.StarredElement):
        _stored(target.value, out)


_generators: dict[int, tuple[cst.FunctionDef, bool]] = {}


def is_generator(fn: cst.FunctionDef) -> bool:
    hit = _generators.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    found = any(type(n) is cst.Yield for n in descendants(fn.body, _SCOPES))
    if len(_generators) > 50_000:
        _generators.clear()
    _generators[id(fn)] = (fn, found)
    return found


def names_in(expr: cst.CSTNode) -> tuple[set[str], set[str], set[str], set[str]]:
    """(names, attribute names, called names, names compared directly) in an expression."""
    names: set[str] = set()
    attrs: set[str] = set()
    calls: set[str] = set()
    compared: set[str] = set()
    for n in descendants(expr, include_self=True):
        if isinstance(n, cst.Name):
            names.add(n.value)
        elif isinstance(n, cst.Attribute):
            attrs.add(n.attr.value)
        elif isinstance(n, cst.Call) and isinstance(n.func, cst.Name):
            calls.add(n.func.value)
        elif isinstance(n, cst.Comparison):
            for part in (n.left, *(c.comparator for c in n.comparisons)):
                sides = (
                    (part.left, part.right) if isinstance(part, cst.BinaryOperation) else (part,)
                )
                compared.update(s.value for s in sides if isinstance(s, cst.Name))
    return names, attrs, calls, compared
