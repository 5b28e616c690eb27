"""Inputs a function is given, followed symbolically: its parameters, attributes of `self` it
does not see being set, and the parts reached from them (`messages[-1]["content"][0]`, each
element of a loop over them, the pieces of a split).

A `Sym` is a hole, so everything that reads holes keeps working; it also knows which input it
stands for and the path to it. That is what lets the evaluator say where code places a marker
relative to data it cannot see ("on `content[-1]` of each element of `messages`"), what the code
checked about that data (the role of a message, the type of a block, that a text is not empty),
and whether it writes into its input in place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from cachelint.prompt import Hole
from cachelint.python.names import DEPLOYMENT_FIELD
from cachelint.python.values import MARKER_KEYS, Loc

OPAQUE = "~"  # a step through code cachelint does not follow (`L(messages).filter(...)`)


class Each:
    """A path step: whichever element a loop (or an index only known at run time) is at."""

    __slots__ = ("chosen", "loop")

    def __init__(self, loop: Any, chosen: bool = False) -> None:
        self.loop = loop  # frames.Loop, or None outside any loop
        # the index is an item of a list the caller gives (`for i in cache_idxs: msgs[i]`):
        # the caller chooses how many items get a marker
        self.chosen = chosen

    def __repr__(self) -> str:
        return "[i]"


class Cut:
    """A path step: a slice with a bound (`messages[-3:]`), which caps how many items follow."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


@dataclass(eq=False)
class Root:
    """One input: what is known about it is gathered wherever the code looks at it."""

    name: str  # as written: messages, self.history
    loc: Loc | None = None
    persistent: str | None = None  # kept across calls: an attribute of self, a module variable
    constructor: bool = False  # a constructor's argument: the object keeps it across calls
    # (path key, operator, constants) of comparisons such as msg["role"] != "system"
    facts: list[tuple[tuple, str, Any]] = field(default_factory=list)
    writes: dict[tuple, dict] = field(default_factory=dict)  # path key -> {key: value written}
    clears: bool = False  # the code removes markers from it (pop / del of cache_control)
    grows: bool = False  # the code appends to it
    reads_markers: bool = False  # the code looks at the markers it holds (a proxy counting)
    cls: Any = None  # values.Ref: the project class its annotation names (objects.py)
    obj: Any = None  # values.Instance standing for it, made when a member is first read


@dataclass(slots=True, eq=False)
class Once(Hole):
    """A condition that holds on at most one pass of a loop: `i == len(items) - 1` for the
    loop's index, and `flag and is_last`. A marker placed under it is not repeated."""


@dataclass(slots=True, eq=False)
class Sym(Hole):
    """A hole that is (a part of) an input."""

    root: Root | None = None
    path: tuple = ()
    empty: str | None = None  # why the string it stands for can be empty
    copied: int = -1  # objects at path depths up to this one are copies the code made

    def step(self, s: Any, description: str | None = None, **changes: Any) -> Sym:
        """The part of this input one step further."""
        out = Sym(
            "unknown" if _names_deployment(self.origin, s) else self.origin,
            description or self.description,
            self.anchor,
            self.unordered,
            self.root,
            (*self.path, s),
            changes.get("empty"),
            self.copied,
        )
        return out

    def shows(self) -> str:
        """The path as code: messages[i]["content"][-1]."""
        name = self.root.name if self.root is not None else "the input"
        parts = [name]
        for s in self.path:
            if isinstance(s, Each):
                parts.append("[i]")
            elif isinstance(s, Cut):
                parts.append(s.text)
            elif isinstance(s, int):
                parts.append(f"[{s}]")
            elif s == OPAQUE:
                continue
            elif isinstance(s, str) and s.startswith("."):
                parts.append(s)
            else:
                parts.append(f"[{s!r}]".replace("'", '"'))
        return "".join(parts)

    def in_place(self) -> bool:
        """Whether writing into this object changes the input the code was given."""
        return self.copied < len(self.path) and OPAQUE not in self.path


def key(path: tuple, exact: bool = True) -> tuple:
    """A path as a dictionary key: any element is '*', slices and unfollowed steps are left out
    (the items of `messages[-3:]` are items of `messages`). Not `exact`: indices are '*' too."""
    out: list[Any] = []
    for s in path:
        if isinstance(s, Cut) or s == OPAQUE:
            continue
        if isinstance(s, Each) or (not exact and isinstance(s, int)):
            out.append("*")
        elif isinstance(s, str) and s.startswith("."):
            out.append(s[1:])  # msg.content and msg["content"] are the same part
        else:
            out.append(s)
    return tuple(out)


def same_part(a: Any, b: Any) -> bool:
    """Two values that stand for the same part of the same input (a text and the text
    stripped count as one: a check of either is a check of the text)."""
    if a is b:
        return True
    return (
        isinstance(a, Sym)
        and isinstance(b, Sym)
        and a.root is not None
        and a.root is b.root
        and _unstripped(key(a.path)) == _unstripped(key(b.path))
    )


_STRIPPED = frozenset({"strip()", "rstrip()", "lstrip()"})


def _unstripped(k: tuple) -> tuple:
    while k and k[-1] in _STRIPPED:
        k = k[:-1]
    return k


def loops_of(v: Any, chosen: bool = True) -> list[Any]:
    """The loops whose element a value stands for (or is read from); without `chosen`, not
    the ones over indices the caller chose."""
    if isinstance(v, Sym):
        return [
            s.loop
            for s in v.path
            if isinstance(s, Each) and s.loop is not None and (chosen or not s.chosen)
        ]
    return []


def caller_given(v: Any) -> bool:
    """An item of a list a caller passes as such (a parameter, not a part of one)."""
    return (
        isinstance(v, Sym)
        and v.root is not None
        and v.root.persistent is None
        and len(v.path) == 1
        and isinstance(v.path[0], Each)
    )


