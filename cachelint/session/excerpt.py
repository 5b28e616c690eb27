"""Short character-level excerpts of a change: `"...time: 10:00:01..." -> "...10:00:07..."`.

The previous request is only kept as a `Sketch`: the whole text when it is short, else its head
and tail, so memory stays bounded; a change in the middle of a long block is then described by
its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTEXT = 32  # characters of unchanged text shown before a change, at most
_MAX_CHANGE = 40  # longest changed run shown in full
_WORD = re.compile(r"[\w:+\-/]")


@dataclass(frozen=True, slots=True)
class Sketch:
    head: str  # the whole text when `complete`
    tail: str
    length: int

    @property
    def complete(self) -> bool:
        return len(self.head) == self.length


def sketch(text: str, limit: int, keep: int) -> Sketch:
    if len(text) <= limit:
        return Sketch(text, "", len(text))
    return Sketch(text[:keep], text[-keep:], len(text))


def common_prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    i = 0
    step = 256
    while i + step <= n and a[i : i + step] == b[i : i + step]:
        i += step
    while i < n and a[i] == b[i]:
        i += 1
    return i


def common_suffix(a: str, b: str, floor: int) -> int:
    """Common suffix length, not reaching into the first `floor` characters of either."""
    n = min(len(a), len(b)) - floor
    i = 0
    while i < n and a[len(a) - 1 - i] == b[len(b) - 1 - i]:
        i += 1
    return i


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _clip(text: str) -> str:
    if len(text) <= _MAX_CHANGE:
        return text
    half = _MAX_CHANGE // 2
    return text[:half] + "…" + text[-half:]


def _is_word(text: str, i: int) -> bool:
    """Part of a token such as `10:00:07`, `v1.2.3` or `user_id` (a final "." is not)."""
    c = text[i]
    if c == ".":
        return 0 < i < len(text) - 1 and bool(_WORD.match(text[i - 1]) and _WORD.match(text[i + 1]))
    return bool(_WORD.match(c))


def _show(text: str, start: int, end: int, context: bool) -> str:
    """text[start:end] widened to whole tokens; with leading context for the old side."""
    start, end = _widen(text, start, end)
    lead_start = start
    if context and start > 0:
        lead_start = max(0, start - _CONTEXT)
        window = text[lead_start:start]
        sentence = max(window.rfind(". "), window.rfind("\n"))
        space = window.find(" ")
        if sentence >= 0 and sentence < len(window) - 4:
            lead_start += sentence + (2 if window[sentence] == "." else 1)
        elif lead_start > 0 and 0 <= space < len(window) - 4:
            lead_start += space + 1
    lead = ("..." if lead_start > 0 else "") + text[lead_start:start].lstrip()
    trail = "..." if end < len(text) else ""
    return _quote(lead + _clip(text[start:end]) + trail)


def describe_change(old: Sketch, new: str) -> str:
    """`"...Current time: 10:00:01..." -> "...10:00:07..."`, or a position when unknown."""
    if old.complete:
        return text_change(old.head, new)
    p = common_prefix(old.head, new)
    if p < len(old.head):
        return text_change(old.head, new[: len(old.head)], p)
    s = common_suffix(old.tail, new, 0)
    if s < len(old.tail):
        return text_change(old.tail, new[len(new) - len(old.tail) :])
    return (
        f"changed between characters {len(old.head):,} and {old.length - len(old.tail):,} "
        f"({old.length:,} -> {len(new):,} characters)"
    )


def changed_range(old: Sketch, new: str) -> tuple[int, int] | None:
    """Where the first change is in the new text (code points), when the sketch can tell."""
    if old.complete:
        p = common_prefix(old.head, new)
        end = len(new) - common_suffix(old.head, new, p)
    else:
        p = common_prefix(old.head, new)
        if p < len(old.head):
            end = p + 1
        else:
            s = common_suffix(old.tail, new, 0)
            if s >= len(old.tail):
                return None
            p = len(new) - s - 1
            end = p + 1
    if not new:
        return None
    p = min(p, len(new) - 1)
    return _widen(new, p, max(end, p + 1))


def _widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen text[start:end] to whole tokens (`10:00:07`, not `7`), within a limit."""
    while start > 0 and _is_word(text, start - 1) and end - start < _MAX_CHANGE:
        start -= 1
    while end < len(text) and _is_word(text, end) and end - start < _MAX_CHANGE:
        end += 1
    return start, end


def text_change(old: str, new: str, prefix: int | None = None) -> str:
    """The first changed run of characters, old -> new, with a little context."""
    if old == new:
        return "no textual change"
    p = common_prefix(old, new) if prefix is None else prefix
    s = common_suffix(old, new, p)
    old_end, new_end = len(old) - s, len(new) - s
    if p == old_end:  # inserted
        return f"{_show(old, p, p, True)} -> {_show(new, p, new_end, False)} (inserted)"
    if p == new_end:  # removed
        return f"{_show(old, p, old_end, True)} -> {_show(new, p, p, False)} (removed)"
    return f"{_show(old, p, old_end, True)} -> {_show(new, p, new_end, False)}"
