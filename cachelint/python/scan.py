"""One pass over a module's syntax tree: what to evaluate, and the source-level rule (CL501).

Collects the functions and methods (and which of them the module calls itself, so the others are
evaluated as entry points), the calls that look like requests, whether anything sets a cache
marker, and uses of the deprecated prompt-caching beta API.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from cachelint.python.calls import classify, chain

MARKER_KEYS = frozenset({"cache_control", "cachePoint"})
OLD_BETA = "prompt-caching-2024-07-31"


@dataclass
class Scan:
    functions: list[tuple[cst.FunctionDef, cst.ClassDef | None]] = field(default_factory=list)
    called: set[str] = field(default_factory=set)
    calls: list[tuple[cst.Call, cst.FunctionDef | None, cst.ClassDef | None]] = field(
        default_factory=list
    )
    has_markers: bool = False
    deprecated: list[tuple[cst.CSTNode, str]] = field(default_factory=list)


class _Visitor(cst.CSTVisitor):
    def __init__(self) -> None:
        self.scan = Scan()
        self._funcs: list[cst.FunctionDef] = []
        self._classes: list[cst.ClassDef | None] = []
        self._outer_cls: cst.ClassDef | None = None

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        cls = self._classes[-1] if self._classes else None
        if not self._funcs:  # nested functions run through their enclosing function
            self.scan.functions.append((node, cls))
            self._outer_cls = cls
        self._funcs.append(node)
        self._classes.append(None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._funcs.pop()
        self._classes.pop()

    def visit_Call(self, node: cst.Call) -> None:
        parts = chain(node.func)
        if parts[-1]:
            self.scan.called.add(parts[-1])
        if classify(parts, ".".join(parts)) is not None:
            outer = self._funcs[0] if self._funcs else None
            self.scan.calls.append((node, outer, self._outer_cls if outer is not None else None))
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in MARKER_KEYS:
                self.scan.has_markers = True

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if _key(node.key) in MARKER_KEYS:
            self.scan.has_markers = True

    def visit_SubscriptElement(self, node: cst.SubscriptElement) -> None:
        if isinstance(node.slice, cst.Index) and _key(node.slice.value) in MARKER_KEYS:
            self.scan.has_markers = True

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value == "prompt_caching" and _attr_name(node.value) == "beta":
            self.scan.deprecated.append((node, "the beta.prompt_caching API"))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value.startswith("PromptCachingBeta"):
            self.scan.deprecated.append((node, node.value))

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if OLD_BETA in node.value:
            self.scan.deprecated.append((node, f"the {OLD_BETA} beta"))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if OLD_BETA in node.value:
            self.scan.deprecated.append((node, f"the {OLD_BETA} beta"))


def _key(node: cst.BaseExpression | None) -> str | None:
    if isinstance(node, cst.SimpleString):
        try:
            v = node.evaluated_value
        except Exception:
            return None
        return v if isinstance(v, str) else None
    return None


def _attr_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return None


def scan(module: cst.Module) -> Scan:
    v = _Visitor()
    module.visit(v)
    seen: set[int] = set()
    unique = []
    for node, what in v.scan.deprecated:
        if id(node) not in seen:
            seen.add(id(node))
            unique.append((node, what))
    v.scan.deprecated = unique
    return v.scan
