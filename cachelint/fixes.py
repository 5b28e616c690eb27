"""The edit model: a finding may carry a fix, made of edits to its file's text.

An edit replaces a span (1-based lines and columns in code points, the end exclusive, as in
`Span`) with new text. A fix is `safe` when it keeps what the program means apart from its cache
behaviour, `unsafe` when it may change what is sent (as in ruff); only `--unsafe-fixes` applies
those. Rules describe a fix by anchors (`PlannedFix`); the source that resolves anchors to spans
turns it into a `Fix`. In Python source an edit is a `NodeEdit`: a rewrite of a syntax node that
libcst makes only when the fix is applied or shown (`cachelint.fix_python`), so that checking
never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cachelint.spans import Span


class Applicability(StrEnum):
    SAFE = "safe"
    UNSAFE = "unsafe"


@dataclass(frozen=True, slots=True)
class Edit:
    span: Span
    content: str

    def to_record(self) -> list:
        s = self.span
        return [s.line, s.column, s.end_line, s.end_column, self.content]


@dataclass(frozen=True, slots=True)
class NodeEdit:
    """A rewrite of the Python syntax node at `span` (where ast puts it): `op` names the rewrite
    (cachelint.fix_python.rewrites), `args` are its parameters."""

    span: Span
    op: str
    args: tuple[str, ...] = ()

    def to_record(self) -> list:
        s = self.span
        return ["node", s.line, s.column, s.end_line, s.end_column, self.op, list(self.args)]


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    applicability: Applicability
    edits: tuple[Edit | NodeEdit, ...]

    @property
    def safe(self) -> bool:
        return self.applicability is Applicability.SAFE

    @property
    def pending(self) -> bool:
        """Whether some edit is a node rewrite still to be made into text."""
        return any(type(e) is NodeEdit for e in self.edits)

    @property
    def text_edits(self) -> tuple[Edit, ...]:
        """The edits of a fix made into text (not `pending`)."""
        edits = tuple(e for e in self.edits if isinstance(e, Edit))
        if len(edits) != len(self.edits):
            raise ValueError(f"fix {self.title!r} has node rewrites not made into text")
        return edits

    def to_record(self) -> list:
        return [self.title, self.applicability.value, [e.to_record() for e in self.edits]]

    @classmethod
    def from_record(cls, r: list) -> Fix:
        title, applicability, edits = r
        return cls(
            title,
            Applicability(applicability),
            tuple(
                NodeEdit(Span(*e[1:5]), e[5], tuple(e[6]))
                if e[0] == "node"
                else Edit(Span(*e[:4]), e[4])
                for e in edits
            ),
        )

    def to_dict(self) -> dict:
        return {
            "message": self.title,
            "applicability": self.applicability.value,
            "edits": [
                {
                    # a node rewrite not made into text (see cachelint.fix_python.realized)
                    **({"rewrite": e.op} if isinstance(e, NodeEdit) else {"content": e.content}),
                    "location": {"line": e.span.line, "column": e.span.column},
                    "end_location": {"line": e.span.end_line, "column": e.span.end_column},
                }
                for e in self.edits
            ],
        }


@dataclass(frozen=True, slots=True)
class AnchoredEdit:
    """An edit at an anchor: `part` says what of it is replaced: "key" (a member's key),
    "value", or "member" (the member or array item, with its separating comma: removed)."""

    anchor: Any
    part: str
    content: str = ""


@dataclass(slots=True)
class PlannedFix:
    """A fix as a rule states it, before its anchors are resolved to spans."""

    title: str
    edits: list[AnchoredEdit] = field(default_factory=list)
    applicability: Applicability = Applicability.SAFE
    # anchors the fix must leave alone (the markers CL101 keeps): in Python source a fix whose
    # edit would reach one of them through a shared literal is not offered
    kept: list[Any] = field(default_factory=list)
