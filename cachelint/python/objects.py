"""Objects the code is given rather than builds: what their attributes can hold.

A provider adapter keeps the agent it serves (`self.chat = chat`) and reads
`self.chat.last_tools_states`; nothing in sight creates that agent. When the parameter's
annotation names a project class, the property or method is looked up on that class, its
project bases, and (when the annotation names a base class) the project subclasses that define
it, and evaluated on an instance of it whose attributes are the inputs kept across calls that
the object holds (whatever `__init__` and the setters put there). Subclasses are found by a
byte search of the project's files for `class X(Base`, done once per run and bounded.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cachelint.python import names
from cachelint.python.project import dotted, module_name
from cachelint.python.syntax import find_method
from cachelint.python.values import Ref

if TYPE_CHECKING:
    from cachelint.python.evaluator_api import EvaluatorAPI
    from cachelint.python.frames import Frame
    from cachelint.python.project import ModuleInfo, Project

MAX_FILES = 5000  # project files searched for subclasses
MAX_BYTES = 64 * 1024 * 1024
_SKIPPED = frozenset(
    {"node_modules", "site-packages", "venv", ".venv", "env", "build", "dist", "__pycache__"}
)
# methods that show an object's current state as text
LIVE_STATE_METHODS = frozenset({"__repr__", "__str__", "__llm__"})


def annotated_class(ev: EvaluatorAPI, annotation: ast.expr | None, frame: Frame) -> Ref | None:
    """The project class an annotation names (`X`, `"X"`, `X | None`, `Optional[X]`)."""
    node = annotation
    for _ in range(3):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            node = node.right if _is_none(node.left) else node.left
        elif isinstance(node, ast.Subscript) and _last(node.value) == "Optional":
            node = node.slice
        else:
            break
    if not isinstance(node, ast.Name | ast.Attribute):
        return None
    saved = ev.budget
    value = ev.eval(node, frame)
    ev.budget = min(ev.budget, saved)
    return value if isinstance(value, Ref) and value.kind == "class" else None


def inherited(ev: EvaluatorAPI, cls: Ref, attr: str) -> Ref | None:
    """`cls` or the project base class (nearest first) that defines method `attr`."""
    if find_method(cls.node, attr) is not None:
        return cls
    if not cls.node.bases:
        return None
    for c in _with_bases(ev, cls)[1:]:
        if find_method(c.node, attr) is not None:
            return c
    return None


def declared_fields(cls: ast.ClassDef) -> list[str]:
    """The fields a class body declares with annotations (`name: type` or `name: type = x`),
    in order, as a generated __init__ takes them; ClassVar annotations are no field."""
    fields = []
    for stmt in cls.body:
        if type(stmt) is ast.AnnAssign and type(stmt.target) is ast.Name:
            ann = stmt.annotation
            head = ann.value if type(ann) is ast.Subscript else ann
            if dotted(head).rpartition(".")[2] != "ClassVar":
                fields.append(stmt.target.id)
    return fields


def defining_class(ev: EvaluatorAPI, cls: Ref, attr: str) -> Ref | None:
    """The class whose method or property `attr` an object annotated as `cls` runs: `cls` or a
    project base of it, else the one project subclass that defines it."""
    found = inherited(ev, cls, attr)
    if found is not None:
        return found
    subs = [s for s in subclasses(ev, cls) if find_method(s.node, attr) is not None]
    return subs[0] if len(subs) == 1 else None


def _with_bases(ev: EvaluatorAPI, cls: Ref, depth: int = 0) -> list[Ref]:
    out = [cls]
    if depth > 4:
        return out
    env_frame = _module_frame(ev, cls.module)
    for base in cls.node.bases:
        value = ev.eval(base, env_frame)
        if isinstance(value, Ref) and value.kind == "class" and value.node is not cls.node:
            out += _with_bases(ev, value, depth + 1)
    return out


def subclasses(ev: EvaluatorAPI, cls: Ref) -> list[Ref]:
    """Project classes whose bases name `cls` (directly)."""
    module: ModuleInfo = cls.module
    project: Project = ev.project
    if module.path is None:
        return []
    roots = project._roots_of(module.path)
    if roots is None:
        return []
    out = []
    for path in _files_naming(project, roots[0], cls.name.rpartition(".")[2]):
        try:
            name, _ = module_name(path)
        except OSError:
            continue
        found = project.resolve(name, module)
        if found is None or found[1]:
            continue
        other = found[0]
        for c in other.classes.values():
            if c is cls.node:
                continue
            frame = _module_frame(ev, other)
            for base in c.bases:
                if _last(base) != cls.node.name:
                    continue
                value = ev.eval(base, frame)
                if isinstance(value, Ref) and value.node is cls.node:
                    out.append(Ref("class", c.name, other, c))
                    break
    return out


_CLASS = re.compile(rb"^[ \t]*class\s+\w+\s*\(([^)]*)\)", re.M)
_NAME = re.compile(rb"\w+")


def _files_naming(project: Project, root: Path, name: str) -> list[Path]:
    """The project's .py files with a class statement naming `name` among its bases."""
    return _base_index(project, root).get(name, [])


