"""Node rewrites made into text edits: the node is looked up in the libcst tree where ast put
it (the same start and end), rewritten, and the edit is the part of the module's text that
changes; each rewritten module must parse."""

from __future__ import annotations

import ast
import itertools
from typing import Any

import libcst as cst
from libcst.metadata import MetadataWrapper, ParentNodeProvider, PositionProvider

from cachelint.findings import Span
from cachelint.fix_python.rewrites import REWRITES
from cachelint.fixes import Applicability, Edit, Fix, NodeEdit

_BOM = "\ufeff"


class _Replace(cst.CSTTransformer):
    def __init__(self, old: cst.CSTNode, new: Any) -> None:
        self.old, self.new = old, new

    def on_leave(self, original: cst.CSTNode, updated: cst.CSTNode) -> Any:
        return self.new if original is self.old else updated


class _Tree:
    """A module's libcst tree, its nodes by position and their parents."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._comments: int | None = None
        self.wrapper = MetadataWrapper(cst.parse_module(text), unsafe_skip_copy=True)
        self.parents = self.wrapper.resolve(ParentNodeProvider)
        self.at: dict[tuple[int, int, int, int], list[cst.CSTNode]] = {}
        for node, r in self.wrapper.resolve(PositionProvider).items():
            key = (r.start.line, r.start.column, r.end.line, r.end.column)
            self.at.setdefault(key, []).append(node)
        for nodes in self.at.values():
            nodes.sort(key=self._depth)  # the outermost first

    def _depth(self, node: cst.CSTNode) -> int:
        depth = 0
        while (node := self.parents.get(node)) is not None:  # type: ignore[assignment]
            depth += 1
        return depth

    def edit(self, e: NodeEdit) -> tuple[Edit, bool] | None:
        """The text edit of a node rewrite, and whether it deletes a comment."""
        s = e.span
        rewrite = REWRITES.get(e.op)
        if rewrite is None:
            return None
        for node in self.at.get((s.line, s.column - 1, s.end_line, s.end_column - 1), []):
            done = rewrite(node, e.args, self.parents)
            if done is not None:
                new_tree = self.wrapper.module.visit(_Replace(*done))
                new_text = new_tree.code
                edit = _difference(self.text, new_text) if _parses(new_text) else None
                if edit is None:
                    return None
                return edit, _comments(new_tree) < self.comments
        return None

    @property
    def comments(self) -> int:
        if self._comments is None:
            self._comments = _comments(self.wrapper.module)
        return self._comments


def realize(text: str, fixes: list[Fix]) -> list[Fix | None]:
    """Each fix with its node rewrites as text edits, or None where one cannot be made."""
    bom = text.startswith(_BOM)
    try:
        tree = _Tree(text[1:] if bom else text)
    except Exception:  # libcst rejects what ast accepted (a newer syntax): no Python fixes
        return [None if f.pending else f for f in fixes]
    out: list[Fix | None] = []
    for fix in fixes:
        edits: list[Edit] = []
        applicability = fix.applicability
        for e in fix.edits:
            made = tree.edit(e) if isinstance(e, NodeEdit) else (e, False)
            if made is None:
                break
            edits.append(made[0])
            if made[1]:  # as in ruff, a fix that deletes a comment is unsafe
                applicability = Applicability.UNSAFE
        else:
            if not _overlap(edits):
                out.append(Fix(fix.title, applicability, tuple(edits)))
                continue
        out.append(None)
    return out


def _comments(tree: cst.Module) -> int:
    return sum(1 for _ in _Comments.of(tree))


class _Comments(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.Comment] = []

    def visit_Comment(self, node: cst.Comment) -> None:
        self.found.append(node)

    @classmethod
    def of(cls, tree: cst.Module) -> list[cst.Comment]:
        v = cls()
        tree.visit(v)
        return v.found


def _overlap(edits: list[Edit]) -> bool:
    spans = [e.span for e in edits]
    ranges = sorted(((s.line, s.column), (s.end_line, s.end_column)) for s in spans)
    return any(b[0] < a[1] for a, b in itertools.pairwise(ranges))


def _parses(text: str) -> bool:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError):
        return False
    return True


def _difference(old: str, new: str) -> Edit | None:
    """The one edit that turns `old` into `new`: what lies between their common start and end."""
    if old == new:
        return None
    limit = min(len(old), len(new))
    start = 0
    while start < limit and old[start] == new[start]:
        start += 1
    end = 0
    while end < limit - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return Edit(
        Span(*_line_col(old, start), *_line_col(old, len(old) - end)), new[start : len(new) - end]
    )


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset, lines ending at "\\n" (as apply_fixes reads them)."""
    line_start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - line_start + 1
