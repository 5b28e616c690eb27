"""Text that changes on every request: clock times, epoch stamps, request ids, "today is" lines.

Used on payload text, where only the rendered string is known. The patterns are deliberately
narrow: a bare date, an unlabelled UUID or a long number is not enough, because static prompts
contain those too. Each pattern says what it found, for the message.
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
_DATEISH = (
    rf"(?:\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}[/.]\d{{1,2}}[/.]\d{{2,4}}|{_WDAY}|{_MONTH}\s+\d|"
    rf"\d{{1,2}}(?:st|nd|rd|th)?\s+{_MONTH}|\d{{1,2}}:\d{{2}})"
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
            r"(?i)\b(?:time|timestamp|ts|epoch|now|generated|created|updated|date)\b[^\n\d]{0,20}"
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
        "a 'today is' line",
        re.compile(
            r"(?i)\b(?:today is|today's date is|todays date is|"
            r"current date(?: and time)?(?: is)?:?|"
            r"current time(?: is)?:?|current datetime:?|the time is now|the date is|it is now|"
            r"now is)\s+(?:\w+,?\s+){0,2}?" + _DATEISH
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Match:
    what: str
    start: int
    end: int
    text: str


def find_volatile(text: str) -> list[Match]:
    """Non-overlapping volatile spans in text, first match wins at each position."""
    if len(text) < 8:
        return []
    return list(_find_volatile(text))


@lru_cache(maxsize=256)  # a request log repeats the same tools and system text on every line
def _find_volatile(text: str) -> tuple[Match, ...]:
    found: list[Match] = []
    for what, pat in PATTERNS:
        for m in pat.finditer(text):
            if not any(m.start() < f.end and f.start < m.end() for f in found):
                found.append(Match(what, m.start(), m.end(), m.group()))
    found.sort(key=lambda f: f.start)
    return tuple(found)
