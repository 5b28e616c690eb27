"""Fast read-only traversal of CPython `ast` trees, and per-node facts the evaluator asks for
repeatedly (cached by node identity)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache

# Fields that never hold nodes worth visiting: operators and expression contexts (Load, Add, ...)
# and names, numbers and flags.
_SCALAR_FIELDS = frozenset(
    {"ctx", "op", "ops", "type_comment", "kind", "id", "attr", "arg", "name", "asname", "module"}
    | {"level", "conversion", "is_async", "simple", "tag", "names", "rest", "kwd_attrs"}
)


@cache
def _fields(cls: type[ast.AST]) -> tuple[str, ...]:
    if cls is ast.Constant or cls is ast.MatchSingleton:  # `case True:` holds the bool itself
        return ()
    fields = tuple(f for f in cls._fields if f not in _SCALAR_FIELDS)
    if cls in (ast.Import, ast.ImportFrom):
        fields += ("names",)  # aliases are nodes (in Global and Nonlocal, names are strings)
    return fields


def children(node: ast.AST) -> list[ast.AST]:
    out: list[ast.AST] = []
    # mypy checks a class against Hashable by its instances' __hash__: a class is hashable
    for name in _fields(type(node)):  # type: ignore[arg-type]
        value = getattr(node, name)
        if type(value) is list:
            out.extend(v for v in value if v is not None)  # Dict keys hold None for **
        elif value is not None:
            out.append(value)
    return out


def descendants(
    node: ast.AST, stop: tuple[type, ...] = (), include_self: bool = False
) -> Iterator[ast.AST]:
    """Every node below `node` (pre-order), not descending into nodes of the `stop` types."""
    stack = [node] if include_self else children(node)[::-1]
    yield from _walk(stack, frozenset(stop), node)


def in_body(stmts: list[ast.stmt], stop: tuple[type, ...] = ()) -> Iterator[ast.AST]:
    """Every node of a block of statements (pre-order), not descending into nodes of the
    `stop` types (statements of those types are yielded, their insides are not)."""
    yield from _walk(list(reversed(stmts)), frozenset(stop), None)


def _walk(stack: list[ast.AST], stop_types: frozenset[type], node: ast.AST | None):
    while stack:
        n = stack.pop()
        yield n
        if stop_types and type(n) in stop_types and n is not node:
            continue
        stack.extend(children(n)[::-1])


FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
_BRANCHING = frozenset(
    (ast.If, ast.While, ast.Try, ast.TryStar, ast.Match, ast.Break, ast.Continue)
)
_facts: dict[int, tuple[object, frozenset[str], bool, bool]] = {}


def loop_body_facts(loop: ast.For | ast.AsyncFor | ast.While) -> tuple[frozenset[str], bool, bool]:
    """Names assigned in a loop body, whether it can leave the loop early (break/return), and
    whether it branches (then running it once per element would take every branch each time)."""
    hit = _facts.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1], hit[2], hit[3]
    assigned: set[str] = set()
    exits = branches = False
    for n in in_body(loop.body, _SCOPES):
        match n:
            case ast.AugAssign(target=ast.Name(id=name)):
                assigned.add(name)
            case ast.Assign():
                assigned.update(x.id for x in n.targets if isinstance(x, ast.Name))
            case ast.Break() | ast.Return():
                exits = True
        if type(n) in _BRANCHING:
            branches = True
    if len(_facts) > 50_000:
        _facts.clear()
    _facts[id(loop)] = (loop, frozenset(assigned), exits, branches)
    return frozenset(assigned), exits, branches


_rebound: dict[int, tuple[object, frozenset[str]]] = {}


def rebound_in(loop: ast.AST) -> frozenset[str]:
    """Names a loop binds anew on each pass (its targets, assignments, walrus, with ... as,
    except ... as) and attribute names assigned in it (`self.block = ...`)."""
    hit = _rebound.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1]
    out: set[str] = set()
    for n in descendants(loop, _SCOPES, include_self=True):
        match n:
            case ast.Assign():
                for target in n.targets:
                    _stored(target, out)
            case ast.For() | ast.AsyncFor() | ast.AugAssign() | ast.AnnAssign() | ast.NamedExpr():
                _stored(n.target, out)
            case ast.withitem(optional_vars=ast.expr() as bound):
                _stored(bound, out)
            case ast.ExceptHandler(name=str(name)) if name:
                out.add(name)
    if len(_rebound) > 50_000:
        _rebound.clear()
    _rebound[id(loop)] = (loop, frozenset(out))
    return frozenset(out)


def _stored(target: ast.AST, out: set[str]) -> None:
    if isinstance(target, ast.Name):
        out.add(target.id)
    elif isinstance(target, ast.Attribute):
        out.add(target.attr)
    elif isinstance(target, ast.Tuple | ast.List):
        for el in target.elts:
            _stored(el, out)
    elif isinstance(target, ast.Starred):
        _stored(target.value, out)


_generators: dict[int, tuple[object, bool]] = {}


def is_generator(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    hit = _generators.get(id(fn))
    if hit is not None and hit[0] is fn:
        return hit[1]
    found = any(type(n) is ast.Yield or type(n) is ast.YieldFrom for n in in_body(fn.body, _SCOPES))
    if len(_generators) > 50_000:
        _generators.clear()
    _generators[id(fn)] = (fn, found)
    return found


def names_in(expr: ast.AST) -> tuple[set[str], set[str], set[str], set[str]]:
    """(names, attribute names, called names, names compared directly) in an expression."""
    names: set[str] = set()
    attrs: set[str] = set()
    calls: set[str] = set()
    compared: set[str] = set()
    for n in descendants(expr, include_self=True):
        match n:
            case ast.Name():
                names.add(n.id)
            case ast.Attribute():
                attrs.add(n.attr)
            case ast.Call(func=ast.Name(id=called)):
                calls.add(called)
            case ast.Compare():
                for part in (n.left, *n.comparators):
                    sides = (part.left, part.right) if isinstance(part, ast.BinOp) else (part,)
                    compared.update(s.id for s in sides if isinstance(s, ast.Name))
    return names, attrs, calls, compared


_GROWING = frozenset({"append", "extend", "insert"})
_grown: dict[int, tuple[object, frozenset[str]]] = {}


def grown_attributes(module: ast.Module) -> frozenset[str]:
    """Attributes of `self` the module adds items to (`self.history.append(m)`,
    `self.history += results`): lists that grow across calls."""
    hit = _grown.get(id(module))
    if hit is not None and hit[0] is module:
        return hit[1]
    out: set[str] = set()
    for n in descendants(module):
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute):
            if n.func.attr not in _GROWING:
                continue
            target = n.func.value
        elif isinstance(n, ast.AugAssign) and isinstance(n.op, ast.Add):
            target = n.target
        else:
            continue
        match target:
            case ast.Attribute(value=ast.Name(id="self"), attr=attr):
                out.add(attr)
    if len(_grown) > 1000:
        _grown.clear()
    _grown[id(module)] = (module, frozenset(out))
    return frozenset(out)
