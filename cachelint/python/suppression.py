"""Suppression comments in Python source.

- `# noqa` / `# noqa: CL301,CL302` on the reported line (flake8's pattern);
- `# cachelint: ignore[CL301]` on the reported line;
- `# cachelint: noqa` on a line of its own anywhere in the file suppresses the whole file.

Codes may be prefixes (`# noqa: CL3`), as in --select and --ignore.
"""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass, field

# flake8: `# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?`, case-insensitive
_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>(?:[A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.I)
_IGNORE = re.compile(r"#\s*cachelint:\s*ignore\[(?P<codes>[^\]]*)\]", re.I)
_FILE = re.compile(r"^\s*#\s*cachelint:\s*noqa\s*$", re.I | re.M)
ALL = ("",)  # the empty prefix matches every code


@dataclass
class Suppressions:
    whole_file: bool = False
    lines: dict[int, tuple[str, ...]] = field(default_factory=dict)

    def suppressed(self, code: str, line: int) -> bool:
        if self.whole_file:
            return True
        codes = self.lines.get(line)
        return codes is not None and any(code.startswith(c) for c in codes)


def _codes(text: str | None) -> tuple[str, ...]:
    if not text:
        return ALL
    return tuple(c.upper() for c in re.split(r"[,\s]+", text.strip()) if c)


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
        comment, line = tok.string, tok.start[0]
        if _FILE.match(comment) and tok.line.strip() == comment.strip():
            out.whole_file = True
            continue
        codes: tuple[str, ...] = ()
        m = _IGNORE.search(comment)
        if m:
            codes += _codes(m.group("codes")) if m.group("codes").strip() else ALL
        m = _NOQA.search(comment)
        if m and not re.match(r"\s*#\s*cachelint:\s*noqa", comment, re.I):
            codes += _codes(m.group("codes"))
        if codes:
            out.lines[line] = out.lines.get(line, ()) + codes
    return out
