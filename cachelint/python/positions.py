"""Source positions for the few nodes that are reported.

libcst's PositionProvider records a range for every node of the module, which costs more than
parsing. Here code generation runs with a state that records only the requested nodes and stops
as soon as all of them are seen. Lines are 1-based; columns are converted to 1-based.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState

from cachelint.findings import Span

_Pos = tuple[int, int]


class _Done(Exception):
    pass


class _State(CodegenState):
    """Tracks line/column while generating code; records ranges of target nodes only."""

    def __init__(self, module: cst.Module, targets: set[cst.CSTNode]) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.targets = targets
        self.found: dict[cst.CSTNode, tuple[_Pos, _Pos]] = {}
        self.line, self.column = 1, 0
        self._stack: list[_Pos | None] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.add_token(token)

    def add_token(self, value: str) -> None:
        self.tokens.append(value)
        n = value.count("\n") + value.count("\r") - value.count("\r\n")
        if n:
            self.line += n
            self.column = len(value) - max(value.rfind("\n"), value.rfind("\r")) - 1
        else:
            self.column += len(value)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append((self.line, self.column) if node in self.targets else None)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if start is not None and node not in self.found:
            self.found[node] = (start, (self.line, self.column))
            if len(self.found) == len(self.targets):
                raise _Done

    @contextmanager
    def record_syntactic_position(self, node, *, start_node=None, end_node=None) -> Iterator[None]:
        start = (self.line, self.column)
        yield
        if node in self.targets:
            s = self.found[start_node][0] if start_node in self.found else start
            self.found[node] = (s, (self.line, self.column))


class Positions:
    """Spans of nodes in one module, computed in batches on demand."""

    def __init__(self, module: cst.Module, text: str) -> None:
        self.module = module
        self.lines = text.splitlines()
        self._spans: dict[cst.CSTNode, Span] = {}

    def compute(self, nodes: Iterable[cst.CSTNode]) -> None:
        todo = {n for n in nodes if n not in self._spans}
        if not todo:
            return
        state = _State(self.module, todo)
        with contextlib.suppress(_Done):
            self.module._codegen(state)
        for node, ((l1, c1), (l2, c2)) in state.found.items():
            self._spans[node] = Span(l1, c1 + 1, l2, c2 + 1)

    def span(self, node: cst.CSTNode) -> Span:
        if node not in self._spans:
            self.compute([node])
        return self._spans.get(node, Span(1, 1, 1, 2))

    def line_text(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None
