"""What a log says about the time of each request: when it was sent, and which values changed
between otherwise-equal requests.

A date-time in a prompt may be an example or a fixed fact; it is reported as the time of the
request (CL301, CL304) only with evidence. The text gives it with a label ("current time:"); the
log gives it when its record says when the request was sent and the value falls within that day,
or when the value differs between requests whose text is otherwise the same.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cachelint.moments import moments, parse_sent, within_day
from cachelint.volatility import Match, find_volatile

# Keys of a log record (next to the request, or on it) that say when it was sent.
_SENT_KEYS = (
    "timestamp",
    "@timestamp",
    "sent_at",
    "sentAt",
    "request_time",
    "requestTime",
    "requested_at",
    "requestedAt",
    "start_time",
    "startTime",
    "started_at",
    "created_at",
    "createdAt",
    "logged_at",
    "time",
    "ts",
    "datetime",
    "date",
)
_PLACES_MAX = 4096  # places remembered per log (least recently seen forgotten first)


def sent_at(record: Any) -> datetime | None:
    """When the log record says its request was sent, if it says so."""
    if not isinstance(record, dict):
        return None
    for key in _SENT_KEYS:
        if key in record:
            found = parse_sent(record[key])
            if found is not None:
                return found
    return None


class SeenValues:
    """The values found at each place in the requests of one log so far. A place is the string's
    path in the request, its text with every such value masked, and the value's rank there: two
    requests with the same place differ only in those values."""

    def __init__(self) -> None:
        self._last: OrderedDict[bytes, tuple[str, str]] = OrderedDict()

    def before(self, path: tuple, text: str, m: Match, where: str) -> tuple[str, str] | None:
        """(value, where) of the last request with the same place as `m`; remembers `m`'s."""
        found = find_volatile(text)
        digest = hashlib.blake2b(repr(path).encode(), digest_size=16)
        at = 0
        for f in found:
            digest.update(text[at : f.start].encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
            at = f.end
        digest.update(text[at:].encode("utf-8", "surrogatepass"))
        digest.update(str(found.index(m)).encode())
        key = digest.digest()
        before = self._last.pop(key, None)
        self._last[key] = (m.text, where)
        if len(self._last) > _PLACES_MAX:
            self._last.popitem(last=False)
        return before


@dataclass(slots=True)
class RequestClock:
    """What the log says about one request's time (`Prompt.clock`)."""

    sent: datetime | None = None
    log: SeenValues | None = None
    where: str = ""  # the request's place in the log, for messages: "line 3"

    def evidence(self, path: tuple, text: str, m: Match) -> str | None:
        """Why the value `m` in `text` (at `path`) is the time of this request ("that differs
        between requests of this log ..."), or None."""
        before = self.log.before(path, text, m, self.where) if self.log is not None else None
        if before is not None:
            old, where = before
            if old != m.text:
                return f"that differs between requests of this log ({old} at {where})"
            return None  # the same on an earlier request: not the time of each request
        if self.sent is not None and m.is_time:
            after = text[m.end : m.end + 16]
            if any(within_day(v, self.sent) for v in moments(m.text, after)):
                return f"of the day the log says this request was sent ({self.sent:%Y-%m-%d})"
        return None
