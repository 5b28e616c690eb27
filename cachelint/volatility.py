"""Text that changes on every request: clock times, epoch stamps, request ids, "today is" lines.

Used on payload text, where only the rendered string is known. The patterns are deliberately
narrow: a bare date, an unlabelled UUID or a long number is not enough, because static prompts
contain those too. A date without a time ("Today's date: 2026-11-22", as Claude Code writes it)
changes once a day, which costs one miss a day, so only lines that carry the time are reported.
Each pattern says what it found, for the message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_WDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*\.?"
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_ID_LABEL = (
    r"(?:request|req|session|trace|span|correlation|conversation|run|nonce|invocation|"
    r"transaction|txn|execution|job|call)[ _-]?(?:id|uuid|key)?"
)

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "an ISO date-time",
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
        ),
    ),
    (
        "a date-time",
        re.compile(
            rf"\b{_WDAY},?\s+(?:\d{{1,2}}\s+{_MONTH}|{_MONTH}\s+\d{{1,2}})(?:,?\s+\d{{4}})?"
            rf"(?:,?\s+|\s+at\s+)\d{{1,2}}:\d{{2}}",
            re.I,
        ),
    ),
    (
        "a date-time",
        re.compile(
            rf"\b(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}})"
            rf",?\s+(?:at\s+)?\d{{1,2}}:\d{{2}}",
            re.I,
        ),
    ),
    (
        "a clock time with seconds",
        re.compile(r"(?<![\d:.])(?:[01]?\d|2[0-3]):[0-5]\d:[0-5]\d(?![\d:])"),
    ),
    (
        "an epoch timestamp",
        re.compile(
            r"(?i)\b(?:time|timestamp|ts|epoch|now|generated|created|updated|date)"
            r"(?:[_ ]?(?:at|on))?\b"
            r"[^\n\d]{0,20}"
            r"\b1[5-9]\d{8}(?:\d{3}|\d{6})?(?:\.\d+)?\b"
        ),
    ),
    ("a request id", re.compile(rf"(?i)\b{_ID_LABEL}\b\W{{0,4}}{_UUID}")),
    (
        "a request id",
        re.compile(
            rf"(?i)\b{_ID_LABEL}\s*[:=]\s*[\"'`]?(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_+/=-]{{16,}}"
        ),
    ),
    (
        "a per-request id",
        re.compile(r"\b(?:req|msg|chatcmpl|resp|run|sess)_?[-_][A-Za-z0-9]{20,}\b"),
    ),
    (
        "a 'today is' line with the time",
        re.compile(
            r"(?i)\b(?:today is|today's date is|todays date is|"
            r"current date(?: and time)?(?: is)?:?|"
            r"current time(?: is)?:?|current datetime:?|the time is now|the date is|it is now|"
            r"now is)[^\n]{0,40}?\b\d{1,2}:\d{2}"
        ),
    ),
)


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ID_WORDS = (
    "request",
    "req",
    "session",
    "trace",
    "span",
    "correlation",
    "conversation",
    "run",
    "nonce",
    "invocation",
    "transaction",
    "txn",
    "execution",
    "job",
    "call",
)
_ID_PREFIXES = (
    "req_",
    "req-",
    "msg_",
    "msg-",
    "chatcmpl",
    "resp_",
    "resp-",
    "run_",
    "run-",
    "sess_",
    "sess-",
)
_TODAY = (
    "today",
    "current date",
    "current time",
    "current datetime",
    "time is now",
    "the date is",
    "it is now",
    "now is",
)
_TEN_DIGITS = re.compile(r"\d{10}")
_UUID_HEAD = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-")

# Cheap tests (substring checks in C) that must pass before a pattern is worth running: the
# patterns are slow on long prompts, and most prompts contain none of these.
_TRIGGERS = (
    lambda t, lo: ":" in t and "-" in t,
    lambda t, lo: ":" in t and any(w in lo for w in _WEEKDAYS),
    lambda t, lo: ":" in t and (any(m in lo for m in _MONTHS) or "/" in t or "." in t),
    lambda t, lo: t.count(":") >= 2,
    lambda t, lo: _TEN_DIGITS.search(t) is not None,
    lambda t, lo: "-" in t and _UUID_HEAD.search(t) is not None,
    lambda t, lo: (":" in t or "=" in t) and any(w in lo for w in _ID_WORDS),
    lambda t, lo: any(p in lo for p in _ID_PREFIXES),
    lambda t, lo: any(p in lo for p in _TODAY),
)
assert len(_TRIGGERS) == len(PATTERNS)


@dataclass(frozen=True, slots=True)
class Match:
    what: str
    start: int
    end: int
    text: str


@lru_cache(maxsize=4096)  # request logs repeat the same system prompt on every line
def find_volatile(text: str) -> tuple[Match, ...]:
    """Non-overlapping volatile spans in text, first match wins at each position."""
    if len(text) < 8:
        return ()
    found: list[Match] = []
    lower = text.lower()
    for (what, pat), trigger in zip(PATTERNS, _TRIGGERS, strict=True):
        if not trigger(text, lower):
            continue
        for m in pat.finditer(text):
            if not any(m.start() < f.end and f.start < m.end() for f in found):
                found.append(Match(what, m.start(), m.end(), m.group()))
    found.sort(key=lambda f: f.start)
    return tuple(found)
