"""One pass over a module's syntax tree: what to evaluate, and the source-level rule (CL501).

Collects the top-level functions and methods with the names each one calls, the calls that look
like requests, where cache markers are set, and uses of the deprecated prompt-caching beta API.
Functions that build requests or markers, and the functions of the module that call them, are
the ones worth evaluating; the others are reached only when something calls them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from cachelint.payload.markers import is_http_header, looks_like_marker
from cachelint.python.calls import chain, classify
from cachelint.python.syntax import string_value
from cachelint.python.tree import children
from cachelint.python.values import MARKER_KEYS

OLD_BETA = "prompt-caching-2024-07-31"


@dataclass(eq=False)
class Function:
    node: cst.FunctionDef
    cls: cst.ClassDef | None
    calls: set[str] = field(default_factory=set)  # names called (plain or as attributes)
    relevant: bool = False  # sends a request or sets a marker


@dataclass
class Scan:
    functions: list[Function] = field(default_factory=list)
    calls: list[tuple[cst.Call, Function | None]] = field(default_factory=list)
    nested: dict[cst.Call, cst.FunctionDef] = field(default_factory=dict)  # call -> inner def
    has_markers: bool = False
    deprecated: list[tuple[cst.CSTNode, str]] = field(default_factory=list)

    def entries(self) -> list[Function]:
        """Relevant functions, and functions calling them, that nothing relevant calls."""
        by_name: dict[str, list[Function]] = {}
        for f in self.functions:
            by_name.setdefault(f.node.name.value, []).append(f)
        relevant = {id(f) for f in self.functions if f.relevant}
        changed = True
        while changed:  # callers of relevant functions are relevant: they pass the arguments
            changed = False
            for f in self.functions:
                if id(f) not in relevant and any(
                    id(g) in relevant for n in f.calls for g in by_name.get(n, ())
                ):
                    relevant.add(id(f))
                    changed = True
        called = {n for f in self.functions if id(f) in relevant for n in f.calls}
        return [
            f
            for f in self.functions
            if id(f) in relevant
            and (f.node.name.value not in called or f.node.name.value.startswith("__"))
        ]


def scan(module: cst.Module) -> Scan:
    out = Scan()
    seen: set[int] = set()
    # (node, enclosing class, enclosing top-level function)
    stack: list[tuple[cst.CSTNode, cst.ClassDef | None, Function | None, cst.FunctionDef | None]]
    stack = [(n, None, None, None) for n in reversed(list(children(module)))]
    while stack:
        node, cls, fn, inner = stack.pop()
        if type(node) is cst.FunctionDef:
            inner = node
        t = type(node)  # exact types: isinstance on libcst's abstract classes is slow
        if t is cst.FunctionDef and fn is None:
            fn = Function(node, cls)
            out.functions.append(fn)
        elif t is cst.ClassDef and fn is None:
            cls = node
        elif t is cst.Call:
            _call(node, fn, out)
            if (
                out.calls
                and out.calls[-1][0] is node
                and inner is not None
                and inner is not (fn.node if fn else None)
            ):
                out.nested[node] = inner
        elif t is cst.Dict:
            for el in node.elements:
                key = _key(el.key) if type(el) is cst.DictElement else None
                if key is not None and (not is_http_header(key) or _has_type_key(node)):
                    _marker(key, fn, out)
        elif t is cst.SubscriptElement and type(node.slice) is cst.Index:
            key = _key(node.slice.value)
            if key is not None and not is_http_header(key):  # headers["Cache-Control"] = ...
                _marker(key, fn, out)
        elif t is cst.Attribute:
            if node.attr.value == "prompt_caching" and _last_name(node.value) == "beta":
                out.deprecated.append((node, "the beta.prompt_caching API"))
        elif t is cst.Name:
            if node.value.startswith("PromptCachingBeta") and id(node) not in seen:
                seen.add(id(node))
                out.deprecated.append((node, node.value))
        elif (t is cst.SimpleString or t is cst.FormattedStringText) and OLD_BETA in node.value:
            out.deprecated.append((node, f"the {OLD_BETA} beta"))
        stack.extend((c, cls, fn, inner) for c in reversed(list(children(node))))
    return out


def _call(node: cst.Call, fn: Function | None, out: Scan) -> None:
    parts = chain(node.func)
    if fn is not None and parts[-1]:
        fn.calls.add(parts[-1])
    if classify(parts, ".".join(parts)) is not None:
        out.calls.append((node, fn))
        if fn is not None:
            fn.relevant = True
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in MARKER_KEYS:
            _marker(arg.keyword.value, fn, out)


def _marker(key: str | None, fn: Function | None, out: Scan) -> None:
    if key is not None and (key in MARKER_KEYS or looks_like_marker(key)):
        out.has_markers = True
        if fn is not None:
            fn.relevant = True


def _key(node: cst.BaseExpression | None) -> str | None:
    if type(node) is cst.SimpleString and "ach" in node.value:  # type: ignore[union-attr]
        try:
            v = string_value(node)  # type: ignore[arg-type]
        except Exception:
            return None
        return v if isinstance(v, str) else None
    return None


def _has_type_key(node: cst.Dict) -> bool:
    return any(
        type(el) is cst.DictElement
        and type(el.key) is cst.SimpleString
        and el.key.value[1:-1] == "type"  # type: ignore[union-attr]
        for el in node.elements
    )


def _last_name(node: cst.BaseExpression) -> str | None:
    if isinstance(node, cst.Attribute):
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return None
