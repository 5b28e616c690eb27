"""Applying the fixes findings carry: to a fixed point, in memory, then written atomically.

Edits of one pass that overlap an accepted one wait for the next pass, which lints the edited
text again (as ruff does); passes are bounded. Nothing else in cachelint writes a checked file.
"""

from __future__ import annotations

import ast
import difflib
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from cachelint.discovery import JSONL_SUFFIXES, PYTHON_SUFFIXES
from cachelint.findings import Finding
from cachelint.fix_python import made
from cachelint.fixes import Fix
from cachelint.reading import read_error, read_regular
from cachelint.selection import Selection

if TYPE_CHECKING:
    from cachelint.engine import Engine

MAX_PASSES = 10


@dataclass(frozen=True)
class FixPolicy:
    """Which fixes may be applied: unsafe ones only when asked, codes per fixable/unfixable."""

    unsafe: bool
    codes: Selection

    @classmethod
    def of(cls, fixable: list[str], unfixable: list[str], unsafe: bool) -> FixPolicy:
        return cls(unsafe, Selection(fixable, [], unfixable))

    def allows(self, f: Finding) -> bool:
        return f.fix is not None and self.codes(f.code) and (self.unsafe or f.fix.safe)


@dataclass
class FileFix:
    display: str
    original: bytes
    fixed: bytes
    fixed_count: int

    def diff(self) -> str:
        """A unified diff of the fix (`--diff`)."""
        old = self.original.decode("utf-8").splitlines(keepends=True)
        new = self.fixed.decode("utf-8").splitlines(keepends=True)
        lines = difflib.unified_diff(old, new, f"a/{self.display}", f"b/{self.display}")
        return "".join(
            ln if ln.endswith("\n") else ln + "\n\\ No newline at end of file\n" for ln in lines
        )


class FixRefused(Exception):
    """A file the fixes were not written to, and why."""


def _offsets(text: str) -> list[int]:
    starts = [0]
    at = text.find("\n")
    while at >= 0:
        starts.append(at + 1)
        at = text.find("\n", at + 1)
    return starts


def apply_edits(text: str, fixes: list[Fix]) -> tuple[str, int]:
    """The text with every fix applied whose edits overlap no earlier accepted one, and how many
    were applied. Spans are in the text without a leading byte order mark, as reported."""
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    body = text[len(bom) :]
    starts = _offsets(body)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column - 1

    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    count = 0
    for fix in sorted(fixes, key=lambda f: min((e.span.line, e.span.column) for e in f.edits)):
        ranges = [
            (
                offset(e.span.line, e.span.column),
                offset(e.span.end_line, e.span.end_column),
                e.content,
            )
            for e in fix.text_edits
        ]
        if any((s < te and ts < e) or s == e == ts for s, e, _ in ranges for ts, te in taken):
            continue
        taken.extend((s, e) for s, e, _ in ranges)
        chosen.extend(ranges)
        count += 1
    for s, e, content in sorted(chosen, reverse=True):
        body = body[:s] + content + body[e:]
    return bom + body, count


def parses(data: bytes, name: str) -> bool:
    """Whether fixed bytes still parse as the kind of file they are."""
    try:
        if name.endswith(PYTHON_SUFFIXES):
            ast.parse(data)
        elif name.endswith(JSONL_SUFFIXES):
            for line in data.splitlines():
                if line.strip():
                    orjson.loads(line)
        else:
            orjson.loads(data[3:] if data.startswith(b"\xef\xbb\xbf") else data)
    except (SyntaxError, ValueError):
        return False
    return True


def fix_bytes(
    data: bytes, display: str, lint: Callable[[bytes], list[Finding]], policy: FixPolicy
) -> FileFix:
    """The fixes allowed by `policy` applied to `data` until none is left (bounded passes); a
    pass whose result would not parse is not kept."""
    current, count = data, 0
    for _ in range(MAX_PASSES):
        fixes = [f.fix for f in lint(current) if f.fix is not None and policy.allows(f)]
        if not fixes:
            break
        try:
            text = current.decode("utf-8")
        except UnicodeDecodeError:
            break
        # a Python fix made into text may turn out unsafe (it deletes a comment)
        fixes = [f for f in made(text, fixes) if f is not None and (f.safe or policy.unsafe)]
        new_text, n = apply_edits(text, fixes)
        new = new_text.encode("utf-8")
        if n == 0 or new == current or not parses(new, display):
            break
        current, count = new, count + n
    return FileFix(display, data, current, count)


def write_fixed(path: Path, fix: FileFix) -> None:
    """Write the fixed bytes in place of the original: through a temporary file in the same
    folder and os.replace, keeping the mode; refused for a symlink or a file changed since."""
    try:
        st = os.lstat(path)
    except OSError as e:
        raise FixRefused(f"cannot read it again: {e.strerror}") from None
    if stat.S_ISLNK(st.st_mode):
        raise FixRefused("it is a symlink (fixes are never written through a link)")
    if not stat.S_ISREG(st.st_mode):
        raise FixRefused("not a regular file")
    try:
        now = path.read_bytes()
    except OSError as e:
        raise FixRefused(f"cannot read it again: {e.strerror}") from None
    if now != fix.original:
        raise FixRefused("it changed since it was read")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".cachelint-fix", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(fix.fixed)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise FixRefused(f"cannot write it: {e.strerror}") from None


@dataclass
class FixRun:
    """What `fix_files` did: the fixed files (written unless a diff was asked), and the files
    left alone with the reason."""

    files: list[FileFix]
    refused: list[tuple[str, str]]

    @property
    def fixed(self) -> int:
        return sum(f.fixed_count for f in self.files)


def fix_files(
    engine: Engine,
    findings: list[Finding],
    policy: FixPolicy,
    write: bool,
    new: Callable[[list[Finding]], list[Finding]] | None = None,
) -> FixRun:
    """Fix every file holding a finding with an allowed fix (stdin is not fixed); `new` keeps
    the findings not in the baseline, on every pass: a baselined finding is never fixed."""
    run = FixRun([], [])
    for display in sorted({f.path for f in findings if policy.allows(f) and f.path != "-"}):
        path = Path(display)
        try:
            data = read_regular(path, engine.config.max_file_size, follow=False)
        except OSError as e:
            run.refused.append((display, read_error(e)))
            continue

        def lint(b: bytes, d: str = display) -> list[Finding]:
            found = engine.lint_bytes(b, d)
            return new(found) if new is not None else found

        done = fix_bytes(data, display, lint, policy)
        if not done.fixed_count:
            continue
        if write:
            try:
                write_fixed(path, done)
            except FixRefused as e:
                run.refused.append((display, str(e)))
                continue
        run.files.append(done)
    return run


def fix_summary(fixed: int, remaining: list[Finding], policy: FixPolicy, fixing: bool) -> str:
    """ "Fixed 3 findings; 1 more with --unsafe-fixes" (empty when there is nothing to say)."""
    safe = sum(policy.codes(f.code) and f.fix is not None and f.fix.safe for f in remaining)
    unsafe = sum(
        policy.codes(f.code) and f.fix is not None and not f.fix.safe and not policy.unsafe
        for f in remaining
    )
    parts = [f"Fixed {fixed} finding{'s' if fixed != 1 else ''}"] if fixing else []
    if safe and not fixing:
        parts.append(f"{safe} fixable with --fix")
    if unsafe:
        more = " more" if fixing else ""
        parts.append(f"{unsafe}{more} fixable with --unsafe-fixes")
    return "; ".join(parts) + "." if parts else ""
