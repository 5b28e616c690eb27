"""The abstract values the evaluator computes.

Known values are plain Python values; containers are `LList` / `LDict` (list and dict subclasses,
so the payload adapters read them as JSON) that remember where each element was written. A string
that is only partly known is a `Text`: a str subclass whose value shows each hole as a placeholder
character, with the parts kept in `parts`. Anything else unknown is a `Hole`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cachelint.prompt import Hole

PLACEHOLDER = "\ufffc"  # stands for a hole inside a Text's str value
MARKER_KEYS = frozenset({"cache_control", "cachePoint"})

# The size budget of a built value, about its length as text: a string, a list or a dict that
# would be bigger becomes unknown before it is built (a file of a few lines can double a value
# 50 times). A container counts the total size of its items, so a nested dict used twice per
# level counts as the tree it stands for, not as the few objects it is made of.
MAX_SIZE = 4 * 1024 * 1024
NODE = 64  # what a hole in a string, a number, or the least item of a container counts
TOO_LARGE = "a value too large to evaluate"


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
    """A string with holes. str(self) is the known text with a placeholder per hole. Built
    from strings and holes; one bigger than MAX_SIZE is a Text of one hole."""

    parts: tuple[str | Hole, ...]
    size: int

    # a Text of no holes is its plain str: the constructor may return a str
    def __new__(cls, parts) -> Text | str:  # type: ignore[misc]
        parts = list(parts)
        if sum(map(size_of, parts)) > MAX_SIZE:  # measured before anything is joined
            parts = [Hole("unknown", TOO_LARGE)]
        merged: list[str | Hole] = []
        run: list[str] = []  # strings next to each other, joined once
        holes = 0
        for p in parts:
            for x in p.parts if type(p) is Text else (p,):
                if isinstance(x, str):
                    if x:
                        run.append(x)
                    continue
                if run:
                    merged.append("".join(run))
                    run = []
                merged.append(x)
                holes += 1
        if run:
            merged.append("".join(run))
        if not holes:
            return "".join(merged)  # type: ignore[arg-type]
        obj = super().__new__(
            cls, "".join(p if isinstance(p, str) else PLACEHOLDER for p in merged)
        )
        obj.parts = tuple(merged)
        obj.size = len(obj) + (NODE - 1) * holes
        return obj

    def holes(self) -> list[Hole]:
        return [p for p in self.parts if isinstance(p, Hole)]


class Choice(str):
    """A known string that is one of several, picked at run time (`"1h" if long else "5m"`):
    it reads as its first option; `options` holds all, `when` the condition of the first."""

    options: tuple[str, ...] = ()
    when: str = ""

    def __new__(cls, first: str, options: tuple[str, ...], when: str) -> Choice:
        obj = super().__new__(cls, first)
        obj.options, obj.when = options, when
        return obj


class LList(list):
    """A list whose elements remember their source locations and how they were added. Items
    that would take it over MAX_SIZE are left out, and one unknown item stands for them."""

    depth = 0  # loops active when it was created: adding to it in a deeper loop repeats
    copied_from: tuple[LList, int] | None = None  # (the list, its length) for a copy of it
    # a volatile value that chose which items it holds (a comprehension's filter)
    selected: Hole | None = None

    def __init__(self, items=(), locs=None, loc: Loc | None = None) -> None:
        items, self.size = _fit(items)  # the size as when its items were added
        super().__init__(items)
        if locs is None:
            self.locs: list[Loc | None] = [None] * len(self)
        else:
            self.locs = list(locs)[: len(self)]
            self.locs += [None] * (len(self) - len(self.locs))
        self.loc = loc
        self.repeated: set[int] = set()  # indices added in a loop: any number of copies
        self.unordered: Hole | None = None  # built in an order that varies between runs
        self.persistent: str | None = None  # outlives the call (self.x, global, parameter)
        self.kept = False  # appended to a persistent history: written once, replayed
        self.base: Any = None  # inputs.Sym: an input list whose items come before the known ones
        self.few = False  # a literal of at most 4 items, unchanged since

    def full(self, value: Any) -> bool:
        """Whether adding value would take it over MAX_SIZE (then an unknown item is added
        instead, once)."""
        n = slot(value)
        if self.size + n <= MAX_SIZE:
            self.size += n
            return False
        if not self or not _is_too_large(self[-1]):
            super().append(Hole("unknown", TOO_LARGE))
            self.locs.append(None)
            self.size += NODE
        return True

    def add(self, value: Any, loc: Loc | None, repeated: bool = False, at: int | None = None):
        self.few = False
        if self.full(value):
            return
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

    def set(self, i: int, value: Any, loc: Loc | None) -> None:
        """self[i] = value (unknown if it would take the list over MAX_SIZE)."""
        old = slot(self[i])
        if self.size - old + slot(value) > MAX_SIZE:
            value = Hole("unknown", TOO_LARGE)
        self.size += slot(value) - old
        self[i] = value
        self.locs[i] = loc

    def pop_last(self) -> Any:
        self.locs.pop()
        self.repeated.discard(len(self) - 1)
        value = self.pop()
        self.size -= slot(value)
        return value

    def clear_all(self) -> None:
        self.clear()
        self.locs.clear()
        self.repeated.clear()
        self.size = NODE

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
        self.rep_loop: Any = None  # frames.Loop on each pass of which it was added to a list
        self.bounded_in: frozenset[int] = frozenset()  # ids of the loops bounded where made
        self.bounded_loops: dict[Any, frozenset[int]] = {}  # key -> loops bounded where set
        self.made_in: tuple = ()  # the frames.Loops active when it was made
        # keys known false where its marker was set (`if not tool.get("defer_loading"):`)
        self.marked_unless: frozenset[str] = frozenset()
        self.text_from: Any = None  # inputs.Sym: its text, when that can be empty unchecked
        self.size = NODE  # as when its entries were set
        for k, v, vloc in items:
            self.put(k, v, vloc)

    def put(self, key: Any, value: Any, loc: Loc | None, in_loop: bool = False) -> None:
        """Set an entry; one that would take the dict over MAX_SIZE is left unknown."""
        new = key not in self
        n = slot(value) + (slot(key) if new else -slot(self[key]))
        if self.size + n > MAX_SIZE:
            if new:
                self.open = self.open or Hole("unknown", TOO_LARGE)
                return
            value = Hole("unknown", TOO_LARGE)
            n = NODE - slot(self[key])
        self.size += n
        self[key] = value
        self.locs[key] = loc
        if in_loop:
            self.loop_keys[key] = None
        else:
            self.loop_keys.pop(key, None)

    def drop(self, key: Any) -> Any:
        self.locs.pop(key, None)
        self.loop_keys.pop(key, None)
        if key in self:
            self.size -= slot(key) + slot(self[key])
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
    when: str = ""  # picked by a condition (`AnthropicBedrock() if on_aws else Anthropic()`)


@dataclass(eq=False, slots=True)
class Template:
    """A template object: a `string.Template` or a Jinja template and its text (None when it is
    read from a loader), or a Jinja `Environment` that makes them."""

    engine: str  # string | jinja | environment
    text: Any = None
    what: str = "a template"  # where an unread text comes from


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


_sizes: dict[int, tuple[Any, int]] = {}  # plain tuples, lists and dicts (never changed)


def forget_sizes() -> None:
    """Let go of the values measured for the last file."""
    _sizes.clear()


def size_of(v: Any) -> int:
    """A value's size towards MAX_SIZE: the length of a string, the total of a container's
    items (as carried by LList and LDict, memoised for the others), NODE for anything else."""
    t = type(v)
    if t is str:
        return len(v)
    if t is LList or t is LDict or t is Text:
        return v.size
    if t is tuple or t is list or t is dict:
        hit = _sizes.get(id(v))
        if hit is not None and hit[0] is v:
            return hit[1]
        items = [*v.keys(), *v.values()] if t is dict else v
        n = NODE + sum(map(slot, items))
        if len(_sizes) > 100_000:
            _sizes.clear()
        _sizes[id(v)] = (v, n)
        return n
    if t is SetVal:
        return NODE + sum(map(slot, v.items))
    if t is Json:
        return NODE + size_of(v.value)
    if isinstance(v, str):  # a str subclass from elsewhere
        return len(v)
    return NODE


def slot(v: Any) -> int:
    """What a value counts as an item of a container: at least NODE (a list of a million
    one-letter strings is no small value)."""
    t = type(v)
    if t is str:
        n = len(v)
    elif t is LList or t is LDict or t is Text:
        n = v.size
    elif t is Hole or t is int or t is bool or t is float or v is None:
        return NODE
    else:
        n = size_of(v)
    return n if n > NODE else NODE


def capped(items: Any) -> list:
    """Items (of a new list or set), as many as fit in MAX_SIZE, then an unknown one for the
    rest."""
    return _fit(items)[0]


def _fit(items: Any) -> tuple[list, int]:
    """capped(items) and the size of a list of them."""
    items = list(items)
    total = NODE
    for i, x in enumerate(items):
        total += slot(x)
        if total > MAX_SIZE:
            return [*items[:i], Hole("unknown", TOO_LARGE)], total - slot(x) + NODE
    return items, total


def _is_too_large(v: Any) -> bool:
    return type(v) is Hole and v.description == TOO_LARGE


def tree_size(v: Any, limit: int = MAX_SIZE) -> int:
    """The size a value's items add up to now, counted afresh (a list changed after it was put
    into another one leaves the outer one's carried size behind). Each object is looked at
    once; past `limit` the count stops, and a cycle or a nesting too deep for the stack counts
    as past it."""
    try:
        return _tree_size(v, {}, limit)
    except RecursionError:
        return limit + 1


def _tree_size(v: Any, seen: dict[int, int], limit: int) -> int:
    items: Iterable[Any]
    if isinstance(v, dict):
        n, items = NODE + sum(map(slot, v)), v.values()
    elif isinstance(v, list | tuple):
        n, items = NODE, v
    elif isinstance(v, SetVal):
        n, items = NODE, v.items
    elif isinstance(v, Json):
        n, items = NODE, (v.value,)
    else:
        return slot(v)
    key = id(v)
    if key in seen:
        return seen[key]  # limit + 1 while its own items are being counted: a cycle
    seen[key] = limit + 1
    for x in items:
        t = type(x)
        if t is str or t is Text or t is Hole or t is int or t is bool or t is float:
            n += slot(x)  # a leaf
        else:
            n += _tree_size(x, seen, limit)
        if n > limit:
            break
    seen[key] = n
    return n


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
        d = LDict(loc=v.loc)
        memo[id(v)] = d
        for k, x in v.items():
            d.put(k, copy_value(x, deep, memo) if deep else x, v.locs.get(k))
        d.loop_keys = dict(v.loop_keys)
        d.bounded_keys = set(v.bounded_keys)
        d.bounded_loops = dict(v.bounded_loops)
        d.turn_keys = set(v.turn_keys)
        d.open, d.unordered, d.repeated = v.open, v.unordered, v.repeated
        return d
    return v
