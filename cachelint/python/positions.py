"""Source positions for the few nodes that are reported.

libcst's PositionProvider records a range for every node of the module, which costs more than
parsing. Here code generation runs with a state that records only the requested nodes, and only
over the top-level statements that hold them: CPython's `ast` (already run on every file) says on
which line each top-level statement starts, and the generated code of a statement is checked
against the text at that line before its positions are trusted (else the whole module is
generated). Lines are 1-based; columns are converted to 1-based.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState

from cachelint.findings import Span
from cachelint.python.tree import descendants

_Pos = tuple[int, int]
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


class _Done(Exception):
    """Stops the position walk once every wanted node is found."""


_NOT_RECORDED = contextlib.nullcontext()


class _State(CodegenState):
    """Generates code; records ranges of target nodes only (and of the children whose ends a
    target's syntactic range borrows, as libcst's provider does). Nodes are matched by identity
    (a libcst node's own hash is a Python call), and line and column are worked out from the
    tokens only when a recorded node starts or ends."""

    def __init__(self, module: cst.Module, targets: set[cst.CSTNode], line: int = 1) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.targets = targets
        self._ids = {id(n) for n in targets}
        self.found: dict[cst.CSTNode, tuple[_Pos, _Pos]] = {}
        self.line, self.column = line, 0
        self._seen = 0  # tokens already counted into line and column
        self._stack: list[_Pos | None] = []
        self.stop_when_done = True

    def _pos(self) -> _Pos:
        tokens = self.tokens
        if self._seen < len(tokens):
            chunk = "".join(tokens[self._seen :])
            self._seen = len(tokens)
            n = chunk.count("\n") + chunk.count("\r") - chunk.count("\r\n")
            if n:
                self.line += n
                self.column = len(chunk) - max(chunk.rfind("\n"), chunk.rfind("\r")) - 1
            else:
                self.column += len(chunk)
        return self.line, self.column

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._stack.append(self._pos() if id(node) in self._ids else None)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._stack.pop()
        if start is not None:
            if node not in self.found:
                self.found[node] = (start, self._pos())
            if (
                node in self.targets
                and self.stop_when_done
                and all(t in self.found for t in self.targets)
            ):
                raise _Done

    def record_syntactic_position(self, node, *, start_node=None, end_node=None):
        if id(node) not in self._ids:
            return _NOT_RECORDED
        return self._record_syntactic(node, start_node, end_node)

    @contextmanager
    def _record_syntactic(self, node, start_node, end_node) -> Iterator[None]:
        for n in (start_node, end_node):
            if n is not None:
                self._ids.add(id(n))
        start = self._pos()
        yield
        end = self._pos()
        s = self.found[start_node][0] if start_node in self.found else start
        e = self.found[end_node][1] if end_node in self.found else end
        self.found[node] = (s, e)


def statement_lines(tree: ast.Module) -> list[int]:
    """The line each top-level statement of an `ast` module starts on (its first decorator)."""
    return [
        s.decorator_list[0].lineno if getattr(s, "decorator_list", None) else s.lineno
        for s in tree.body
    ]


def _mapped(line_map: Sequence[int], line: int) -> int:
    if line <= len(line_map):
        return line_map[line - 1]
    return line_map[-1] + line - len(line_map)  # past the last line (an end after its newline)


class Positions:
    """Spans of nodes in one module, computed in batches on demand."""

    def __init__(
        self,
        module: cst.Module,
        text: str,
        lines: Sequence[int] | None = None,
        *,
        line_map: Sequence[int] | None = None,
        original: str | None = None,
    ) -> None:
        """`text` is what libcst parsed; when that is a selection of `original`, `line_map`
        gives the original line of each of its lines (columns are the same)."""
        self.module = module
        self.text = text
        self.line_map = line_map
        self.lines = _LINE_BREAK.split(original if original is not None else text)
        self._starts = self._statement_starts(lines)
        self._offsets: list[int] | None = None
        self._spans: dict[cst.CSTNode, Span] = {}

    def _statement_starts(self, lines: Sequence[int] | None) -> list[int] | None:
        """The line each libcst top-level statement's code (leading comments included) starts
        on, from the ast statement lines; None when the two parses do not line up."""
        if lines is None:
            return None
        starts: list[int] = []
        i = 0
        for stmt in self.module.body:
            if i >= len(lines):
                return None
            line = lines[i] - len(stmt.leading_lines)
            decorators = getattr(stmt, "decorators", ())
            if decorators:
                line -= len(decorators[0].leading_lines)
            starts.append(line)
            i += len(stmt.body) if isinstance(stmt, cst.SimpleStatementLine) else 1
        return starts if i == len(lines) else None

    def compute(self, nodes: Iterable[cst.CSTNode]) -> None:
        todo = {n for n in nodes if n not in self._spans}
        if todo and self._starts is not None:
            self._by_statement(todo)
        if todo:
            self._whole_module(todo)

    def _by_statement(self, todo: set[cst.CSTNode]) -> None:
        """Generate only the statements that hold the nodes; found nodes leave `todo`."""
        assert self._starts is not None
        for stmt, start in zip(self.module.body, self._starts, strict=True):
            held = {n for n in descendants(stmt, include_self=True) if n in todo}
            if not held:
                continue
            state = _State(self.module, held, start)
            state.stop_when_done = False
            stmt._codegen(state)
            if not self._matches(start, "".join(state.tokens)):
                return
            self._record(state)
            todo -= held
            if not todo:
                return

    def _matches(self, line: int, code: str) -> bool:
        if self._offsets is None:
            self._offsets = [0]
            for m in _LINE_BREAK.finditer(self.text):
                self._offsets.append(m.end())
        if not 0 < line <= len(self._offsets):
            return False
        at = self._offsets[line - 1]
        return self.text.startswith(code, at)

    def _whole_module(self, todo: set[cst.CSTNode]) -> None:
        state = _State(self.module, todo)
        with contextlib.suppress(_Done):
            self.module._codegen(state)
        self._record(state)

    def _record(self, state: _State) -> None:
        m = self.line_map
        for node, ((l1, c1), (l2, c2)) in state.found.items():
            if node in state.targets:
                if m is not None:
                    l1, l2 = _mapped(m, l1), _mapped(m, l2)
                self._spans[node] = Span(l1, c1 + 1, l2, c2 + 1)

    def span(self, node: cst.CSTNode) -> Span:
        if node not in self._spans:
            self.compute([node])
        return self._spans.get(node, Span(1, 1, 1, 2))

    def line_text(self, line: int) -> str | None:
        return self.lines[line - 1] if 0 < line <= len(self.lines) else None
