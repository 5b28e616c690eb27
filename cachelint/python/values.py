"""The abstract values the evaluator computes.

Known values are plain Python values; containers are `LList` / `LDict` (list and dict subclasses,
so the payload adapters read them as JSON) that remember where each element was written. A string
that is only partly known is a `Text`: a str subclass whose value shows each hole as a placeholder
character, with the parts kept in `parts`. Anything else unknown is a `Hole`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cachelint.prompt import Hole

PLACEHOLDER = "\ufffc"  # stands for a hole inside a Text's str value
MARKER_KEYS = frozenset({"cache_control", "cachePoint"})


def is_marker_key(key: Any) -> bool:
    return isinstance(key, str) and key in MARKER_KEYS


class Loc:
    """A node in a module, and the call site in the caller's module that led there.

    A plain class (not a dataclass) so that JSON serialisers and reprs never descend into the
    syntax tree."""

    __slots__ = ("module", "node", "via")

    def __init__(self, module: Any, node: Any, via: Loc | None = None) -> None:
        self.module = module  # project.ModuleInfo
        self.node = node
        self.via = via

    def __repr__(self) -> str:
        return f"<{type(self.node).__name__} in {getattr(self.module, 'display', '?')}>"


class Text(str):
    """A string with holes. str(self) is the known text with a placeholder per hole."""

    parts: tuple[str | Hole, ...]

    def __new__(cls, parts) -> Text | str:
        merged: list[str | Hole] = []
        for p in parts:
            sub = p.parts if isinstance(p, Text) else (p,)
            for s in sub:
                if isinstance(s, str):
                    if not s:
                        continue
                    if merged and isinstance(merged[-1], str):
                        merged[-1] = merged[-1] + s
                        continue
                merged.append(s)
        if all(isinstance(p, str) for p in merged):
            return "".join(merged)  # type: ignore[arg-type]
        obj = super().__new__(
            cls, "".join(p if isinstance(p, str) else PLACEHOLDER for p in merged)
        )
        obj.parts = tuple(merged)
        return obj

    def holes(self) -> list[Hole]:
        return [p for p in self.parts if isinstance(p, Hole)]


class LList(list):
    """A list whose elements remember their source locations and how they were added."""

    depth = 0  # loops active when it was created: adding to it in a deeper loop repeats

    def __init__(self, items=(), locs=None, loc: Loc | None = None) -> None:
        super().__init__(items)
        self.locs: list[Loc | None] = list(locs) if locs is not None else [None] * len(self)
        self.loc = loc
        self.repeated: set[int] = set()  # indices added in a loop: any number of copies
        self.unordered: Hole | None = None  # built in an order that varies between runs
        self.persistent: str | None = None  # outlives the call (self.x, global, parameter)
        self.kept = False  # appended to a persistent history: written once, replayed

    def add(self, value: Any, loc: Loc | None, repeated: bool = False, at: int | None = None):
        if at is None:
            self.append(value)
            self.locs.append(loc)
            if repeated:
                self.repeated.add(len(self) - 1)
        else:
            at = max(0, min(len(self), at if at >= 0 else len(self) + at))
            self.insert(at, value)
            self.locs.insert(at, loc)
            self.repeated = {i + 1 if i >= at else i for i in self.repeated}
            if repeated:
                self.repeated.add(at)

    def loc_at(self, i: int) -> Loc | None:
        return self.locs[i] if 0 <= i < len(self.locs) else None

    def is_open(self) -> bool:
        return any(isinstance(x, Hole) for x in self)


class LDict(dict):
    """A dict whose entries remember their source locations and how they were set."""

    depth = 0

    def __init__(self, items=(), loc: Loc | None = None) -> None:
        super().__init__()
        self.locs: dict[Any, Loc | None] = {}
        self.loc = loc
        # keys set in an unbounded loop -> id of the list whose items repeat them (None: the
        # key itself is set again on each pass)
        self.loop_keys: dict[Any, int | None] = {}
        self.bounded_keys: set[Any] = set()  # set under a guard that bounds the loop
        self.turn_keys: set[Any] = set()  # on an entry appended to history kept across calls
        self.open: Hole | None = None  # **unknown merged in: more keys may exist
        self.unordered: Hole | None = None
        self.repeated = False  # the dict itself is created in an unbounded loop
        self.kept = False
        for k, v, vloc in items:
            self.put(k, v, vloc)

    def put(self, key: Any, value: Any, loc: Loc | None, in_loop: bool = False) -> None:
        self[key] = value
        self.locs[key] = loc
        if in_loop:
            self.loop_keys[key] = None
        else:
            self.loop_keys.pop(key, None)

    def drop(self, key: Any) -> Any:
        self.locs.pop(key, None)
        self.loop_keys.pop(key, None)
        return self.pop(key, None)


@dataclass(eq=False, slots=True)
class SetVal:
    """A set or frozenset: iteration order differs between processes for strings."""

    items: list[Any]
    loc: Loc | None
    complete: bool = True


@dataclass(eq=False, slots=True)
class Json:
    """The result of json.dumps(value): kept structured so request bodies can be read."""

    value: Any
    loc: Loc | None
    sort_keys: bool = False


@dataclass(eq=False, slots=True)
class Client:
    """An SDK client object (Anthropic, OpenAI, boto3, httpx...) and the platform it talks to."""

    kind: str  # anthropic | openai | litellm | boto3 | http
    platform: str | None = None


@dataclass(eq=False, slots=True, repr=False)
class Ref:
    """A reference to something named: a module, a function, a class or a dotted external name."""

    kind: str  # module | function | class | external
    name: str  # dotted name (external), or the qualified name in the project
    module: Any = None  # project.ModuleInfo for project things
    node: Any = None  # FunctionDef / ClassDef
    closure: Any = None  # enclosing environment for nested functions
    bound: Any = None  # `self` for methods reached through an instance

    def __repr__(self) -> str:
        return f"<{self.kind} {self.name}>"


@dataclass(eq=False, slots=True, repr=False)
class Instance:
    """An instance of a project class (`self` inside its methods)."""

    cls: Ref
    attrs: dict[str, Any] = field(default_factory=dict)


def hole(origin: str, description: str, anchor: Any = None, unordered: bool = False) -> Hole:
    return Hole(origin, description, anchor, unordered)  # type: ignore[arg-type]


def as_hole(v: Any, description: str = "a value only known at run time") -> Hole:
    """The hole a value stands for when it is used where only a string or scalar makes sense."""
    if isinstance(v, Hole):
        return v
    if isinstance(v, Text):
        holes = v.holes()
        for origin in ("volatile", "request", "unknown", "stable"):
            for h in holes:
                if h.origin == origin:
                    return h
    return Hole("unknown", description)


def derived(args, kwargs, base: Hole) -> Hole:
    """The result of a call to something unknown: it varies when an argument does."""
    for v in [*args, *kwargs.values()]:
        if isinstance(v, Hole | Text):
            h = as_hole(v)
            if h.origin in ("volatile", "request"):
                return h
    return base


def is_known(v: Any) -> bool:
    return isinstance(v, str | int | float | bool | type(None)) and not isinstance(v, Text)


def copy_value(v: Any, deep: bool, memo: dict | None = None) -> Any:
    """copy.copy / copy.deepcopy of an abstract value: persistence does not carry over."""
    if memo is None:
        memo = {}
    if id(v) in memo:
        return memo[id(v)]
    if isinstance(v, LList):
        out = LList(loc=v.loc)
        memo[id(v)] = out
        for i, x in enumerate(v):
            out.add(copy_value(x, deep, memo) if deep else x, v.loc_at(i), i in v.repeated)
        out.unordered = v.unordered
        return out
    if isinstance(v, LDict):
        out = LDict(loc=v.loc)
        memo[id(v)] = out
        for k, x in v.items():
            out.put(k, copy_value(x, deep, memo) if deep else x, v.locs.get(k))
        out.loop_keys = dict(v.loop_keys)
        out.bounded_keys = set(v.bounded_keys)
        out.turn_keys = set(v.turn_keys)
        out.open, out.unordered, out.repeated = v.open, v.unordered, v.repeated
        return out
    return v
