"""Operations on abstract values shared by the evaluator: truth, merging branches, choosing
return values, holes for unknown results, history and loop flags."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any

from cachelint.prompt import Hole
from cachelint.python import names
from cachelint.python.frames import Frame
from cachelint.python.inputs import Root, Sym
from cachelint.python.project import dotted
from cachelint.python.values import (
    Client,
    Instance,
    Json,
    LDict,
    LList,
    Loc,
    Ref,
    SetVal,
    Text,
    as_hole,
    copy_value,
    hole,
    is_known,
    is_marker_key,
)


def parameter(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str, loc: Loc) -> Hole:
    """An argument nobody in sight passes. Constructor arguments configure a long-lived
    object, and parameters named like prompt content are usually passed the same text every
    time: those are unknown but not per-request data."""
    root = Root(name, loc)
    if fn.name == "__init__":
        root.constructor = True
        return Sym("unknown", f"constructor argument '{name}'", loc, root=root)
    if names.CONTENT_PARAMETER.search(name) or _holds_a_class(_annotation(fn, name)):
        return Sym("unknown", f"parameter '{name}'", loc, root=root)
    return Sym("request", f"parameter '{name}'", loc, root=root)


def _annotation(fn: ast.FunctionDef | ast.AsyncFunctionDef, name: str) -> ast.expr | None:
    a = fn.args
    for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg):
        if arg is not None and arg.arg == name:
            return arg.annotation
    return None


def _holds_a_class(ann: ast.expr | None) -> bool:
    """Whether a parameter annotated `ann` is passed a class (`type[Model]`, `type[X] | None`):
    configuration such as a response schema, the same for every request."""
    if type(ann) is ast.BinOp and type(ann.op) is ast.BitOr:
        sides = [ann.left, ann.right]
        kept = [s for s in sides if not (type(s) is ast.Constant and s.value is None)]
        return bool(kept) and all(_holds_a_class(s) for s in kept)
    head = ann.value if type(ann) is ast.Subscript else ann
    name = dotted(head).rpartition(".")[2]
    if name == "Optional" and type(ann) is ast.Subscript:
        return _holds_a_class(ann.slice)
    return name in ("type", "Type")


def truth(v: Any) -> bool | None:
    """The truth value of an abstract value, when it is known."""
    if is_known(v):
        return bool(v)
    if isinstance(v, Text):
        return True if any(isinstance(p, str) and p for p in v.parts) else None
    if isinstance(v, LList):
        if any(not isinstance(x, Hole) for x in v):
            return True
        return None if v.is_open() else False
    if isinstance(v, LDict):
        return True if v else (None if v.open else False)
    if isinstance(v, tuple):
        return bool(v)
    if isinstance(v, Client | Instance | Ref | Json):
        return True
    return None


def at_use(v: Any, loc: Loc) -> Any:
    """Request data is reported where it is put into the text, not where the parameter is."""
    if isinstance(v, Hole) and v.origin == "request":
        return hole("request", v.description, loc, v.unordered)
    if isinstance(v, Text) and any(isinstance(p, Hole) and p.origin == "request" for p in v.parts):
        return Text([at_use(p, loc) if isinstance(p, Hole) else p for p in v.parts])
    return v


def unwrap_enumerated(v: Any) -> Any:
    return v.inner if isinstance(v, Enumerated) else v


class Enumerated:
    """enumerate(x): iterating it yields (index, element)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner


def entered(value: Any) -> Any:
    return value


def unpacked_hole(value: Any, loc: Loc) -> Any:
    return hole("unknown", "an unpacked value", loc) if not isinstance(value, Hole) else value


def merge(a: dict, b: dict) -> dict:
    out = dict(b)
    for k, v in a.items():
        out[k] = v if k not in b or b[k] is v else choose(v, b[k])
    return out


def choose(a: Any, b: Any) -> Any:
    """The value of `a if cond else b` when cond is unknown: the more informative one.

    None is the least informative: it is what a variable holds before `if x is None: x = ...`
    fills it, and taking it over the unknown value would report a block with no text."""
    if (isinstance(a, Sym) and _empty_list(b)) or (isinstance(b, Sym) and _empty_list(a)):
        # `items.copy() if items else []`: the input's items, if any
        out = LList([a if isinstance(a, Sym) else b])
        out.base = out[0]
        return out
    if _volatile(a) or _volatile(b):  # either can be sent: the one that breaks the cache
        return a if _volatile(a) else b
    if isinstance(a, Hole) and not isinstance(b, Hole) and b is not None:
        return b
    if a is None and b is not None:
        return b
    if isinstance(a, Text) and isinstance(b, str) and not isinstance(b, Text):
        return a  # keep the holes: they are what can break the cache
    return a


def _volatile(v: Any) -> bool:
    if isinstance(v, Text):
        return any(h.origin == "volatile" for h in v.holes())
    return isinstance(v, Hole) and v.origin == "volatile"


def _empty_list(v: Any) -> bool:
    return isinstance(v, LList) and not v


def pick_return(returns: list[Any], name: str) -> Any:
    """The value a call stands for, among what its return statements gave: the most
    informative one (an early `return []` for no input is the least)."""
    if not returns:
        return None
    for r in returns:
        if isinstance(r, LList | LDict) and r:
            return r
    for r in returns:
        if isinstance(r, LList | LDict | Text | Json | Client | Instance):
            return r
    for r in returns:
        if not isinstance(r, Hole) and r is not None:
            return r
    return returns[0] if returns[0] is not None else hole("unknown", f"the result of {name}()")


