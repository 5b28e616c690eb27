"""Evaluation frames and loop contexts: what is in scope, and which loops are active."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from cachelint.python.tree import names_in
from cachelint.python.values import Instance, Loc

_BOUNDING_NAME = re.compile(r"(?i)last|final|remaining|left|budget|first|limit|count|breakpoint")


# In a loop's guards: a condition whose value holds on at most one pass (inputs.Once), such as
# a flag computed from `i == len(items) - 1` and passed to a helper.
ONCE = ast.Constant(value="<at most one pass>")


class Flow(Exception):
    """Leaves a block: return, break, continue or raise."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


@dataclass(eq=False)
class Loop:
    """An active loop: whether a marker added on each pass can pile up without bound."""

    node: ast.AST
    shape_bounded: bool  # iterates at most 4 times, or stops early (break/return in a for)
    counters: frozenset[str]  # names assigned in the body: a guard on them bounds the loop
    index_names: frozenset[str]  # the index of enumerate()/range()
    guards: list[ast.expr] = field(default_factory=list)
    unordered: Any = None  # Hole: iterates a set or an unsorted listing
    targets: frozenset[str] = frozenset()  # names the loop binds to each item
    # a pass tests a cache flag of its own item (`if part.type == "cache_control"`,
    # `if msg.cache`): the markers it places are the ones its input asks for, not one per item
    flagged: bool = False
    loc: Loc | None = None  # what it iterates (or its condition), for messages
    # the input it iterates when that is a whole list the caller passes (`for i in cache_idxs`):
    # an index read on each pass picks the items the caller chose
    chooser: Any = None

    def bounded(self) -> bool:
        return self.shape_bounded or any(self._bounds(g) for g in self.guards)

    def _bounds(self, test: ast.expr) -> bool:
        if test is ONCE:
            return True
        names, attrs, calls, compared = names_in(test)
        if "len" in calls or names & self.counters or compared & self.index_names:
            return True
        return any(_BOUNDING_NAME.search(n) for n in names | attrs)


@dataclass(eq=False)
class Frame:
    module: Any  # project.ModuleInfo
    env: dict[str, Any]
    parent: Frame | None = None  # enclosing function (closures)
    via: Loc | None = None  # call site in another module that led here
    once: bool = False  # runs once per process (module level, cached functions, __init__)
    self_obj: Instance | None = None
    loops: list[Loop] = field(default_factory=list)
    returns: list[Any] = field(default_factory=list)
    call_stack: tuple = ()
    inherited: int = 0  # loops of the callers: markers there repeat, but not lexically here
    globals_names: set[str] = field(default_factory=set)
    checked: list[Any] = field(default_factory=list)  # values known not empty here (guards)
    false_keys: list[str] = field(default_factory=list)  # keys known false here (guards.py)
    tests: list[ast.expr] = field(default_factory=list)  # conditions of the ifs around here

    def lookup(self, name: str) -> tuple[bool, Any]:
        f: Frame | None = self
        while f is not None:
            if name in f.env and name not in f.globals_names:
                return True, f.env[name]
            f = f.parent
        return False, None

    def loc(self, node: ast.AST) -> Loc:
        return Loc(self.module, node, self.via)
