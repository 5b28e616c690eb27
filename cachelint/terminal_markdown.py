"""Rule pages (Markdown) rendered for a terminal: headings as titles, examples as indented code
labelled bad or good, inline markup and test markers removed. Plain text unless `color`."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)
_EXPECT = re.compile(r"\s*(?://|#) expect: ?[A-Z]+[0-9]+(?:\s*,\s*[A-Z]+[0-9]+)*\s*$")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)]+)\)")
_STRONG = re.compile(r"\*\*([^*]+)\*\*")
_CODE = re.compile(r"``(.+?)``|`([^`\n]+)`", re.S)


def render(page: str, color: bool = False) -> str:
    """The page for a terminal."""

    def style(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    out: list[str] = []
    pos = 0
    for m in _FENCE.finditer(page):
        out.append(_prose(page[pos : m.start()], style))
        info = m.group(1).split()
        label = " ".join(info[:2]) if info else "code"
        kind = info[1] if len(info) > 1 else ""
        tint = {"bad": "31", "good": "32"}.get(kind, "2")
        out.append(style(f"    [{label}]", tint) + "\n")
        for line in m.group(2).splitlines():
            out.append("    " + _EXPECT.sub("", line) + "\n")
        pos = m.end()
    out.append(_prose(page[pos:], style))
    return re.sub(r"\n{3,}", "\n\n", "".join(out)).strip() + "\n"


_HEADING = re.compile(r"^#{1,6} +(.+?)[ \t]*$\n?", re.M)


def _prose(text: str, style) -> str:
    """Headings first, so that a line starting with a code span (`# noqa`) stays prose."""
    out, pos = [], 0
    for m in _HEADING.finditer(text):
        title = _inline(text[pos : m.start()], style)
        plain = _inline(m.group(1), lambda t, c: t)
        out += [title, style(plain, "1") + "\n" + "-" * len(plain) + "\n"]
        pos = m.end()
    out.append(_inline(text[pos:], style))
    return "".join(out)


def _inline(text: str, style) -> str:
    text = _LINK.sub(r"\1 (\2)", text)
    text = _STRONG.sub(lambda m: style(m.group(1), "1"), text)
    return _CODE.sub(lambda m: style(m.group(1) or m.group(2), "36"), text)
