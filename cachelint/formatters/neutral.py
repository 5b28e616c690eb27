"""Text from the checked repository (paths, messages quoting its values, source lines) as every
report shows it: never able to start a line, a CI workflow command or a terminal escape.

Shown escaped: C0 controls (`\\n`, `\\r`, `\\t`, `\\x1b`...), DEL and C1 controls, U+2028/U+2029,
bidirectional formatting controls (they reorder what a reader sees), lone surrogates (a byte of a
name that is not UTF-8 comes as one from `os.fsdecode`: shown as that byte, `\\xff`) and
U+FFFE/U+FFFF (with the C0 controls, what XML 1.0 cannot hold); the second `#` of `##[` and
`##vso[`, which the GitHub Actions runner (legacy commands) and Azure Pipelines read anywhere in a
line. A backslash is not escaped: a name holding a literal `\\n` reads like one holding a newline.
"""

from __future__ import annotations

import re
from dataclasses import replace

from cachelint.findings import Finding
from cachelint.fixes import Fix

_UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ud800-\udfff\ufffe\uffff]"
)
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
# the second `#` of `##[` or `##vso[`; apart from _UNSAFE, whose lone class is scanned fast
_COMMAND = re.compile(r"(?<=#)#(?=\[|(?i:vso)\[)")
# GitHub Actions reads `::command::` at the start of a line after leading whitespace
_COMMAND_START = re.compile(r"[\s\ufeff]*:(?=:)")


def _escape(c: str) -> str:
    if c in _SHORT:
        return _SHORT[c]
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:  # os.fsdecode's stand-in for a byte that is not UTF-8
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o < 0x100 else f"\\u{o:04x}"


def shown(text: str) -> str:
    """`text` with unsafe characters escaped, and a leading `::` broken (`\\x3a:`)."""
    text = _UNSAFE.sub(lambda m: _escape(m.group()), text)
    if "##" in text:
        text = _COMMAND.sub(lambda m: _escape(m.group()), text)
    if m := _COMMAND_START.match(text):
        text = f"{text[: m.end() - 1]}\\x3a{text[m.end() :]}"
    return text


def shown_path(path: str) -> str:
    """`path` as `shown`; one that starts with whitespace or `:` gets `./` in front instead of an
    escape, so that it still names the file."""
    if path[:1].isspace() or path.startswith((":", "\ufeff")):
        path = "./" + path
    return shown(path)


def fix_label(fix: Fix) -> str:
    """A fix's title as shown, marked when it needs --unsafe-fixes."""
    return shown(fix.title) + ("" if fix.safe else " (unsafe: --unsafe-fixes)")


def shown_finding(f: Finding) -> Finding:
    """A copy of `f` whose text fields are `shown`. The snippet stays as it is: its columns are
    the finding's (show it with `shown_columns`)."""
    return replace(
        f,
        code=shown(f.code),
        name=shown(f.name),
        path=shown_path(f.path),
        message=shown(f.message),
        help=shown(f.help),
        notes=[(shown(m), span) for m, span in f.notes],
    )


def shown_columns(line: str, tabsize: int = 4) -> tuple[str, list[int]]:
    """A source line as shown under its line number: tabs expanded to the next multiple of
    `tabsize`, other unsafe characters escaped as by `shown`; with, for each character of `line`
    and for its end, the offset where it starts in the shown text (carets go there)."""
    unsafe = {m.start() for m in _UNSAFE.finditer(line)}
    if "##" in line:
        unsafe.update(m.start() for m in _COMMAND.finditer(line))
    if not unsafe and "\t" not in line:
        return line, list(range(len(line) + 1))
    parts: list[str] = []
    at: list[int] = []
    width = 0
    for i, c in enumerate(line):
        at.append(width)
        if c == "\t":
            c = " " * (tabsize - width % tabsize)
        elif i in unsafe:
            c = _escape(c)
        parts.append(c)
        width += len(c)
    at.append(width)
    return "".join(parts), at
