"""Cheap byte scans that decide whether a walked Python file is worth parsing.

Parsing and evaluating cost far more than reading. A file is parsed when its bytes mention a cache
marker (cache_control, cachePoint and their look-alikes), the prompt-caching beta, a call that
sends a request (the markers may come from a helper module, which is then read on demand), or a
cachelint suppression comment (which CL001 checks). Substring tests (C speed) come first; the
regexes only confirm around what they found, since ordinary code says "cache" often (lru_cache,
Django caches).

A file that fails them is looked at once more for what Python reads differently from what its
bytes spell, so that a walk does not skip a file that gives findings when named: escapes decoded
(`"\\x63ache_control"`), identifiers NFKC-normalised (`ｃache_control=`), the source decoded by its
coding cookie, adjacent literals joined where a literal ends with a piece of a marker
(`"ca" "che_control"`), and call chains split over lines (`client.messages\\n    .create(`).
Comments between the parts are not looked through, nor the API path or the beta's name split
over literals.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from cachelint.python import frameworks

_LITERALS = (
    b"completions.create",
    b"litellm",
    b".converse(",
    b".converse_stream(",
    b"invoke_model",
    b"/v1/messages",
    *frameworks.PREFILTER,
)
_CALL = re.compile(
    rb"messages\.(?:create|stream|count_tokens|parse|batches)\b"
    rb"|with_(?:raw|streaming)_response\.(?:create|stream)\b"
)
_MARKER_AT = re.compile(rb"cache?[-_ ]?(?:co|po)")  # matched on lowercased bytes
_BETA = re.compile(rb"prompt[-_]?caching")
# a cachelint suppression comment, which CL001 checks even where nothing else is left to check
_SUPPRESSION = re.compile(rb"#\s*noqa:[^\n]*?\bcl\d|#\s*cachelint:\s*ignore\[")

# Escapes that may spell an ASCII character in a string literal.
_ESCAPE = re.compile(
    rb"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|N\{[^}\n]{1,100}\}|[0-7]{1,3})"
)
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)", re.M)
_WS = rb"[ \t\f\r\n\\]*"  # white space and line continuations
_JOINED = re.compile(rb"[\"']+" + _WS + rb"[rRuU]?[\"']+")  # between adjacent literals
# A literal ending with a letter of a marker, followed by another literal: the closing quote comes
# first in the pattern, which keeps the search fast.
_NEXT_LITERAL = [
    re.compile(q + rb"(?<=[-_cahepCAHEP]" + q + rb")" + _WS + rb"[rRuU]?[\"']")
    for q in (b'"', b"'")
]
# A piece of a marker as _MARKER_AT matches it, at the end of the (lowercased) bytes searched:
# joining the literal with the next one may spell the whole.
_PIECE = re.compile(rb"c(?:a(?:c(?:h(?:e?[-_]?[cp]?)?)?)?)?[\"']*\Z")
# Call chains split over lines (client.chat.completions, client.messages.with_raw_response).
_SPLIT_CALL = [
    re.compile(
        rb"messages" + _WS + rb"\." + _WS + rb"(?:create|stream|count_tokens|parse|batches)\b"
    ),
    re.compile(rb"_response" + _WS + rb"\." + _WS + rb"(?:create|stream)\b"),
    re.compile(rb"completions" + _WS + rb"\." + _WS + rb"create\b"),
    re.compile(rb"converse(?:_stream)?" + _WS + rb"\("),
]


def worth_parsing(data: bytes) -> bool:
    if _mentions(data):
        return True
    plain = _decoded(data)
    return (plain is not data and _mentions(plain)) or _split(plain)


def _mentions(data: bytes) -> bool:
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


def _decoded(data: bytes) -> bytes:
    """The bytes with escapes of characters that spell markers or calls decoded and, in a file
    that is not ASCII or declares an encoding, the text NFKC-normalised as Python does
    identifiers (the bytes themselves when that changes nothing)."""
    plain = data
    head = data[: data.find(b"\n", data.find(b"\n") + 1) + 1 or len(data)]
    cookie = _COOKIE.search(head)
    if cookie is not None or not data.isascii():
        try:
            text = data.decode(cookie[1].decode() if cookie else "utf-8", "replace")
        except LookupError:
            text = data.decode("utf-8", "replace")
        if cookie is not None or not unicodedata.is_normalized("NFKC", text):
            plain = unicodedata.normalize("NFKC", text).encode("utf-8", "replace")
    if b"\\" in plain and _ESCAPE.search(plain):
        plain = _ESCAPE.sub(_unescaped, plain)
    return data if plain == data else plain


@lru_cache(maxsize=4096)
def _unescape(esc: bytes) -> bytes:
    kind = esc[1:2]
    if kind == b"N":
        try:
            code = ord(unicodedata.lookup(esc[3:-1].decode("ascii", "replace"))[0])
        except KeyError:
            return esc
    else:
        code = int(esc[2:], 16) if kind in b"xuU" else int(esc[1:], 8)
    char = chr(code) if code < 128 else ""
    # only these spell a marker, a call or the API path
    return char.encode() if char and (char.isalnum() or char in "_-./( ") else esc


def _unescaped(m: re.Match[bytes]) -> bytes:
    return _unescape(m[0])


def _split(data: bytes) -> bool:
    """A call chain split over lines, or a marker or word split over adjacent literals."""
    if any(call.search(data) for call in _SPLIT_CALL):
        return True
    pieces = (
        m
        for following in _NEXT_LITERAL
        for m in following.finditer(data)
        if _PIECE.search(data[max(0, m.start() - 16) : m.start() + 1].lower())
    )
    return next(pieces, None) is not None and _mentions(_JOINED.sub(b"", data))
