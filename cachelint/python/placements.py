"""Markers placed on data the code does not see: where, relative to the code's inputs.

When code writes `cache_control` into (a part of) one of its inputs, or puts a marked block
there, the evaluator records a `Placement`: the input and the path to the marked part, how many
times the marker can be placed (on each pass of a loop over the input's items), and what the
code checked about that part. Together they summarise what a marker-placing function does for
any messages it could be given; `cachelint.python.marker_rules` turns them into findings.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from cachelint.python.inputs import Sym
from cachelint.python.values import LDict, LList, Loc, is_marker_key


@dataclass(eq=False)
class Placement:
    loc: Loc  # where the marker is written
    target: Sym | None  # the part of an input it is written into (for "append": the list it
    # extends; None for a list the code built)
    how: str  # "key": target["cache_control"] = ...; "block": a marked block put into target;
    # "append": a marker block (a Bedrock cachePoint) appended after target's items
    value: Any  # the marker value (or the marked block)
    each: Any  # frames.Loop on each pass of which it is one more marker, if any
    role: Any = None  # for "append" to a message's content: the message's role


def marked_blocks(value: Any, depth: int = 0) -> list[LDict]:
    """The dicts carrying a marker in a value put somewhere (a block, a list of blocks)."""
    if depth > 4:
        return []
    if isinstance(value, LDict):
        if any(is_marker_key(k) for k in value):
            return [value]
        return [b for v in value.values() for b in marked_blocks(v, depth + 1)]
    if isinstance(value, LList):
        return [b for v in value for b in marked_blocks(v, depth + 1)]
    return []


def content_owner(expr: ast.expr) -> ast.expr | None:
    """X in `X["content"]`, `X.content` or `X.get("content")`: the message whose content it is."""
    if isinstance(expr, ast.Subscript):
        sl = expr.slice
        if isinstance(sl, ast.Constant) and sl.value == "content":
            return expr.value
    if isinstance(expr, ast.Attribute) and expr.attr == "content":
        return expr.value
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "get"
        and expr.args
        and isinstance(expr.args[0], ast.Constant)
        and expr.args[0].value == "content"
    ):
        return expr.func.value
    return None