def hole_of(*values: Any) -> Hole:
    for origin in ("volatile", "request", "unknown", "stable"):
        for v in values:
            if isinstance(v, Hole | Text) and as_hole(v).origin == origin:
                return as_hole(v)
    return hole("unknown", "an expression")


def as_hole_keep(obj: Any, loc: Loc | None = None) -> Any:
    if isinstance(obj, Hole):
        return obj
    if isinstance(obj, Text):
        return as_hole(obj)
    return hole("unknown", "an element", loc)


def external_hole(name: str, loc: Loc) -> Hole:
    root = name.split(".")[0]
    if name in names.REQUEST_ROOTS or root in names.REQUEST_ROOTS:
        return hole("request", f"'{name}'", loc)
    if root in names.STABLE_ROOTS or names.lookup(names.STABLE, name):
        return hole("stable", f"'{name}'", loc)
    return hole("unknown", f"'{name}'", loc)


def set_items(v: Any) -> list:
    if isinstance(v, SetVal):
        return list(v.items)
    if isinstance(v, list | tuple):
        return list(v)
    return [v]


_MAX_BITS = 4096  # bigger integers are unknown: `x = x ** 63` three times is gigabytes


def number(op, a: int | float, b: int | float) -> Any:
    """a op b for two known numbers, unknown when it fails or gets too big."""
    try:
        return arith(op, a, b)
    except (ZeroDivisionError, OverflowError, TypeError, ValueError):
        return hole("unknown", "a number")


def arith(op, a, b):
    if isinstance(op, ast.Add):
        return a + b
    if isinstance(op, ast.Mult):
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() + b.bit_length() > 64:
            raise OverflowError
        product = a * b
        if abs(product) >= 1e18:
            raise OverflowError
        return product
    if isinstance(op, ast.Sub):
        return a - b
    if isinstance(op, ast.Div):
        return a / b
    if isinstance(op, ast.FloorDiv):
        return a // b
    if isinstance(op, ast.Mod):
        return a % b
    if isinstance(op, ast.Pow) and abs(b) < 64:
        if isinstance(a, int) and isinstance(b, int) and a.bit_length() * abs(b) > _MAX_BITS:
            raise OverflowError
        return a**b
    raise TypeError


def mark_repeated(
    value: Any,
    into: int,
    loop: Any,
    markers: bool = True,
    depth: int = 0,
    seen: set[int] | None = None,
) -> None:
    """value is added to list `into` on every pass of `loop`: the markers of the dicts it
    carries that were made during a pass (with `markers`) repeat with it, unless they were set
    under a guard that bounds the loop; a marker set on it later in the same pass repeats too
    (`rep_loop`). Dicts made before the loop (items of the list it iterates, re-collected) keep
    the markers they had: one each."""
    if depth > 16 or not isinstance(value, LDict | list | tuple):
        return
    seen = set() if seen is None else seen
    if id(value) in seen:  # shared by several containers: marked once
        return
    seen.add(id(value))
    if isinstance(value, LDict) and ("messages" in value or "params" in value):
        return  # a request of its own (a log entry, a batch item): its markers stay its own
    if isinstance(value, LDict):
        value.rep_loop = loop
        for k in value:
            if (
                markers
                and any(lp is loop for lp in value.made_in)
                and is_marker_key(k)
                and k not in value.bounded_keys
                and id(loop) not in value.bounded_loops.get(k, ())
                and value[k] is not None
                and not _maybe_none(value[k])
            ):
                value.loop_keys.setdefault(k, into)
    for v in value.values() if isinstance(value, LDict) else value:
        mark_repeated(v, into, loop, markers, depth + 1, seen)


def unrepeat(value: Any, into: int, depth: int = 0, seen: set[int] | None = None) -> None:
    """value was taken out of list `into` (`messages[-1] = {...}`): the markers it carries no
    longer repeat in that list (mark_repeated's inverse)."""
    if depth > 16 or not isinstance(value, LDict | list | tuple):
        return
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    if isinstance(value, LDict):
        for k in [k for k, v in value.loop_keys.items() if v == into]:
            del value.loop_keys[k]
    for v in value.values() if isinstance(value, LDict) else value:
        unrepeat(v, into, depth + 1, seen)


@dataclass(slots=True, eq=False)
class Earlier(Hole):
    """What earlier calls left at the front of a list kept across calls (`self.history[0]`)."""

    of: str = ""  # the list, as the code names it


def copied_here(v: Any, deep: bool, frame: Frame) -> Any:
    """A copy the code makes now (`blocks.copy()`, `copy.copy(blocks)`): a list new on each pass
    of the loops active here, callers' loops included, as a literal made here is. Only the list
    is new: markers set on the items of a shallow copy still pile up on those items."""
    out = copy_value(v, deep)
    if isinstance(out, LList):
        out.depth = len(frame.loops)
        out.copied_from = (v, len(out))
    return out


def open_history(lst: LList) -> None:
    """A list kept across calls: earlier calls may have left items before the known ones."""
    if not getattr(lst, "opened", False):
        lst.opened = True  # type: ignore[attr-defined]
        name = lst.persistent or "the list"
        lst.add(Earlier("unknown", f"earlier items of {name}", lst.loc, of=name), lst.loc, at=0)


def _maybe_none(v: Any) -> bool:
    """The result of a call cachelint did not follow (`cache_control=helper(flag)`): it can be
    None on most passes, so it is not counted as a marker repeated on each."""
    return (
        isinstance(v, Hole) and v.origin == "unknown" and v.description.startswith("the result of")
    )
