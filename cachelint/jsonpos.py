"""Map a JSON path (keys and indexes) to a position in the text, on demand.

orjson gives values without positions; positions are only needed for what is reported, so this
scanner walks the text along one path, skipping everything else. It is iterative (no recursion
limit) and picks the last of duplicate keys, as the parsers do.
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
    pass


def _ws(text: str, pos: int) -> int:
    return _WS.match(text, pos).end()


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


def _find_member(text: str, pos: int, key: str) -> tuple[int, int]:
    """In the object starting at pos, return (key start, value start) of the last `key` member."""
    found = None
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
        if _key(m.group()) == key:
            found = (kstart, vstart)
        pos = _ws(text, _value_end(text, vstart))
        if text[pos : pos + 1] == ",":
            pos = _ws(text, pos + 1)
    if found is None:
        raise PathNotFound(key)
    return found


def _find_item(text: str, pos: int, index: int) -> int:
    pos = _ws(text, pos + 1)
    i = 0
    while pos < len(text) and text[pos] != "]":
        if i == index:
            return pos
        pos = _ws(text, _value_end(text, pos))
        if text[pos : pos + 1] == ",":
            pos = _ws(text, pos + 1)
        i += 1
    raise PathNotFound(str(index))


def locate(text: str, path: Sequence[str | int]) -> tuple[int, int, int]:
    """(start, value start, end) offsets; start is the member's key, or the item's value."""
    pos = _ws(text, 0)
    if text.startswith("\ufeff", pos):
        pos = _ws(text, pos + 1)
    start = pos
    for step in path:
        if isinstance(step, int):
            if text[pos : pos + 1] != "[":
                raise PathNotFound(str(step))
            pos = start = _find_item(text, pos, step)
        else:
            if text[pos : pos + 1] != "{":
                raise PathNotFound(step)
            start, pos = _find_member(text, pos, step)
    return start, pos, _value_end(text, pos)


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