def whole_input(v: Any) -> Root | None:
    """The input v is, when it is a whole list a caller passes (a parameter, not a part of one
    or state kept across calls)."""
    if isinstance(v, Sym) and v.root is not None and v.root.persistent is None and not v.path:
        return v.root
    return None


def bounded_slice(v: Any) -> bool:
    """A slice with a bound: at most that many items (`messages[-2:]`, `tools[:n]`)."""
    return isinstance(v, Sym) and bool(v.path) and isinstance(v.path[-1], Cut)


def part_of(obj: Sym, s: Any) -> Any:
    """obj[s] (or obj.attr for s '.attr'): what the code wrote there, else the part itself."""
    if obj.root is not None:
        written = obj.root.writes.get(key(obj.path))
        k = s[1:] if isinstance(s, str) and s.startswith(".") else s
        if k in MARKER_KEYS:
            obj.root.reads_markers = True
        if written is not None and not isinstance(k, Each) and k in written:
            return written[k]
    desc = obj.description
    if obj.origin == "unknown" and isinstance(s, str) and s.startswith("."):
        desc = f"{desc}{s}"
    return obj.step(s, desc)


def sliced(obj: Sym, sl: ast.Slice) -> Sym:
    """obj[a:b]: a slice with a bound caps how many items a loop over it sees; obj[:] is a copy."""
    if sl.lower is None and sl.upper is None:
        out = obj.step(Cut("[:]"))
        out.path = obj.path
        out.copied = len(obj.path)
        return out
    return obj.step(Cut(f"[{_src(sl.lower)}:{_src(sl.upper)}]"))


def _src(node: ast.expr | None) -> str:
    return ast.unparse(node) if node is not None else ""


def copy_of(obj: Sym, deep: bool) -> Sym:
    """copy.copy / dict(x) / list(x) (the object itself is new) or a deep copy."""
    out = obj.step(OPAQUE)
    out.path = obj.path
    out.copied = 1 << 20 if deep else max(obj.copied, len(obj.path))
    return out


def note_comparison(left: Any, op: ast.cmpop, right: Any) -> None:
    """Remember what code compared a part of an input with (`msg["role"] != "system"`,
    `block["type"] == "text"`): what the code checks about its input, wherever it checks it."""
    subject, const = (left, right) if isinstance(left, Sym) else (right, left)
    if not isinstance(subject, Sym) or subject.root is None or not subject.path:
        return
    if isinstance(const, tuple | list):
        values = tuple(c for c in const if isinstance(c, str))
    elif isinstance(const, str):
        values = (const,)
    else:
        return
    name = {ast.Eq: "==", ast.NotEq: "!=", ast.In: "in", ast.NotIn: "not in", ast.Is: "=="}.get(
        type(op)
    )
    if name is None:
        return
    subject.root.facts.append((key(subject.path), name, values))
    if MARKER_KEYS.intersection(values):  # `"cache_control" in block`
        subject.root.reads_markers = True


def each_of(obj: Sym, loop: Any) -> Sym:
    """An item of an input that stands for any of them, as the item `loop` is at."""
    out = obj.step(Each(loop))
    out.path = (*obj.path[:-1], out.path[-1])
    return out


def clears(obj: Any) -> None:
    """The code removes a marker from obj: from an input, it clears the markers kept there."""
    sym = obj.open if hasattr(obj, "open") and isinstance(obj.open, Sym) else obj
    if isinstance(sym, Sym) and sym.root is not None:
        sym.root.clears = True


def bind_pattern(pattern: ast.pattern, subject: Any, env: dict[str, Any]) -> None:
    """Bind the names a `case` pattern captures (`case LMMInput() as item`, `case {"type": t}`)
    to the subject or its parts, and note the constants a part of an input is matched with."""
    match pattern:
        case ast.MatchAs():
            if pattern.pattern is not None:
                bind_pattern(pattern.pattern, subject, env)
            if pattern.name:
                env[pattern.name] = subject
        case ast.MatchOr():
            for p in pattern.patterns:
                bind_pattern(p, subject, env)
        case ast.MatchValue():
            v = pattern.value
            if isinstance(subject, Sym) and type(v) is ast.Constant:
                note_comparison(subject, ast.Eq(), v.value)
        case ast.MatchClass():
            for attr, p in zip(pattern.kwd_attrs, pattern.kwd_patterns, strict=True):
                bind_pattern(p, _part(subject, "." + attr), env)
            for p in pattern.patterns:
                bind_pattern(p, _part(subject, OPAQUE), env)
        case ast.MatchMapping():
            for k, p in zip(pattern.keys, pattern.patterns, strict=True):
                name = k.value if type(k) is ast.Constant else OPAQUE
                bind_pattern(p, _part(subject, name), env)
            if pattern.rest:
                env[pattern.rest] = subject
        case ast.MatchSequence():
            for i, p in enumerate(pattern.patterns):
                bind_pattern(p, _part(subject, i), env)
        case ast.MatchStar(name=str(name)) if name:
            env[name] = Hole("unknown", "matched items")


def _part(subject: Any, s: Any) -> Any:
    if isinstance(subject, Sym):
        return part_of(subject, s)
    return Hole("unknown", "a matched value")


def loose(k: tuple) -> tuple:
    """A path key with indices as '*': messages[-1] and messages[i] are items alike."""
    return tuple("*" if isinstance(s, int) else s for s in k)


def _names_deployment(origin: str, s: Any) -> bool:
    """A step to a field of request data that names the deployment (`context.bot_user_id`)."""
    return origin == "request" and isinstance(s, str) and bool(DEPLOYMENT_FIELD.search(s))
