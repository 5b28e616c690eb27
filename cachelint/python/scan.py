"""One pass over a module's syntax tree: what to evaluate, and the source-level rule (CL501).

Collects the top-level functions and methods with the names each one calls, the calls that look
like requests, where cache markers are set, and uses of the deprecated prompt-caching beta API.
Functions that build requests or markers, and the functions of the module that call them, are
the ones worth evaluating; the others are reached only when something calls them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from cachelint.payload.markers import is_http_cache_value, is_http_header, looks_like_marker
from cachelint.python import frameworks
from cachelint.python.betas import OLD_BETA, names_beta, sends_betas, sent_betas
from cachelint.python.calls import chain, classify
from cachelint.python.tree import children
from cachelint.python.values import MARKER_KEYS

_BETA_MODULE = ".beta.prompt_caching."


@dataclass(eq=False)
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    cls: ast.ClassDef | None
    calls: set[str] = field(default_factory=set)  # names called (plain or as attributes)
    relevant: bool = False  # sends a request or sets a marker
    marks: bool = False  # sets a marker (written as a key, or a cachePoint block)


@dataclass
class Scan:
    functions: list[Function] = field(default_factory=list)
    calls: list[tuple[ast.Call, Function | None]] = field(default_factory=list)
    nested: dict[ast.Call, ast.AST] = field(default_factory=dict)  # call -> inner def
    has_markers: bool = False
    deprecated: list[tuple[ast.AST, str]] = field(default_factory=list)
    beta_outside: list[tuple[ast.expr, str]] = field(default_factory=list)  # see betas.py

    def marking(self) -> list[Function]:
        """Functions that set markers, and the functions of the module that call them."""
        marks = self._with_callers({id(f) for f in self.functions if f.marks})
        return [f for f in self.functions if id(f) in marks]

    def entries(self) -> list[Function]:
        """Relevant functions, and functions calling them, that nothing relevant calls."""
        # callers of relevant functions are relevant: they pass the arguments
        relevant = self._with_callers({id(f) for f in self.functions if f.relevant})
        called = {n for f in self.functions if id(f) in relevant for n in f.calls}
        return [
            f
            for f in self.functions
            if id(f) in relevant and (f.node.name not in called or f.node.name.startswith("__"))
        ]

    def _with_callers(self, ids: set[int]) -> set[int]:
        """The functions in `ids` and those that call them (by name), transitively."""
        by_name: dict[str, list[Function]] = {}
        for f in self.functions:
            by_name.setdefault(f.node.name, []).append(f)
        changed = True
        while changed:
            changed = False
            for f in self.functions:
                if id(f) not in ids and any(
                    id(g) in ids for n in f.calls for g in by_name.get(n, ())
                ):
                    ids.add(id(f))
                    changed = True
        return ids


def scan(module: ast.Module) -> Scan:
    out = Scan()
    # (node, enclosing class, enclosing top-level function, innermost function)
    stack: list[tuple[ast.AST, ast.ClassDef | None, Function | None, ast.AST | None]]
    stack = [(n, None, None, None) for n in reversed(module.body)]
    names_old_beta = sends = False  # a string naming the old beta; a beta or header argument
    while stack:
        node, cls, fn, inner = stack.pop()
        t = type(node)
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            inner = node
            if fn is None:
                fn = Function(node, cls)  # type: ignore[arg-type]
                fn.relevant = frameworks.is_hook(node, cls)  # hands on the model request
                out.functions.append(fn)
        elif t is ast.ClassDef and fn is None:
            cls = node  # type: ignore[assignment]
        elif t is ast.Call:
            _call(node, fn, out)  # type: ignore[arg-type]
            sends = sends or sends_betas(node)
            if (
                out.calls
                and out.calls[-1][0] is node
                and inner is not None
                and inner is not (fn.node if fn else None)
            ):
                out.nested[node] = inner
        elif t is ast.Dict:
            sends = sends or sends_betas(node)
            for k, v in zip(node.keys, node.values, strict=True):  # type: ignore[attr-defined]
                key = _key(k)
                if key is None or _http_value(v):  # {"cache_control": "no-store"}
                    continue
                if not is_http_header(key) or _has_type_key(node):  # type: ignore[arg-type]
                    _marker(key, fn, out)
        elif t is ast.Subscript:
            key = _key(node.slice)  # type: ignore[attr-defined]
            if key is not None and not is_http_header(key):  # headers["Cache-Control"] = ...
                _marker(key, fn, out)
        elif t is ast.Attribute:
            if node.attr == "prompt_caching" and _last_name(node.value) == "beta":  # type: ignore[attr-defined]
                out.deprecated.append((node, "the beta.prompt_caching API"))
        elif t is ast.Name:
            if node.id.startswith("PromptCachingBeta"):  # type: ignore[attr-defined]
                out.deprecated.append((node, node.id))  # type: ignore[attr-defined]
        elif t is ast.alias:
            name = node.name  # type: ignore[attr-defined]
            if name.startswith("PromptCachingBeta"):
                out.deprecated.append((node, name))
            elif _BETA_MODULE in f".{name}.":  # import anthropic.resources.beta.prompt_caching
                out.deprecated.append((node, "the beta.prompt_caching API"))
        elif t is ast.ImportFrom:
            if _BETA_MODULE in f".{node.module}.":  # type: ignore[attr-defined]
                out.deprecated.append((node, "the beta.prompt_caching API"))
        elif t is ast.Constant and not names_old_beta and names_beta(node):
            names_old_beta = True
        stack.extend([(c, cls, fn, inner) for c in children(node)[::-1]])
    if names_old_beta or sends:  # reported where it is sent, not where it is only named
        sent = sent_betas(module)
        out.deprecated.extend((n, f"the {OLD_BETA} beta") for n in sent.constants)
        out.beta_outside = sent.outside
    return out


def _call(node: ast.Call, fn: Function | None, out: Scan) -> None:
    parts = chain(node.func)
    if fn is not None and parts[-1]:
        fn.calls.add(parts[-1])
    if classify(parts, ".".join(parts)) is not None or frameworks.builds_request(parts):
        out.calls.append((node, fn))
        if fn is not None:
            fn.relevant = True
    for kw in node.keywords:
        if kw.arg is not None and kw.arg in MARKER_KEYS and not _http_value(kw.value):
            _marker(kw.arg, fn, out)


def _marker(key: str | None, fn: Function | None, out: Scan) -> None:
    if key is not None and (key in MARKER_KEYS or looks_like_marker(key)):
        out.has_markers = True
        if fn is not None:
            fn.relevant = fn.marks = True


def _key(node: ast.expr | None) -> str | None:
    if type(node) is ast.Constant and type(node.value) is str and "ach" in node.value:
        return node.value
    return None


def _http_value(node: ast.expr) -> bool:
    """An HTTP Cache-Control value written in place ("no-store", "public, max-age=60")."""
    return type(node) is ast.Constant and is_http_cache_value(node.value)


def _has_type_key(node: ast.Dict) -> bool:
    return any(type(k) is ast.Constant and k.value == "type" for k in node.keys)


def _last_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None
