"""Abstract evaluation of Python code into partly known values: the evaluator, its entry
points, and module-level names (globals, imports followed into project modules).

The work is split by what is evaluated: `statements` (assignments, branches, loops),
`expressions` (literals, strings, containers, operators) and `functions` (calls, classes, request
calls). Unknown values become holes that say where they come from. Evaluation is bounded by a
step budget, a call depth and a wall-clock deadline, and never imports or runs the checked code.
"""

from __future__ import annotations

import ast
import os
import time
from typing import Any

from cachelint.prompt import Hole
from cachelint.python import builtins as bi
from cachelint.python import frameworks, names
from cachelint.python.calls import RequestSite
from cachelint.python.expressions import Expressions
from cachelint.python.frames import Flow, Frame
from cachelint.python.functions import Functions
from cachelint.python.growth import Growth
from cachelint.python.objects import filled_later
from cachelint.python.placements import Placement
from cachelint.python.project import ModuleInfo, Project
from cachelint.python.statements import Statements
from cachelint.python.syntax import is_static
from cachelint.python.values import LDict, Loc, Ref, forget_sizes, hole


class Evaluator(Statements, Expressions, Functions):
    """Evaluates one checked module (and what it imports); collects the requests it builds."""

    def __init__(
        self,
        project: Project,
        extra_volatile: list[str] | None = None,
        budget: int = 200_000,
        timeout: float | None = None,
    ) -> None:
        self.project = project
        self.volatile = dict(names.VOLATILE)
        for n in extra_volatile or ():
            self.volatile[n] = f"{n}() (configured as volatile)"
        self.budget = budget
        # CPU time of this thread, not the wall clock: a busy machine (parallel CI jobs, our own
        # workers on few cores) must not turn into "analysis stopped" findings
        self.deadline = time.thread_time() + timeout if timeout else None
        self.timed_out = False
        self.requests: list[RequestSite] = []
        self.seen_calls: set[ast.Call] = set()
        self.marker_dicts: list[LDict] = []  # dicts that carry a marker (or a look-alike key)
        self.marker_values: list[LDict] = []  # dicts that look like a cache_control value
        self.lost_markers: list[Loc] = []
        self.placements: list[Placement] = []  # markers placed on inputs (placements.py)
        self.growths: list[Growth] = []  # stored state added to on each call (growth.py)
        self.run_serial = 0  # which entry run is under way
        self.removes_markers = False
        self.ran: set[ast.AST] = set()  # functions evaluated at least once
        self.nested_defs: dict[ast.AST, Ref] = {}  # nested defs seen, with closures
        self._module_envs: dict[int, dict[str, Any]] = {}
        self._in_progress: set[int] = set()
        self._depth = 0
        self.errors: list[str] = []  # unexpected failures ("Type: message"): bugs in cachelint
        self.out_of_memory = False
        forget_sizes()

    def recover(self, e: Exception) -> Hole:
        """A failure while evaluating one expression or scope: its value stays unknown and the
        rest is evaluated. Running out of memory leaves the result partial; any other failure
        is a bug, kept to be reported (raised with CACHELINT_DEBUG=1)."""
        if isinstance(e, MemoryError):
            self.out_of_memory = True
        elif os.environ.get("CACHELINT_DEBUG"):
            raise e
        else:
            self.errors.append(f"{type(e).__name__}: {e}")
        return hole("unknown", "a value cachelint could not evaluate")

    def tick(self) -> bool:
        """Spend one step; False once the budget is spent or the deadline has passed."""
        self.budget -= 1
        deadline = self.deadline
        if (
            deadline is not None
            and not self.budget & 1023
            and self.budget > 0
            and time.thread_time() - self.project.parse_time > deadline
        ):
            self.timed_out = True
            self.budget = 0
        return self.budget > 0

    # ---- entry points -------------------------------------------------------------------

    def run_module(self, module: ModuleInfo) -> None:
        self.module_env(module)

    def run_function(self, module: ModuleInfo, node, cls: ast.ClassDef | None):
        """Evaluate a function as an entry point: its parameters are request data."""
        self.run_serial += 1
        env = self.module_env(module)
        frame = Frame(module, {}, None, once=False)
        frame.parent = Frame(module, env, once=True)
        self_obj = None
        if cls is not None:
            self_obj = self.instantiate(Ref("class", cls.name, module, cls), [], {}, frame)
            filled_later(self_obj, cls, module.tree)
        args: list[Any] = []
        if self_obj is not None and cls is not None and not is_static(node):
            args = [self_obj]
            request = frameworks.hook_request(self, module, node, cls, frame)
            if request is not None:  # an agent middleware around the model call
                args.append(request)
        self.call_function(
            Ref("function", node.name, module, node, closure=frame.parent),
            args,
            {},
            frame,
            None,
            entry=True,
        )

    def run_nested(self, node) -> None:
        """A nested function that is never called directly (a thread target, a callback)."""
        ref = self.nested_defs.get(node)
        if ref is None or node in self.ran:
            return
        self.run_serial += 1
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
        except (Flow, RecursionError):
            pass
        finally:
            self._in_progress.discard(key)
            self._frame = outer
        return env

    def lookup_name(self, name: str, frame: Frame, node: ast.AST) -> Any:
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

    def canonical(self, expr: ast.expr, frame: Frame) -> str | None:
        """The dotted external name an expression stands for (after imports), if any."""
        if type(expr) is ast.Name:
            name = expr.id
            found, value = frame.lookup(name)
            if found:
                return (
                    value.name
                    if isinstance(value, Ref) and value.kind in ("external", "lazy")
                    else None
                )
            env = self._module_envs.get(id(frame.module), {})
            if name in env:
                v = env[name]
                return v.name if isinstance(v, Ref) and v.kind in ("external", "lazy") else None
            if name in frame.module.imports:
                return frame.module.imports[name]
            return name
        if type(expr) is ast.Attribute:
            head = self.canonical(expr.value, frame)
            return f"{head}.{expr.attr}" if head else None
        return None
