"""Facts read off the syntax tree: loop shapes, bound names, decorators, methods."""

from __future__ import annotations

import ast

from cachelint.python import names
from cachelint.python.project import ModuleInfo, dotted
from cachelint.python.tree import FUNCTIONS

Function = ast.FunctionDef | ast.AsyncFunctionDef


def small_iterable(node: ast.expr) -> bool:
    """A literal of at most 4 items, range(k <= 4), or a slice of at most 4 items."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return len(node.elts) <= 4
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        if node.func.id == "range" and len(node.args) == 1 and not node.keywords:
            return _small_int(node.args[0])
        if node.func.id in ("enumerate", "reversed") and node.args:
            return small_iterable(node.args[0])
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
        sl = node.slice
        bound = sl.upper if sl.lower is None else sl.lower
        val = bound.operand if isinstance(bound, ast.UnaryOp) else bound
        return _small_int(val) and (sl.lower is None or sl.upper is None)
    return False


def _small_int(node: ast.expr | None) -> bool:
    return isinstance(node, ast.Constant) and type(node.value) is int and node.value <= 4


def bound_names(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [n for el in target.elts for n in bound_names(el)]
    return []


def index_names(target: ast.expr, it: ast.expr) -> list[str]:
    if isinstance(it, ast.Call) and isinstance(it.func, ast.Name):
        if it.func.id == "range" and isinstance(target, ast.Name):
            return [target.id]
        if it.func.id == "enumerate" and isinstance(target, ast.Tuple) and target.elts:
            first = target.elts[0]
            if isinstance(first, ast.Name):
                return [first.id]
    return []


def find_method(cls: ast.ClassDef, name: str) -> Function | None:
    for stmt in cls.body:
        if isinstance(stmt, FUNCTIONS) and stmt.name == name:
            return stmt
    return None


def _decorator_names(fn: Function):
    for d in fn.decorator_list:
        yield dotted(d.func if isinstance(d, ast.Call) else d)


def has_decorator(fn: Function, wanted: tuple[str, ...]) -> bool:
    return any(n in wanted or n.split(".")[-1] in wanted for n in _decorator_names(fn))


def decorated_once(fn: Function, module: ModuleInfo) -> bool:
    for name in _decorator_names(fn):
        head = name.split(".")[0]
        full = module.imports.get(head, head) + name[len(head) :]
        if full in names.ONCE_DECORATORS or name in names.ONCE_DECORATORS:
            return True
    return False


def is_static(fn: Function) -> bool:
    return has_decorator(fn, ("staticmethod",))
