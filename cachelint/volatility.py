"""Text that changes on every request: clock times, epoch stamps, request ids, "today is" lines.

Used on payload text, where only the rendered string is known. The patterns are deliberately
narrow: a bare date, an unlabelled UUID or a long number is not enough, because static prompts
contain those too. A date without a time ("Today's date: 2026-11-22", as Claude Code writes it)
changes once a day, which costs one miss a day, so only lines that carry the time are reported.
Each pattern says what it found, for the message.

A date-time is also what examples and fixed facts look like ("e.g. 2026-05-01T14:30:00Z", "policy
effective from 2026-01-01 00:00 UTC"), so a time found here is only a candidate:
`Match.evident` says whether the text itself calls it the time of the request ("current time:",
"now", "as of", "generated at"; for an id, its label, unless it is given as an example), and the
rule looks for other evidence (the log) when it does not.
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
            r"\b(?P<value>1[5-9]\d{8}(?:\d{3}|\d{6})?(?:\.\d+)?)\b"
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


_IDS = frozenset({"a request id", "a per-request id"})
_TODAY_LINE = "a 'today is' line with the time"

# What may stand between a label and its value: punctuation, markup, "is", a weekday, a zone.
_FILLER = (
    r"(?:[\s:=,.\"'`*_()\[\]<>{}|#~-]"
    r"|\b(?:is|it's|it is|utc|gmt|local|right|here|currently|exactly|precisely)\b"
    r"|\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b)*"
)
# Labels that say a value is the time of the request itself ("~" stands for a space, "_" or
# "-"). "timestamp:", "date:", "updated" or "effective" only say it is a time, which a fixed
# fact is too.
_REQUEST_TIME_LABELS = (
    r"current(?:ly)?~(?:date~(?:and|&|/)?~time|date~time|datetime|date|time(?:~stamp)?"
    r"|(?:utc|local|system|server)~time)",
    r"today(?:'?s~date)?(?:~is)?",
    r"now\b",
    r"time~now",
    r"as~of",
    r"generated(?:~(?:at|on))?",
    r"(?:request(?:ed)?|sent|local|server|system|wall~clock)~"
    r"(?:time(?:~stamp)?|date~time|datetime|at|on)",
    r"(?:date|time)~(?:of|for)~(?:this|the)~(?:request|call|turn|message)",
    r"the~(?:date~and~)?time(?:~now)?~is",
    r"it(?:'s|~is)(?:~now)?",
)
# Words that introduce an example or a format rather than a value in force.
_EXAMPLE_LABELS = (
    r"e\.?g\b\.?",
    r"i\.e\b\.?",
    r"for~(?:example|instance)",
    r"examples?",
    r"such~as",
    r"like",
    r"samples?",
    r"format(?:ted)?(?:~(?:as|is))?",
    r"pattern",
    r"syntax",
)


def _right_before(labels: tuple[str, ...]) -> re.Pattern[str]:
    """One of `labels`, then only filler up to the end of the searched text."""
    alternatives = "|".join(labels).replace("~", r"[\s_-]*")
    return re.compile(rf"\b(?:{alternatives}){_FILLER}$", re.I)


_REQUEST_TIME = _right_before(_REQUEST_TIME_LABELS)
_EXAMPLE = _right_before(_EXAMPLE_LABELS)
_LEAD = 96  # characters before a value searched for its label


def _introduced(text: str, at: int, pattern: re.Pattern[str]) -> re.Match[str] | None:
    """`pattern` (ending in filler) right before position `at`."""
    return pattern.search(text, max(0, at - _LEAD), at)


def _labelled(text: str, at: int) -> bool:
    """Whether the text calls the value at `at` the time of the request (and not an example of
    such a label: "Example: Current time: ...")."""
    found = _introduced(text, at, _REQUEST_TIME)
    return found is not None and _introduced(text, found.start(), _EXAMPLE) is None


@dataclass(frozen=True, slots=True)
class Match:
    what: str
    start: int
    end: int
    text: str
    is_time: bool  # a date or time (else an id)
    evident: bool  # the text itself shows it is per request: a request-time label, an id's label


def _match(what: str, m: re.Match[str], text: str) -> Match:
    value_at = m.start("value") if "value" in m.re.groupindex else m.start()
    if what in _IDS:
        evident = _introduced(text, m.start(), _EXAMPLE) is None
    else:
        evident = what == _TODAY_LINE or _labelled(text, value_at)
    return Match(what, m.start(), m.end(), m.group(), what not in _IDS, evident)


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
                found.append(_match(what, m, text))
    found.sort(key=lambda f: f.start)
    return tuple(found)
