"""Cheap byte scans that decide whether a walked Python file is worth parsing.

Parsing and evaluating cost far more than reading. A file is parsed when its bytes mention a cache
marker (cache_control, cachePoint and their look-alikes), the prompt-caching beta, a call that
sends a request (the markers may come from a helper module, which is then read on demand), or a
cachelint suppression comment (which CL001 checks). Substring tests (C speed) come first; the
regexes only confirm around what they found, since ordinary code says "cache" often (lru_cache,
Django caches).
"""

from __future__ import annotations

import re

_LITERALS = (
    b"completions.create",
    b"litellm",
    b".converse(",
    b".converse_stream(",
    b"invoke_model",
    b"/v1/messages",
)
_CALL = re.compile(
    rb"messages\.(?:create|stream|count_tokens|parse|batches)\b"
    rb"|with_(?:raw|streaming)_response\.(?:create|stream)\b"
)
_MARKER_AT = re.compile(rb"cache?[-_ ]?(?:co|po)")  # matched on lowercased bytes
_BETA = re.compile(rb"prompt[-_]?caching")
# a cachelint suppression comment, which CL001 checks even where nothing else is left to check
_SUPPRESSION = re.compile(rb"#\s*noqa:[^\n]*?\bcl\d|#\s*cachelint:\s*ignore\[")


def worth_parsing(data: bytes) -> bool:
    if any(lit in data for lit in _LITERALS):
        return True
    if (b"messages." in data or b"_response." in data) and _CALL.search(data):
        return True
    lower = data.lower()
    i = lower.find(b"cach")
    while i >= 0:
        if _MARKER_AT.match(lower, i):
            return True
        i = lower.find(b"cach", i + 4)
    if b"caching" in lower and _BETA.search(lower) is not None:
        return True
    return (b"noqa" in lower or b"cachelint" in lower) and _SUPPRESSION.search(lower) is not None
