"""Abstract evaluation of Python code into partly known values.

Statements run in order; both branches of an `if` run and their bindings are merged; a loop body
runs once per element of a small known list, otherwise once with the loop recorded as active, so
values added on each pass are marked as repeated. Unknown values become holes that say where they
come from. Evaluation is bounded by a step budget and a call depth, and never imports or runs the
checked code.
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from cachelint.payload.markers import looks_like_marker
from cachelint.prompt import Hole
from cachelint.python import builtins as bi
from cachelint.python import names, strings
from cachelint.python.calls import RequestSite, chain, classify
from cachelint.python.frames import Frame, Loop
from cachelint.python.operations import (
    Enumerated,
    as_hole_keep,
    at_use,
    choose,
    entered,
    external_hole,
    hole_of,
    mark_repeated,
    merge,
    open_history,
    parameter,
    pick_return,
    set_items,
    truth,
    unpacked_hole,
    unwrap_enumerated,
)
from cachelint.python.operations import arith as arithmetic
from cachelint.python.project import ModuleInfo, Project
from cachelint.python.syntax import (
    bound_names,
    decorated_once,
    find_method,
    has_decorator,
    index_names,
    is_static,
    small_iterable,
    unescape,
)
from cachelint.python.tree import is_generator, loop_body_facts, names_in
from cachelint.python.values import (
    Client,
    Instance,
    LDict,
    LList,
    Loc,
    Ref,
    SetVal,
    Text,
    as_hole,
    copy_value,
    derived,
    hole,
    is_known,
    is_marker_key,
)

MAX_CALL_DEPTH = 8
MAX_UNROLL = 16
MAX_EXPR_DEPTH = 150
_RESPONSE = "an API response"


_MARKER_FIELDS = frozenset({"type", "ttl", "scope"})
_NO_VALUE_CALLS = frozenset(
    {"isinstance", "issubclass", "hasattr", "callable", "type", "id", "cast", "TypeVar"}
)


class _Flow(Exception):
    """Leaves a block: return, break, continue or raise."""

    def __init__(self, kind: str) -> None:
        self.kind = kind


class Evaluator:
    def __init__(self, project: Project, extra_volatile: list[str] | None = None, budget=200_000):
        self.project = project
        self.volatile = dict(names.VOLATILE)
        for n in extra_volatile or ():
            self.volatile[n] = f"{n}() (configured as volatile)"
        self.budget = budget
        self.requests: list[RequestSite] = []
        self.seen_calls: set[cst.Call] = set()
        self.marker_dicts: list[LDict] = []  # dicts that carry a marker (or a look-alike key)
        self.marker_values: list[LDict] = []  # dicts that look like a cache_control value
        self.lost_markers: list[Loc] = []
        self.removes_markers = False
        self.ran: set[cst.FunctionDef] = set()  # functions evaluated at least once
        self.nested_defs: dict[cst.FunctionDef, Ref] = {}  # nested defs seen, with closures
        self._module_envs: dict[int, dict[str, Any]] = {}
        self._in_progress: set[int] = set()
        self._depth = 0

    # ---- entry points -------------------------------------------------------------------

    def run_module(self, module: ModuleInfo) -> None:
        self.module_env(module)

    def run_function(self, module: ModuleInfo, node: cst.FunctionDef, cls: cst.ClassDef | None):
        """Evaluate a function as an entry point: its parameters are request data."""
        env = self.module_env(module)
        frame = Frame(module, {}, None, once=False)
        frame.parent = Frame(module, env, once=True)
        self_obj = None
        if cls is not None:
            self_obj = self.instantiate(Ref("class", cls.name.value, module, cls), [], {}, frame)
        args: list[Any] = []
        if self_obj is not None and not is_static(node):
            args = [self_obj]
        self.call_function(
            Ref("function", node.name.value, module, node, closure=frame.parent),
            args,
            {},
            frame,
            None,
            entry=True,
        )

    def run_nested(self, node: cst.FunctionDef) -> None:
        """A nested function that is never called directly (a thread target, a callback)."""
        ref = self.nested_defs.get(node)
        if ref is None or node in self.ran:
            return
        caller = Frame(ref.module, {}, ref.closure, once=False)
        self.call_function(ref, [], {}, caller, None, entry=True)

    # ---- modules and names ----------------------------------------------------------------

    def module_env(self, module: ModuleInfo) -> dict[str, Any]:
        key = id(module)
        if key in self._module_envs:
            return self._module_envs[key]
        env: dict[str, Any] = {}
        self._module_envs[key] = env
        self._in_progress.add(key)
        frame = Frame(module, env, once=True)
        outer = self._frame
        self._frame = frame
        try:
            self.exec_block(module.tree.body, frame)
        except (_Flow, RecursionError):
            pass
        finally:
            self._in_progress.discard(key)
            self._frame = outer
        return env

    def lookup_name(self, name: str, frame: Frame, node: cst.CSTNode) -> Any:
        found, value = frame.lookup(name)
        if found:
            if isinstance(value, Ref) and value.kind == "lazy":
                value = self.import_ref(value.name, value.module)
                frame.env[name] = value
            return value
        found, value = self.global_name(frame.module, name)
        if found:
            return value
        if name in bi.BUILTINS:
            return Ref("external", name)
        if name in names.REQUEST_ROOTS:
            return hole("request", f"'{name}'", frame.loc(node))
        if name in names.STABLE_ROOTS:
            return hole("stable", f"'{name}'", frame.loc(node))
        return hole("unknown", f"'{name}'", frame.loc(node))

    def import_ref(self, target: str, origin: ModuleInfo) -> Any:
        found = self.project.resolve(target, origin)
        if found is None:
            return Ref("external", target)
        module, rest = found
        value: Any = Ref("module", module.name, module)
        for attr in rest.split(".") if rest else ():
            value = self.module_attr(value, attr)
        return value

    def module_attr(self, ref: Any, attr: str) -> Any:
        if not isinstance(ref, Ref) or ref.kind != "module":
            return hole("unknown", attr)
        module: ModuleInfo = ref.module
        bound = (
            self._module_envs.get(id(module), {}).keys()
            | module.functions.keys()
            | module.classes.keys()
        )
        if id(module) in self._in_progress and attr not in bound:  # a circular import
            return hole("unknown", f"{module.name}.{attr} (circular import)")
        found, value = self.global_name(module, attr)
        if found:
            return value
        sub = self.project.resolve(f"{module.name}.{attr}", module) if module.name else None
        if sub is not None and not sub[1]:
            return Ref("module", sub[0].name, sub[0])
        return hole("unknown", f"{module.name}.{attr}")

    def global_name(self, module: ModuleInfo, name: str) -> tuple[bool, Any]:
        """A module-level name: a variable (after running the module), an import, a function
        or a class."""
        if name in module.functions:
            return True, Ref("function", name, module, module.functions[name])
        if name in module.classes:
            return True, Ref("class", name, module, module.classes[name])
        env = self._module_envs.get(id(module))
        if env is None:
            env = self.module_env(module)
        if name in env:
            value = env[name]
            if isinstance(value, Ref) and value.kind == "lazy":
                value = env[name] = self.import_ref(value.name, value.module)
            return True, value
        if name in module.imports:
            return True, self.import_ref(module.imports[name], module)
        return False, None

    def canonical(self, expr: cst.BaseExpression, frame: Frame) -> str | None:
        """The dotted external name an expression stands for (after imports), if any."""
        if isinstance(expr, cst.Name):
            found, value = frame.lookup(expr.value)
            if found:
                return (
                    value.name
                    if isinstance(value, Ref) and value.kind in ("external", "lazy")
                    else None
                )
            env = self._module_envs.get(id(frame.module), {})
            if expr.value in env:
                v = env[expr.value]
                return v.name if isinstance(v, Ref) and v.kind in ("external", "lazy") else None
            if expr.value in frame.module.imports:
                return frame.module.imports[expr.value]
            return expr.value
        if isinstance(expr, cst.Attribute):
            head = self.canonical(expr.value, frame)
            return f"{head}.{expr.attr.value}" if head else None
        return None

    # ---- statements -----------------------------------------------------------------------

    def exec_block(self, stmts, frame: Frame) -> None:
        for stmt in stmts:
            if self.budget <= 0:
                return
            self.exec_stmt(stmt, frame)

    def exec_stmt(self, stmt: cst.CSTNode, frame: Frame) -> None:
        self.budget -= 1
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                self.exec_small(small, frame)
        elif isinstance(stmt, cst.FunctionDef):
            ref = Ref("function", stmt.name.value, frame.module, stmt, closure=frame)
            frame.env[stmt.name.value] = ref
            self.nested_defs.setdefault(stmt, ref)
        elif isinstance(stmt, cst.ClassDef):
            frame.env[stmt.name.value] = Ref("class", stmt.name.value, frame.module, stmt)
        elif isinstance(stmt, cst.If):
            self.exec_if(stmt, frame)
        elif isinstance(stmt, cst.For):
            self.exec_for(stmt, frame)
        elif isinstance(stmt, cst.While):
            self.exec_while(stmt, frame)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                value = self.eval(item.item, frame)
                if item.asname is not None:
                    self.assign(item.asname.name, entered(value), frame, item)
            self.exec_block(stmt.body.body, frame)
        elif isinstance(stmt, cst.Try | cst.TryStar):
            self._exec_try(stmt, frame)
        elif isinstance(stmt, cst.Match):
            self.eval(stmt.subject, frame)
            for case in stmt.cases:
                self._branch(case.body.body, frame)

    def _exec_try(self, stmt, frame: Frame) -> None:
        try:
            self.exec_block(stmt.body.body, frame)
        except _Flow as f:
            if f.kind != "raise":
                raise
        for h in stmt.handlers:
            self._branch(h.body.body, frame)
        if stmt.orelse is not None:
            self.exec_block(stmt.orelse.body.body, frame)
        if stmt.finalbody is not None:
            self.exec_block(stmt.finalbody.body.body, frame)

    def _branch(self, stmts, frame: Frame) -> bool:
        """Run a branch that may not be taken; True when it always leaves the block (return,
        raise, or break/continue: the code after it still runs on the other path)."""
        saved = dict(frame.env)
        try:
            self.exec_block(stmts, frame)
        except _Flow:
            frame.env.clear()
            frame.env.update(saved)
            return True
        return False

    def exec_small(self, node: cst.CSTNode, frame: Frame) -> None:
        if isinstance(node, cst.Expr):
            self.eval(node.value, frame)
        elif isinstance(node, cst.Assign):
            value = self.eval(node.value, frame)
            for t in node.targets:
                self.assign(t.target, value, frame, node)
        elif isinstance(node, cst.AnnAssign):
            if node.value is not None:
                self.assign(node.target, self.eval(node.value, frame), frame, node)
        elif isinstance(node, cst.AugAssign):
            self.exec_augassign(node, frame)
        elif isinstance(node, cst.Return):
            frame.returns.append(self.eval(node.value, frame) if node.value else None)
            raise _Flow("return")
        elif isinstance(node, cst.Raise):
            raise _Flow("raise")
        elif isinstance(node, cst.Break):
            raise _Flow("break")
        elif isinstance(node, cst.Continue):
            raise _Flow("continue")
        elif isinstance(node, cst.Import | cst.ImportFrom):
            from cachelint.python.project import import_names

            for local, target in import_names(node, frame.module.package()).items():
                frame.env[local] = Ref("lazy", target, frame.module)  # resolved when used
        elif isinstance(node, cst.Global):
            frame.globals_names.update(n.name.value for n in node.names)
        elif isinstance(node, cst.Del):
            self.exec_del(node.target, frame)

    def exec_del(self, target: cst.BaseExpression, frame: Frame) -> None:
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            obj = self.eval(target.value, frame)
            idx = target.slice[0].slice
            if isinstance(idx, cst.Index):
                key = self.eval(idx.value, frame)
                if is_marker_key(key):
                    self.removes_markers = True
                if isinstance(obj, LDict) and is_known(key):
                    obj.drop(key)
        elif isinstance(target, cst.Tuple):
            for el in target.elements:
                self.exec_del(el.value, frame)

    def exec_augassign(self, node: cst.AugAssign, frame: Frame) -> None:
        current = self.eval(node.target, frame)
        value = self.eval(node.value, frame)
        if isinstance(node.operator, cst.AddAssign) and isinstance(current, LList):
            self.extend(current, value, frame, node.value)
            return
        if isinstance(node.operator, cst.BitOrAssign) and isinstance(current, LDict):
            self.merge_into(current, value, frame, node.value)
            return
        result = self.binop(node.operator, current, value, frame, node)
        if isinstance(result, str):
            loop = next((lp for lp in frame.loops if lp.unordered is not None), None)
            if loop is not None:
                result = Text([result, loop.unordered])
        self.assign(node.target, result, frame, node)

    def assign(self, target: cst.BaseExpression, value: Any, frame: Frame, node) -> None:
        if isinstance(target, cst.Name):
            name = target.value
            if name in frame.globals_names:
                self._module_envs.setdefault(id(frame.module), {})[name] = value
            else:
                frame.env[name] = value
        elif isinstance(target, cst.Tuple | cst.List):
            elems = [e.value for e in target.elements]
            if isinstance(value, tuple | list) and len(value) == len(elems):
                for t, v in zip(elems, value, strict=True):
                    self.assign(t, v, frame, node)
            else:
                for t in elems:
                    inner = t.value if isinstance(t, cst.StarredElement) else t
                    self.assign(inner, unpacked_hole(value, frame.loc(t)), frame, node)
        elif isinstance(target, cst.Attribute):
            obj = self.eval(target.value, frame)
            if isinstance(obj, Instance):
                if isinstance(value, LList):
                    value.persistent = value.persistent or f"self.{target.attr.value}"
                obj.attrs[target.attr.value] = value
        elif isinstance(target, cst.Subscript) and len(target.slice) == 1:
            obj = self.eval(target.value, frame)
            sl = target.slice[0].slice
            if not isinstance(sl, cst.Index):
                return
            key = self.eval(sl.value, frame)
            self.set_item(obj, key, value, frame, node, target)
        elif isinstance(target, cst.StarredElement):
            self.assign(target.value, LList([hole("unknown", "unpacked items")]), frame, node)

    def set_item(self, obj: Any, key: Any, value: Any, frame: Frame, node, target=None) -> None:
        loc = frame.loc(node)
        if isinstance(obj, LDict) and is_known(key):
            obj.put(key, value, loc, in_loop=self.repeats(obj))
            if is_marker_key(key):
                self.marker_dicts.append(obj)
        elif isinstance(obj, LList) and isinstance(key, int) and -len(obj) <= key < len(obj):
            obj[key] = value
            obj.locs[key] = loc
        elif is_marker_key(key) and target is not None and self._marks_each_item(target, frame):
            self.lost_markers.append(loc)

    def _marks_each_item(self, target: cst.Subscript, frame: Frame) -> bool:
        """`item[...]["cache_control"] = ...` in an unbounded loop of this function over items."""
        root = target.value
        while isinstance(root, cst.Subscript | cst.Attribute | cst.Call):
            root = root.func if isinstance(root, cst.Call) else root.value
        if not isinstance(root, cst.Name):
            return False
        return any(
            not loop.bounded() and root.value in (loop.targets | loop.counters)
            for loop in frame.loops[frame.inherited :]
        )

    # ---- control flow ---------------------------------------------------------------------

    def exec_if(self, stmt: cst.If, frame: Frame) -> None:
        known = self.condition(stmt.test, frame)
        if known is True:
            self._guarded(stmt.test, frame, lambda: self.exec_block(stmt.body.body, frame))
            return
        if known is False:
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            elif orelse is not None:
                self.exec_block(orelse.body.body, frame)
            return
        before = dict(frame.env)
        self._guarded(stmt.test, frame, lambda: self._branch(stmt.body.body, frame))
        body_env = dict(frame.env)
        body_left = self._left
        frame.env.clear()
        frame.env.update(before)
        else_left = False
        if stmt.orelse is not None:
            orelse = stmt.orelse
            if isinstance(orelse, cst.If):
                self.exec_if(orelse, frame)
            else:
                else_left = self._branch(orelse.body.body, frame)
        else_env = dict(frame.env)
        if body_left and else_left:
            raise _Flow("return")
        merged = else_env if body_left else body_env if else_left else merge(body_env, else_env)
        frame.env.clear()
        frame.env.update(merged)

    _left = False

    def condition(self, test: cst.BaseExpression, frame: Frame) -> bool | None:
        """A condition's value, when it is known from locals and literals alone. Attributes
        (`self.enabled`) and calls are never trusted: other code may change them."""
        if isinstance(test, cst.BooleanOperation):
            left = self.condition(test.left, frame)
            right = self.condition(test.right, frame)
            if isinstance(test.operator, cst.And):
                if left is False or right is False:
                    return False
                return True if left and right else None
            if left is True or right is True:
                return True
            return False if left is False and right is False else None
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            inner = self.condition(test.expression, frame)
            return None if inner is None else not inner
        value = self.eval(test, frame)
        _, attrs, calls, _ = names_in(test)
        if attrs or calls:
            return None
        return truth(value)

    def _guarded(self, test, frame: Frame, run) -> None:
        loop = frame.loops[-1] if frame.loops else None
        if loop is not None:
            loop.guards.append(test)
        try:
            self._left = run()
        finally:
            if loop is not None:
                loop.guards.pop()

    def exec_for(self, stmt: cst.For, frame: Frame) -> None:
        iterable = self.eval(stmt.iter, frame)
        counters, exits, branches = loop_body_facts(stmt.body)
        items = None if branches else self.unrollable(iterable)
        if items is not None:
            for item in items:
                self.assign(stmt.target, item, frame, stmt)
                try:
                    self.exec_block(stmt.body.body, frame)
                except _Flow as f:
                    if f.kind == "break":
                        return
                    if f.kind != "continue":
                        raise
            if stmt.orelse is not None:
                self.exec_block(stmt.orelse.body.body, frame)
            return
        element = self.element_of(iterable, stmt.iter, frame)
        loop = Loop(
            stmt,
            exits or small_iterable(stmt.iter),
            counters,
            frozenset(index_names(stmt.target, stmt.iter)),
            unordered=strings.unordered_hole(unwrap_enumerated(iterable), frame.loc(stmt.iter)),
            targets=frozenset(bound_names(stmt.target)),
        )
        self.assign(stmt.target, element, frame, stmt)
        self._run_loop(stmt.body.body, loop, frame)
        if stmt.orelse is not None:
            self._branch(stmt.orelse.body.body, frame)

    def exec_while(self, stmt: cst.While, frame: Frame) -> None:
        self.eval(stmt.test, frame)
        counters, _, _ = loop_body_facts(stmt.body)
        loop = Loop(stmt, False, counters, frozenset())
        loop.guards.append(stmt.test)
        self._run_loop(stmt.body.body, loop, frame)

    def _run_loop(self, body, loop: Loop, frame: Frame) -> None:
        frame.loops.append(loop)
        saved = dict(frame.env)
        try:
            self.exec_block(body, frame)
        except _Flow as f:
            if f.kind in ("return", "raise"):
                frame.env.clear()
                frame.env.update(saved)
        finally:
            frame.loops.pop()

    def unrollable(self, v: Any) -> list | None:
        """The elements of a small, fully known, ordered iterable, to run a loop per element."""
        if isinstance(v, tuple):
            v = list(v)
        if isinstance(v, LList):
            if v.repeated or v.unordered or v.is_open() or len(v) > MAX_UNROLL:
                return None
            return list(v)
        if isinstance(v, list) and len(v) <= MAX_UNROLL:
            return v
        if isinstance(v, LDict) and not v.open and not v.unordered and len(v) <= MAX_UNROLL:
            return list(v.keys())
        return None

    def element_of(self, v: Any, node, frame: Frame) -> Any:
        """A representative element of an iterable that is not unrolled."""
        if isinstance(v, Enumerated):
            return (hole("unknown", "a loop index"), self.element_of(v.inner, node, frame))
        if isinstance(v, SetVal):
            return hole("unknown", "an element of a set", frame.loc(node))
        if isinstance(v, LList):
            known = [x for x in v if not isinstance(x, Hole)]
            if known and all(isinstance(x, LDict) for x in known):
                return known[-1]
            if v.unordered is not None:
                return v.unordered
            for x in v:
                if isinstance(x, Hole):
                    return x
            return known[-1] if known else hole("unknown", "a list element", frame.loc(node))
        if isinstance(v, LDict):
            return next(iter(v), hole("unknown", "a key"))
        if isinstance(v, Hole):
            return v
        return hole("unknown", "a loop element", frame.loc(node))

    def guarded_now(self, frame: Frame) -> bool:
        """Inside loops, all of which are bounded by the guards active right now."""
        loops = frame.loops
        return bool(loops) and all(loop.bounded() for loop in loops)

    def repeats(self, container: Any) -> bool:
        """Whether a value added to container now can be added again without bound."""
        frame = self._frame
        if frame is None:
            return False
        depth = getattr(container, "depth", 0) if container is not None else 0
        return any(not loop.bounded() for loop in frame.loops[depth:])

    _frame: Frame | None = None

    # ---- functions ------------------------------------------------------------------------

    def call_function(
        self,
        ref: Ref,
        args: list[Any],
        kwargs: dict[str, Any],
        caller: Frame,
        site: cst.CSTNode | None,
        entry: bool = False,
    ) -> Any:
        node: cst.FunctionDef = ref.node
        self.ran.add(node)
        if self._depth >= MAX_CALL_DEPTH or node in caller.call_stack or self.budget <= 0:
            return hole("unknown", f"the result of {ref.name}()")
        via = caller.via
        if site is not None and ref.module is not caller.module:
            via = caller.loc(site)
        once = caller.once or decorated_once(node, ref.module) or node.name.value == "__init__"
        frame = Frame(
            ref.module,
            {},
            ref.closure,
            via,
            once,
            loops=list(caller.loops) if not entry else [],
            call_stack=(*caller.call_stack, node),
        )
        frame.inherited = len(frame.loops)
        if ref.closure is None:
            frame.parent = Frame(ref.module, self.module_env(ref.module), once=True)
        self.bind_params(node, args, kwargs, frame, defaults=not entry)
        self._depth += 1
        outer = self._frame
        self._frame = frame
        try:
            self.exec_block(
                node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body], frame
            )
        except _Flow:
            pass
        except RecursionError:
            pass
        finally:
            self._depth -= 1
            self._frame = outer
        if node.asynchronous is None and is_generator(node):
            return LList([hole("unknown", f"items yielded by {ref.name}()")])
        return pick_return(frame.returns, ref.name)

    def bind_params(self, node: cst.FunctionDef, args, kwargs, frame: Frame, defaults=True):
        """Bind arguments; a function evaluated on its own (an entry point) is called from
        elsewhere with unknown arguments, so its defaults are only one possibility."""
        p = node.params
        positional = [*p.posonly_params, *p.params]
        args = list(args)
        for i, param in enumerate(positional):
            name = param.name.value
            if i < len(args):
                frame.env[name] = args[i]
            elif name in kwargs:
                frame.env[name] = kwargs.pop(name)
            elif param.default is not None and defaults:
                frame.env[name] = self.eval(param.default, frame.parent or frame)
            else:
                frame.env[name] = parameter(node, name, frame.loc(param))
        for param in p.kwonly_params:
            name = param.name.value
            if name in kwargs:
                frame.env[name] = kwargs.pop(name)
            elif param.default is not None and defaults:
                frame.env[name] = self.eval(param.default, frame.parent or frame)
            else:
                frame.env[name] = parameter(node, name, frame.loc(param))
        if isinstance(p.star_arg, cst.Param):
            rest = args[len(positional) :]
            frame.env[p.star_arg.name.value] = LList(rest or [hole("request", "*args")])
        if p.star_kwarg is not None:
            d = LDict()
            for k, v in kwargs.items():
                d.put(k, v, None)
            if not kwargs:
                d.open = hole("request", "**kwargs")
            frame.env[p.star_kwarg.name.value] = d

    def instantiate(self, ref: Ref, args, kwargs, caller: Frame) -> Instance:
        inst = Instance(ref)
        init = find_method(ref.node, "__init__")
        if init is not None:
            self.call_function(
                Ref("function", "__init__", ref.module, init, bound=inst),
                [inst, *args],
                kwargs,
                caller,
                None,
            )
        return inst

    def instance_attr(self, inst: Instance, attr: str, frame: Frame, node) -> Any:
        if attr in inst.attrs:
            value = inst.attrs[attr]
            if isinstance(value, LList) and value.persistent and not frame.once:
                open_history(value)
            return value
        cls: cst.ClassDef = inst.cls.node
        fn = find_method(cls, attr)
        if fn is not None:
            ref = Ref("function", attr, inst.cls.module, fn, bound=inst)
            if has_decorator(fn, ("property", "cached_property", "functools.cached_property")):
                return self.call_function(ref, [inst], {}, frame, node)
            return ref
        for stmt in cls.body.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign | cst.AnnAssign):
                        targets = (
                            [t.target for t in small.targets]
                            if isinstance(small, cst.Assign)
                            else [small.target]
                        )
                        if any(isinstance(t, cst.Name) and t.value == attr for t in targets):
                            if small.value is None:
                                continue
                            cls_frame = Frame(
                                inst.cls.module,
                                {},
                                once=True,
                                parent=Frame(inst.cls.module, self.module_env(inst.cls.module)),
                            )
                            return self.eval(small.value, cls_frame)
        return hole("unknown", f"self.{attr}", frame.loc(node))

    # ---- expressions ----------------------------------------------------------------------

    def eval(self, node: cst.BaseExpression | None, frame: Frame) -> Any:
        if node is None:
            return None
        self.budget -= 1
        if self.budget <= 0 or self._expr_depth > MAX_EXPR_DEPTH:
            return hole("unknown", "a value too complex to evaluate")
        outer = self._frame
        self._frame = frame
        self._expr_depth += 1
        try:
            return self._eval(node, frame)
        except RecursionError:
            return hole("unknown", "a value too complex to evaluate")
        finally:
            self._expr_depth -= 1
            self._frame = outer

    _expr_depth = 0

    def _eval(self, node, frame: Frame) -> Any:
        if isinstance(node, cst.SimpleString):
            try:
                return node.evaluated_value
            except Exception:
                return hole("unknown", "a string literal")
        if isinstance(node, cst.ConcatenatedString):
            return strings.concat(
                strings.to_str(self.eval(node.left, frame)),
                strings.to_str(self.eval(node.right, frame)),
            )
        if isinstance(node, cst.FormattedString):
            return self.eval_fstring(node, frame)
        if isinstance(node, cst.Integer | cst.Float):
            try:
                return node.evaluated_value
            except Exception:
                return hole("unknown", "a number")
        if isinstance(node, cst.Imaginary):
            return hole("unknown", "a number")
        if isinstance(node, cst.Name):
            if node.value in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.value]
            value = self.lookup_name(node.value, frame, node)
            if isinstance(value, LList) and value.persistent and not frame.once:
                open_history(value)
            return value
        if isinstance(node, cst.List):
            return self.eval_list(node, frame)
        if isinstance(node, cst.Tuple):
            out: list[Any] = []
            for el in node.elements:
                v = self.eval(el.value, frame)
                if isinstance(el, cst.StarredElement):
                    out.extend(v if isinstance(v, list | tuple) else [v])
                else:
                    out.append(v)
            return tuple(out)
        if isinstance(node, cst.Set):
            items = [self.eval(el.value, frame) for el in node.elements]
            return SetVal(items, frame.loc(node))
        if isinstance(node, cst.Dict):
            return self.eval_dict(node, frame)
        if isinstance(node, cst.ListComp | cst.GeneratorExp | cst.SetComp | cst.DictComp):
            return self.eval_comprehension(node, frame)
        if isinstance(node, cst.BinaryOperation):
            left = self.eval(node.left, frame)
            right = self.eval(node.right, frame)
            return self.binop(node.operator, left, right, frame, node)
        if isinstance(node, cst.BooleanOperation):
            left = self.eval(node.left, frame)
            known = truth(left)
            is_or = isinstance(node.operator, cst.Or)
            if known is not None and known == is_or:
                return left  # short-circuit: `x or y` with x true, `x and y` with x false
            right = self.eval(node.right, frame)
            if known is not None:
                return right
            if is_or:
                return right if not isinstance(right, Hole) else left
            return hole("unknown", "a condition")
        if isinstance(node, cst.UnaryOperation):
            v = self.eval(node.expression, frame)
            if isinstance(node.operator, cst.Minus) and isinstance(v, int | float):
                return -v
            if isinstance(node.operator, cst.Not) and is_known(v):
                return not v
            return hole("unknown", "an expression")
        if isinstance(node, cst.Comparison):
            self.eval(node.left, frame)
            for c in node.comparisons:
                self.eval(c.comparator, frame)
            return hole("unknown", "a comparison")
        if isinstance(node, cst.IfExp):
            known = self.condition(node.test, frame)
            if known is False:
                return self.eval(node.orelse, frame)
            body: list[Any] = []
            self._guarded(node.test, frame, lambda: body.append(self.eval(node.body, frame)))
            if known is True:
                return body[0]
            orelse = self.eval(node.orelse, frame)
            return choose(body[0], orelse)
        if isinstance(node, cst.Await):
            return self.eval(node.expression, frame)
        if isinstance(node, cst.NamedExpr):
            v = self.eval(node.value, frame)
            self.assign(node.target, v, frame, node)
            return v
        if isinstance(node, cst.Attribute):
            return self.eval_attribute(node, frame)
        if isinstance(node, cst.Subscript):
            return self.eval_subscript(node, frame)
        if isinstance(node, cst.Call):
            return self.eval_call(node, frame)
        if isinstance(node, cst.Lambda):
            return Ref("lambda", "lambda", frame.module, node, closure=frame)
        return hole("unknown", "an expression", frame.loc(node))

    def eval_fstring(self, node: cst.FormattedString, frame: Frame) -> str:
        parts: list[Any] = []
        for p in node.parts:
            if isinstance(p, cst.FormattedStringText):
                parts.append(unescape(p.value, node))
            else:
                value = at_use(self.eval(p.expression, frame), frame.loc(p.expression))
                spec = ""
                if p.format_spec:
                    spec_parts = [
                        s.value if isinstance(s, cst.FormattedStringText) else None
                        for s in p.format_spec
                    ]
                    spec = "" if None in spec_parts else "".join(spec_parts)  # type: ignore[arg-type]
                parts.append(strings.fmt_value(value, spec, p.conversion))
        return Text(parts)

    def eval_list(self, node: cst.List, frame: Frame) -> LList:
        out = LList(loc=frame.loc(node))
        out.depth = len(frame.loops)  # type: ignore[attr-defined]
        for el in node.elements:
            v = self.eval(el.value, frame)
            if isinstance(el, cst.StarredElement):
                self.extend(out, v, frame, el.value)
            else:
                out.add(v, frame.loc(el.value))
        return out

    def eval_dict(self, node: cst.Dict, frame: Frame) -> LDict:
        out = self.new_dict(frame, node)
        for el in node.elements:
            if isinstance(el, cst.StarredDictElement):
                self.merge_into(out, self.eval(el.value, frame), frame, el.value)
                continue
            key = self.eval(el.key, frame)
            value = self.eval(el.value, frame)
            if is_known(key):
                out.put(key, value, frame.loc(el))
                if is_marker_key(key):
                    self.marker_dicts.append(out)
                    if self.guarded_now(frame):
                        out.bounded_keys.add(key)
                elif isinstance(key, str) and looks_like_marker(key):
                    self.marker_dicts.append(out)
            else:
                out.open = out.open or as_hole(key)
        if set(out) <= _MARKER_FIELDS and (out.get("type") == "ephemeral" or "ttl" in out):
            self.marker_values.append(out)  # looks like a cache_control value
        return out

    def new_dict(self, frame: Frame, node) -> LDict:
        d = LDict(loc=frame.loc(node))
        d.depth = len(frame.loops)  # type: ignore[attr-defined]
        return d

    def merge_into(self, target: LDict, value: Any, frame: Frame, node) -> None:
        if isinstance(value, LDict):
            for k, v in value.items():
                target.put(k, v, value.locs.get(k) or frame.loc(node))
                if k in value.loop_keys:
                    target.loop_keys[k] = value.loop_keys[k]
                if k in value.bounded_keys:
                    target.bounded_keys.add(k)
                if is_marker_key(k):
                    self.marker_dicts.append(target)
            target.open = target.open or value.open
            target.unordered = target.unordered or value.unordered
            target.turn_keys |= value.turn_keys
        elif isinstance(value, dict):
            for k, v in value.items():
                target.put(k, v, frame.loc(node))
        elif value is not None:
            target.open = target.open or as_hole(value)

    def extend(self, target: LList, value: Any, frame: Frame, node) -> None:
        self._loop_order(target)
        rep = self.repeats(target)
        if rep:
            mark_repeated(value, id(target))
        if isinstance(value, LList):
            for i, x in enumerate(value):
                target.add(x, value.loc_at(i) or frame.loc(node), rep or i in value.repeated)
            target.unordered = target.unordered or value.unordered
        elif isinstance(value, list | tuple):
            for x in value:
                target.add(x, frame.loc(node), rep)
        elif isinstance(value, SetVal):
            for x in value.items:
                target.add(x, frame.loc(node), rep)
            target.unordered = target.unordered or strings.unordered_hole(value)
        else:
            target.add(as_hole(value, "items only known at run time"), frame.loc(node), rep)
        if target.persistent:
            self._keep(value)

    def _loop_order(self, target: Any) -> None:
        """Items added to target inside a loop over an unordered iterable come in any order."""
        frame = self._frame
        if frame is None or target.unordered is not None:
            return
        depth = getattr(target, "depth", 0)
        for loop in frame.loops[depth:]:
            if loop.unordered is not None:
                target.unordered = loop.unordered
                return

    def append(self, target: LList, value: Any, frame: Frame, node, at: int | None = None):
        self._loop_order(target)
        rep = self.repeats(target)
        if rep:
            mark_repeated(value, id(target))
        target.add(value, frame.loc(node), rep, at)
        if target.persistent:
            self._keep(value)

    def _keep(self, value: Any, depth: int = 0) -> None:
        """value is appended to a history kept across calls: its markers stay there."""
        if depth > 16:
            return
        if isinstance(value, LDict):
            value.kept = True
            value.turn_keys |= {k for k in value if is_marker_key(k)}
            for v in value.values():
                self._keep(v, depth + 1)
        elif isinstance(value, LList):
            value.kept = True
            for v in value:
                self._keep(v, depth + 1)

    def eval_comprehension(self, node, frame: Frame) -> Any:
        if isinstance(node, cst.DictComp):
            result: Any = self.new_dict(frame, node)
        elif isinstance(node, cst.SetComp):
            result = SetVal([], frame.loc(node))
        else:
            result = LList(loc=frame.loc(node))
            result.depth = len(frame.loops)
        inner = Frame(
            frame.module,
            {},
            frame,
            frame.via,
            frame.once,
            frame.self_obj,
            list(frame.loops),
            call_stack=frame.call_stack,
        )
        outer = self._frame
        self._frame = inner
        try:
            self._comp_for(node.for_in, node, result, inner, False)
        finally:
            self._frame = outer
        return result

    def _comp_for(self, comp: cst.CompFor, node, result, frame: Frame, unordered) -> None:
        iterable = self.eval(comp.iter, frame)
        unordered = unordered or strings.unordered_hole(iterable, frame.loc(comp.iter))
        items = self.unrollable(iterable)
        runs = items if items is not None else [self.element_of(iterable, comp.iter, frame)]
        loop = None
        if items is None:
            loop = Loop(
                comp,
                small_iterable(comp.iter),
                frozenset(),
                frozenset(index_names(comp.target, comp.iter)),
                unordered=unordered,
            )
            frame.loops.append(loop)
        try:
            for item in runs:
                self.assign(comp.target, item, frame, comp)
                for cond in comp.ifs:
                    self.eval(cond.test, frame)
                    if loop is not None:
                        loop.guards.append(cond.test)
                if comp.inner_for_in is not None:
                    self._comp_for(comp.inner_for_in, node, result, frame, unordered)
                else:
                    self._comp_emit(node, result, frame, unordered)
                if loop is not None:
                    del loop.guards[len(loop.guards) - len(comp.ifs) :]
        finally:
            if loop is not None:
                frame.loops.pop()

    def _comp_emit(self, node, result, frame: Frame, unordered) -> None:
        if isinstance(node, cst.DictComp):
            key = self.eval(node.key, frame)
            value = self.eval(node.value, frame)
            if is_known(key):
                result.put(key, value, frame.loc(node.value), self.repeats(result))
            else:
                result.open = result.open or as_hole(key)
            if self.repeats(result):
                result.open = result.open or hole("unknown", "keys added in a loop")
            result.unordered = result.unordered or unordered
        elif isinstance(node, cst.SetComp):
            result.items.append(self.eval(node.elt, frame))
        else:
            self.append(result, self.eval(node.elt, frame), frame, node.elt)
            result.unordered = result.unordered or unordered

    def binop(self, op, left: Any, right: Any, frame: Frame, node) -> Any:
        if isinstance(op, cst.Add | cst.AddAssign):
            if isinstance(left, str) and isinstance(right, str):
                if isinstance(node, cst.BinaryOperation):
                    left = at_use(left, frame.loc(node.left))
                    right = at_use(right, frame.loc(node.right))
                return strings.concat(left, right)
            if isinstance(left, LList | list | tuple) and isinstance(right, LList | list | tuple):
                if isinstance(left, tuple) and isinstance(right, tuple):
                    return left + right
                out = LList(loc=frame.loc(node))
                out.depth = len(frame.loops)
                self.extend(out, left, frame, node)
                self.extend(out, right, frame, node)
                return out
            if isinstance(left, LList) and isinstance(right, Hole):
                out = copy_value(left, False)
                out.add(right, frame.loc(node))
                return out
            if isinstance(right, LList) and isinstance(left, Hole):
                out = LList([left], [frame.loc(node)], frame.loc(node))
                self.extend(out, right, frame, node)
                return out
            if isinstance(left, int | float) and isinstance(right, int | float):
                return left + right
            if isinstance(left, str) or isinstance(right, str):
                return Text([strings.to_str(left), strings.to_str(right)])
            return hole_of(left, right)
        if isinstance(op, cst.Multiply | cst.MultiplyAssign):
            if isinstance(left, str):
                return strings.repeat(left, right)
            if isinstance(right, str):
                return strings.repeat(right, left)
            if isinstance(left, int | float) and isinstance(right, int | float):
                return left * right if abs(left * right) < 1e18 else hole("unknown", "a number")
            return hole_of(left, right)
        if isinstance(op, cst.Modulo | cst.ModuloAssign) and isinstance(left, str):
            return strings.percent(left, right)
        if isinstance(op, cst.BitOr | cst.BitOrAssign):
            if isinstance(left, LDict) and isinstance(right, LDict):
                out = copy_value(left, False)
                self.merge_into(out, right, frame, node)
                return out
            if isinstance(left, SetVal) or isinstance(right, SetVal):
                return SetVal(set_items(left) + set_items(right), frame.loc(node))
        if isinstance(op, cst.Subtract | cst.BitAnd) and (
            isinstance(left, SetVal) or isinstance(right, SetVal)
        ):
            return SetVal(set_items(left), frame.loc(node))
        if isinstance(left, int | float) and isinstance(right, int | float):
            try:
                return arithmetic(op, left, right)
            except (ZeroDivisionError, OverflowError, TypeError, ValueError):
                pass
        return hole_of(left, right)

    def eval_attribute(self, node: cst.Attribute, frame: Frame) -> Any:
        obj = self.eval(node.value, frame)
        attr = node.attr.value
        if isinstance(obj, Instance):
            return self.instance_attr(obj, attr, frame, node)
        if isinstance(obj, Ref):
            if obj.kind == "module":
                return self.module_attr(obj, attr)
            if obj.kind == "external":
                return Ref("external", f"{obj.name}.{attr}")
            if obj.kind == "class":
                return self.instance_attr(Instance(obj), attr, frame, node)
            return hole("unknown", attr, frame.loc(node))
        if isinstance(obj, Hole):
            if obj.origin == "stable" or obj.origin == "request":
                return obj
            if obj.origin == "volatile":
                return obj
            return hole("unknown", f"{obj.description}.{attr}", obj.anchor or frame.loc(node))
        if isinstance(obj, Client):
            return obj
        return hole("unknown", attr, frame.loc(node))

    def eval_subscript(self, node: cst.Subscript, frame: Frame) -> Any:
        obj = self.eval(node.value, frame)
        if len(node.slice) != 1:
            return hole("unknown", "a subscript", frame.loc(node))
        sl = node.slice[0].slice
        if isinstance(sl, cst.Slice):
            lo = self.eval(sl.lower, frame)
            hi = self.eval(sl.upper, frame)
            if isinstance(obj, LList) and not obj.is_open():
                out = LList(loc=obj.loc)
                out.depth = len(frame.loops)
                s = slice(lo if isinstance(lo, int) else None, hi if isinstance(hi, int) else None)
                for i in range(len(obj))[s]:
                    out.add(obj[i], obj.loc_at(i), i in obj.repeated)
                out.unordered = obj.unordered
                return out
            if isinstance(obj, str) and not isinstance(obj, Text):
                return obj[
                    lo if isinstance(lo, int) else None : hi if isinstance(hi, int) else None
                ]
            return as_hole_keep(obj)
        key = self.eval(sl.value, frame)
        return self.get_item(obj, key, frame, node)

    def get_item(self, obj: Any, key: Any, frame: Frame, node) -> Any:
        if isinstance(obj, LDict):
            if is_known(key) and key in obj:
                return obj[key]
            values = list(obj.values())
            if not is_known(key) and values and all(isinstance(v, LDict) for v in values):
                return values[-1]  # stands for whichever entry the key selects
            return obj.open or hole("unknown", f"[{key!r}]", frame.loc(node))
        if isinstance(obj, LList) and isinstance(key, int) and not isinstance(key, bool):
            if key < 0 and -key <= len(obj) and not any(isinstance(x, Hole) for x in obj[key:]):
                return obj[key]
            if 0 <= key < len(obj) and not any(isinstance(x, Hole) for x in obj[: key + 1]):
                return obj[key]
            return hole("unknown", "a list element", frame.loc(node))
        if isinstance(obj, tuple | list) and isinstance(key, int):
            try:
                return obj[key]
            except IndexError:
                return hole("unknown", "an element")
        if isinstance(obj, str) and not isinstance(obj, Text) and isinstance(key, int):
            try:
                return obj[key]
            except IndexError:
                return hole("unknown", "a character")
        if isinstance(obj, Ref) and obj.kind == "external":
            desc = names.lookup(names.STABLE, obj.name)
            if desc:
                return hole("stable", desc, frame.loc(node))
            return external_hole(obj.name, frame.loc(node))
        return as_hole_keep(obj, frame.loc(node))

    def eval_call(self, node: cst.Call, frame: Frame) -> Any:
        if isinstance(node.func, cst.Name) and node.func.value in _NO_VALUE_CALLS:
            found, _ = frame.lookup(node.func.value)
            if not found:  # type checks and casts: their type arguments need no evaluation
                if node.func.value == "cast" and len(node.args) == 2:
                    return self.eval(node.args[1].value, frame)
                return hole("unknown", f"{node.func.value}()", frame.loc(node))
        parts = chain(node.func)
        canonical = self.canonical(node.func, frame)
        api = classify(parts, canonical)
        if api is not None and self.request_call(node, api, frame):
            return hole("unknown", _RESPONSE, frame.loc(node))
        args, kwargs = self.eval_args(node, frame)
        if isinstance(node.func, cst.Attribute):
            method = node.func.attr.value
            if method in ("pop", "discard", "remove") and args and is_marker_key(args[0]):
                self.removes_markers = True
            receiver = self.eval(node.func.value, frame)
            handled, result = bi.call_method(self, receiver, method, args, kwargs, frame, node)
            if handled:
                return result
            if isinstance(receiver, Ref) and receiver.kind == "external":
                return bi.call_external(
                    self, f"{receiver.name}.{method}", args, kwargs, frame, node
                )
            if isinstance(receiver, Ref) and receiver.kind == "module":
                fn = self.module_attr(receiver, method)
                return self.call_value(fn, args, kwargs, frame, node)
            if isinstance(receiver, Instance):
                fn = self.instance_attr(receiver, method, frame, node)
                if isinstance(fn, Ref) and fn.kind == "function":
                    return self.call_value(fn, [receiver, *args], kwargs, frame, node)
                return self.call_value(fn, args, kwargs, frame, node)
            if isinstance(receiver, Ref) and receiver.kind == "class":
                fn = find_method(receiver.node, method)
                if fn is not None:
                    static = is_static(fn)
                    pre = [] if static else [receiver]
                    ref = Ref("function", method, receiver.module, fn)
                    return self.call_function(ref, [*pre, *args], kwargs, frame, node)
            return bi.method_on_unknown(self, receiver, method, args, frame, node)
        func = self.eval(node.func, frame)
        return self.call_value(func, args, kwargs, frame, node)

    def call_value(self, func: Any, args, kwargs, frame: Frame, node) -> Any:
        if isinstance(func, Ref):
            if func.kind == "function":
                return self.call_function(func, args, dict(kwargs), frame, node)
            if func.kind == "class":
                return self.instantiate(func, args, dict(kwargs), frame)
            if func.kind == "external":
                return bi.call_external(self, func.name, args, kwargs, frame, node)
            if func.kind == "lambda":
                return self.call_lambda(func, args, frame)
        base = func if isinstance(func, Hole) else hole("unknown", "a call", frame.loc(node))
        return derived(args, kwargs, base)

    def call_lambda(self, ref: Ref, args, frame: Frame) -> Any:
        node: cst.Lambda = ref.node
        inner = Frame(
            ref.module,
            {},
            ref.closure,
            frame.via,
            frame.once,
            loops=list(frame.loops),
            call_stack=frame.call_stack,
        )
        for i, p in enumerate(node.params.params):
            inner.env[p.name.value] = args[i] if i < len(args) else hole("unknown", p.name.value)
        return self.eval(node.body, inner)

    def eval_args(self, node: cst.Call, frame: Frame) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for a in node.args:
            v = self.eval(a.value, frame)
            if a.keyword is not None:
                kwargs[a.keyword.value] = v
            elif a.star == "*":
                args.extend(v if isinstance(v, list | tuple) else [v])
            elif a.star == "**":
                if isinstance(v, dict):
                    kwargs.update({k: x for k, x in v.items() if isinstance(k, str)})
            else:
                args.append(v)
        return args, kwargs

    def request_call(self, node: cst.Call, api, frame: Frame) -> list[RequestSite]:
        """Evaluate a request call's arguments into a partly known request."""
        req = self.new_dict(frame, node)
        req.depth = 0
        positional: list[Any] = []
        for a in node.args:
            value = self.eval(a.value, frame)
            if a.keyword is not None:
                req.put(a.keyword.value, value, frame.loc(a.value))
            elif a.star == "**":
                self.merge_into(req, value, frame, a.value)
            elif not a.star:
                positional.append((value, a.value))
        receiver = node.func.value if isinstance(node.func, cst.Attribute) else None
        client = self.client_of(receiver, frame)
        sites = bi.build_site(self, api, node, req, positional, client, frame)
        if sites:
            self.requests.extend(sites)
            self.seen_calls.add(node)
        return sites

    def client_of(self, receiver, frame: Frame) -> Client | None:
        """The client object a call chain starts from, when it can be told."""
        node = receiver
        while isinstance(node, cst.Attribute) and node.attr.value in (
            "messages",
            "beta",
            "prompt_caching",
            "batches",
            "completions",
            "chat",
            "with_options",
            "with_raw_response",
            "with_streaming_response",
        ):
            node = node.value
        if node is None:
            return None
        if isinstance(node, cst.Call):
            node = node.func
        saved = self.budget
        value = self.eval(node, frame)
        self.budget = min(self.budget, saved)
        return value if isinstance(value, Client) else None
