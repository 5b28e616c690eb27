"""Suppression comments in Python source, and which of them were used.

- `# noqa` / `# noqa: CL301,CL302` (flake8's pattern) and `# cachelint: ignore[CL301]` on the
  line of a finding, or on the line of one of its notes (the expression that brings the value
  in, the breakpoint): people put the comment where they see the cause;
- `# cachelint: noqa` on a line of its own anywhere in the file suppresses the whole file.

Codes may be prefixes (`# noqa: CL3`), as in --select and --ignore; `cachelint: ignore[...]` also
takes rule names. Only CL codes are cachelint's: `# noqa: E501, CL301` names one cachelint code,
and a bare `# noqa` or `# noqa: E501` belongs to other tools as much as to cachelint.

CL001 unused-suppression reports what suppressed nothing (`unused`): a code whose rule ran and
found nothing there, a code that names no rule, and a `cachelint: ignore[]` without codes. A
code whose rule is not enabled for the file is left alone: without the rule, whether the
comment is needed is unknown. A bare `# noqa` is never reported, since other tools read it too.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from cachelint import rule_pages
from cachelint.selection import UnknownCode, resolve

# flake8's pattern, case-insensitive (its codes: letters then digits, split by commas or spaces)
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>(?:[A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.I)
_NOQA_CODE = re.compile(r"[A-Z]+[0-9]+", re.I)
_IGNORE = re.compile(r"#\s*cachelint:\s*ignore\[(?P<codes>[^\]]*)\]", re.I)
_IGNORE_CODE = re.compile(r"[^,\s]+")
_FILE = re.compile(r"^\s*#\s*cachelint:\s*noqa\s*$", re.I | re.M)
_INLINE_FILE = re.compile(r"\s*#\s*cachelint:\s*noqa", re.I)
UNUSED = "CL001"


@dataclass(slots=True)
class Code:
    """One code of a directive, where it is written (1-based columns on its line)."""

    text: str
    column: int
    end_column: int
    prefix: str | None = None  # the code or prefix it stands for; None when it names no rule
    problem: str = ""  # why it names no rule
    used: bool = False


@dataclass(slots=True)
class Directive:
    line: int
    column: int
    end_column: int
    text: str
    codes: list[Code] = field(default_factory=list)
    blanket: bool = False  # every code: a bare noqa comment, or `cachelint: ignore[]`
    own: bool = False  # `cachelint: ignore[...]`, which only cachelint reads
    used: bool = False

    def take(self, code: str) -> bool:
        """Does it suppress `code`? The most specific matching code is marked used."""
        best = max(
            (c for c in self.codes if c.prefix is not None and code.startswith(c.prefix)),
            key=lambda c: len(c.prefix or ""),
            default=None,
        )
        if best is not None:
            best.used = True
            return True
        if self.blanket:
            self.used = True
            return True
        return False


@dataclass(slots=True)
class Unused:
    """A CL001 finding before it is resolved: where, and what is wrong."""

    line: int
    column: int
    end_column: int
    message: str
    directive: Directive


@dataclass
class Suppressions:
    whole_file: bool = False
    lines: dict[int, list[Directive]] = field(default_factory=dict)

    def suppressed(self, code: str, lines: Iterable[int]) -> bool:
        """Is a finding of `code` suppressed by a comment on one of `lines` (the finding's line
        first, then its notes')? The comment that suppresses it is marked used."""
        if self.whole_file:
            return True
        for line in lines:
            for d in self.lines.get(line, ()):
                if d.take(code):
                    return True
        return False

    def unused(self, enabled: Callable[[str], bool]) -> Iterator[Unused]:
        """What suppressed nothing, once every finding went through `suppressed`; `enabled`
        tells which rules ran on the file. CL001 itself is suppressed as any code, except by
        the blanket comment it reports."""
        if self.whole_file:
            return
        for line in sorted(self.lines):
            for d in self.lines[line]:
                for u in _unused(d, enabled):
                    others = (o for o in self.lines[line] if not (o is d and d.blanket))
                    if not any(o.take(UNUSED) for o in others):
                        yield u


def _unused(d: Directive, enabled: Callable[[str], bool]) -> Iterator[Unused]:
    if d.own and d.blanket and not d.used:
        yield Unused(
            d.line,
            d.column,
            d.end_column,
            f"unused suppression: `{d.text}` names no code and no finding is reported on "
            f"this line or has a note here",
            d,
        )
    for c in d.codes:
        if c.prefix is None:
            yield Unused(d.line, c.column, c.end_column, f"{c.problem}: it suppresses nothing", d)
        elif not c.used and not UNUSED.startswith(c.prefix) and _runs(c.prefix, enabled):
            yield Unused(
                d.line,
                c.column,
                c.end_column,
                f"unused suppression: no {c.prefix} finding is reported on this line or has "
                f"a note here",
                d,
            )


def _runs(prefix: str, enabled: Callable[[str], bool]) -> bool:
    return any(enabled(c) for c in rule_pages.codes() if c.startswith(prefix))


def _code(text: str, column: int) -> Code:
    code = Code(text, column, column + len(text))
    try:
        code.prefix = resolve(text)
    except UnknownCode as e:
        code.problem = str(e)
    if code.prefix == "ALL":
        code.prefix = ""
    return code


def _directives(comment: str, line: int, column: int) -> Iterator[Directive]:
    """The directives in a comment token starting at `column` (0-based)."""
    m = _IGNORE.search(comment)
    if m:
        d = Directive(line, column + m.start() + 1, column + m.end() + 1, m.group(), own=True)
        start = column + m.start("codes") + 1
        d.codes = [_code(c.group(), start + c.start()) for c in _IGNORE_CODE.finditer(m["codes"])]
        d.blanket = not d.codes
        yield d
    m = _NOQA.search(comment)
    if m is None or _INLINE_FILE.match(comment):
        return
    d = Directive(line, column + m.start() + 1, column + m.end() + 1, m.group().rstrip(", "))
    if m.group("codes") is None:
        d.blanket = True
        yield d
        return
    start = column + m.start("codes") + 1
    for c in _NOQA_CODE.finditer(m["codes"]):
        if c.group().upper().startswith("CL"):  # other tools' codes are theirs
            d.codes.append(_code(c.group().upper(), start + c.start()))
    if d.codes:
        yield d


def parse(source: str) -> Suppressions:
    """Suppressions from the comments of a module (tokenised, so strings never count)."""
    out = Suppressions()
    if "noqa" not in source.lower() and "cachelint" not in source.lower():
        return out
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return out
    for tok in tokens:
        if tok.type != tokenize.COMMENT:
            continue
        comment, (line, column) = tok.string, tok.start
        if _FILE.match(comment) and tok.line.strip() == comment.strip():
            out.whole_file = True
            continue
        for d in _directives(comment, line, column):
            out.lines.setdefault(line, []).append(d)
    return out
