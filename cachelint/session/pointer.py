"""JSON pointers (RFC 6901), used for the `conversation-key` setting."""

from __future__ import annotations

import re
from typing import Any

POINTER = re.compile(r"^(/([^~]|~[01])*)*$")
_MISSING = object()


class PointerError(ValueError):
    pass


def parse(pointer: str) -> tuple[str, ...]:
    """The reference tokens of a pointer: "/metadata/user_id" -> ("metadata", "user_id")."""
    if not POINTER.match(pointer):
        raise PointerError(f"'{pointer}' is not a JSON pointer (e.g. /metadata/user_id)")
    if not pointer:
        return ()
    return tuple(t.replace("~1", "/").replace("~0", "~") for t in pointer[1:].split("/"))


def resolve(doc: Any, tokens: tuple[str, ...]) -> Any:
    """The value at tokens, or `MISSING`."""
    for t in tokens:
        if isinstance(doc, dict):
            doc = doc.get(t, _MISSING)
        elif isinstance(doc, list) and t.isdigit() and (t == "0" or not t.startswith("0")):
            i = int(t)
            doc = doc[i] if i < len(doc) else _MISSING
        else:
            return _MISSING
        if doc is _MISSING:
            return _MISSING
    return doc


MISSING = _MISSING
