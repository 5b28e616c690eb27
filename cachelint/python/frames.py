"""Evaluation frames and loop contexts: what is in scope, and which loops are active."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from cachelint.python.values import Instance, Loc

_BOUNDING_NAME = re.compile(r"(?i)last|final|remaining|left|budget|first|limit|count|breakpoint")


@dataclass(eq=False)
class Loop:
    """An active loop: whether a marker added on each pass can pile up without bound."""

    node: cst.CSTNode
    shape_bounded: bool  # iterates at most 4 times, or stops early (break/return in a for)
    counters: frozenset[str]  # names assigned in the body: a guard on them bounds the loop
    index_names: frozenset[str]  # the index of enumerate()/range()
    guards: list[cst.BaseExpression] = field(default_factory=list)
    unordered: Any = None  # Hole: iterates a set or an unsorted listing

    def bounded(self) -> bool:
        return self.shape_bounded or any(self._bounds(g) for g in self.guards)

    def _bounds(self, test: cst.BaseExpression) -> bool:
        found = _Names()
        test.visit(found)
        if found.calls & {"len"}:
            return True
        if found.names & self.counters:
            return True
        if found.compared & self.index_names:
            return True
        return any(_BOUNDING_NAME.search(n) for n in found.names | found.attrs)


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.names: set[str] = set()
        self.attrs: set[str] = set()
        self.calls: set[str] = set()
        self.compared: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.attrs.add(node.attr.value)

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            self.calls.add(node.func.value)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        for part in (node.left, *(c.comparator for c in node.comparisons)):
            if isinstance(part, cst.Name):
                self.compared.add(part.value)
            elif isinstance(part, cst.BinaryOperation):
                for side in (part.left, part.right):
                    if isinstance(side, cst.Name):
                        self.compared.add(side.value)


class _Body(cst.CSTVisitor):
    """Names assigned in a loop body, and whether it can leave the loop early."""

    def __init__(self) -> None:
        self.assigned: set[str] = set()
        self.exits = False

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.target, cst.Name):
            self.assigned.add(node.target.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        for t in node.targets:
            if isinstance(t.target, cst.Name):
                self.assigned.add(t.target.value)

    def visit_Break(self, node: cst.Break) -> None:
        self.exits = True

    def visit_Return(self, node: cst.Return) -> None:
        self.exits = True

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_For(self, node: cst.For) -> bool:
        return True

    def visit_While(self, node: cst.While) -> bool:
        return True


def body_facts(body: cst.CSTNode) -> tuple[frozenset[str], bool]:
    v = _Body()
    body.visit(v)
    return frozenset(v.assigned), v.exits


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
    globals_names: set[str] = field(default_factory=set)

    def lookup(self, name: str) -> tuple[bool, Any]:
        f: Frame | None = self
        while f is not None:
            if name in f.env and name not in f.globals_names:
                return True, f.env[name]
            f = f.parent
        return False, None

    def loc(self, node: cst.CSTNode) -> Loc:
        return Loc(self.module, node, self.via)
