"""Map a JSON path (keys and indexes) to a position in the text, on demand.

orjson gives values without positions; positions are only needed for what is reported, so this
scanner walks the text along the paths asked for, skipping everything else, and keeps what it
learnt of each container it scanned for the next path (`JsonIndex`). It is iterative (no
recursion limit) and picks the last of duplicate keys, as the parsers do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import orjson

_WS = re.compile(r"[ \t\r\n]*")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_SCALAR = re.compile(r'[^\s{}\[\],:"]+')
_SKIP = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[{}\[\]]', re.S)


class PathNotFound(LookupError):
    """The path does not exist in the document (or the text is not valid JSON there)."""


def _ws(text: str, pos: int) -> int:
    m = _WS.match(text, pos)
    assert m is not None  # the pattern matches the empty string
    return m.end()


def _value_end(text: str, pos: int) -> int:
    """End offset of the JSON value starting at pos."""
    c = text[pos : pos + 1]
    if c == '"':
        m = _STRING.match(text, pos)
        if not m:
            raise PathNotFound("unterminated string")
        return m.end()
    if c in ("{", "["):
        depth = 0
        for m in _SKIP.finditer(text, pos):
            t = m.group()
            if t in ("{", "["):
                depth += 1
            elif t in ("}", "]"):
                depth -= 1
                if depth == 0:
                    return m.end()
        raise PathNotFound("unterminated container")
    m = _SCALAR.match(text, pos)
    if not m:
        raise PathNotFound(f"no value at {pos}")
    return m.end()


def _key(token: str) -> str:
    return token[1:-1] if "\\" not in token else orjson.loads(token)


def _members(text: str, pos: int) -> dict[str, tuple[int, int, int]]:
    """The members of the object starting at pos: key -> (key start, value start, value end),
    the last of duplicate keys."""
    out = {}
    pos = _ws(text, pos + 1)
    while pos < len(text) and text[pos] != "}":
        m = _STRING.match(text, pos)
        if not m:
            raise PathNotFound("expected key")
        kstart = pos
        pos = _ws(text, m.end())
        if text[pos : pos + 1] != ":":
            raise PathNotFound("expected colon")
        vstart = _ws(text, pos + 1)
        vend = _value_end(text, vstart)
        out[_key(m.group())] = (kstart, vstart, vend)
        pos = _ws(text, vend)
        if text[pos : pos + 1] == ",":
            pos = _ws(text, pos + 1)
    return out


def _items(text: str, pos: int) -> list[tuple[int, int]]:
    """(start, end) of each item of the array starting at pos."""
    out = []
    pos = _ws(text, pos + 1)
    while pos < len(text) and text[pos] != "]":
        end = _value_end(text, pos)
        out.append((pos, end))
        pos = _ws(text, end)
        if text[pos : pos + 1] == ",":
            pos = _ws(text, pos + 1)
    return out


# Lines are counted in blocks of this many characters: a look-up counts within one block.
_BLOCK = 1 << 14


class JsonIndex:
    """Positions in one JSON text for any number of paths, in time linear in the text: each
    container on a path is scanned once (the offsets of its members or items kept), and line
    breaks are counted once per block, so that neither an array of many requests nor a long
    single line is scanned again for every finding."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._objects: dict[int, dict[str, tuple[int, int, int]]] = {}
        self._arrays: dict[int, list[tuple[int, int]]] = {}
        pos = _ws(text, 0)
        if text.startswith("\ufeff", pos):
            pos = _ws(text, pos + 1)
        self._root = pos
        self._root_end: int | None = None
        # per block of text: the line breaks before it, and the offset of the last one (or -1)
        self._breaks: list[int] = []
        self._last: list[int] = []

    def locate(self, path: Sequence[str | int]) -> tuple[int, int, int]:
        """(start, value start, end) offsets; start is the member's key, or the item's value."""
        text = self.text
        start = pos = self._root
        end = None
        for step in path:
            if isinstance(step, int):
                if text[pos : pos + 1] != "[":
                    raise PathNotFound(str(step))
                items = self._arrays.get(pos)
                if items is None:
                    items = self._arrays[pos] = _items(text, pos)
                if not 0 <= step < len(items):
                    raise PathNotFound(str(step))
                start, end = items[step]
                pos = start
            else:
                if text[pos : pos + 1] != "{":
                    raise PathNotFound(step)
                members = self._objects.get(pos)
                if members is None:
                    members = self._objects[pos] = _members(text, pos)
                if step not in members:
                    raise PathNotFound(step)
                start, pos, end = members[step]
        if end is None:
            if self._root_end is None:
                self._root_end = _value_end(text, pos)
            end = self._root_end
        return start, pos, end

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column (code points) of an offset."""
        if len(self.text) <= _BLOCK:
            return line_col(self.text, offset)
        b = self._block(offset)
        line = self._breaks[b] + self.text.count("\n", b * _BLOCK, offset) + 1
        return line, offset - self.line_start(offset) + 1

    def line_start(self, offset: int) -> int:
        """The offset of the first character of the line holding `offset`."""
        if len(self.text) <= _BLOCK:
            return self.text.rfind("\n", 0, offset) + 1
        b = self._block(offset)
        at = self.text.rfind("\n", b * _BLOCK, offset)
        return (at if at >= 0 else self._last[b]) + 1

    def line_end(self, offset: int, limit: int) -> int:
        """The offset of the line break (or the end of the text) after `offset`, looked for no
        further than `limit`, which it returns when the line goes on."""
        at = self.text.find("\n", offset, limit)
        return at if at >= 0 else min(limit, len(self.text))

    def _block(self, offset: int) -> int:
        """The block holding `offset`, the blocks counted on first use."""
        if not self._breaks:
            text, breaks, last = self.text, [0], [-1]
            for lo in range(0, len(text), _BLOCK):
                hi = lo + _BLOCK
                breaks.append(breaks[-1] + text.count("\n", lo, hi))
                found = text.rfind("\n", lo, hi)
                last.append(found if found >= 0 else last[-1])
            self._breaks, self._last = breaks, last
        return min(offset, len(self.text)) // _BLOCK


def locate(text: str, path: Sequence[str | int]) -> tuple[int, int, int]:
    """(start, value start, end) offsets; start is the member's key, or the item's value."""
    return JsonIndex(text).locate(path)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column (code points) of an offset."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, col


def string_offset(text: str, value_start: int, decoded: int) -> int:
    """Offset in text of code point `decoded` of the JSON string token at value_start."""
    i, n = value_start + 1, 0
    while True:
        j = text.find("\\", i)
        if j < 0 or n + (j - i) >= decoded:
            return i + (decoded - n)
        n += j - i + 1
        if text[j + 1 : j + 2] == "u":
            code = int(text[j + 2 : j + 6] or "0", 16)
            pair = 0xD800 <= code < 0xDC00 and text[j + 6 : j + 8] == "\\u"
            i = j + (12 if pair else 6)
        else:
            i = j + 2


def key_end(text: str, start: int) -> int:
    m = _STRING.match(text, start)
    return m.end() if m else start + 1


def edit_offsets(index: JsonIndex, path: tuple, part: str) -> tuple[int, int]:
    """(start, end) offsets of what an edit at `path` replaces: "key" the member's key, "value"
    its value, "member" the member or item with one separating comma and the space before the
    next one (so that removing it leaves valid JSON)."""
    text = index.text
    start, vstart, end = index.locate(path)
    if part == "value":
        return vstart, end
    if part == "key":
        if not path or isinstance(path[-1], int):
            raise PathNotFound("an item has no key")
        return start, key_end(text, start)
    if part != "member" or not path:
        raise PathNotFound(part)
    before = start
    while before > 0 and text[before - 1] in " \t\r\n":
        before -= 1
    if before > 0 and text[before - 1] == ",":  # not the first: remove from the comma before
        return before - 1, end
    after = _ws(text, end)
    if text[after : after + 1] == ",":  # the first of several: up to the next one
        return start, _ws(text, after + 1)
    return start, end  # the only one
