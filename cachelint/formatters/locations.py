"""Where a finding is, for reports read outside the terminal (CI services, SARIF viewers).

Finding paths are as users see them: relative to the working directory when inside it. Code
scanning and GitLab want paths relative to the repository root; GitHub annotations accept absolute
paths and make them relative to the workspace themselves.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from cachelint.findings import Span


def repo_root(start: Path | None = None) -> Path:
    """The nearest directory at or above `start` (default: the working directory) that holds
    `.git` (a directory, or a file in worktrees and submodules); `start` itself when none does."""
    start = start or Path.cwd()
    for d in (start, *start.parents):
        if (d / ".git").exists():
            return d
    return start


def absolute(path: str) -> Path:
    """The finding's path made absolute against the working directory, without following links."""
    return Path(os.path.normpath(Path.cwd() / path))


def relative_to(path: str, root: Path) -> str | None:
    """`path` relative to `root` with `/` separators, or None when it lies outside `root`."""
    target = absolute(path)
    for a, b in ((target, root), (target.resolve(), root.resolve())):
        try:
            return a.relative_to(b).as_posix()
        except ValueError:
            continue
    return None


def artifact_uri(path: str, root: Path) -> tuple[str, bool]:
    """A URI for `path`: percent-encoded and relative to `root` when inside it (True), else an
    absolute `file:` URI (False). The bytes of the name are encoded, as `Path.as_uri` does, so a
    name that is not UTF-8 has a URI too."""
    rel = relative_to(path, root)
    if rel is not None:
        return quote(os.fsencode(rel), safe="/"), True
    return absolute(path).as_uri(), False


def directory_uri(directory: Path) -> str:
    """A `file:` URI for a directory, with the trailing slash SARIF requires of base URIs."""
    uri = directory.absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def last_line(span: Span) -> int:
    """The last line the span covers (the end is exclusive: column 1 ends the line before)."""
    if span.end_line > span.line and span.end_column <= 1:
        return span.end_line - 1
    return max(span.line, span.end_line)
