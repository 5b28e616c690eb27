"""Which top-level statements of a checked file can matter, read off CPython's fast parse, so
that libcst (ten times slower) parses only those.

A statement matters when its own text passes the byte prefilter (it mentions a cache marker, a
request call or the prompt-caching beta) or looks like a marker's value; when it holds a function
that calls one that matters (callers pass the arguments), or calls one at module level; or when
it binds or mutates a name that a statement that matters reads. The kept statements are parsed as
one text (whole lines, so columns hold) with a map back to the original lines; blank lines in
their place would cost libcst nearly as much as code. Keeping too much only costs time, and the
closure errs that way (names are matched by spelling, whatever their scope).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field

from cachelint.python.prefilter import worth_parsing

_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class _Group:
    """Top-level statements sharing lines (`a = 1; b = 2`), as one unit."""

    first: int  # 1-based lines, inclusive
    last: int
    nodes: list[ast.stmt] = field(default_factory=list)
    text: bytes = b""
    seed: bool = False
    analysed: bool = False  # uses, calls and functions read (definitions: only when needed)
    uses: set[str] = field(default_factory=set)  # names read
    touches: set[str] = field(default_factory=set)  # names bound or mutated
    calls: set[str] = field(default_factory=set)  # called names (in definitions once analysed)
    functions: list[_Function] = field(default_factory=list)


@dataclass
class _Function:
    name: str
    calls: set[str]
    seed: bool


@dataclass
class Selection:
    """The kept statements as one text, in their order, and where each of its lines was."""

    text: str
    statement_lines: list[int]  # start line of each kept top-level statement, in `text`
    line_map: list[int]  # 1-based line in the original for each line of `text`


def select(text: str, tree: ast.Module) -> Selection | None:
    """The statements that can matter, or None when every statement is kept."""
    lines = _LINE.findall(text)
    groups = _groups(tree)
    if len(groups) < 2:
        return None
    for g in groups:
        _facts(g, lines)
    kept = _closure(groups, lines)
    if len(kept) == len(groups):
        return None
    out: list[str] = []
    line_map: list[int] = []
    starts: list[int] = []
    for i, g in enumerate(groups):
        if i not in kept:
            continue
        shift = len(out) + 1 - g.first  # original line + shift = line in the kept text
        starts.extend(_start(s) + shift for s in g.nodes)
        out.extend(lines[g.first - 1 : g.last])
        line_map.extend(range(g.first, g.first + len(lines[g.first - 1 : g.last])))
    return Selection("".join(out), starts, line_map)


def _start(stmt: ast.stmt) -> int:
    decorators = getattr(stmt, "decorator_list", None)
    return decorators[0].lineno if decorators else stmt.lineno


def _groups(tree: ast.Module) -> list[_Group]:
    groups: list[_Group] = []
    for stmt in tree.body:
        first, last = _start(stmt), stmt.end_lineno or stmt.lineno
        if groups and first <= groups[-1].last:
            groups[-1].last = max(groups[-1].last, last)
            groups[-1].nodes.append(stmt)
        else:
            groups.append(_Group(first, last, [stmt]))
    return groups


def _segment(lines: list[str], first: int, last: int) -> bytes:
    return "".join(lines[first - 1 : last]).encode("utf-8", "surrogatepass")


def _facts(g: _Group, lines: list[str]) -> None:
    """What every group needs: whether it is a seed, and the names it binds. Definitions,
    most of a module, are walked only when the closure needs them (`_analyse`)."""
    g.text = _segment(lines, g.first, g.last)
    # also what looks like a marker's value ({"type": "ephemeral", "ttl": ...}), checked alone
    g.seed = worth_parsing(g.text) or b"ephemeral" in g.text or b"ttl" in g.text
    if len(g.nodes) == 1 and isinstance(g.nodes[0], (*_FUNCTIONS, ast.ClassDef)):
        g.touches.add(g.nodes[0].name)
        if g.seed:
            _analyse(g, lines)
        return
    _analyse(g, lines)
    for stmt in g.nodes:
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            g.seed = True  # binds names nobody can see


def _analyse(g: _Group, lines: list[str]) -> None:
    if not g.analysed:
        g.analysed = True
        for stmt in g.nodes:
            _module_level(stmt, g, lines)


def _module_level(node: ast.AST, g: _Group, lines: list[str]) -> None:
    """Facts of code that runs at import time; definitions are read by `_definition`."""
    if isinstance(node, (*_FUNCTIONS, ast.ClassDef)):
        _definition(node, g, lines)
        return
    if isinstance(node, ast.Name):
        (g.uses if isinstance(node.ctx, ast.Load) else g.touches).add(node.id)
    elif isinstance(node, ast.alias):
        g.touches.add(node.asname or node.name.split(".")[0])
    elif isinstance(node, ast.Attribute | ast.Subscript) and not isinstance(node.ctx, ast.Load):
        root = _root(node)
        if root is not None:
            g.touches.add(root)
    elif isinstance(node, ast.Call):
        tail = _tail(node.func)
        if tail is not None:
            g.calls.add(tail)
        root = _root(node.func)
        if root is not None and root != tail:
            g.touches.add(root)  # `history.append(...)` may change `history`
    for child in ast.iter_child_nodes(node):
        _module_level(child, g, lines)


def _definition(node: ast.AST, g: _Group, lines: list[str]) -> None:
    """A function or class binds its name; it reads the names it does not bind itself. What it
    changes when called does not matter here: it runs only if kept code calls it, by name."""
    g.touches.add(node.name)  # type: ignore[attr-defined]
    local: set[str] = set()
    loads: set[str] = set()
    declared: set[str] = set()
    open_functions: list[tuple[ast.AST, _Function]] = []

    def visit(n: ast.AST) -> None:
        t = type(n)
        if t is ast.Name:
            (loads if type(n.ctx) is ast.Load else local).add(n.id)  # type: ignore[attr-defined]
        elif t is ast.Call:
            tail = _tail(n.func)  # type: ignore[attr-defined]
            if tail is not None:
                g.calls.add(tail)
                for _, f in open_functions:  # a call in a nested function is its parents' too
                    f.calls.add(tail)
        elif t is ast.arg:
            local.add(n.arg)  # type: ignore[attr-defined]
        elif t is ast.alias:
            local.add(n.asname or n.name.split(".")[0])  # type: ignore[attr-defined]
        elif t is ast.Global or t is ast.Nonlocal:
            declared.update(n.names)  # type: ignore[attr-defined]
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef or t is ast.ClassDef:
            if n is not node:
                local.add(n.name)  # type: ignore[attr-defined]
            if t is not ast.ClassDef:
                last = n.end_lineno or n.lineno  # type: ignore[attr-defined]
                f = _Function(n.name, set(), worth_parsing(_segment(lines, _start(n), last)))  # type: ignore[arg-type, attr-defined]
                g.functions.append(f)
                open_functions.append((n, f))
                for child in ast.iter_child_nodes(n):
                    visit(child)
                open_functions.pop()
                return
        for child in ast.iter_child_nodes(n):
            visit(child)

    visit(node)
    g.uses |= loads - (local - declared)


def _root(node: ast.AST) -> str | None:
    while isinstance(node, ast.Attribute | ast.Subscript | ast.Call):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _tail(func: ast.AST) -> str | None:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return None


def _closure(groups: list[_Group], lines: list[str]) -> set[int]:
    """Indexes of the groups to keep."""
    relevant = {f.name for g in groups for f in g.functions if f.seed}
    changed = True
    while changed:  # callers of functions that matter matter: they pass the arguments
        changed = False
        if relevant:
            calls = _calls_to(relevant)
            for g in groups:
                if not g.analysed and calls.search(g.text):
                    _analyse(g, lines)
        for g in groups:
            for f in g.functions:
                if f.name not in relevant and f.calls & relevant:
                    relevant.add(f.name)
                    changed = True
    kept = {
        i
        for i, g in enumerate(groups)
        if g.seed or g.calls & relevant or any(f.name in relevant for f in g.functions)
    }
    needed = set().union(*(groups[i].uses for i in kept))
    changed = True
    while changed:  # what binds or changes a name that something kept reads
        changed = False
        for i, g in enumerate(groups):
            if i not in kept and g.touches & needed:
                _analyse(g, lines)
                kept.add(i)
                needed |= g.uses
                changed = True
    return kept


def _calls_to(names: set[str]) -> re.Pattern[bytes]:
    """A text test for a call of any of `names` (it may match more than calls: a closer look
    follows)."""
    alternatives = b"|".join(re.escape(n.encode()) for n in sorted(names))
    return re.compile(rb"(?<![\w])(?:" + alternatives + rb")\s*\(")
