"""What a condition tells about the values it tests, read off its syntax: which values are known
not to be empty where it holds (`if text:`, `if not block.get("text"): continue`, `len(s) > 0`),
and whether it tests a cache flag (`if msg.cache:`, `part.type == "cache_control"`)."""

from __future__ import annotations

import ast
import re

from cachelint.python.tree import descendants

_CACHE_WORD = re.compile(r"(?i)cach")
_STRIPS = frozenset({"strip", "rstrip", "lstrip"})


def non_empty(test: ast.expr, holds: bool = True) -> list[ast.expr]:
    """The expressions known not to be empty where `test` is `holds`."""
    match test:
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return non_empty(operand, not holds)
        case ast.BoolOp():
            # `a and b` true: both are; `a or b` false: neither is, so `not a or not b` false
            if (type(test.op) is ast.And) == holds:
                return [e for v in test.values for e in non_empty(v, holds)]
            return []
        case ast.Compare(ops=[op]):
            return _compared(test.left, op, test.comparators[0], holds)
    if not holds:
        return []
    match test:
        case ast.Call(func=ast.Name(id="len"), args=[first, *_]):
            return [first]
        case ast.Call(func=ast.Attribute(attr=method, value=stripped)) if method in _STRIPS:
            return [test, stripped]
        case ast.NamedExpr():
            return [test.target]
        case ast.Name() | ast.Attribute() | ast.Subscript() | ast.Call():
            return [test]
    return []


def _compared(left: ast.expr, op: ast.cmpop, right: ast.expr, holds: bool) -> list[ast.expr]:
    """`x != ""` or `len(x) > 0` that holds, `x == ""` or `len(x) == 0` that does not."""
    bound = right.value if type(right) is ast.Constant else None
    if type(left) is ast.Call and type(left.func) is ast.Name and left.func.id == "len":
        if not left.args or not isinstance(bound, int):
            return []
        o = type(op)
        if holds:
            longer = (
                (o is ast.Gt and bound >= 0)
                or (o is ast.GtE and bound >= 1)
                or (o is ast.NotEq and bound == 0)
            )
        else:  # an early exit on `len(x) == 0`, `len(x) < 1`
            longer = (o is ast.Eq and bound == 0) or (o is ast.Lt and bound == 1)
        return [left.args[0]] if longer else []
    if bound == "" and (type(op) is ast.NotEq if holds else type(op) is ast.Eq):
        return [left]
    return []


def false_keys(test: ast.expr, holds: bool = True) -> set[str]:
    """The keys (`x.get("k")`, `x["k"]`, `x.k`) known false where `test` is `holds`: after
    `if not tool.get("defer_loading"):` and in the else of `if tool.get("defer_loading"):`."""
    match test:
        case ast.UnaryOp(op=ast.Not(), operand=operand):
            return false_keys(operand, not holds)
        case ast.BoolOp():
            # `a and b` true: both are; `a or b` false: neither is
            if (type(test.op) is ast.And) == holds:
                return {k for v in test.values for k in false_keys(v, holds)}
            return set()
        case ast.Compare(left=left, ops=[op], comparators=[ast.Constant(value=bool(c))]):
            # `tool.get("defer_loading") is not True`, `== False`: a flag compared with a bool
            says_true = (type(op) in (ast.Is, ast.Eq)) == c
            name = _key_of(left)
            return {name} if name is not None and holds != says_true else set()
    if holds:
        return set()
    name = _key_of(test)
    return {name} if name is not None else set()


def _key_of(e: ast.expr) -> str | None:
    if type(e) is ast.Attribute:
        return e.attr
    if type(e) is ast.Subscript and type(e.slice) is ast.Constant:
        return e.slice.value if isinstance(e.slice.value, str) else None
    if (
        type(e) is ast.Call
        and type(e.func) is ast.Attribute
        and e.func.attr == "get"
        and e.args
        and type(e.args[0]) is ast.Constant
        and isinstance(e.args[0].value, str)
    ):
        return e.args[0].value
    return None


def tests_cache_flag(test: ast.expr) -> bool:
    """A condition that reads a cache setting: a name, attribute or key that says 'cache'."""
    for n in descendants(test, include_self=True):
        match n:
            case ast.Name(id=word) | ast.Attribute(attr=word) | ast.Constant(value=str(word)):
                if _CACHE_WORD.search(word):
                    return True
    return False
