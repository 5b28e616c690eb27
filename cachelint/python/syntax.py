"""Facts read off the syntax tree: loop shapes, bound names, decorators, methods."""

from __future__ import annotations

import libcst as cst

from cachelint.python import names
from cachelint.python.project import ModuleInfo, dotted


def string_value(node: cst.SimpleString) -> str | bytes:
    """The value of a string literal. Without escapes (or raw) and line-ending quirks it is the
    text between the quotes; only the rest pays for libcst's literal_eval, a compile."""
    raw = node.value
    i = 0
    while raw[i] not in "'\"":
        i += 1
    prefix = raw[:i].lower()
    q = 3 if raw.startswith(raw[i] * 3, i) and len(raw) - i >= 6 else 1
    body = raw[i + q : len(raw) - q]
    if "b" not in prefix and "\r" not in body and ("\\" not in body or "r" in prefix):
        return body
    return node.evaluated_value


def unescape(raw: str, node: cst.FormattedString) -> str:
    """The text of a literal part of an f-string: doubled braces and escapes resolved."""
    raw = raw.replace("{{", "{").replace("}}", "}")
    if "r" in node.prefix.lower() or ("\\" not in raw and "\r" not in raw):
        return raw
    try:
        return cst.parse_expression(f"'''{raw}'''").evaluated_value  # type: ignore[union-attr]
    except Exception:
        return raw


def small_iterable(node: cst.BaseExpression) -> bool:
    """A literal of at most 4 items, range(k <= 4), or a slice of at most 4 items."""
    if isinstance(node, cst.List | cst.Tuple | cst.Set):
        return len(node.elements) <= 4
    if isinstance(node, cst.Call) and isinstance(node.func, cst.Name):
        if node.func.value == "range" and len(node.args) == 1:
            a = node.args[0].value
            return isinstance(a, cst.Integer) and int(a.value) <= 4
        if node.func.value in ("enumerate", "reversed") and node.args:
            return small_iterable(node.args[0].value)
    if isinstance(node, cst.Subscript) and len(node.slice) == 1:
        sl = node.slice[0].slice
        if isinstance(sl, cst.Slice):
            bound = sl.upper if sl.lower is None else sl.lower
            val = bound.expression if isinstance(bound, cst.UnaryOperation) else bound
            return (
                isinstance(val, cst.Integer)
                and int(val.value) <= 4
                and (sl.lower is None or sl.upper is None)
            )
    return False


def bound_names(target: cst.BaseExpression) -> list[str]:
    if isinstance(target, cst.Name):
        return [target.value]
    if isinstance(target, cst.Tuple | cst.List):
        return [n for el in target.elements for n in bound_names(el.value)]
    return []


def index_names(target: cst.BaseExpression, it: cst.BaseExpression) -> list[str]:
    if isinstance(it, cst.Call) and isinstance(it.func, cst.Name):
        if it.func.value == "range" and isinstance(target, cst.Name):
            return [target.value]
        if it.func.value == "enumerate" and isinstance(target, cst.Tuple) and target.elements:
            first = target.elements[0].value
            if isinstance(first, cst.Name):
                return [first.value]
    return []


def find_method(cls: cst.ClassDef, name: str) -> cst.FunctionDef | None:
    for stmt in cls.body.body:
        if isinstance(stmt, cst.FunctionDef) and stmt.name.value == name:
            return stmt
    return None


def has_decorator(fn: cst.FunctionDef, wanted: tuple[str, ...]) -> bool:
    for d in fn.decorators:
        expr = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        if dotted(expr) in wanted or dotted(expr).split(".")[-1] in wanted:
            return True
    return False


def decorated_once(fn: cst.FunctionDef, module: ModuleInfo) -> bool:
    for d in fn.decorators:
        expr = d.decorator.func if isinstance(d.decorator, cst.Call) else d.decorator
        name = dotted(expr)
        head = name.split(".")[0]
        full = module.imports.get(head, head) + name[len(head) :]
        if full in names.ONCE_DECORATORS or name in names.ONCE_DECORATORS:
            return True
    return False


def is_static(fn: cst.FunctionDef) -> bool:
    return has_decorator(fn, ("staticmethod",))
