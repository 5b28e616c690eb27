"""What the parts of the evaluator share and call on each other.

The `Evaluator` (evaluate.py) is assembled from mixins (statements.py, expressions.py,
functions.py) whose methods call each other's, and it is handed to functions (builtins.py,
objects.py). `EvaluatorAPI` declares that shared state and those methods, so that a type checker
can follow the calls: each mixin derives from it, and a method missing from the Evaluator makes
it abstract. A base class rather than a Protocol: mypy cannot tell the type of a protocol's
attribute that a subclass assigns (`self.budget = ...`). It adds nothing at run time (the
methods here come last in the Evaluator's MRO).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import ast
    from collections.abc import Callable

    from cachelint.prompt import Hole
    from cachelint.python.calls import RequestSite
    from cachelint.python.frames import Frame, Loop
    from cachelint.python.growth import Growth
    from cachelint.python.inputs import Sym
    from cachelint.python.placements import Placement
    from cachelint.python.project import ModuleInfo, Project
    from cachelint.python.values import Instance, LDict, LList, Loc, Ref


class EvaluatorAPI:
    project: Project
    volatile: dict[str, str]  # volatile call names, with how each is shown
    budget: int  # steps left
    deadline: float | None
    timed_out: bool
    requests: list[RequestSite]
    seen_calls: set[ast.Call]
    marker_dicts: list[LDict]
    marker_values: list[LDict]
    lost_markers: list[Loc]
    placements: list[Placement]
    growths: list[Growth]
    run_serial: int
    removes_markers: bool
    ran: set[ast.AST]
    nested_defs: dict[ast.AST, Ref]
    errors: list[str]
    out_of_memory: bool
    _module_envs: dict[int, dict[str, Any]]
    _in_progress: set[int]
    _depth: int
    _frame: Frame | None  # the frame being evaluated

    # evaluate.py
    @abstractmethod
    def recover(self, e: Exception) -> Hole: ...
    @abstractmethod
    def tick(self) -> bool: ...
    @abstractmethod
    def module_env(self, module: ModuleInfo) -> dict[str, Any]: ...
    @abstractmethod
    def lookup_name(self, name: str, frame: Frame, node: ast.AST) -> Any: ...
    @abstractmethod
    def module_attr(self, ref: Any, attr: str) -> Any: ...
    @abstractmethod
    def canonical(self, expr: ast.expr, frame: Frame) -> str | None: ...

    # statements.py
    @abstractmethod
    def exec_block(self, stmts: list[ast.stmt], frame: Frame) -> None: ...
    @abstractmethod
    def assign(self, target: ast.expr, value: Any, frame: Frame, node: ast.AST) -> None: ...
    @abstractmethod
    def cache_point_appended(
        self, receiver: ast.expr, lst: Any, point: LDict, frame: Frame
    ) -> None: ...
    @abstractmethod
    def condition(self, test: ast.expr, frame: Frame) -> bool | None: ...
    @abstractmethod
    def saw_test(self, test: ast.expr, value: Any, frame: Frame) -> None: ...
    @abstractmethod
    def _guarded(self, test: ast.expr, frame: Frame, run: Callable[[], Any]) -> None: ...
    @abstractmethod
    def unrollable(self, v: Any) -> list | None: ...
    @abstractmethod
    def element_of(self, v: Any, node: Any, frame: Frame, loop: Loop | None = None) -> Any: ...
    @abstractmethod
    def repeats(self, container: Any) -> bool: ...

    # expressions.py
    @abstractmethod
    def eval(self, node: ast.expr | None, frame: Frame) -> Any: ...
    @abstractmethod
    def note_text(self, block: LDict, frame: Frame) -> None: ...
    @abstractmethod
    def new_dict(self, frame: Frame, node: ast.AST | None) -> LDict: ...
    @abstractmethod
    def bound_marker(self, d: LDict, key: Any, value: Any, frame: Frame) -> None: ...
    @abstractmethod
    def merge_into(self, target: LDict, value: Any, frame: Frame, node: Any) -> None: ...
    @abstractmethod
    def extend(self, target: LList, value: Any, frame: Frame, node: Any) -> None: ...
    @abstractmethod
    def append(
        self, target: LList, value: Any, frame: Frame, node: Any, at: int | None = None
    ) -> None: ...
    @abstractmethod
    def binop(self, op: ast.operator, left: Any, right: Any, frame: Frame, node: Any) -> Any: ...
    @abstractmethod
    def input_item(self, obj: Sym, key: Any, frame: Frame) -> Any: ...

    # functions.py
    @abstractmethod
    def eval_call(self, node: ast.Call, frame: Frame) -> Any: ...
    @abstractmethod
    def instance_attr(self, inst: Instance, attr: str, frame: Frame, node: Any) -> Any: ...
    @abstractmethod
    def call_lambda(self, ref: Ref, args: list[Any], frame: Frame) -> Any: ...