def _base_index(project: Project, root: Path) -> dict[str, list[Path]]:
    """Base class name -> the project's files (bounded) with a class naming it, built once
    per run from the files' bytes."""
    index = project.base_index.get(root)
    if index is not None:
        return index
    index = project.base_index[root] = {}
    for path, data in project_sources(root):
        for m in _CLASS.finditer(data):
            for base in set(_NAME.findall(m[1])):
                index.setdefault(base.decode(), []).append(path)
    return index


def project_sources(root: Path) -> Iterator[tuple[Path, bytes]]:
    """The project's .py files under root with their bytes, in a stable order, bounded."""
    files = total = 0
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIPPED)
        for f in sorted(filenames):
            if not f.endswith(".py"):
                continue
            path = Path(dirpath, f)
            try:
                if path.is_symlink() or not path.is_file():
                    continue
                data = path.read_bytes()
            except OSError:
                continue
            files, total = files + 1, total + len(data)
            if files > MAX_FILES or total > MAX_BYTES:
                return
            yield path, data


def _module_frame(ev: EvaluatorAPI, module: ModuleInfo) -> Frame:
    from cachelint.python.frames import Frame

    return Frame(module, ev.module_env(module), once=True)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _last(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def typed_object(ev: EvaluatorAPI, sym: Any) -> Any:
    """The instance a parameter annotated with a project class stands for (one per input)."""
    root = getattr(sym, "root", None)
    if root is None or sym.path or root.cls is None:
        return None
    return root.cls


def object_member(ev: EvaluatorAPI, sym: Any, attr: str, frame: Frame, node: ast.AST) -> Any:
    """`obj.attr` for a parameter annotated with a project class: its property evaluated, or
    its method bound; None when the class does not define it (the attribute stays an input)."""
    from cachelint.python.values import Instance

    cls = typed_object(ev, sym)
    if cls is None:
        return None
    owner = defining_class(ev, cls, attr)
    if owner is None:
        return None
    if sym.root.obj is None or sym.root.obj.cls.node is not owner.node:
        sym.root.obj = Instance(owner)  # what __init__ and the setters put there is unknown
    inst = sym.root.obj
    return ev.instance_attr(inst, attr, frame, node)


def live_state(value: Any) -> str | None:
    """The input kept across calls whose elements `value` is one of (`tool` in
    `for tool in self.tools.values()`): their text shows what they hold at the time."""
    root = getattr(value, "root", None)
    if root is None or not root.persistent:
        return None
    from cachelint.python.inputs import Each

    return root.name if any(isinstance(s, Each) for s in value.path) else None


def memoised(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A function that first returns what it stored on the object, when it did
    (`if self._x is not None: return self._x`): what it computes is kept, not recomputed."""
    body = fn.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]
    if not body or not isinstance(body[0], ast.If):
        return False
    test, then = body[0].test, body[0].body
    if isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.IsNot):
        test = test.left
    if not (len(then) == 1 and isinstance(then[0], ast.Return) and then[0].value is not None):
        return False
    return _self_attr(test) is not None and _self_attr(test) == _self_attr(then[0].value)


def _self_attr(node: ast.expr) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        return node.attr
    return None


_FILLS = frozenset({"update", "setdefault", "add", "__setitem__"})


def filled_later(inst: Any, cls: ast.ClassDef, module: ast.Module | None = None) -> None:
    """An object evaluated as an entry point was made and used elsewhere: a dict or set that
    `__init__` leaves empty and another method fills (`self.tools[name] = tool`) holds
    whatever was registered at run time, an input kept across calls. When the module runs that
    method as concurrent tasks (`asyncio.gather(*(self.register(s) for s in servers))`), the
    entries arrive in the order the tasks finish."""
    from cachelint.python.inputs import Root, Sym
    from cachelint.python.values import LDict, SetVal

    empty = [
        a
        for a, v in inst.attrs.items()
        if (isinstance(v, LDict) and not v and not v.open)
        or (isinstance(v, SetVal) and not v.items)
    ]
    if not empty:
        return
    filled = _filled_attrs(cls)
    for a in empty:
        if a in filled:
            name = f"self.{a}"
            loc = inst.attrs[a].loc
            how = _run_concurrently(module, filled[a]) if module is not None else None
            if how is None:
                inst.attrs[a] = Sym("unknown", name, loc, root=Root(name, loc, name))
                continue
            fills = ", ".join(f"{m}()" for m in sorted(filled[a]))
            desc = names.RACED.format(what=name, fills=fills, how=how)
            inst.attrs[a] = Sym("unknown", desc, loc, True, root=Root(name, loc, name))


def _filled_attrs(cls: ast.ClassDef) -> dict[str, set[str]]:
    """Attributes of self that a method other than __init__ adds items to, with the methods."""
    out: dict[str, set[str]] = {}
    for fn in cls.body:
        if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name == "__init__":
            continue
        for node in ast.walk(fn):
            attrs: list[str | None] = []
            if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                attrs = [_self_attr(t.value) for t in targets if isinstance(t, ast.Subscript)]
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in _FILLS
            ):
                attrs = [_self_attr(node.func.value)]
            for a in attrs:
                if a is not None:
                    out.setdefault(a, set()).add(fn.name)
    return out


def _run_concurrently(module: ast.Module, methods: set[str]) -> str | None:
    """How the module runs one of `methods` as concurrent tasks (`asyncio.gather`,
    `create_task`, an executor's `map` or `submit`), if it does: the call that starts them."""
    started = _started_concurrently(module)
    return next((started[m] for m in sorted(methods) if m in started), None)


@lru_cache(maxsize=64)  # per module, however many entry points instantiate its classes
def _started_concurrently(module: ast.Module) -> dict[str, str]:
    """Attribute names (`self.register`) found in the arguments of calls that start concurrent
    tasks, with the call that starts them."""
    out: dict[str, str] = {}
    for node in ast.walk(module):
        if not isinstance(node, ast.Call):
            continue
        starter = _last(node.func)
        if starter not in names.CONCURRENT or (type(node.func) is ast.Name and starter == "map"):
            continue  # the builtin map() runs one call after another
        for arg in [*node.args, *(k.value for k in node.keywords)]:
            for inner in ast.walk(arg):
                if isinstance(inner, ast.Attribute):
                    out.setdefault(inner.attr, ast.unparse(node.func))
    return out


_SET_TYPES = frozenset({"set", "frozenset", "Set", "FrozenSet", "AbstractSet", "MutableSet"})


def as_annotated_set(value: Any, annotation: ast.expr | None, loc: Any) -> Any:
    """A value annotated as a set (`loaded: set[str] = state.get("loaded") or set()`) whose
    items are not known: a set of unknown items, which iterate in an order that differs
    between processes."""
    from cachelint.prompt import Hole
    from cachelint.python.inputs import Each, Sym
    from cachelint.python.values import SetVal, hole

    if not set_annotation(annotation):
        return value
    if isinstance(value, Sym):
        return SetVal([value.step(Each(None))], loc, complete=False)
    if isinstance(value, Hole) and value.origin == "volatile":  # the items change with it
        return SetVal([hole("volatile", value.description, value.anchor)], loc, complete=False)
    if isinstance(value, Hole) or (isinstance(value, SetVal) and not value.items):
        return SetVal([hole("unknown", "an item of the set", loc)], loc, complete=False)
    return value


def set_annotation(annotation: ast.expr | None) -> bool:
    node = annotation
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        try:
            node = ast.parse(node.value, mode="eval").body
        except SyntaxError:
            return False
    if isinstance(node, ast.Subscript):
        node = node.value
    return _last(node) in _SET_TYPES if node is not None else False


def live_hole(item: Any, how: str, loc: Any, once: bool) -> Any:
    """The text of an object kept in a registry that the code fills and changes at run time
    (what `live_state` finds), as of each request, or computed once."""
    from cachelint.python.values import hole

    desc = f"the live state of the objects in {live_state(item)} ({how} of each)"
    return hole("stable", f"{desc}, computed once", loc) if once else hole("volatile", desc, loc)
